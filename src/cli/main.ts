/**
 * backup-sentinel CLI. Exit codes: 0 done (and nothing matched --fail-on), 1 findings matched
 * --fail-on (or a fix action, a key or a key material failed or is unrecoverable), 2 bad usage,
 * an unreadable or invalid input file, or AWS that cannot be used, 3 unexpected failure (a bug).
 * The program entry is ./bin.ts; this module has no side effects.
 */
import { parseArgs } from 'node:util';
import { type AuditResult, auditInventory } from '../app/audit.js';
import { fixAccount, type LiveOptions, snapshot } from '../app/live.js';
import { Aws } from '../aws/clients.js';
import { printable, SentinelError } from '../errors.js';
import { describeFileError, formatBytes, MiB, UnreadableFileError } from '../files.js';
import { parseArn } from '../inventory/arn.js';
import { READ_FROM, type ReadFrom } from '../inventory/collect/config-route.js';
import { type Inventory, parseInventory } from '../inventory/index.js';
import { closest } from '../issues.js';
import { where } from '../keys/escrow.js';
import { restoreKey } from '../keys/restore.js';
import { type KeyOutcome, rotateAll } from '../keys/rotate.js';
import { MAX_POLICY_BYTES, type PolicySet, parsePolicies } from '../policy/index.js';
import { policyJsonSchema } from '../policy/schema.js';
import { planRemediation } from '../remediation/planner.js';
import { RULES } from '../rules/registry.js';
import { type AwsContext, describeAwsFailure } from './aws-errors.js';
import { drReportFlags, runDrReport } from './dr-report.js';
import {
  auditJsonChunks,
  FORMATS,
  type Format,
  renderAudit,
  renderFix,
  renderPlan,
  renderRestore,
  renderRotation,
  renderRules,
} from './format.js';
import {
  RESTORE_FLAGS,
  RESTORE_HELP,
  RESTORE_SHARED_FLAGS,
  RESTORE_USAGE,
  restoreCommand,
} from './restore.js';

/** `fix` exits 1 only when a change failed; a change refused for safety is not a failure. */
export function fixExitCode(results: readonly { status: string }[]): 0 | 1 {
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

export const VERSION = '0.1.0';

/** Largest inventory read (a 10 000-resource snapshot is a few tens of MiB). */
export const MAX_INVENTORY_BYTES = 256 * MiB;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The file's text; may refuse files over `maxBytes` (the CLI checks the length again). */
  readFile: (path: string, maxBytes: number) => string;
  writeFile: (path: string, text: string) => void;
  now: () => Date;
  env: Record<string, string | undefined>;
}

const MAX_CHANGES = 10_000;
const MAX_WINDOW_DAYS = 3650;

type Command =
  | 'audit'
  | 'plan'
  | 'dr-report'
  | 'fix'
  | 'snapshot'
  | 'keys'
  | 'restore'
  | 'policies'
  | 'rules';

const LIVE_FLAGS = ['region', 'profile', 'endpoint-url', 'dr-role-arn', 'window-days', 'read-from'] as const;

/** Each command's usage lines and the flags it accepts (besides --help and --version). */
const COMMANDS: Record<Command, { usage: string[]; flags: readonly string[]; live?: true }> = {
  audit: {
    usage: [
      'backup-sentinel audit    (--inventory FILE | LIVE) [--policies FILE] [--format table|json|markdown]',
      '                         [--fail-on non-compliant|error|never] [--all] [--now ISO-DATE]',
    ],
    flags: ['inventory', 'policies', 'format', 'fail-on', 'all', 'now', ...LIVE_FLAGS],
    live: true,
  },
  plan: {
    usage: [
      'backup-sentinel plan     (--inventory FILE | LIVE) [--policies FILE] [--format table|json|markdown]',
      '                         [--alert-topic-arn ARN]',
    ],
    flags: ['inventory', 'policies', 'format', 'alert-topic-arn', ...LIVE_FLAGS],
    live: true,
  },
  'dr-report': {
    usage: [
      'backup-sentinel dr-report (--inventory FILE | LIVE) [--policies FILE] [--out FILE]',
      '                         [--format table|json|csv|markdown|html] [--fail-on rpo|never] [--now ISO-DATE]',
    ],
    flags: ['inventory', 'policies', 'format', 'out', 'fail-on', 'now', ...LIVE_FLAGS],
    live: true,
  },
  fix: {
    usage: [
      'backup-sentinel fix      LIVE [--apply] [--max-changes N] [--only RULES] [--policies FILE]',
      '                         [--backup-role-arn ARN | --backup-roles none|template] [--alert-topic-arn ARN]',
      '                         [--format table|json]',
    ],
    flags: [
      'apply',
      'max-changes',
      'only',
      'policies',
      'backup-role-arn',
      'backup-roles',
      'alert-topic-arn',
      'format',
      ...LIVE_FLAGS,
    ],
    live: true,
  },
  snapshot: {
    usage: ['backup-sentinel snapshot LIVE --out FILE [--policies FILE]'],
    flags: ['out', 'policies', ...LIVE_FLAGS],
    live: true,
  },
  keys: {
    usage: [
      'backup-sentinel keys     rotate [--key ARN] [--apply] [--policies FILE] [--format table|json] LIVE',
      'backup-sentinel keys     restore --key ARN [--from ACCOUNT/REGION] [--apply] [--policies FILE]',
      '                         [--format table|json] LIVE',
    ],
    flags: ['key', 'from', 'apply', 'policies', 'format', 'region', 'profile', 'endpoint-url'],
    live: true,
  },
  restore: { usage: RESTORE_USAGE, flags: [...Object.keys(RESTORE_FLAGS), ...RESTORE_SHARED_FLAGS] },
  policies: {
    usage: ['backup-sentinel policies validate FILE', 'backup-sentinel policies schema'],
    flags: [],
  },
  rules: { usage: ['backup-sentinel rules    [--format table|json|markdown]'], flags: ['format'] },
};

/** Flags that a user may well expect a command to take, and why it does not. */
const REFUSALS: Partial<Record<Command, Partial<Record<Flag, string>>>> = {
  fix: { inventory: 'fix reads the live account; it does not take --inventory' },
  snapshot: { inventory: 'snapshot reads the live account; it does not take --inventory' },
  keys: {
    inventory: 'keys reads the live account; it does not take --inventory',
    'dr-role-arn':
      'keys reads and writes the escrow through the roles of keyMaterial.escrow in the policy file; it does not take --dr-role-arn',
    'window-days': 'keys reads no backup jobs or recovery points; it does not take --window-days',
  },
  restore: {
    'dr-role-arn':
      'restore runs in another account through --from-account and --role-arn; it does not take --dr-role-arn',
  },
};

const LIVE_USAGE = [
  'LIVE = --region REGION [--region …] [--profile NAME] [--endpoint-url URL]',
  '       [--dr-role-arn ARN] [--window-days N] [--read-from auto|direct]',
];

const USAGE = `backup-sentinel ${VERSION} — audits and heals AWS Backup coverage of RDS and S3 against declared policies

Usage:
${Object.values(COMMANDS)
  .flatMap((c) => c.usage)
  .map((line) => `  ${line}\n`)
  .join('')}
LIVE (reads the account your AWS credentials point at):
  --region REGION    a region to read; repeat for several (default: $AWS_REGION)
  --profile NAME     a profile from ~/.aws/config
  --endpoint-url URL send every AWS call there (an emulator such as moto server)
  --dr-role-arn ARN  read-only role in the DR account ({account} is replaced by its id), to
                     check that copies really landed there
  --window-days N    how far back jobs and recovery points are read, 1-${MAX_WINDOW_DAYS} (default: from the
                     policies)
  --read-from auto|direct
                     where bucket settings are read: auto takes them from AWS Config where its
                     recorder serves them, else directly; direct always asks S3 (default: $READ_FROM,
                     else auto)

Options:
  --inventory FILE   audit a saved snapshot instead, e.g. examples/demo-account.json
  --policies FILE    the policy file (default: policies.yml)
  --all              also list compliant and not-applicable checks
  --now ISO-DATE     evaluate a snapshot as of this time, e.g. 2026-11-25T06:00:00Z (default: its
                     capturedAt)
  --fail-on LEVEL    exit 1 when a finding is non-compliant (or an error); default never
  --fail-on rpo      dr-report: exit 1 when a resource does not meet its RPO if its region or its
                     account is lost; "no copy" and "not read" count as not met (default never)
  --out FILE         snapshot: the file to write; dr-report: write the report there, not to stdout
  --apply            fix, keys: make the changes (without it, a dry run that reads and reports)
  --max-changes N    fix: at most N changes in this run, 0-${MAX_CHANGES} (default 20)
  --only RULES       fix: only what fixes these rule ids or areas, e.g. s3,rds.deletion-protection
  --backup-roles template
                     fix: resources/backup-roles.yml is deployed in the account and regions: each
                     selection and restore test gets its kind's role from it (default none: the
                     one --backup-role-arn, else AWSBackupDefaultServiceRole)
  --key ARN          keys: the KMS key (rotate: only that managed key; restore: the key whose
                     material expired or was deleted)
  --from ACCOUNT/REGION
                     keys restore: read the escrow copies from this keyMaterial.escrow destination
                     only, e.g. 222222222222/eu-central-1 (default: the first that holds each)
${RESTORE_HELP}
Exit codes: 0 ok, 1 findings matched --fail-on (or a fix action, a key or a key material failed or
is unrecoverable), 2 bad usage, invalid file, unusable AWS credentials or unreachable endpoint,
3 unexpected failure.
`;

class UsageError extends SentinelError {
  /** The command whose usage lines should follow the message. */
  readonly command: Command | undefined;
  constructor(message: string, command?: Command) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

function commandUsage(command: Command): string {
  const { usage, live } = COMMANDS[command];
  return `Usage:\n${[...usage, ...(live ? LIVE_USAGE : [])].map((l) => `  ${l}\n`).join('')}`;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const context: AwsContext = {};
  try {
    return await run(argv, io, context);
  } catch (e) {
    if (e instanceof SentinelError) {
      io.stderr(`error: ${printable(e.message)}\n`);
      if (e instanceof UsageError) {
        if (e.command) io.stderr(commandUsage(e.command));
        io.stderr('Run "backup-sentinel --help" for usage.\n');
      }
      return 2;
    }
    const aws = describeAwsFailure(e, context);
    if (aws) {
      io.stderr(`error: ${aws}\n`);
      return 2;
    }
    io.stderr(`unexpected failure: ${(e as Error)?.stack ?? String(e)}\n`);
    return 3;
  }
}

// ---------------------------------------------------------------------------------------------
// The command line

const FLAGS = {
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
  'read-from': { type: 'string' },
  out: { type: 'string' },
  apply: { type: 'boolean', default: false },
  'max-changes': { type: 'string' },
  'backup-role-arn': { type: 'string' },
  'backup-roles': { type: 'string' },
  only: { type: 'string' },
  key: { type: 'string' },
  from: { type: 'string' },
  all: { type: 'boolean', default: false },
  ...RESTORE_FLAGS,
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Flag = keyof typeof FLAGS;

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values'];

type CommandLine =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; command: Command; values: Values; args: string[] };

const isFlag = (name: string): name is Flag => Object.hasOwn(FLAGS, name);
const isCommand = (name: string): name is Command => Object.hasOwn(COMMANDS, name);

/**
 * Splits argv into the command, its flags and its arguments. Every flag must be one the command
 * takes; string flags need a value, boolean flags take none, and only --region may repeat.
 */
function parseCommandLine(argv: string[]): CommandLine {
  const { tokens } = parseArgs({
    args: argv,
    options: FLAGS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const options = tokens.filter((t) => t.kind === 'option');
  if (options.some((t) => t.name === 'help' || t.name === 'h')) return { kind: 'help' };
  if (options.some((t) => t.name === 'version')) return { kind: 'version' };
  const [head, ...rest] = tokens.filter((t) => t.kind === 'positional');
  const name = head?.value;
  const args = rest.map((t) => t.value);
  const unknown = options.find((t) => !isFlag(t.name));
  if (unknown && (head === undefined || unknown.index < head.index))
    throw new UsageError(`Unknown option '${printable(unknown.rawName, false)}'`);
  if (name === undefined && options.length > 0) {
    throw new UsageError(
      `name a command before ${printable(options[0]?.rawName ?? '', false)}: ${Object.keys(COMMANDS).join(', ')}`,
    );
  }
  if (name === undefined || name === 'help') return { kind: 'help' };
  if (!isCommand(name)) throw new UsageError(`unknown command "${printable(name, false)}"`);
  const command = name;
  const allowed = new Set<string>(COMMANDS[command].flags);
  const values: Record<string, unknown> = { apply: false, all: false };
  for (const t of options) {
    const raw = printable(t.rawName, false);
    if (!isFlag(t.name)) throw new UsageError(`Unknown option '${raw}' for ${command}`, command);
    if (!allowed.has(t.name)) {
      const refusal = REFUSALS[command]?.[t.name];
      if (refusal) throw new UsageError(refusal, command);
      const owners = (Object.keys(COMMANDS) as Command[]).filter((c) => COMMANDS[c].flags.includes(t.name));
      throw new UsageError(
        `Unknown option '${raw}' for ${command}${owners.length ? ` (it is an option of ${owners.join(', ')})` : ''}`,
        command,
      );
    }
    const spec: { type: 'string' | 'boolean'; multiple?: boolean } = FLAGS[t.name];
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`${raw} takes no value (got "${t.value}")`, command);
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined) throw new UsageError(`${raw} needs a value`, command);
    if (!t.inlineValue && t.value.startsWith('-')) {
      throw new UsageError(
        `${raw} needs a value (got the option "${printable(t.value, false)}"; write ${raw}=${printable(t.value, false)} if that is the value)`,
        command,
      );
    }
    if (spec.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), t.value];
    else if (values[t.name] !== undefined) throw new UsageError(`${raw} is given more than once`, command);
    else values[t.name] = t.value;
  }
  return { kind: 'run', command, values: values as unknown as Values, args };
}

// ---------------------------------------------------------------------------------------------
// Flag values

function format(value: string | undefined, allowed: readonly Format[] = FORMATS): Format {
  if (value === undefined) return 'table';
  if ((allowed as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${allowed.join(', ')} (got "${printable(value, false)}")`);
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** --now: a real calendar date, alone (midnight UTC) or with a time and an explicit time zone. */
function isoDate(value: string): Date {
  const bad = (why = '') =>
    new UsageError(
      `--now must be an ISO-8601 date (got "${printable(value, false)}")${why}, e.g. 2026-11-25 or 2026-11-25T06:00:00Z`,
    );
  const m = ISO_DATE.exec(value);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) throw bad(' without a time zone');
    throw bad();
  }
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => Number(x ?? 0));
  const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() + 1 !== month ||
    calendar.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw bad(': no such date or time');
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw bad();
  return d;
}

function wholeNumber(value: string, flag: string, min: number, max: number): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`${flag} must be a whole number (got "${printable(value, false)}")`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`${flag} must be from ${min} to ${max} (got ${value})`);
  return n;
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** The ARN flags, each with its pattern and an example for the error message. */
const ARNS = {
  // {account} stands for each DR account's id
  'dr-role-arn': {
    pattern: /^arn:aws[a-z-]*:iam::(?:\d{12}|\{account\}):role\/[\w+=,.@/-]+$/,
    example: 'arn:aws:iam::{account}:role/backup-sentinel-read',
  },
  'backup-role-arn': {
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    example: 'arn:aws:iam::111111111111:role/service-role/AWSBackupDefaultServiceRole',
  },
  'alert-topic-arn': {
    pattern: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+(?:\.fifo)?$/,
    example: 'arn:aws:sns:eu-central-1:111111111111:alerts',
  },
  // a key ARN, not an alias or a bare key id (the region is where the key is restored)
  key: {
    pattern: /^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:key\/[a-zA-Z0-9-]{1,128}$/,
    example: 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
} as const;

function arn(values: Values, flag: keyof typeof ARNS): string | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  const { pattern, example } = ARNS[flag];
  if (!pattern.test(value)) {
    throw new UsageError(`--${flag} must be an ARN like ${example} (got "${printable(value, false)}")`);
  }
  return value;
}

/** --backup-roles: 'template', or none; with --backup-role-arn the two would name different roles. */
function backupRolesFlag(
  value: string | undefined,
  backupRoleArn: string | undefined,
): 'template' | undefined {
  if (value === undefined || value === 'none') return undefined;
  if (value !== 'template')
    throw new UsageError(
      `--backup-roles must be none or template (got "${printable(value, false)}"); template once resources/backup-roles.yml is deployed in the account and regions`,
      'fix',
    );
  if (backupRoleArn)
    throw new UsageError(
      '--backup-roles template gives each selection its role from resources/backup-roles.yml, and --backup-role-arn names one role for all: pass one of them',
      'fix',
    );
  return value;
}

/** --from ACCOUNT/REGION: a 12-digit account id and a region. */
function fromDestination(value: string): { account: string; region: string } {
  const m = /^(\d{12})\/([a-z0-9-]+)$/.exec(value);
  if (!m || !REGION.test(m[2] ?? ''))
    throw new UsageError(
      `--from must be ACCOUNT/REGION, a 12-digit account id and a region, like 222222222222/eu-central-1 (got "${printable(value, false)}")`,
      'keys',
    );
  return { account: m[1] ?? '', region: m[2] ?? '' };
}

function endpointUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(
      `--endpoint-url must be an http(s) URL like http://127.0.0.1:5000 (got "${printable(value, false)}")`,
    );
  }
  return value;
}

/** --only: rule ids or areas from the catalogue ("s3", "rds.deletion-protection"). */
function onlyRules(value: string): string[] {
  const wanted = value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const known = new Set(RULES.flatMap((r) => [r.id, r.id.split('.')[0] ?? r.id]));
  for (const w of wanted) {
    if (known.has(w)) continue;
    const near = closest(w, [...known]);
    throw new UsageError(
      `--only: no rule or area "${printable(w, false)}"${near ? ` (did you mean "${near}"?)` : ''}; "backup-sentinel rules" lists them`,
    );
  }
  if (wanted.length === 0) throw new UsageError('--only needs at least one rule id or area, e.g. s3');
  return wanted;
}

// ---------------------------------------------------------------------------------------------
// Files

function read(io: Io, path: string, what: string, maxBytes: number): string {
  let text: string;
  try {
    text = io.readFile(path, maxBytes);
  } catch (e) {
    // io.readFile may be readTextFile, or a plain reader (the tests) that throws errno errors
    const reason = e instanceof UnreadableFileError ? e.reason : describeFileError(e);
    throw new UsageError(`cannot read ${what} ${printable(path, false)}: ${reason}`);
  }
  if (text.length > maxBytes) {
    throw new UsageError(
      `cannot read ${what} ${printable(path, false)}: larger than ${formatBytes(maxBytes)}`,
    );
  }
  return text;
}

function policiesFrom(io: Io, values: Values) {
  const path = values.policies ?? 'policies.yml';
  return parsePolicies(read(io, path, 'policy file', MAX_POLICY_BYTES), path);
}

function write(io: Io, path: string, text: string): void {
  try {
    io.writeFile(path, text);
  } catch (e) {
    const reason =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : describeFileError(e);
    throw new UsageError(`cannot write ${printable(path, false)}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

function live(io: Io, values: Values, policies: PolicySet, context: AwsContext) {
  const regions = (values.region ?? [])
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  if (regions.length === 0 && io.env.AWS_REGION) regions.push(io.env.AWS_REGION);
  if (regions.length === 0)
    throw new UsageError('name the regions to read with --region (or set AWS_REGION)');
  for (const r of regions) {
    if (!REGION.test(r))
      throw new UsageError(`--region must be a region name like eu-central-1 (got "${printable(r, false)}")`);
  }
  const windowDays =
    values['window-days'] === undefined
      ? undefined
      : wholeNumber(values['window-days'], '--window-days', 1, MAX_WINDOW_DAYS);
  const readFrom = values['read-from'] ?? (io.env.READ_FROM || undefined);
  if (readFrom !== undefined && !(READ_FROM as readonly string[]).includes(readFrom))
    throw new UsageError(
      `--read-from must be ${READ_FROM.join(' or ')} (got "${printable(readFrom, false)}"${values['read-from'] === undefined ? ' from READ_FROM' : ''})`,
    );
  const endpoint = endpointUrl(values['endpoint-url']);
  const drRoleArn = arn(values, 'dr-role-arn');
  if (endpoint) context.endpoint = endpoint;
  if (values.profile) context.profile = values.profile;
  const aws = new Aws({
    ...(endpoint ? { endpoint } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
  });
  const started = Date.now();
  const options: LiveOptions = {
    regions,
    policies,
    now: io.now(),
    ...(drRoleArn ? { drRoleArn } : {}),
    ...(windowDays ? { windowDays } : {}),
    ...(readFrom ? { readFrom: readFrom as ReadFrom } : {}),
    onProgress: (m) => io.stderr(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${m}\n`),
  };
  return { aws, options };
}

/** --inventory and the time to judge it at (`now`, default its capturedAt), or the live account now. */
async function inventoryFrom(
  io: Io,
  values: Values,
  policies: PolicySet,
  context: AwsContext,
  now?: Date,
): Promise<{ inventory: Inventory; at: Date }> {
  if (values.inventory) {
    const liveFlag = LIVE_FLAGS.find((f) => values[f] !== undefined);
    if (liveFlag) throw new UsageError(`--${liveFlag} reads a live account; it does not go with --inventory`);
    const inventory = parseInventory(
      read(io, values.inventory, 'inventory', MAX_INVENTORY_BYTES),
      values.inventory,
    );
    return { inventory, at: now ?? new Date(inventory.capturedAt) };
  }
  if (now !== undefined) throw new UsageError('--now needs --inventory (a live audit is as of now)');
  const { aws, options } = live(io, values, policies, context);
  const inventory = await snapshot(aws, options);
  io.stderr(`read ${inventory.resources.length} resources with ${aws.totalCalls()} AWS calls\n`);
  return { inventory, at: options.now };
}

/** The audit of --inventory (as of `now`, default its capturedAt) or of the live account. */
async function auditFrom(
  io: Io,
  values: Values,
  policies: PolicySet,
  context: AwsContext,
  now?: Date,
): Promise<AuditResult> {
  const { inventory, at } = await inventoryFrom(io, values, policies, context, now);
  return auditInventory(inventory, policies, at);
}

function noArguments(command: Command, args: string[]): void {
  if (args.length > 0)
    throw new UsageError(`${command} takes no arguments (got "${printable(args[0] ?? '', false)}")`, command);
}

async function run(argv: string[], io: Io, context: AwsContext): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.kind === 'version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  if (line.kind === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const { command, values, args } = line;
  if (command !== 'policies' && command !== 'keys' && command !== 'restore') noArguments(command, args);
  switch (command) {
    case 'audit': {
      const failOn = values['fail-on'] ?? 'never';
      if (!['non-compliant', 'error', 'never'].includes(failOn)) {
        throw new UsageError(
          `--fail-on must be non-compliant, error or never (got "${printable(failOn, false)}")`,
        );
      }
      const fmt = format(values.format);
      const now = values.now === undefined ? undefined : isoDate(values.now);
      const result = await auditFrom(io, values, policiesFrom(io, values), context, now);
      if (fmt === 'json') for (const chunk of auditJsonChunks(result)) io.stdout(chunk);
      else io.stdout(renderAudit(result, fmt, values.all));
      const { NON_COMPLIANT, ERROR } = result.summary.byStatus;
      if (failOn === 'non-compliant' && NON_COMPLIANT + ERROR > 0) return 1;
      if (failOn === 'error' && ERROR > 0) return 1;
      return 0;
    }
    case 'plan': {
      const fmt = format(values.format);
      const topic = arn(values, 'alert-topic-arn');
      const result = await auditFrom(io, values, policiesFrom(io, values), context);
      io.stdout(renderPlan(planRemediation(result.findings, topic ? { alertTopicArn: topic } : {}), fmt));
      return 0;
    }
    case 'dr-report': {
      const flags = drReportFlags(values.format, values['fail-on']);
      if ('error' in flags) throw new UsageError(flags.error, command);
      const now = values.now === undefined ? undefined : isoDate(values.now);
      const policies = policiesFrom(io, values);
      const { inventory, at } = await inventoryFrom(io, values, policies, context, now);
      const { text, exitCode, summary } = runDrReport(inventory, policies, at, flags);
      if (values.out === undefined) io.stdout(text);
      else {
        write(io, values.out, text);
        io.stderr(`wrote ${printable(values.out, false)}: ${summary}\n`);
      }
      return exitCode;
    }
    case 'snapshot': {
      if (!values.out) throw new UsageError('snapshot needs --out FILE', command);
      const { aws, options } = live(io, values, policiesFrom(io, values), context);
      const inventory = await snapshot(aws, options);
      write(io, values.out, `${JSON.stringify(inventory, null, 2)}\n`);
      io.stderr(
        `wrote ${values.out}: ${inventory.resources.length} resources, ${inventory.collectionErrors.length} collection errors, ${aws.totalCalls()} AWS calls\n`,
      );
      return 0;
    }
    case 'fix': {
      const fmt = format(values.format, ['table', 'json']);
      const maxChanges =
        values['max-changes'] === undefined
          ? 20
          : wholeNumber(values['max-changes'], '--max-changes', 0, MAX_CHANGES);
      const only = values.only === undefined ? undefined : onlyRules(values.only);
      const backupRoleArn = arn(values, 'backup-role-arn');
      const backupRoles = backupRolesFlag(values['backup-roles'], backupRoleArn);
      const alertTopicArn = arn(values, 'alert-topic-arn');
      const policies = policiesFrom(io, values);
      const { aws, options } = live(io, values, policies, context);
      const fixed = await fixAccount(aws, {
        ...options,
        apply: values.apply,
        maxChanges,
        ...(backupRoleArn ? { backupRoleArn } : {}),
        ...(backupRoles ? { backupRoles } : {}),
        ...(alertTopicArn ? { alertTopicArn } : {}),
        ...(only ? { only } : {}),
      });
      io.stdout(renderFix(fixed, values.apply, fmt));
      return fixExitCode(fixed.results);
    }
    case 'keys':
      return keys(io, values, args, context);
    case 'restore':
      return restoreCommand(io, values, args, context);
    case 'policies': {
      const [sub, file, extra] = args;
      if (sub === 'schema' && file === undefined) {
        io.stdout(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
        return 0;
      }
      if (sub !== 'validate' || file === undefined || extra !== undefined)
        throw new UsageError('usage: backup-sentinel policies validate FILE | policies schema', command);
      const set = parsePolicies(read(io, file, 'policy file', MAX_POLICY_BYTES), file);
      const names = Object.keys(set.policies);
      io.stdout(
        `${file}: valid — ${names.length} ${names.length === 1 ? 'policy' : 'policies'} (${names.join(', ')}), tag key ${set.tagKey}\n`,
      );
      return 0;
    }
    case 'rules':
      io.stdout(renderRules(RULES, format(values.format)));
      return 0;
  }
}

/** `keys rotate` and `keys restore`: exit 1 when a key or a material failed or is unrecoverable. */
async function keys(io: Io, values: Values, args: string[], context: AwsContext): Promise<number> {
  const [sub, extra] = args;
  if (sub !== 'rotate' && sub !== 'restore')
    throw new UsageError(
      sub === undefined
        ? 'keys needs a subcommand: rotate or restore'
        : `unknown keys subcommand "${printable(sub, false)}": rotate or restore`,
      'keys',
    );
  if (extra !== undefined)
    throw new UsageError(`keys ${sub} takes no arguments (got "${printable(extra, false)}")`, 'keys');
  const fmt = format(values.format, ['table', 'json']);
  const key = arn(values, 'key');
  if (sub === 'restore' && key === undefined)
    throw new UsageError(
      'keys restore needs --key ARN: the key whose material expired or was deleted',
      'keys',
    );
  if (sub === 'rotate' && values.from !== undefined)
    throw new UsageError(
      '--from is an option of keys restore (rotate escrows to every keyMaterial.escrow destination)',
      'keys',
    );
  const from = values.from === undefined ? undefined : fromDestination(values.from);
  const file = values.policies ?? 'policies.yml';
  const policies = policiesFrom(io, values);
  const settings = policies.keyMaterial;
  // The key's Region is where it is read: the default --region, and one --region must name it.
  const keyRegion = key ? (parseArn(key)?.region ?? '') : undefined;
  const { aws, options } = live(
    io,
    keyRegion && values.region === undefined ? { ...values, region: [keyRegion] } : values,
    policies,
    context,
  );
  if (keyRegion && !options.regions.includes(keyRegion))
    throw new UsageError(
      `--key is a key in ${keyRegion}, which --region does not name (${options.regions.join(', ')})`,
      'keys',
    );

  if (sub === 'restore') {
    if (settings.escrow.length === 0)
      throw new SentinelError(
        `${printable(file, false)} has no keyMaterial.escrow destinations: keys restore reads the escrow copies from them (list each account and region under keyMaterial.escrow)`,
      );
    if (from && !settings.escrow.some((d) => d.account === from.account && d.region === from.region))
      throw new UsageError(
        `--from ${where(from)} is not a keyMaterial.escrow destination of ${printable(file, false)} (${settings.escrow.map(where).join(', ')})`,
        'keys',
      );
  }
  // Who the credentials are (unusable ones exit 2 here, described by name only), and the account
  // the rotator tags its secrets with; KMS imports only into keys of the caller's own account.
  const identity = await aws
    .sts(keyRegion ?? options.regions[0] ?? '')
    .send((sdk) => new sdk.GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  const keyAccount = key ? parseArn(key)?.account : undefined;
  if (keyAccount && accountId && keyAccount !== accountId)
    throw new SentinelError(
      `--key is a key of account ${keyAccount}, but the credentials are of account ${accountId}: KMS imports material only with credentials of the key's own account (use --profile)`,
    );

  if (sub === 'restore') {
    const result = await restoreKey(aws, key ?? '', {
      apply: values.apply,
      now: options.now,
      settings,
      ...(from ? { from } : {}),
    });
    io.stdout(renderRestore(result, fmt));
    return result.status === 'failed' ? 1 : 0;
  }

  const outcomes: KeyOutcome[] = await rotateAll(
    aws,
    options.regions,
    { apply: values.apply, now: options.now, accountId, settings },
    key,
  );
  if (key && outcomes.length === 0)
    outcomes.push({
      keyArn: key,
      status: 'failed',
      reason: `not a managed key: tag it ${settings.optInTag}=escrow or list it under keyMaterial.keys in ${file}`,
      steps: [],
    });
  io.stdout(renderRotation(outcomes, values.apply, fmt, settings.optInTag));
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}
