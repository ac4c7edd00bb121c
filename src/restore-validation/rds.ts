/**
 * An RDS DB instance or Aurora cluster restored by a restore test, checked against what was backed
 * up: usable (`available`, or `backing-up`: RDS backs up a freshly restored database and it accepts
 * connections meanwhile), same engine and major version, no less allocated storage (instances),
 * encrypted when the source is, and with the source's KMS key when the recovery point is in the
 * source's own account and Region (a copy in another Region or account is re-encrypted there).
 *
 * The reference values come from the recovery point's restore metadata
 * (GetRecoveryPointRestoreMetadata: the configuration at backup time; its keys are compared
 * without case, as AWS Backup treats them) and, for what it does not hold, from the source as it
 * is now (DescribeDBInstances / DescribeDBClusters). Backup-time values come first: a source
 * upgraded, or grown by storage autoscaling, since the backup is not a failed restore.
 */
import type { DescribeRestoreJobCommandOutput } from '@aws-sdk/client-backup';
import type { Aws } from '../aws/clients.js';
import { parseArn } from '../inventory/arn.js';
import type { Ignored, Subject } from './job.js';
import { ignored } from './job.js';
import {
  couldNotValidate,
  GONE_VALUE,
  type Read,
  read,
  type Unread,
  type Verdict,
  verdict,
} from './verdict.js';

/** What is compared of a database. */
export interface DbFacts {
  status?: string;
  engine?: string;
  engineVersion?: string;
  allocatedStorage?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
}

type Sourced<T> = { value: T; from: 'recovery point' | 'source' };
export type Reference = { [K in keyof Omit<DbFacts, 'status'>]?: Sourced<NonNullable<DbFacts[K]>> };

/** Usable states: `backing-up` is the first automated backup RDS takes of a restored database. */
const USABLE = new Set(['available', 'backing-up']);
/** States a database passes through on its way to `available`: waited for, briefly. */
const SETTLING = new Set([
  'creating',
  'modifying',
  'rebooting',
  'starting',
  'renaming',
  'upgrading',
  'maintenance',
  'storage-optimization',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'resetting-master-credentials',
]);

/**
 * The major version RDS groups versions by: the first two parts (MySQL and Aurora MySQL "8.0",
 * MariaDB "10.6", SQL Server "15.00", PostgreSQL before 10 "9.6"), the first part for PostgreSQL 10
 * and later ("14") and Oracle ("19").
 */
export function majorVersion(engine: string, version: string): string {
  const parts = version.split('.');
  const first = parts[0] ?? '';
  if (engine.includes('postgres') && Number(first) >= 10) return first;
  if (engine.includes('oracle')) return first;
  return parts.slice(0, 2).join('.');
}

/** The key id of a key ARN or id; undefined for an alias (it cannot be compared without a read). */
export function keyIdOf(key: string): string | undefined {
  const arn = /:key\/([^/]+)$/.exec(key);
  if (arn) return arn[1];
  return /^(mrk-)?[0-9a-f-]{32,36}$/i.test(key) ? key : undefined;
}

/** The comparable facts of the recovery point's restore metadata (keys without case). */
export function metadataFacts(metadata: Record<string, string> | undefined): DbFacts {
  const m = new Map(Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const storage = Number(m.get('allocatedstorage'));
  const encrypted = (m.get('storageencrypted') ?? m.get('encrypted'))?.toLowerCase();
  const engine = m.get('engine');
  const version = m.get('engineversion');
  const key = m.get('kmskeyid');
  return {
    ...(engine ? { engine } : {}),
    ...(version ? { engineVersion: version } : {}),
    ...(Number.isFinite(storage) && storage > 0 ? { allocatedStorage: storage } : {}),
    ...(encrypted === 'true' || encrypted === 'false' ? { encrypted: encrypted === 'true' } : {}),
    ...(key ? { kmsKeyId: key } : {}),
  };
}

/** Per value: the recovery point's, else the source's. */
export function referenceOf(backedUp: DbFacts, source: DbFacts | undefined): Reference {
  const ref: Reference = {};
  for (const k of ['engine', 'engineVersion', 'allocatedStorage', 'encrypted', 'kmsKeyId'] as const) {
    const rp = backedUp[k];
    const now = source?.[k];
    if (rp !== undefined) Object.assign(ref, { [k]: { value: rp, from: 'recovery point' } });
    else if (now !== undefined) Object.assign(ref, { [k]: { value: now, from: 'source' } });
  }
  return ref;
}

export interface Comparison {
  failures: string[];
  checked: string[];
  notCompared: string[];
}

/** The restored database against the reference (pure). */
export function compareDatabase(
  kind: 'db' | 'cluster',
  restored: DbFacts,
  ref: Reference,
  o: { compareKey: boolean },
): Comparison {
  const c: Comparison = { failures: [], checked: [], notCompared: [] };
  if (restored.status && USABLE.has(restored.status)) c.checked.push(restored.status);
  else c.failures.push(`status ${restored.status ?? 'unknown'}, not available`);
  const engine = ref.engine;
  if (!engine) c.notCompared.push('engine');
  else if (restored.engine !== engine.value)
    c.failures.push(`engine ${restored.engine ?? 'unknown'}, the ${engine.from} is ${engine.value}`);
  else c.checked.push(`engine ${engine.value}`);
  const version = ref.engineVersion;
  const name = restored.engine ?? engine?.value ?? '';
  if (!version || !restored.engineVersion) c.notCompared.push('major version');
  else {
    const want = majorVersion(name, version.value);
    const got = majorVersion(name, restored.engineVersion);
    if (got === want) c.checked.push(`major version ${got}`);
    else
      c.failures.push(
        `major version ${got} (${restored.engineVersion}), the ${version.from} is ${want} (${version.value})`,
      );
  }
  if (kind === 'db') {
    const storage = ref.allocatedStorage;
    if (!storage || restored.allocatedStorage === undefined) c.notCompared.push('allocated storage');
    else if (restored.allocatedStorage < storage.value)
      c.failures.push(
        `allocated storage ${restored.allocatedStorage} GiB, the ${storage.from} has ${storage.value} GiB`,
      );
    else c.checked.push(`storage ${restored.allocatedStorage} >= ${storage.value} GiB`);
  }
  const encrypted = ref.encrypted;
  if (!encrypted) c.notCompared.push('encryption');
  else if (!encrypted.value) c.checked.push(restored.encrypted ? 'encrypted' : 'unencrypted, as the source');
  else if (!restored.encrypted) c.failures.push(`not encrypted, the ${encrypted.from} is`);
  else if (!o.compareKey)
    c.checked.push('encrypted (key not compared: the recovery point is a copy in another Region or account)');
  else {
    const want = ref.kmsKeyId && keyIdOf(ref.kmsKeyId.value);
    const got = restored.kmsKeyId && keyIdOf(restored.kmsKeyId);
    if (!want || !got) c.checked.push('encrypted (key not comparable)');
    else if (want === got) c.checked.push(`encrypted with the ${ref.kmsKeyId?.from}'s key ${got}`);
    else c.failures.push(`encrypted with key ${got}, the ${ref.kmsKeyId?.from} with ${want}`);
  }
  return c;
}

/** A database's facts, or 'gone'. */
async function describe(
  aws: Aws,
  kind: 'db' | 'cluster',
  at: { region: string; id: string; arn: string },
): Promise<Read<DbFacts | typeof GONE_VALUE>> {
  if (kind === 'db')
    return read('rds:DescribeDBInstances', at.arn, async () => {
      const out = await aws
        .rds(at.region)
        .send((sdk) => new sdk.DescribeDBInstancesCommand({ DBInstanceIdentifier: at.id }));
      const db = out.DBInstances?.[0];
      if (!db) return GONE_VALUE;
      return {
        ...(db.DBInstanceStatus ? { status: db.DBInstanceStatus } : {}),
        ...(db.Engine ? { engine: db.Engine } : {}),
        ...(db.EngineVersion ? { engineVersion: db.EngineVersion } : {}),
        ...(db.AllocatedStorage !== undefined ? { allocatedStorage: db.AllocatedStorage } : {}),
        ...(db.StorageEncrypted !== undefined ? { encrypted: db.StorageEncrypted } : {}),
        ...(db.KmsKeyId ? { kmsKeyId: db.KmsKeyId } : {}),
      };
    });
  return read('rds:DescribeDBClusters', at.arn, async () => {
    const out = await aws
      .rds(at.region)
      .send((sdk) => new sdk.DescribeDBClustersCommand({ DBClusterIdentifier: at.id }));
    const cl = out.DBClusters?.[0];
    if (!cl) return GONE_VALUE;
    return {
      ...(cl.Status ? { status: cl.Status } : {}),
      ...(cl.Engine ? { engine: cl.Engine } : {}),
      ...(cl.EngineVersion ? { engineVersion: cl.EngineVersion } : {}),
      ...(cl.StorageEncrypted !== undefined ? { encrypted: cl.StorageEncrypted } : {}),
      ...(cl.KmsKeyId ? { kmsKeyId: cl.KmsKeyId } : {}),
    };
  });
}

export interface Settle {
  /** Reads of a database still settling (creating, modifying, ...) before it counts as not available. */
  tries: number;
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
}

const vaultNameOf = (arn: string | undefined) => /:backup-vault:(.+)$/.exec(arn ?? '')?.[1];

type Job = Omit<DescribeRestoreJobCommandOutput, '$metadata'>;
type DbSubject = Extract<Subject, { kind: 'db' | 'cluster' }>;

/** The verdict on a restored database; ignored when it is already gone (nothing left to check). */
export async function validateDatabase(
  aws: Aws,
  job: Job,
  subject: DbSubject,
  settle: Settle,
): Promise<Verdict | Ignored> {
  const { kind, restored, source } = subject;
  const label =
    kind === 'db' ? 'RDS DB instance' : job.ResourceType === 'Aurora' ? 'Aurora cluster' : 'RDS DB cluster';
  const what = `${label} ${restored.id}`;
  let got = await describe(aws, kind, restored);
  for (
    let i = 1;
    i < settle.tries && got.ok && got.value !== GONE_VALUE && SETTLING.has(got.value.status ?? '');
    i++
  ) {
    await settle.sleep(settle.delayMs);
    got = await describe(aws, kind, restored);
  }
  if (!got.ok) return couldNotValidate([got.unread], `${what} not read`);
  if (got.value === GONE_VALUE)
    return ignored(
      `${what} no longer exists (deleted when the validation window closed?): nothing to check`,
      job.RestoreJobId,
    );
  const unread: Unread[] = [];
  const notes: string[] = [];
  // The source, read with this account's credentials only where it is this account's.
  let now: DbFacts | undefined;
  if (!source) notes.push('no source database in the restore job');
  else if (source.account !== restored.account) notes.push(`source in account ${source.account} not read`);
  else {
    const s = await describe(aws, kind, source);
    if (!s.ok) unread.push(s.unread);
    else if (s.value === GONE_VALUE) notes.push(`source ${source.id} no longer exists`);
    else now = s.value;
  }
  let backedUp: DbFacts = {};
  const vault = vaultNameOf(job.BackupVaultArn);
  if (!vault || !job.RecoveryPointArn)
    notes.push('recovery point metadata not read (no vault or recovery point in the job)');
  else {
    const md = await read('backup:GetRecoveryPointRestoreMetadata', job.RecoveryPointArn, () =>
      aws.backup(restored.region).send(
        (sdk) =>
          new sdk.GetRecoveryPointRestoreMetadataCommand({
            BackupVaultName: vault,
            RecoveryPointArn: job.RecoveryPointArn,
          }),
      ),
    );
    if (!md.ok) unread.push(md.unread);
    else if (md.value !== GONE_VALUE) backedUp = metadataFacts(md.value.RestoreMetadata);
  }
  const home = parseArn(job.BackupVaultArn ?? job.RecoveryPointArn ?? '');
  const compareKey = Boolean(
    source && home && home.account === source.account && home.region === source.region,
  );
  const c = compareDatabase(kind, got.value, referenceOf(backedUp, now), { compareKey });
  if (c.failures.length) return verdict('FAILED', `${what}: ${c.failures.join('; ')}`);
  // A check not made because a read failed: could not validate (never SUCCESSFUL).
  if (c.notCompared.length && unread.length)
    return couldNotValidate(unread, `${what}: ${c.notCompared.join(', ')} not compared`);
  // Only the status was checked: nothing was compared with what was backed up.
  if (c.checked.length <= 1)
    return verdict(
      'FAILED',
      `could not validate: ${what} is ${got.value.status}, but nothing to compare it with (${notes.join('; ') || 'no reference values'})`,
    );
  const missing = c.notCompared.length
    ? `; not compared: ${c.notCompared.join(', ')} (${notes.join('; ') || 'not in the recovery point metadata'})`
    : '';
  return verdict('SUCCESSFUL', `${what}: ${c.checked.join('; ')}${missing}`);
}
