/**
 * `backup-sentinel restore rds|s3`: a guided restore, dry-run by default. It reads, preflights,
 * prints every call it would make; with --apply it makes them, waiting with progress on stderr,
 * and writes the record (each step's input, start, end, duration, outcome: the measured RTO) to
 * --record FILE (default ./restore-<id>-<time>.json) after every step. --resume FILE continues an
 * interrupted restore from its first step not done. Exit 0 done (or planned), 1 a preflight
 * problem, a failed step or an interruption, 2 bad usage (thrown as SentinelError).
 */
import { randomUUID } from 'node:crypto';
import { Aws } from '../aws/clients.js';
import { printable, SentinelError } from '../errors.js';
import { newRecord, readAndPlanRds, readAndPlanS3 } from '../restore/read.js';
import { readAndPlanAurora } from '../restore/read-aurora.js';
import { type RunOptions, runRestore } from '../restore/run.js';
import { RECORD_FORMAT, type RestoreRecord, stamp, type Where } from '../restore/types.js';
import type { AwsContext } from './aws-errors.js';
import type { Io } from './main.js';

/** The flags `restore` takes (add them to main.ts's FLAGS), with their help lines. */
export const RESTORE_FLAGS = {
  db: { type: 'string' },
  cluster: { type: 'string' },
  bucket: { type: 'string' },
  'recovery-point': { type: 'string' },
  time: { type: 'string' },
  vault: { type: 'string' },
  via: { type: 'string' },
  'restore-role-arn': { type: 'string' },
  'target-id': { type: 'string' },
  replace: { type: 'boolean', default: false },
  'subnet-group': { type: 'string' },
  'security-groups': { type: 'string' },
  'parameter-group': { type: 'string' },
  'option-group': { type: 'string' },
  'instance-class': { type: 'string' },
  'from-account': { type: 'string' },
  'role-arn': { type: 'string' },
  timeout: { type: 'string' },
  record: { type: 'string' },
  resume: { type: 'string' },
  to: { type: 'string' },
  'to-original': { type: 'boolean', default: false },
  items: { type: 'string' },
  'kms-key': { type: 'string' },
} as const;

/** Besides RESTORE_FLAGS, restore takes these existing flags. */
export const RESTORE_SHARED_FLAGS = ['apply', 'format', 'region', 'profile', 'endpoint-url'] as const;

export const RESTORE_USAGE = [
  'backup-sentinel restore  rds (--db ID | --cluster ID) [--recovery-point ARN | --time ISO-TIME] [--vault NAME]',
  '                         [--via backup|rds] [--restore-role-arn ARN] [--target-id ID] [--replace]',
  '                         [--subnet-group NAME] [--security-groups SG,…] [--parameter-group NAME]',
  '                         [--option-group NAME] [--instance-class CLASS]',
  '                         [--from-account ACCOUNT --role-arn ARN] [--timeout MINUTES]',
  '                         [--record FILE | --resume FILE] [--apply] [--format table|json] LIVE',
  'backup-sentinel restore  s3 --bucket NAME (--to BUCKET | --to-original) --restore-role-arn ARN',
  '                         [--recovery-point ARN --vault NAME] [--items KEY,…] [--kms-key ARN]',
  '                         [--from-account ACCOUNT --role-arn ARN] [--timeout MINUTES]',
  '                         [--record FILE | --resume FILE] [--apply] [--format table|json] LIVE',
];

export const RESTORE_HELP = `  --db ID            restore rds: the database (its identifier)
  --cluster ID       restore rds: the Aurora DB cluster, and then one instance per member of it
  --bucket NAME      restore s3: the bucket that was backed up
  --recovery-point ARN
                     restore: the recovery point (default: the newest completed one, and its vault)
  --time ISO-TIME    restore rds: a point in time of the continuous backup, e.g. 2026-11-25T06:00:00Z
  --vault NAME       restore: the vault holding --recovery-point (then AWS Backup restores it)
  --via backup|rds   restore rds: AWS Backup StartRestoreJob, or RDS RestoreDBInstanceFromDBSnapshot
                     (RestoreDBClusterFromSnapshot for --cluster)
  --restore-role-arn ARN
                     restore: the role AWS Backup assumes to restore (StartRestoreJob IamRoleArn)
  --target-id ID     restore rds: the new database's or cluster's identifier (default
                     <id>-restored-<time>)
  --replace          restore rds: then rename the original to <id>-before-restore-<time> and the
                     restored one to <id> (the endpoint stays); the original is never deleted.
                     --cluster: the cluster, then each instance likewise
  --subnet-group, --security-groups, --parameter-group, --option-group, --instance-class
                     restore rds: instead of the original's (needed where the original is not);
                     --cluster: --parameter-group is the DB cluster parameter group and
                     --instance-class every instance's class (no --option-group)
  --from-account ACCOUNT --role-arn ARN
                     restore: restore in another account (the DR account's copy) through this role
                     ({account} in it is replaced by ACCOUNT)
  --timeout MINUTES  restore: how long this run waits in all (default rds 120, s3 1440)
  --record FILE      restore: where the record goes (default ./restore-<id>-<time>.json)
  --resume FILE      restore: continue the restore of this record from its first step not done
  --to NAME | --to-original
                     restore s3: into another bucket (created when it does not exist), or the original
  --items KEY,…      restore s3: only these objects or prefixes (item-level restore, at most 5)
  --kms-key ARN      restore s3: encrypt the restored objects with this key (SSE-KMS; default SSE-S3)
`;

type Values = Record<string, unknown>;

class RestoreUsageError extends SentinelError {
  constructor(message: string) {
    super(`${message}\nUsage:\n${RESTORE_USAGE.map((l) => `  ${l}`).join('\n')}`);
    this.name = 'UsageError';
  }
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ROLE = /^arn:aws[a-z-]*:iam::(?:\d{12}|\{account\}):role\/[\w+=,.@/-]+$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z]{2}(?:-[a-z]+)+-\d{1,2}:\d{12}:key\/[a-zA-Z0-9-]{1,128}$/;
const SG = /^sg-[0-9a-f]{8,17}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9.:_-]{0,254}$/;

const str = (v: Values, k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
const bad = (flag: string, what: string, value: string) =>
  new RestoreUsageError(`--${flag} must be ${what} (got "${printable(value, false)}")`);

function matching(v: Values, flag: string, re: RegExp, what: string): string | undefined {
  const x = str(v, flag);
  if (x !== undefined && !re.test(x)) throw bad(flag, what, x);
  return x;
}

function region(io: Io, v: Values): string {
  const r = (v.region as string[] | undefined) ?? (io.env.AWS_REGION ? [io.env.AWS_REGION] : []);
  if (r.length !== 1)
    throw new RestoreUsageError('restore runs in one region: name it with --region (or AWS_REGION)');
  const [one = ''] = r;
  if (!REGION.test(one)) throw bad('region', 'a region name like eu-central-1', one);
  return one;
}

function baseAws(v: Values, context: AwsContext): Aws {
  const endpoint = str(v, 'endpoint-url');
  if (endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(endpoint))
    throw bad('endpoint-url', 'an http(s) URL like http://127.0.0.1:5000', endpoint);
  const profile = str(v, 'profile');
  if (endpoint) context.endpoint = endpoint;
  if (profile) context.profile = profile;
  return new Aws({ ...(endpoint ? { endpoint } : {}), ...(profile ? { profile } : {}) });
}

/** Where the restore runs, and the clients signed for it (the role assumed in another account). */
function target(io: Io, v: Values, context: AwsContext, fixed?: Where): { where: Where; aws: Aws } {
  const base = baseAws(v, context);
  if (fixed) return { where: fixed, aws: fixed.roleArn ? base.assume(fixed.roleArn, fixed.region) : base };
  const account = matching(v, 'from-account', /^\d{12}$/, 'a 12-digit account id');
  const roleArn = matching(
    v,
    'role-arn',
    ROLE,
    'a role ARN like arn:aws:iam::{account}:role/backup-sentinel-restore',
  );
  if (account && !roleArn)
    throw new RestoreUsageError(
      '--from-account needs --role-arn: the role assumed in that account to restore there',
    );
  if (roleArn && !account) throw new RestoreUsageError('--role-arn goes with --from-account ACCOUNT');
  const reg = region(io, v);
  const role = roleArn?.replace('{account}', account ?? '');
  if (role && account && !role.includes(`::${account}:`))
    throw new RestoreUsageError(`--role-arn ${role} is not a role of account ${account}`);
  const where: Where = { region: reg, ...(account ? { account } : {}), ...(role ? { roleArn: role } : {}) };
  return { where, aws: role ? base.assume(role, reg) : base };
}

function minutes(v: Values, fallback: number): number {
  const t = str(v, 'timeout');
  if (t === undefined) return fallback;
  if (!/^\d{1,5}$/.test(t) || Number(t) < 1) throw bad('timeout', 'a whole number of minutes, 1-99999', t);
  return Number(t);
}

function isoTime(value: string): Date {
  const d = new Date(value);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(d.getTime())
  )
    throw bad('time', 'an ISO-8601 time with a zone, e.g. 2026-11-25T06:00:00Z', value);
  return d;
}

const list = (v: Values, flag: string) =>
  str(v, flag)
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);

function render(record: RestoreRecord, format: string): string {
  if (format === 'json') return `${JSON.stringify(record, null, 2)}\n`;
  const c = record.context as Record<string, unknown>;
  const subject =
    record.kind === 'rds'
      ? c.resource === 'cluster'
        ? `cluster ${c.clusterId}`
        : `database ${c.dbId}`
      : `bucket ${c.bucket}`;
  const where = `${record.where.account ? `account ${record.where.account}, ` : ''}${record.where.region}`;
  const out: string[] = [];
  const mode =
    record.applied || record.problems.length
      ? ''
      : ' (dry run: nothing is changed; --apply makes these calls)';
  out.push(`restore ${record.kind} ${subject} in ${where}${mode}`);
  for (const w of record.warnings) out.push(`  warning: ${w}`);
  if (record.problems.length) {
    out.push(
      `  cannot restore: ${record.problems.length} preflight problem${record.problems.length === 1 ? '' : 's'}, nothing was started:`,
    );
    for (const p of record.problems) out.push(`    - ${p}`);
    return `${out.map((l) => printable(l)).join('\n')}\n`;
  }
  record.steps.forEach((s, i) => {
    const took = s.durationMs !== undefined ? ` ${(s.durationMs / 1000).toFixed(1)}s` : '';
    out.push(`  ${String(i + 1).padStart(2)}. ${s.status.padEnd(7)} ${s.call}${took}  ${s.summary}`);
    if (!record.applied || s.status !== 'done') out.push(`      ${JSON.stringify(s.input)}`);
    if (s.detail) out.push(`      ${s.detail}`);
  });
  out.push(
    `  ${record.status}${record.rtoSeconds !== undefined ? `: measured RTO ${record.rtoSeconds.toFixed(1)}s` : ''}`,
  );
  return `${out.map((l) => printable(l)).join('\n')}\n`;
}

function readRecord(io: Io, path: string): RestoreRecord {
  let r: RestoreRecord;
  try {
    r = JSON.parse(io.readFile(path, 16 * 1024 * 1024)) as RestoreRecord;
  } catch (e) {
    throw new SentinelError(`cannot read the record ${printable(path, false)}: ${(e as Error).message}`);
  }
  if (r?.format !== RECORD_FORMAT || !Array.isArray(r.steps) || !r.where?.region)
    throw new SentinelError(`${printable(path, false)} is not a restore record (format ${RECORD_FORMAT})`);
  return r;
}

/** Hooks for tests: how the run polls, and a step budget that simulates an interruption. */
export type RestoreHooks = Pick<RunOptions, 'pollMinMs' | 'pollMaxMs' | 'stepBudget' | 'sleep'> & {
  /** Used instead of the clients built from the flags (e.g. moto's). */
  aws?: Aws;
};

/** `restore rds|s3`: see RESTORE_USAGE. */
export async function restoreCommand(
  io: Io,
  values: Values,
  args: string[],
  context: AwsContext,
  hooks: RestoreHooks = {},
): Promise<number> {
  const [sub, extra] = args;
  if (sub !== 'rds' && sub !== 's3')
    throw new RestoreUsageError(
      sub === undefined
        ? 'restore needs what to restore: rds or s3'
        : `unknown restore subcommand "${printable(sub, false)}": rds or s3`,
    );
  if (extra !== undefined)
    throw new RestoreUsageError(`restore ${sub} takes no arguments (got "${printable(extra, false)}")`);
  const format = str(values, 'format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw bad('format', 'table or json', format);
  const apply = values.apply === true;
  const now = io.now();
  const progressStart = Date.now();
  const progress = (m: string) =>
    io.stderr(`[${((Date.now() - progressStart) / 1000).toFixed(1)}s] ${printable(m, false)}\n`);

  let record: RestoreRecord;
  let aws: Aws;
  let path: string | undefined = str(values, 'record');
  const resume = str(values, 'resume');
  if (resume) {
    const given = [
      'db',
      'cluster',
      'bucket',
      'recovery-point',
      'time',
      'replace',
      'from-account',
      'role-arn',
      'to',
      'to-original',
      'items',
      'record',
    ].find((f) => values[f] !== undefined && values[f] !== false);
    if (given)
      throw new RestoreUsageError(
        `--resume continues the restore of the record as planned: it does not take --${given}`,
      );
    record = readRecord(io, resume);
    if (record.kind !== sub)
      throw new RestoreUsageError(`${resume} is the record of a restore ${record.kind}, not ${sub}`);
    if (record.problems.length)
      throw new SentinelError(`${resume} is the record of a refused restore: nothing to resume`);
    ({ aws } = target(io, values, context, record.where));
    path = resume;
  } else {
    const t = target(io, values, context);
    aws = t.aws;
    const restoreRoleArn = matching(
      values,
      'restore-role-arn',
      ROLE,
      'a role ARN like arn:aws:iam::111111111111:role/restore',
    );
    const recoveryPointArn = matching(
      values,
      'recovery-point',
      /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:\S+$/,
      'an ARN',
    );
    const vault = matching(
      values,
      'vault',
      /^[a-zA-Z0-9\-_]{2,50}$/,
      'a vault name (2-50 letters, digits, - or _)',
    );
    const runId = randomUUID();
    if (recoveryPointArn) {
      const pointRegion = recoveryPointArn.split(':')[3];
      if (pointRegion && pointRegion !== t.where.region)
        throw new RestoreUsageError(
          `--recovery-point is in ${pointRegion} but the restore runs in ${t.where.region}: a recovery point is restored in its own region (pass --region ${pointRegion})`,
        );
    }
    if (sub === 'rds') {
      const dbId = str(values, 'db');
      const clusterId = str(values, 'cluster');
      if (dbId && clusterId)
        throw new RestoreUsageError(
          '--db and --cluster choose what to restore two ways: pass --db ID for a DB instance, or --cluster ID for an Aurora cluster',
        );
      if (!dbId && !clusterId)
        throw new RestoreUsageError(
          'restore rds needs --db ID (the database to restore) or --cluster ID (the Aurora cluster)',
        );
      if (clusterId && values['option-group'] !== undefined)
        throw new RestoreUsageError(
          '--option-group goes with --db: an Aurora cluster is restored with its DB cluster parameter group (--parameter-group)',
        );
      const time = str(values, 'time');
      if (time && recoveryPointArn)
        throw new RestoreUsageError('--time and --recovery-point choose the point two ways: pass one');
      const via = str(values, 'via');
      if (via !== undefined && via !== 'backup' && via !== 'rds') throw bad('via', 'backup or rds', via);
      const securityGroups = list(values, 'security-groups');
      for (const g of securityGroups ?? [])
        if (!SG.test(g)) throw bad('security-groups', 'security group ids like sg-0123456789abcdef0', g);
      const overrides = Object.fromEntries(
        (
          [
            ['subnetGroup', matching(values, 'subnet-group', NAME, 'a DB subnet group name')],
            ['securityGroups', securityGroups],
            ['parameterGroup', matching(values, 'parameter-group', NAME, 'a DB parameter group name')],
            ['optionGroup', matching(values, 'option-group', NAME, 'an option group name')],
            [
              'instanceClass',
              matching(
                values,
                'instance-class',
                /^db\.(?:serverless|[a-z0-9-]+\.[a-z0-9-]+)$/,
                'an instance class like db.t3.micro',
              ),
            ],
          ] as const
        ).filter(([, x]) => x !== undefined),
      );
      const common = {
        runId,
        where: t.where,
        now,
        replace: values.replace === true,
        timeoutMinutes: minutes(values, 120),
        overrides,
        ...(time ? { time: isoTime(time) } : {}),
        ...(recoveryPointArn ? { recoveryPointArn } : {}),
        ...(vault ? { vault } : {}),
        ...(via ? { via: via as 'backup' | 'rds' } : {}),
        ...(restoreRoleArn ? { restoreRoleArn } : {}),
        ...(str(values, 'target-id') ? { targetId: str(values, 'target-id') } : {}),
      };
      record = clusterId
        ? newRecord(
            'rds',
            runId,
            t.where,
            await readAndPlanAurora(hooks.aws ?? aws, { ...common, clusterId }),
            now,
          )
        : newRecord(
            'rds',
            runId,
            t.where,
            await readAndPlanRds(hooks.aws ?? aws, { ...common, dbId: dbId ?? '' }),
            now,
          );
      path ??= `./restore-${clusterId ?? dbId}-${stamp(now)}.json`;
    } else {
      const bucket = str(values, 'bucket');
      if (!bucket)
        throw new RestoreUsageError('restore s3 needs --bucket NAME: the bucket that was backed up');
      const to = str(values, 'to');
      const toOriginal = values['to-original'] === true;
      if (Boolean(to) === toOriginal)
        throw new RestoreUsageError(
          'restore s3 needs one of --to NEW-BUCKET (a new bucket) or --to-original',
        );
      const kmsKeyArn = matching(values, 'kms-key', KEY_ARN, 'a KMS key ARN');
      const items = list(values, 'items');
      const plan = await readAndPlanS3(hooks.aws ?? aws, {
        runId,
        bucket,
        where: t.where,
        toOriginal,
        timeoutMinutes: minutes(values, 1440),
        ...(to ? { to } : {}),
        ...(items ? { items } : {}),
        ...(kmsKeyArn ? { kmsKeyArn } : {}),
        ...(recoveryPointArn ? { recoveryPointArn } : {}),
        ...(vault ? { vault } : {}),
        ...(restoreRoleArn ? { restoreRoleArn } : {}),
      });
      record = newRecord('s3', runId, t.where, plan, now);
      path ??= `./restore-${bucket}-${stamp(now)}.json`;
    }
  }

  const save = (r: RestoreRecord) => {
    try {
      io.writeFile(path ?? '', `${JSON.stringify(r, null, 2)}\n`);
    } catch (e) {
      throw new SentinelError(
        `cannot write the record ${printable(path ?? '', false)}: ${(e as Error).message}`,
      );
    }
  };
  if (record.problems.length || !apply) {
    // A dry run writes the record only when asked (--record): it can then be --resume'd with --apply.
    if (str(values, 'record') || resume) save(record);
    io.stdout(render(record, format));
    return record.problems.length ? 1 : 0;
  }
  save(record);
  const done = await runRestore(record, {
    aws: hooks.aws ?? aws,
    region: record.where.region,
    save,
    onProgress: progress,
    // the record's times are the wall clock's (the measured RTO), whatever io.now() says
    now: () => new Date(),
    ...(hooks.pollMinMs !== undefined ? { pollMinMs: hooks.pollMinMs } : {}),
    ...(hooks.pollMaxMs !== undefined ? { pollMaxMs: hooks.pollMaxMs } : {}),
    ...(hooks.stepBudget !== undefined ? { stepBudget: hooks.stepBudget } : {}),
    ...(hooks.sleep ? { sleep: hooks.sleep } : {}),
  });
  io.stdout(render(done, format));
  io.stderr(`record: ${path}\n`);
  return done.status === 'done' ? 0 : 1;
}
