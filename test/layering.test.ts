/**
 * The layering is checked, not remembered: rules, policy and the planner import no AWS SDK, no
 * collector, executor, use-case or CLI (biome.json noRestrictedImports), and rules never read the
 * clock (they are given `now`).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Biome's verdict on `source` placed at `path` (under a name no other file has, removed after). */
function lint(path: string, source: string) {
  const file = path.replace(/\.ts$/, `.layering-probe-${process.pid}.ts`);
  writeFileSync(file, source);
  try {
    const run = spawnSync('npx', ['biome', 'lint', file], { encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(file, { force: true });
  }
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('layering', () => {
  it.each([
    ['src/rules/catalogue/probe.ts', "import { BackupClient } from '@aws-sdk/client-backup';"],
    ['src/rules/probe.ts', "import { collectInventory } from '../inventory/collect/index.js';"],
    ['src/policy/probe.ts', "import { executePlan } from '../remediation/execute.js';"],
    ['src/remediation/planner.ts', "import { main } from '../cli/main.js';"],
    ['src/rules/probe.ts', "import { readFileSync } from 'node:fs';"],
  ])('biome refuses %s importing %s', (path, line) => {
    // Act
    const { ok, output } = lint(path, `${line}\nexport const probe = [${line.match(/\{ (\w+) \}/)?.[1]}];\n`);
    // Assess
    expect(ok, output).toBe(false);
    expect(output).toContain('pure layer');
  });

  it('biome lets the collector import the SDK', () => {
    const { ok, output } = lint(
      'src/inventory/collect/probe.ts',
      "import { BackupClient } from '@aws-sdk/client-backup';\nexport const probe = [BackupClient];\n",
    );
    expect(ok, output).toBe(true);
  });

  it('only src/aws/clients.ts loads the AWS SDK, and only on first use (import(), never a static value import)', () => {
    const staticValueImport = /^import (?!type )[^;]*?from '@aws-sdk\/[^']+';/gms;
    const offenders = [...files('src'), ...files('functions')].flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(staticValueImport)].map((m) => `${f}: ${m[0].split('\n')[0]}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the YAML parser is loaded only where a policy file is read (src/policy/index.ts)', () => {
    const readers = [...files('src'), ...files('functions')].filter((f) =>
      /^import [^;]*from 'yaml';/m.test(readFileSync(f, 'utf8')),
    );
    expect(readers).toEqual(['src/policy/index.ts']);
  });

  it('no rule reads the clock: Date.now() and new Date() without an argument appear nowhere in src/rules', () => {
    const reads = files('src/rules').flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
        .filter(({ line }) => /Date\.now\(\)|new Date\(\)/.test(line)),
    );
    expect(reads).toEqual([]);
  });
});
