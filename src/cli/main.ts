/**
 * backup-sentinel CLI. Exit codes: 0 done (and nothing matched --fail-on), 1 findings matched
 * --fail-on, 2 bad usage or invalid input file, 3 unexpected failure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type AuditResult, auditInventory } from '../app/audit.js';
import { auditAccount, fixAccount, type LiveOptions, snapshot } from '../app/live.js';
import { Aws } from '../aws/clients.js';
import { SentinelError } from '../errors.js';
import { parseInventory } from '../inventory/index.js';
import { type PolicySet, parsePolicies } from '../policy/index.js';
import { policyFileSchema } from '../policy/schema.js';
import { planRemediation } from '../remediation/planner.js';
import { RULES } from '../rules/registry.js';
import { type Format, renderAudit, renderFix, renderPlan, renderRules } from './format.js';

export const VERSION = '0.1.0';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => string;
  writeFile: (path: string, text: string) => void;
  now: () => Date;
  env: Record<string, string | undefined>;
}

const USAGE = `backup-sentinel ${VERSION} — audits and heals AWS Backup coverage of RDS and S3 against declared policies

Usage:
  backup-sentinel audit    (--inventory FILE | LIVE) [--policies FILE] [--format table|json|markdown]
                           [--fail-on non-compliant|error|never] [--all] [--now ISO-DATE]
  backup-sentinel plan     (--inventory FILE | LIVE) [--policies FILE] [--format table|json|markdown]
                           [--alert-topic-arn ARN]
  backup-sentinel fix      LIVE [--apply] [--max-changes N] [--only RULES] [--policies FILE]
                           [--backup-role-arn ARN] [--alert-topic-arn ARN] [--format table|json]
  backup-sentinel snapshot LIVE --out FILE [--policies FILE]
  backup-sentinel policies validate FILE
  backup-sentinel policies schema
  backup-sentinel rules    [--format table|json|markdown]

LIVE (reads the account your AWS credentials point at):
  --region REGION    a region to read; repeat for several (default: $AWS_REGION)
  --profile NAME     a profile from ~/.aws/config
  --endpoint-url URL send every AWS call there (an emulator such as moto server)
  --dr-role-arn ARN  read-only role in the DR account ({account} is replaced by its id), to
                     check that copies really landed there
  --window-days N    how far back jobs and recovery points are read (default: from the policies)

Options:
  --inventory FILE   audit a saved snapshot instead, e.g. examples/demo-account.json
  --policies FILE    the policy file (default: policies.yml)
  --all              also list compliant and not-applicable checks
  --now ISO-DATE     evaluate a snapshot as of this time (default: its capturedAt)
  --fail-on LEVEL    exit 1 when a finding is non-compliant (or an error); default never
  --apply            fix: make the changes (without it, fix is a dry run that reads and reports)
  --max-changes N    fix: at most N changes in this run (default 20)
  --only RULES       fix: only what fixes these rule ids or areas, e.g. s3,rds.deletion-protection

Exit codes: 0 ok, 1 findings matched --fail-on (or a fix action failed), 2 bad usage, invalid
file or unusable AWS credentials, 3 unexpected failure.
`;

class UsageError extends SentinelError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const FORMATS = ['table', 'json', 'markdown'] as const;

function format(value: string | undefined): Format {
  if (value === undefined) return 'table';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${value}")`);
}

function now(value: string | undefined, fallback: string): Date {
  const d = new Date(value ?? fallback);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--now must be an ISO-8601 date (got "${value}")`);
  return d;
}

function read(io: Io, path: string, what: string): string {
  try {
    return io.readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof SentinelError) {
      io.stderr(`error: ${e.message}\n`);
      if (e instanceof UsageError) io.stderr('Run "backup-sentinel --help" for usage.\n');
      return 2;
    }
    const name = (e as Error).name;
    if (
      name === 'CredentialsProviderError' ||
      name === 'ExpiredTokenException' ||
      name === 'ExpiredToken' ||
      name === 'TokenProviderError' ||
      name === 'InvalidClientTokenId'
    ) {
      io.stderr(`error: cannot use the AWS credentials: ${(e as Error).message}\n`);
      return 2;
    }
    io.stderr(`unexpected failure: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
}

type Values = ReturnType<typeof parse>['values'];

function policiesFrom(io: Io, values: Values) {
  const path = values.policies ?? 'policies.yml';
  return parsePolicies(read(io, path, 'policy file'), path);
}

function live(io: Io, values: Values, policies: PolicySet) {
  const regions = (values.region ?? []).flatMap((r) => r.split(',')).filter(Boolean);
  if (regions.length === 0 && io.env.AWS_REGION) regions.push(io.env.AWS_REGION);
  if (regions.length === 0)
    throw new UsageError('name the regions to read with --region (or set AWS_REGION)');
  const windowDays =
    values['window-days'] === undefined ? undefined : positiveInt(values['window-days'], '--window-days');
  const aws = new Aws({
    ...(values['endpoint-url'] ? { endpoint: values['endpoint-url'] } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
  });
  const started = Date.now();
  const options: LiveOptions = {
    regions,
    policies,
    now: io.now(),
    ...(values['dr-role-arn'] ? { drRoleArn: values['dr-role-arn'] } : {}),
    ...(windowDays ? { windowDays } : {}),
    onProgress: (m) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`),
  };
  return { aws, options };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} must be a whole number (got "${value}")`);
  return n;
}

async function auditFrom(io: Io, values: Values, policies: PolicySet): Promise<AuditResult> {
  if (values.inventory) {
    const inventory = parseInventory(read(io, values.inventory, 'inventory'), values.inventory);
    return auditInventory(inventory, policies, now(values.now, inventory.capturedAt));
  }
  const { aws, options } = live(io, values, policies);
  const { result } = await auditAccount(aws, options);
  io.stderr(`read ${result.summary.resources} resources with ${aws.totalCalls()} AWS calls\n`);
  return result;
}

async function run(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, sub, arg] = positionals;
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  switch (command) {
    case 'audit': {
      const failOn = values['fail-on'] ?? 'never';
      if (!['non-compliant', 'error', 'never'].includes(failOn)) {
        throw new UsageError(`--fail-on must be non-compliant, error or never (got "${failOn}")`);
      }
      const fmt = format(values.format);
      const result = await auditFrom(io, values, policiesFrom(io, values));
      io.stdout(renderAudit(result, fmt, values.all));
      const { NON_COMPLIANT, ERROR } = result.summary.byStatus;
      if (failOn === 'non-compliant' && NON_COMPLIANT + ERROR > 0) return 1;
      if (failOn === 'error' && ERROR > 0) return 1;
      return 0;
    }
    case 'plan': {
      const fmt = format(values.format);
      const result = await auditFrom(io, values, policiesFrom(io, values));
      const topic = values['alert-topic-arn'];
      io.stdout(renderPlan(planRemediation(result.findings, topic ? { alertTopicArn: topic } : {}), fmt));
      return 0;
    }
    case 'snapshot': {
      if (!values.out) throw new UsageError('snapshot needs --out FILE');
      const { aws, options } = live(io, values, policiesFrom(io, values));
      const inventory = await snapshot(aws, options);
      io.writeFile(values.out, `${JSON.stringify(inventory, null, 2)}\n`);
      io.stderr(
        `wrote ${values.out}: ${inventory.resources.length} resources, ${inventory.collectionErrors.length} collection errors, ${aws.totalCalls()} AWS calls\n`,
      );
      return 0;
    }
    case 'fix': {
      if (values.inventory) throw new UsageError('fix reads the live account; it does not take --inventory');
      const fmt = format(values.format);
      const policies = policiesFrom(io, values);
      const maxChanges =
        values['max-changes'] === undefined ? 20 : positiveInt(values['max-changes'], '--max-changes');
      const { aws, options } = live(io, values, policies);
      const fixed = await fixAccount(aws, {
        ...options,
        apply: values.apply,
        maxChanges,
        ...(values['backup-role-arn'] ? { backupRoleArn: values['backup-role-arn'] } : {}),
        ...(values['alert-topic-arn'] ? { alertTopicArn: values['alert-topic-arn'] } : {}),
        ...(values.only
          ? {
              only: values.only
                .split(',')
                .map((x) => x.trim())
                .filter(Boolean),
            }
          : {}),
      });
      io.stdout(renderFix(fixed, values.apply, fmt));
      return fixed.results.some((r) => r.status === 'failed') ? 1 : 0;
    }
    case 'policies': {
      if (sub === 'schema') {
        io.stdout(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
        return 0;
      }
      if (sub !== 'validate' || !arg)
        throw new UsageError('usage: backup-sentinel policies validate FILE | policies schema');
      const set = parsePolicies(read(io, arg, 'policy file'), arg);
      const names = Object.keys(set.policies);
      io.stdout(
        `${arg}: valid — ${names.length} ${names.length === 1 ? 'policy' : 'policies'} (${names.join(', ')}), tag key ${set.tagKey}\n`,
      );
      return 0;
    }
    case 'rules':
      io.stdout(renderRules(RULES, format(values.format)));
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string' },
      policies: { type: 'string' },
      format: { type: 'string' },
      'fail-on': { type: 'string' },
      'alert-topic-arn': { type: 'string' },
      now: { type: 'string' },
      region: { type: 'string', multiple: true },
      profile: { type: 'string' },
      'endpoint-url': { type: 'string' },
      'dr-role-arn': { type: 'string' },
      'window-days': { type: 'string' },
      out: { type: 'string' },
      apply: { type: 'boolean', default: false },
      'max-changes': { type: 'string' },
      'backup-role-arn': { type: 'string' },
      only: { type: 'string' },
      all: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
}

/** JSON Schema of the policy file, for editor completion (docs/policy.schema.json). */
export function policyJsonSchema(): unknown {
  return z.toJSONSchema(policyFileSchema, { io: 'input', unrepresentable: 'any' });
}

const isEntryPoint = process.argv[1] !== undefined && /(?:cli\.mjs|main\.ts)$/.test(process.argv[1]);
if (isEntryPoint) {
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => writeFileSync(p, t),
    now: () => new Date(),
    env: process.env,
  }).then((code) => {
    process.exitCode = code;
  });
}
