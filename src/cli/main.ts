/**
 * backup-sentinel CLI. Exit codes: 0 done (and nothing matched --fail-on), 1 findings matched
 * --fail-on, 2 bad usage or invalid input file, 3 unexpected failure.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { auditInventory } from '../app/audit.js';
import { SentinelError } from '../errors.js';
import { parseInventory } from '../inventory/index.js';
import { parsePolicies } from '../policy/index.js';
import { policyFileSchema } from '../policy/schema.js';
import { planRemediation } from '../remediation/planner.js';
import { RULES } from '../rules/registry.js';
import { type Format, renderAudit, renderPlan, renderRules } from './format.js';

export const VERSION = '0.1.0';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => string;
}

const USAGE = `backup-sentinel ${VERSION} — audits AWS Backup coverage of RDS and S3 against declared policies

Usage:
  backup-sentinel audit  --inventory FILE [--policies FILE] [--format table|json|markdown]
                         [--fail-on non-compliant|error|never] [--all] [--now ISO-DATE]
  backup-sentinel plan   --inventory FILE [--policies FILE] [--format table|json|markdown]
                         [--alert-topic-arn ARN] [--now ISO-DATE]
  backup-sentinel policies validate FILE
  backup-sentinel policies schema
  backup-sentinel rules  [--format table|json|markdown]

Options:
  --inventory FILE   an inventory snapshot (JSON), e.g. examples/demo-account.json
  --policies FILE    the policy file (default: policies.yml)
  --all              also list compliant and not-applicable checks
  --now ISO-DATE     evaluate as of this time (default: the inventory's capturedAt)
  --fail-on LEVEL    exit 1 when a finding is non-compliant (or an error); default never

Exit codes: 0 ok, 1 findings matched --fail-on, 2 bad usage or invalid file, 3 unexpected failure.
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

export function main(argv: string[], io: Io): number {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof SentinelError) {
      io.stderr(`error: ${e.message}\n`);
      if (e instanceof UsageError) io.stderr('Run "backup-sentinel --help" for usage.\n');
      return 2;
    }
    io.stderr(`unexpected failure: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
}

function run(argv: string[], io: Io): number {
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
    case 'audit':
    case 'plan': {
      if (!values.inventory) throw new UsageError(`${command} needs --inventory FILE`);
      const policiesPath = values.policies ?? 'policies.yml';
      const policies = parsePolicies(read(io, policiesPath, 'policy file'), policiesPath);
      const inventory = parseInventory(read(io, values.inventory, 'inventory'), values.inventory);
      const result = auditInventory(inventory, policies, now(values.now, inventory.capturedAt));
      if (command === 'plan') {
        const plan = planRemediation(
          result.findings,
          values['alert-topic-arn'] ? { alertTopicArn: values['alert-topic-arn'] } : {},
        );
        io.stdout(renderPlan(plan, format(values.format)));
        return 0;
      }
      io.stdout(renderAudit(result, format(values.format), values.all));
      const failOn = values['fail-on'] ?? 'never';
      if (!['non-compliant', 'error', 'never'].includes(failOn)) {
        throw new UsageError(`--fail-on must be non-compliant, error or never (got "${failOn}")`);
      }
      const { NON_COMPLIANT, ERROR } = result.summary.byStatus;
      if (failOn === 'non-compliant' && NON_COMPLIANT + ERROR > 0) return 1;
      if (failOn === 'error' && ERROR > 0) return 1;
      return 0;
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
  process.exitCode = main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFileSync(p, 'utf8'),
  });
}
