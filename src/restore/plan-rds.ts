/**
 * The RDS restore as a plan (pure): the source design's "database replacement" (RDS Backups -
 * Restoration v3) as named AWS calls. From what was read — the original database, the recovery
 * point (an RDS snapshot, which is what AWS Backup's RDS recovery points are, or a point in time of
 * a continuous backup), its restore metadata — to: restore a new database with the original's
 * configuration, wait, verify, and only with `replace` rename the original to
 * `<id>-before-restore-<time>` and the restored one to the original's identifier, so the endpoint
 * stays. The original is never deleted and keeps its deletion protection.
 *
 * Two ways to restore a snapshot, chosen by what the recovery point is:
 * - `backup`: AWS Backup StartRestoreJob (the recovery point found in a vault: its
 *   GetRecoveryPointRestoreMetadata, with the original's configuration written over it, and the
 *   restore role as IamRoleArn), then DescribeRestoreJob until it completes;
 * - `rds`: RDS RestoreDBInstanceFromDBSnapshot of the snapshot itself (a snapshot ARN given
 *   without a vault, or --via rds), every setting passed explicitly.
 * A point in time (`--time`) is RestoreDBInstanceToPointInTime from the original's automated
 * backups (AWS Backup's continuous backup of RDS is those automated backups).
 * An Aurora DB cluster and its instances are restored by plan-aurora.ts (`--cluster`); a member
 * instance given as --db is refused with a message naming its cluster.
 */
import type { DBInstance, DBSnapshot } from '@aws-sdk/client-rds';
import { type Plan, type PlannedStep, rdsIdentifierProblem, stamp, type Where } from './types.js';

/** The tag every restored database carries: which database it restores, and which run made it. */
export const RESTORE_TAG = 'backup-sentinel:restore-of';
export const RUN_TAG = 'backup-sentinel:restore-run';

export type RdsPoint =
  | {
      kind: 'snapshot';
      /** arn:aws:rds:REGION:ACCOUNT:snapshot:NAME (AWS Backup names them awsbackup:job-…). */
      arn: string;
      /** DescribeDBSnapshots of it; undefined when it was not found. */
      snapshot?: DBSnapshot;
      /** The vault holding it as a recovery point, when known (then AWS Backup can restore it). */
      vault?: string;
      /** GetRecoveryPointRestoreMetadata's RestoreMetadata, when read. */
      metadata?: Record<string, string>;
    }
  | { kind: 'time'; time: Date };

export interface RdsOverrides {
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  optionGroup?: string;
  instanceClass?: string;
}

export interface RdsFacts {
  dbId: string;
  where: Where;
  /** DescribeDBInstances of dbId where the restore runs; undefined: no such database there. */
  original?: DBInstance;
  point: RdsPoint;
  /** Whether the target and the renamed-original identifiers are already taken. */
  targetExists: boolean;
  beforeExists: boolean;
  now: Date;
}

export interface RdsOptions {
  runId: string;
  targetId?: string;
  replace: boolean;
  via?: 'backup' | 'rds';
  restoreRoleArn?: string;
  overrides?: RdsOverrides;
  timeoutMinutes: number;
}

/** What the restored database must look like (verified before any rename). */
export interface RdsExpected {
  engine?: string;
  engineVersion?: string;
  storageEncrypted?: boolean;
  kmsKeyId?: string;
  allocatedStorage?: number;
  storageType?: string;
  instanceClass?: string;
  multiAZ?: boolean;
  subnetGroup?: string;
  securityGroups?: string[];
  parameterGroup?: string;
  optionGroup?: string;
  deletionProtection: boolean;
}

export interface RdsContext {
  dbId: string;
  targetId: string;
  beforeId: string;
  replace: boolean;
  path: 'backup' | 'rds' | 'time';
  /** The original's DbiResourceId: a rename is verified by it, not by name. */
  originalResourceId?: string;
  originalDeletionProtection?: boolean;
  expected: RdsExpected;
  tags: { Key: string; Value: string }[];
  timeoutMinutes: number;
}

/** Shortest wait that is not "too constrained restoration time settings" (the seed's caveat). */
export const MIN_RDS_TIMEOUT_MINUTES = 15;

/**
 * The network a restore goes into, which AWS's defaults would otherwise silently replace (the
 * default VPC, its default group): what is missing, as problems. `found` says whether the
 * original (`id`) was there to copy it from.
 */
export function networkProblems(
  n: { subnetGroup: string | undefined; securityGroups: string[] | undefined },
  original: { id: string; found: boolean; where: string },
): string[] {
  const from = (them: string) =>
    original.found
      ? `${original.id} has none`
      : `${original.id} is not in ${original.where} to copy ${them} from`;
  return [
    ...(n.subnetGroup
      ? []
      : [
          `no DB subnet group to restore into: ${from('it')}; without one RDS restores into the default VPC. Pass --subnet-group NAME`,
        ]),
    ...(n.securityGroups
      ? []
      : [
          `no VPC security groups to restore with: ${from('them')}; without them RDS uses the VPC's default group. Pass --security-groups sg-…[,sg-…]`,
        ]),
  ];
}

const sgIds = (db?: DBInstance) =>
  (db?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean);

/** Tags to carry over: the owner's, not AWS's (aws: keys cannot be written) nor ours. */
function carriedTags(db?: DBInstance) {
  return (db?.TagList ?? [])
    .filter((t) => t.Key && !t.Key.startsWith('aws:') && !t.Key.startsWith('backup-sentinel:'))
    .map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
}

/** Sets `key` in restore metadata, replacing a key that differs only in case (AWS reads them case-insensitively). */
export function setMetadata(meta: Record<string, string>, key: string, value: string | undefined): void {
  for (const k of Object.keys(meta)) if (k.toLowerCase() === key.toLowerCase()) delete meta[k];
  if (value !== undefined) meta[key] = value;
}

/** The restored database's identifier: --target-id, else `<id>-restored-<time>`. */
export const restoredId = (dbId: string, now: Date, targetId?: string) =>
  targetId ?? `${dbId}-restored-${stamp(now)}`;

export function planRds(f: RdsFacts, o: RdsOptions): Plan<RdsContext> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = `${f.where.account ? `account ${f.where.account}, ` : ''}${f.where.region}`;
  const when = stamp(f.now);
  const targetId = restoredId(f.dbId, f.now, o.targetId);
  const beforeId = `${f.dbId}-before-restore-${when}`;
  const badDb = rdsIdentifierProblem(f.dbId, '--db');
  if (badDb) problems.push(badDb);
  else
    for (const [id, what] of [
      [targetId, o.targetId ? '--target-id' : `the restored database's identifier (from --db)`],
      ...(o.replace ? [[beforeId, 'the name the original is renamed to (from --db)']] : []),
    ] as const) {
      const p = rdsIdentifierProblem(id, what);
      if (p) problems.push(what === '--target-id' ? p : `${p}: use a shorter --db`);
    }
  const db = f.original;
  if (db?.DBClusterIdentifier)
    problems.push(
      `${f.dbId} is an instance of the DB cluster ${db.DBClusterIdentifier}: an Aurora cluster is restored as a whole, with its instances: restore rds --cluster ${db.DBClusterIdentifier}`,
    );
  if (o.replace && !db)
    problems.push(
      `--replace renames database ${f.dbId}, but there is no database ${f.dbId} in ${where}: restore without --replace (a new database), or restore in the account and region of the original`,
    );
  if (o.replace && db && db.DBInstanceStatus !== 'available')
    problems.push(
      `${f.dbId} is ${db.DBInstanceStatus ?? 'in an unknown state'}: --replace renames it, which RDS does only while it is available; wait until it is, or restore without --replace`,
    );
  if (f.targetExists)
    problems.push(
      `a database named ${targetId} already exists in ${where}: pass another --target-id, or --resume the record of the restore that made it`,
    );
  if (o.replace && f.beforeExists)
    problems.push(
      `a database named ${beforeId} already exists in ${where}: run the restore again a minute later`,
    );
  if (o.timeoutMinutes < MIN_RDS_TIMEOUT_MINUTES)
    problems.push(
      `--timeout ${o.timeoutMinutes} minutes is too tight for an RDS restore (they take 15 minutes to hours, by size): give at least ${MIN_RDS_TIMEOUT_MINUTES}; a timeout stops the waiting, not the restore`,
    );

  // The configuration AWS's defaults would otherwise silently drop (default VPC, default groups).
  const ov = o.overrides ?? {};
  const subnetGroup = ov.subnetGroup ?? db?.DBSubnetGroup?.DBSubnetGroupName;
  const securityGroups = ov.securityGroups ?? (sgIds(db).length ? sgIds(db) : undefined);
  const parameterGroup = ov.parameterGroup ?? db?.DBParameterGroups?.[0]?.DBParameterGroupName;
  const optionGroup = ov.optionGroup ?? db?.OptionGroupMemberships?.[0]?.OptionGroupName;
  problems.push(
    ...networkProblems({ subnetGroup, securityGroups }, { id: f.dbId, found: Boolean(db), where }),
  );

  const point = f.point;
  let path: RdsContext['path'];
  let engine = db?.Engine;
  let engineVersion = db?.EngineVersion;
  let storageEncrypted = db?.StorageEncrypted;
  let kmsKeyId = db?.KmsKeyId;
  let allocatedStorage = db?.AllocatedStorage;
  if (point.kind === 'time') {
    path = 'time';
    if (!db)
      problems.push(
        `--time restores ${f.dbId} from its automated backups, but there is no database ${f.dbId} in ${where}: choose a recovery point (--recovery-point ARN) instead`,
      );
    else if (!db.BackupRetentionPeriod)
      problems.push(
        `${f.dbId} keeps no automated backups (BackupRetentionPeriod 0): there is no point in time to restore; choose a snapshot recovery point (--recovery-point ARN)`,
      );
    else {
      const latest = db.LatestRestorableTime;
      const earliest = new Date(f.now.getTime() - db.BackupRetentionPeriod * 86_400_000);
      if (latest && point.time > latest)
        problems.push(
          `--time ${point.time.toISOString()} is after ${f.dbId}'s latest restorable time ${latest.toISOString()}: choose an earlier time (or omit --time for the newest recovery point)`,
        );
      if (point.time < earliest)
        problems.push(
          `--time ${point.time.toISOString()} is older than ${f.dbId}'s ${db.BackupRetentionPeriod}-day backup retention (earliest ${earliest.toISOString()}): choose a later time, or a snapshot recovery point`,
        );
    }
  } else {
    const snap = point.snapshot;
    // AWS Backup lists RDS recovery points as RDS snapshot ARNs, and also as its own
    // arn:aws:backup:…:recovery-point:ID (then only StartRestoreJob restores them).
    const backupArn = point.arn.split(':')[2] === 'backup';
    path = backupArn ? 'backup' : (o.via ?? (point.vault ? 'backup' : 'rds'));
    if (backupArn && o.via === 'rds')
      problems.push(
        `${point.arn} is an AWS Backup recovery point, not an RDS snapshot: only AWS Backup restores it; omit --via rds`,
      );
    if (!snap && !backupArn)
      problems.push(
        `recovery point ${point.arn}: no such RDS snapshot in ${where} (or these credentials cannot see it): check the ARN, and the account and region it is restored in (--from-account, --region)`,
      );
    else if (snap) {
      if (snap.Status !== 'available')
        problems.push(
          `snapshot ${point.arn} is ${snap.Status ?? 'in an unknown state'}: wait until it is available`,
        );
      if (db?.Engine && snap.Engine && snap.Engine !== db.Engine)
        problems.push(
          `snapshot ${point.arn} is of a ${snap.Engine} database, ${f.dbId} is ${db.Engine}: choose a recovery point of ${f.dbId}`,
        );
      engine = snap.Engine ?? engine;
      engineVersion = snap.EngineVersion ?? engineVersion;
      storageEncrypted = snap.Encrypted ?? storageEncrypted;
      allocatedStorage = Math.max(snap.AllocatedStorage ?? 0, db?.AllocatedStorage ?? 0) || undefined;
      if (snap.Encrypted && db?.KmsKeyId && snap.KmsKeyId && snap.KmsKeyId !== db.KmsKeyId)
        warnings.push(
          `snapshot ${point.arn} is encrypted with ${snap.KmsKeyId}, ${f.dbId} with ${db.KmsKeyId}: a snapshot restore keeps the snapshot's key (to change it, copy the snapshot with the other key first)`,
        );
      kmsKeyId = snap.KmsKeyId ?? kmsKeyId;
      if (
        db &&
        snap.Encrypted !== undefined &&
        db.StorageEncrypted !== undefined &&
        snap.Encrypted !== db.StorageEncrypted
      )
        warnings.push(
          `snapshot ${point.arn} is ${snap.Encrypted ? '' : 'not '}encrypted and ${f.dbId} is ${db.StorageEncrypted ? '' : 'not '}: the restored database is as the snapshot`,
        );
    }
    if (path === 'backup') {
      if (!o.restoreRoleArn)
        problems.push(
          'restoring through AWS Backup (StartRestoreJob) needs the restore role AWS Backup assumes: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForRestores and the vault key), or --via rds to restore the snapshot directly',
        );
      if (!point.vault)
        problems.push(
          `--via backup needs the vault holding ${point.arn}: pass --vault NAME (or omit --recovery-point for the newest recovery point, found with its vault)`,
        );
      else if (!point.metadata)
        problems.push(
          `the restore metadata of ${point.arn} in vault ${point.vault} could not be read (backup:GetRecoveryPointRestoreMetadata): check the vault name and the credentials' permissions`,
        );
    }
  }

  const deletionProtection = db?.DeletionProtection ?? true;
  const instanceClass = ov.instanceClass ?? db?.DBInstanceClass;
  const expected: RdsExpected = {
    ...(engine ? { engine } : {}),
    ...(engineVersion ? { engineVersion } : {}),
    ...(storageEncrypted !== undefined ? { storageEncrypted } : {}),
    ...(kmsKeyId ? { kmsKeyId } : {}),
    ...(allocatedStorage ? { allocatedStorage } : {}),
    ...(db?.StorageType ? { storageType: db.StorageType } : {}),
    ...(instanceClass ? { instanceClass } : {}),
    ...(db?.MultiAZ !== undefined ? { multiAZ: db.MultiAZ } : {}),
    ...(subnetGroup ? { subnetGroup } : {}),
    ...(securityGroups ? { securityGroups } : {}),
    ...(parameterGroup ? { parameterGroup } : {}),
    ...(optionGroup ? { optionGroup } : {}),
    deletionProtection,
  };
  const tags = [...carriedTags(db), { Key: RESTORE_TAG, Value: f.dbId }, { Key: RUN_TAG, Value: o.runId }];
  const context: RdsContext = {
    dbId: f.dbId,
    targetId,
    beforeId,
    replace: o.replace,
    path,
    ...(db?.DbiResourceId ? { originalResourceId: db.DbiResourceId } : {}),
    ...(db?.DeletionProtection !== undefined ? { originalDeletionProtection: db.DeletionProtection } : {}),
    expected,
    tags,
    timeoutMinutes: o.timeoutMinutes,
  };
  if (problems.length) return { problems, warnings, steps: [], context };

  // The settings both RDS restore calls take, from the original (and the overrides).
  const settings = {
    DBInstanceClass: instanceClass,
    DBSubnetGroupName: subnetGroup,
    VpcSecurityGroupIds: securityGroups,
    DBParameterGroupName: parameterGroup,
    OptionGroupName: optionGroup,
    MultiAZ: db?.MultiAZ,
    StorageType: db?.StorageType,
    ...(db?.Iops && db.StorageType !== 'gp2' ? { Iops: db.Iops } : {}),
    ...(db?.StorageThroughput && db.StorageType === 'gp3' ? { StorageThroughput: db.StorageThroughput } : {}),
    AllocatedStorage: allocatedStorage,
    Port: db?.Endpoint?.Port ?? db?.DbInstancePort,
    PubliclyAccessible: db?.PubliclyAccessible,
    AutoMinorVersionUpgrade: db?.AutoMinorVersionUpgrade,
    CopyTagsToSnapshot: db?.CopyTagsToSnapshot,
    DeletionProtection: deletionProtection,
    Tags: tags,
  };
  const defined = (x: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined && v !== null));

  const steps: PlannedStep[] = [];
  if (point.kind === 'time') {
    steps.push({
      name: 'restore',
      call: 'rds:RestoreDBInstanceToPointInTime',
      kind: 'write',
      input: defined({
        SourceDBInstanceIdentifier: f.dbId,
        TargetDBInstanceIdentifier: targetId,
        RestoreTime: point.time.toISOString(),
        ...settings,
      }),
      summary: `restore ${f.dbId} as of ${point.time.toISOString()} as the new database ${targetId}`,
    });
  } else if (path === 'rds') {
    steps.push({
      name: 'restore',
      call: 'rds:RestoreDBInstanceFromDBSnapshot',
      kind: 'write',
      input: defined({ DBInstanceIdentifier: targetId, DBSnapshotIdentifier: point.arn, ...settings }),
      summary: `restore snapshot ${point.arn} as the new database ${targetId}`,
    });
  } else {
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(point.metadata ?? {})) if (!k.startsWith('aws:backup:')) meta[k] = v;
    const put = (k: string, v: unknown) =>
      setMetadata(
        meta,
        k,
        v === undefined || v === null ? undefined : Array.isArray(v) ? JSON.stringify(v) : String(v),
      );
    put('DBInstanceIdentifier', targetId);
    for (const k of [
      'DBInstanceClass',
      'DBSubnetGroupName',
      'VpcSecurityGroupIds',
      'DBParameterGroupName',
      'OptionGroupName',
      'MultiAZ',
      'StorageType',
      'AllocatedStorage',
      'Port',
      'PubliclyAccessible',
      'AutoMinorVersionUpgrade',
      'CopyTagsToSnapshot',
    ] as const)
      if (settings[k] !== undefined) put(k, settings[k]);
    steps.push({
      name: 'restore',
      call: 'backup:StartRestoreJob',
      kind: 'write',
      input: {
        RecoveryPointArn: point.arn,
        ResourceType: 'RDS',
        IamRoleArn: o.restoreRoleArn,
        IdempotencyToken: `${o.runId}-restore`,
        CopySourceTagsToRestoredResource: true,
        Metadata: meta,
      },
      summary: `start an AWS Backup restore job of ${point.arn} (vault ${point.vault}) as the new database ${targetId}`,
    });
    steps.push({
      name: 'wait-restore-job',
      call: 'backup:DescribeRestoreJob',
      kind: 'wait',
      input: { RestoreJobId: '(from restore)' },
      summary: 'wait until the restore job is COMPLETED',
    });
  }
  steps.push({
    name: 'wait-restored',
    call: 'rds:DescribeDBInstances',
    kind: 'wait',
    input: { DBInstanceIdentifier: targetId, until: 'available' },
    summary: `wait until ${targetId} is available`,
  });
  if (path === 'backup') {
    // StartRestoreJob metadata has no keys for tags and deletion protection: set them after.
    steps.push({
      name: 'tag-restored',
      call: 'rds:AddTagsToResource',
      kind: 'write',
      input: { DBInstanceIdentifier: targetId, Tags: tags },
      summary: `tag ${targetId} with ${f.dbId}'s tags`,
    });
    if (deletionProtection)
      steps.push({
        name: 'protect-restored',
        call: 'rds:ModifyDBInstance',
        kind: 'write',
        input: { DBInstanceIdentifier: targetId, DeletionProtection: true, ApplyImmediately: true },
        summary: `turn on deletion protection of ${targetId}`,
      });
  }
  steps.push({
    name: 'verify-restored',
    call: 'rds:DescribeDBInstances',
    kind: 'verify',
    input: { DBInstanceIdentifier: targetId, expected },
    summary: `verify ${targetId}: available, engine, version, storage, encryption and configuration as expected`,
  });
  if (o.replace) {
    steps.push(
      {
        name: 'rename-original',
        call: 'rds:ModifyDBInstance',
        kind: 'write',
        input: { DBInstanceIdentifier: f.dbId, NewDBInstanceIdentifier: beforeId, ApplyImmediately: true },
        summary: `rename the original ${f.dbId} to ${beforeId} (kept, not deleted)`,
      },
      {
        name: 'wait-original-renamed',
        call: 'rds:DescribeDBInstances',
        kind: 'wait',
        input: { DBInstanceIdentifier: beforeId, until: 'available' },
        summary: `wait until ${beforeId} is available and ${f.dbId} is free`,
      },
      {
        name: 'rename-restored',
        call: 'rds:ModifyDBInstance',
        kind: 'write',
        input: { DBInstanceIdentifier: targetId, NewDBInstanceIdentifier: f.dbId, ApplyImmediately: true },
        summary: `rename the restored ${targetId} to ${f.dbId} (the endpoint name stays)`,
      },
      {
        name: 'wait-restored-renamed',
        call: 'rds:DescribeDBInstances',
        kind: 'wait',
        input: { DBInstanceIdentifier: f.dbId, until: 'available' },
        summary: `wait until ${f.dbId} is the restored database and available`,
      },
      {
        name: 'verify-replaced',
        call: 'rds:DescribeDBInstances',
        kind: 'verify',
        input: { DBInstanceIdentifier: f.dbId, original: beforeId },
        summary: `verify ${f.dbId} is the restored database and ${beforeId} is the original, deletion protection as before`,
      },
    );
  }
  return { problems, warnings, steps, context };
}
