/**
 * What the standalone CloudFormation templates' tests share (resources/escrow-destination.yml,
 * resources/backup-roles.yml): the template read as plain YAML (long-form intrinsics), its
 * resources by id, IAM statements and patterns, and cfn-lint.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

/** Whether an IAM pattern ("kms:Generate*", "arn:...:snapshot:awsbackup:*", "?" one character) covers `value`. */
export const covers = (pattern: string, value: string, flags = '') =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
    flags,
  ).test(value);

/** A template file: its text, its parsed document, and its resources by logical id. */
export function loadTemplate<T extends { Resources: Record<string, R> }, R = T['Resources'][string]>(
  file: string,
) {
  const text = readFileSync(file, 'utf8');
  const template = parse(text) as T;
  const resource = (id: string): R => {
    const r = template.Resources[id];
    if (!r) throw new Error(`${file} has no resource ${id}`);
    return r;
  };
  return { text, template, resource };
}

/** Creates .venv (cfn-lint) on first use; quiet and quick when it is up to date. */
export function ensureVenv(): void {
  execFileSync('bash', ['scripts/ensure-venv.sh'], { stdio: 'pipe', timeout: 600_000 });
}

/** cfn-lint on a template: ok unless its exit code has bit 2 (errors; 4 = warnings, 8 = informational). */
export function cfnLint(file: string): { ok: boolean; output: string } {
  const run = spawnSync('.venv/bin/cfn-lint', [file], { encoding: 'utf8' });
  return { ok: run.status !== null && (run.status & 2) === 0, output: `${run.stdout}${run.stderr}` };
}
