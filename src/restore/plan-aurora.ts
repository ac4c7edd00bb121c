/**
 * The Aurora restore as a plan (pure): a DB cluster and its instances. A restored cluster has no
 * instance (RestoreDBClusterFromSnapshot, RestoreDBClusterToPointInTime and AWS Backup's Aurora
 * restore all restore the cluster only), so after it is available one CreateDBInstance per member
 * of the original is made, the writer first, each with its member's class, DB parameter group,
 * promotion tier and availability zone: AWS's defaults would drop them silently.
 *
 * The cluster is restored with the original's configuration: DB subnet group, VPC security
 * groups, DB cluster parameter group, engine and version, KMS key, port, tags, deletion
 * protection, copy-tags-to-snapshot, IAM authentication, CloudWatch log exports, backtrack window
 * and Serverless v2 scaling. Three ways, by the point:
 * - `backup`: AWS Backup StartRestoreJob (ResourceType Aurora) of a recovery point found in a
 *   vault, with its GetRecoveryPointRestoreMetadata (whose keys are RestoreDBClusterFromSnapshot's
 *   parameters) overwritten by the configuration above; tags, deletion protection and Serverless
 *   v2 scaling are set after (AddTagsToResource, ModifyDBCluster);
 * - `rds`: RDS RestoreDBClusterFromSnapshot of a `cluster-snapshot:` ARN, everything explicit;
 * - `time`: RDS RestoreDBClusterToPointInTime from the original's continuous backup.
 *
 * With `replace`, cut over so that no step needs a name still taken: the original cluster is
 * renamed to `<id>-before-restore-<time>` (ModifyDBCluster NewDBClusterIdentifier: the cluster and
 * reader endpoints follow the identifier), the restored one to `<id>` (the endpoints are the
 * original's again), then for each member: the original instance to `<member>-before-restore-<time>`,
 * the restored one to `<member>` (instance endpoints follow instance identifiers). Nothing deleted.
 *
 * Multi-AZ DB clusters (engine mysql or postgres, DBClusterInstanceClass) are refused: RDS restores
 * them with RestoreDBClusterFromSnapshot too, and creates their instances itself, but their
 * storage settings and fixed instance names are not automated here.
 */
import type { DBCluster, DBClusterSnapshot, DBInstance } from '@aws-sdk/client-rds';
import { MIN_RDS_TIMEOUT_MINUTES, networkProblems, RESTORE_TAG, RUN_TAG, setMetadata } from './plan-rds.js';
import { type Plan, type PlannedStep, rdsIdentifierProblem, stamp, type Where } from './types.js';

export type AuroraPoint =
  | {
      kind: 'snapshot';
      /** arn:aws:rds:REGION:ACCOUNT:cluster-snapshot:NAME, or an AWS Backup recovery point ARN. */
      arn: string;
      /** DescribeDBClusterSnapshots of it; undefined when not found (or an AWS Backup ARN). */
      snapshot?: DBClusterSnapshot;
      vault?: string;
      metadata?: Record<string, string>;
    }
  | { kind: 'time'; time: Date };

export interface AuroraOverrides {
  subnetGroup?: string;
  securityGroups?: string[];
  /** The DB cluster parameter group. */
  parameterGroup?: string;
  /** Every instance's class (and the class of the one instance made when the original is not there). */
  instanceClass?: string;
}

export interface AuroraFacts {
  clusterId: string;
  where: Where;
  /** DescribeDBClusters of clusterId where the restore runs. */
  original?: DBCluster;
  /** DescribeDBInstances of each of its members (the ones that could be read). */
  members: DBInstance[];
  point: AuroraPoint;
  targetExists: boolean;
  beforeExists: boolean;
  /** Instance identifiers the plan needs that are already taken. */
  instancesTaken: string[];
  now: Date;
}

export interface AuroraOptions {
  runId: string;
  targetId?: string;
  replace: boolean;
  via?: 'backup' | 'rds';
  restoreRoleArn?: string;
  overrides?: AuroraOverrides;
  timeoutMinutes: number;
}

/** One instance of the restored cluster, made for one member of the original. */
export interface AuroraMember {
  /** The original member's identifier (undefined when the original is not there). */
  originalId?: string;
  originalResourceId?: string;
  /** The restored instance's identifier until --replace renames it to originalId. */
  restoredId: string;
  /** What the original member is renamed to (--replace). */
  beforeId?: string;
  writer: boolean;
  instanceClass: string;
  parameterGroup?: string;
  promotionTier?: number;
}

export interface AuroraExpected {
  engine?: string;
  engineVersion?: string;
  storageEncrypted?: boolean;
  kmsKeyId?: string;
  subnetGroup?: string;
  securityGroups?: string[];
  clusterParameterGroup?: string;
  port?: number;
  iamAuth?: boolean;
  deletionProtection: boolean;
  serverlessV2?: { MinCapacity?: number; MaxCapacity?: number };
  /** How many instances the restored cluster has. */
  members: number;
}

export interface AuroraContext {
  resource: 'cluster';
  clusterId: string;
  targetId: string;
  beforeId: string;
  replace: boolean;
  path: 'backup' | 'rds' | 'time';
  /** The original's DbClusterResourceId: a cluster rename is verified by it, not by name. */
  originalResourceId?: string;
  originalDeletionProtection?: boolean;
  members: AuroraMember[];
  expected: AuroraExpected;
  tags: { Key: string; Value: string }[];
  timeoutMinutes: number;
}

const isAurora = (engine?: string) => Boolean(engine?.startsWith('aurora'));

function carriedTags(tags?: { Key?: string; Value?: string }[]) {
  return (tags ?? [])
    .filter((t) => t.Key && !t.Key.startsWith('aws:') && !t.Key.startsWith('backup-sentinel:'))
    .map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
}

const defined = (x: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined && v !== null));

/** The original's members, the writer first, then by promotion tier and name. */
export function orderedMembers(c: DBCluster | undefined): { id: string; writer: boolean; tier?: number }[] {
  return (c?.DBClusterMembers ?? [])
    .filter((m) => m.DBInstanceIdentifier)
    .map((m) => ({
      id: m.DBInstanceIdentifier ?? '',
      writer: Boolean(m.IsClusterWriter),
      ...(m.PromotionTier !== undefined ? { tier: m.PromotionTier } : {}),
    }))
    .sort(
      (a, b) =>
        Number(b.writer) - Number(a.writer) || (a.tier ?? 15) - (b.tier ?? 15) || a.id.localeCompare(b.id),
    );
}

export function planAurora(f: AuroraFacts, o: AuroraOptions): Plan<AuroraContext> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const where = `${f.where.account ? `account ${f.where.account}, ` : ''}${f.where.region}`;
  const when = stamp(f.now);
  const targetId = o.targetId ?? `${f.clusterId}-restored-${when}`;
  const beforeId = `${f.clusterId}-before-restore-${when}`;
  const c = f.original;
  const ov = o.overrides ?? {};

  const badId = rdsIdentifierProblem(f.clusterId, '--cluster');
  if (badId) problems.push(badId);
  else
    for (const [id, what] of [
      [targetId, o.targetId ? '--target-id' : `the restored cluster's identifier (from --cluster)`],
      ...(o.replace ? [[beforeId, 'the name the original cluster is renamed to (from --cluster)']] : []),
    ] as const) {
      const p = rdsIdentifierProblem(id, what);
      if (p) problems.push(what === '--target-id' ? p : `${p}: use a shorter --cluster`);
    }

  // The instances to make: one per member of the original, else one of --instance-class.
  const byId = new Map(f.members.map((m) => [m.DBInstanceIdentifier ?? '', m]));
  const members: AuroraMember[] = [];
  const ordered = orderedMembers(c);
  for (const m of ordered) {
    const db = byId.get(m.id);
    const instanceClass = ov.instanceClass ?? db?.DBInstanceClass;
    if (!db) {
      problems.push(
        `${f.clusterId}'s member ${m.id} could not be read (rds:DescribeDBInstances): its class and parameter group are needed to recreate it`,
      );
      continue;
    }
    if (!instanceClass) continue;
    members.push({
      originalId: m.id,
      ...(db.DbiResourceId ? { originalResourceId: db.DbiResourceId } : {}),
      restoredId: `${m.id}-restored-${when}`,
      ...(o.replace ? { beforeId: `${m.id}-before-restore-${when}` } : {}),
      writer: m.writer,
      instanceClass,
      ...(db.DBParameterGroups?.[0]?.DBParameterGroupName
        ? { parameterGroup: db.DBParameterGroups[0].DBParameterGroupName }
        : {}),
      ...((db.PromotionTier ?? m.tier) !== undefined ? { promotionTier: db.PromotionTier ?? m.tier } : {}),
    });
  }
  if ((!c || ordered.length === 0) && ov.instanceClass)
    members.push({ restoredId: `${targetId}-1`, writer: true, instanceClass: ov.instanceClass });
  if (members.length === 0 && (!c || ordered.length === 0) && !ov.instanceClass)
    problems.push(
      `no instances to create in the restored cluster: ${c ? `${f.clusterId} has none` : `${f.clusterId} is not in ${where} to copy them from`}, and a restored cluster has no instance until one is created. Pass --instance-class CLASS (one writer is created)`,
    );
  if (!badId)
    for (const m of members)
      for (const [id, what] of [
        [m.restoredId, `the restored instance's identifier (from ${m.originalId ?? '--target-id'})`],
        ...(m.beforeId ? [[m.beforeId, `the name ${m.originalId} is renamed to`]] : []),
      ] as const) {
        const p = rdsIdentifierProblem(id, what);
        if (p) problems.push(`${p}: the member's identifier is too long for a restore beside it`);
      }

  if (c && !isAurora(c.Engine)) {
    if (c.Engine === 'mysql' || c.Engine === 'postgres')
      problems.push(
        `${f.clusterId} is a Multi-AZ DB cluster (engine ${c.Engine}${c.DBClusterInstanceClass ? `, ${c.DBClusterInstanceClass}` : ''}): RDS restores it with RestoreDBClusterFromSnapshot too (with DBClusterInstanceClass, StorageType, Iops and AllocatedStorage, and creates its writer and readers itself), but restore rds does not automate Multi-AZ DB clusters yet: restore it with aws rds restore-db-cluster-from-snapshot --db-cluster-instance-class ${c.DBClusterInstanceClass ?? 'CLASS'} or the AWS Backup console`,
      );
    else
      problems.push(
        `${f.clusterId} is a ${c.Engine ?? 'non-Aurora'} cluster: restore rds --cluster restores Aurora (aurora-mysql, aurora-postgresql) clusters only`,
      );
  }
  if (c && isAurora(c.Engine) && c.EngineMode && c.EngineMode !== 'provisioned')
    problems.push(
      `${f.clusterId} is an Aurora ${c.EngineMode} cluster: restore rds --cluster restores provisioned clusters (with provisioned or Serverless v2 instances) only`,
    );
  if (o.replace && !c)
    problems.push(
      `--replace renames cluster ${f.clusterId}, but there is no DB cluster ${f.clusterId} in ${where}: restore without --replace (a new cluster), or restore in the account and region of the original`,
    );
  if (o.replace && c && c.Status !== 'available')
    problems.push(
      `${f.clusterId} is ${c.Status ?? 'in an unknown state'}: --replace renames it, which RDS does only while it is available; wait until it is, or restore without --replace`,
    );
  if (o.replace)
    for (const m of members) {
      const db = m.originalId ? byId.get(m.originalId) : undefined;
      if (db && db.DBInstanceStatus !== 'available')
        problems.push(
          `${m.originalId} (an instance of ${f.clusterId}) is ${db.DBInstanceStatus ?? 'in an unknown state'}: --replace renames it, which RDS does only while it is available`,
        );
    }
  if (f.targetExists)
    problems.push(
      `a DB cluster named ${targetId} already exists in ${where}: pass another --target-id, or --resume the record of the restore that made it`,
    );
  if (o.replace && f.beforeExists)
    problems.push(
      `a DB cluster named ${beforeId} already exists in ${where}: run the restore again a minute later`,
    );
  for (const id of f.instancesTaken)
    problems.push(
      `a DB instance named ${id} already exists in ${where}: the restore needs that name; run the restore again a minute later, or --resume the record of the restore that made it`,
    );
  if (o.timeoutMinutes < MIN_RDS_TIMEOUT_MINUTES)
    problems.push(
      `--timeout ${o.timeoutMinutes} minutes is too tight for an Aurora restore (the cluster and then each instance take minutes to hours): give at least ${MIN_RDS_TIMEOUT_MINUTES}; a timeout stops the waiting, not the restore`,
    );

  const subnetGroup = ov.subnetGroup ?? c?.DBSubnetGroup;
  const sg = (c?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean);
  const securityGroups = ov.securityGroups ?? (sg.length ? sg : undefined);
  const clusterParameterGroup = ov.parameterGroup ?? c?.DBClusterParameterGroup;
  problems.push(
    ...networkProblems({ subnetGroup, securityGroups }, { id: f.clusterId, found: Boolean(c), where }),
  );

  const point = f.point;
  let path: AuroraContext['path'];
  let engine = c?.Engine;
  let engineVersion = c?.EngineVersion;
  let storageEncrypted = c?.StorageEncrypted;
  if (point.kind === 'time') {
    path = 'time';
    if (!c)
      problems.push(
        `--time restores ${f.clusterId} from its continuous backup, but there is no DB cluster ${f.clusterId} in ${where}: choose a recovery point (--recovery-point ARN) instead`,
      );
    else {
      const latest = c.LatestRestorableTime;
      const earliest =
        c.EarliestRestorableTime ?? new Date(f.now.getTime() - (c.BackupRetentionPeriod ?? 1) * 86_400_000);
      if (latest && point.time > latest)
        problems.push(
          `--time ${point.time.toISOString()} is after ${f.clusterId}'s latest restorable time ${latest.toISOString()}: choose an earlier time (or omit --time for the newest recovery point)`,
        );
      if (point.time < earliest)
        problems.push(
          `--time ${point.time.toISOString()} is before ${f.clusterId}'s earliest restorable time ${earliest.toISOString()}: choose a later time, or a snapshot recovery point`,
        );
    }
  } else {
    const snap = point.snapshot;
    const backupArn = point.arn.split(':')[2] === 'backup';
    path = backupArn ? 'backup' : (o.via ?? (point.vault ? 'backup' : 'rds'));
    if (backupArn && o.via === 'rds')
      problems.push(
        `${point.arn} is an AWS Backup recovery point, not an RDS cluster snapshot: only AWS Backup restores it; omit --via rds`,
      );
    if (!snap && !backupArn)
      problems.push(
        `recovery point ${point.arn}: no such DB cluster snapshot in ${where} (or these credentials cannot see it): check the ARN, and the account and region it is restored in (--from-account, --region)`,
      );
    else if (snap) {
      if (snap.Status !== 'available')
        problems.push(
          `cluster snapshot ${point.arn} is ${snap.Status ?? 'in an unknown state'}: wait until it is available`,
        );
      if (c?.Engine && snap.Engine && snap.Engine !== c.Engine)
        problems.push(
          `cluster snapshot ${point.arn} is of a ${snap.Engine} cluster, ${f.clusterId} is ${c.Engine}: choose a recovery point of ${f.clusterId}`,
        );
      if (!c && snap.Engine && !isAurora(snap.Engine))
        problems.push(
          `cluster snapshot ${point.arn} is of a ${snap.Engine} (Multi-AZ DB) cluster: restore rds --cluster restores Aurora clusters only`,
        );
      engine = snap.Engine ?? engine;
      engineVersion = snap.EngineVersion ?? engineVersion;
      if (snap.StorageEncrypted !== undefined) storageEncrypted = snap.StorageEncrypted;
      if (c && snap.StorageEncrypted === false && c.StorageEncrypted)
        warnings.push(
          `cluster snapshot ${point.arn} is not encrypted and ${f.clusterId} is: the restored cluster is encrypted with ${f.clusterId}'s key only if RDS accepts KmsKeyId for it`,
        );
      else if (snap.StorageEncrypted && c?.KmsKeyId && snap.KmsKeyId && snap.KmsKeyId !== c.KmsKeyId)
        warnings.push(
          `cluster snapshot ${point.arn} is encrypted with ${snap.KmsKeyId}, ${f.clusterId} with ${c.KmsKeyId}: the restored cluster is encrypted with ${f.clusterId}'s key (KmsKeyId), which the restore needs access to`,
        );
    }
    if (path === 'backup') {
      if (!o.restoreRoleArn)
        problems.push(
          'restoring through AWS Backup (StartRestoreJob) needs the restore role AWS Backup assumes: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForRestores and the vault key), or --via rds to restore the cluster snapshot directly',
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

  // The restore keeps the original's key where the snapshot is encrypted (an unencrypted snapshot
  // restores unencrypted: the original's key is not forced on it).
  const kmsKeyId =
    storageEncrypted !== false
      ? (c?.KmsKeyId ?? (point.kind === 'snapshot' ? point.snapshot?.KmsKeyId : undefined))
      : undefined;
  const deletionProtection = c?.DeletionProtection ?? true;
  const sv2 = c?.ServerlessV2ScalingConfiguration;
  const serverlessV2 =
    sv2 && (sv2.MinCapacity !== undefined || sv2.MaxCapacity !== undefined)
      ? defined({ MinCapacity: sv2.MinCapacity, MaxCapacity: sv2.MaxCapacity })
      : undefined;
  const port = c?.Port;
  const expected: AuroraExpected = {
    ...(engine ? { engine } : {}),
    ...(engineVersion ? { engineVersion } : {}),
    ...(storageEncrypted !== undefined ? { storageEncrypted } : {}),
    ...(kmsKeyId && storageEncrypted ? { kmsKeyId } : {}),
    ...(subnetGroup ? { subnetGroup } : {}),
    ...(securityGroups ? { securityGroups } : {}),
    ...(clusterParameterGroup ? { clusterParameterGroup } : {}),
    ...(port ? { port } : {}),
    ...(c?.IAMDatabaseAuthenticationEnabled !== undefined
      ? { iamAuth: c.IAMDatabaseAuthenticationEnabled }
      : {}),
    deletionProtection,
    ...(serverlessV2 ? { serverlessV2 } : {}),
    members: members.length,
  };
  const tags = [
    ...carriedTags(c?.TagList),
    { Key: RESTORE_TAG, Value: f.clusterId },
    { Key: RUN_TAG, Value: o.runId },
  ];
  const context: AuroraContext = {
    resource: 'cluster',
    clusterId: f.clusterId,
    targetId,
    beforeId,
    replace: o.replace,
    path,
    ...(c?.DbClusterResourceId ? { originalResourceId: c.DbClusterResourceId } : {}),
    ...(c?.DeletionProtection !== undefined ? { originalDeletionProtection: c.DeletionProtection } : {}),
    members,
    expected,
    tags,
    timeoutMinutes: o.timeoutMinutes,
  };
  if (problems.length) return { problems, warnings, steps: [], context };

  const settings = {
    DBSubnetGroupName: subnetGroup,
    VpcSecurityGroupIds: securityGroups,
    DBClusterParameterGroupName: clusterParameterGroup,
    Port: port,
    KmsKeyId: kmsKeyId,
    EnableIAMDatabaseAuthentication: c?.IAMDatabaseAuthenticationEnabled,
    EnableCloudwatchLogsExports: c?.EnabledCloudwatchLogsExports?.length
      ? c.EnabledCloudwatchLogsExports
      : undefined,
    BacktrackWindow: c?.BacktrackWindow ? c.BacktrackWindow : undefined,
    ServerlessV2ScalingConfiguration: serverlessV2,
    DeletionProtection: deletionProtection,
    CopyTagsToSnapshot: c?.CopyTagsToSnapshot,
    Tags: tags,
  };

  const steps: PlannedStep[] = [];
  if (point.kind === 'time') {
    steps.push({
      name: 'restore',
      call: 'rds:RestoreDBClusterToPointInTime',
      kind: 'write',
      input: defined({
        SourceDBClusterIdentifier: f.clusterId,
        DBClusterIdentifier: targetId,
        RestoreToTime: point.time.toISOString(),
        RestoreType: 'full-copy',
        ...settings,
      }),
      summary: `restore cluster ${f.clusterId} as of ${point.time.toISOString()} as the new cluster ${targetId}`,
    });
  } else if (path === 'rds') {
    // The snapshot's name in the account it was found in (RDS takes the name or the ARN; a
    // snapshot shared from another account only by its ARN).
    const own =
      point.snapshot?.DBClusterSnapshotArn === point.arn && point.snapshot.DBClusterSnapshotIdentifier;
    const sameAccount = !f.where.account || point.arn.split(':')[4] === f.where.account;
    steps.push({
      name: 'restore',
      call: 'rds:RestoreDBClusterFromSnapshot',
      kind: 'write',
      input: defined({
        DBClusterIdentifier: targetId,
        SnapshotIdentifier: own && sameAccount ? own : point.arn,
        Engine: engine,
        EngineVersion: engineVersion,
        ...settings,
      }),
      summary: `restore cluster snapshot ${point.arn} as the new cluster ${targetId}`,
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
    put('DBClusterIdentifier', targetId);
    put('Engine', engine);
    put('EngineVersion', engineVersion);
    for (const k of [
      'DBSubnetGroupName',
      'VpcSecurityGroupIds',
      'DBClusterParameterGroupName',
      'Port',
      'KmsKeyId',
      'EnableIAMDatabaseAuthentication',
      'EnableCloudwatchLogsExports',
      'BacktrackWindow',
      'DeletionProtection',
      'CopyTagsToSnapshot',
    ] as const)
      if (settings[k] !== undefined) put(k, settings[k]);
    steps.push(
      {
        name: 'restore',
        call: 'backup:StartRestoreJob',
        kind: 'write',
        input: {
          RecoveryPointArn: point.arn,
          ResourceType: 'Aurora',
          IamRoleArn: o.restoreRoleArn,
          IdempotencyToken: `${o.runId}-restore`,
          CopySourceTagsToRestoredResource: true,
          Metadata: meta,
        },
        summary: `start an AWS Backup restore job of ${point.arn} (vault ${point.vault}) as the new cluster ${targetId}`,
      },
      {
        name: 'wait-restore-job',
        call: 'backup:DescribeRestoreJob',
        kind: 'wait',
        input: { RestoreJobId: '(from restore)' },
        summary: 'wait until the restore job is COMPLETED',
      },
    );
  }
  steps.push({
    name: 'wait-cluster',
    call: 'rds:DescribeDBClusters',
    kind: 'wait',
    input: { DBClusterIdentifier: targetId, until: 'available' },
    summary: `wait until the cluster ${targetId} is available`,
  });
  if (path === 'backup') {
    steps.push({
      name: 'tag-cluster',
      call: 'rds:AddTagsToResource',
      kind: 'write',
      input: { DBClusterIdentifier: targetId, Tags: tags },
      summary: `tag ${targetId} with ${f.clusterId}'s tags`,
    });
    if (deletionProtection || serverlessV2)
      steps.push({
        name: 'configure-cluster',
        call: 'rds:ModifyDBCluster',
        kind: 'write',
        input: defined({
          DBClusterIdentifier: targetId,
          DeletionProtection: deletionProtection || undefined,
          ServerlessV2ScalingConfiguration: serverlessV2,
          ApplyImmediately: true,
        }),
        summary: `set ${targetId}'s ${[deletionProtection ? 'deletion protection' : '', serverlessV2 ? 'Serverless v2 scaling' : ''].filter(Boolean).join(' and ')} (made sure of after the restore job: its metadata does not carry them reliably)`,
      });
  }
  // The availability zone is the member's only when the restored cluster is in its subnet group.
  const sameSubnets = !ov.subnetGroup || ov.subnetGroup === c?.DBSubnetGroup;
  members.forEach((m, i) => {
    const db = m.originalId ? byId.get(m.originalId) : undefined;
    steps.push({
      name: `create-instance-${i + 1}`,
      call: 'rds:CreateDBInstance',
      kind: 'write',
      input: defined({
        DBInstanceIdentifier: m.restoredId,
        DBClusterIdentifier: targetId,
        Engine: engine,
        DBInstanceClass: m.instanceClass,
        DBParameterGroupName: m.parameterGroup,
        PromotionTier: m.promotionTier,
        AvailabilityZone: sameSubnets ? db?.AvailabilityZone : undefined,
        PubliclyAccessible: db?.PubliclyAccessible,
        AutoMinorVersionUpgrade: db?.AutoMinorVersionUpgrade,
        MonitoringInterval: db?.MonitoringInterval || undefined,
        MonitoringRoleArn: db?.MonitoringInterval ? db.MonitoringRoleArn : undefined,
        EnablePerformanceInsights: db?.PerformanceInsightsEnabled || undefined,
        PerformanceInsightsKMSKeyId: db?.PerformanceInsightsEnabled
          ? db.PerformanceInsightsKMSKeyId
          : undefined,
        PerformanceInsightsRetentionPeriod: db?.PerformanceInsightsEnabled
          ? db.PerformanceInsightsRetentionPeriod
          : undefined,
        Tags: [
          ...carriedTags(db?.TagList),
          { Key: RESTORE_TAG, Value: m.originalId ?? f.clusterId },
          { Key: RUN_TAG, Value: o.runId },
        ],
      }),
      summary: `create the ${m.writer ? 'writer' : 'reader'} ${m.restoredId} (${m.instanceClass}${m.originalId ? `, as ${m.originalId}` : ''}) in ${targetId}`,
    });
  });
  steps.push(
    {
      name: 'wait-instances',
      call: 'rds:DescribeDBInstances',
      kind: 'wait',
      input: { DBInstanceIdentifiers: members.map((m) => m.restoredId), until: 'available' },
      summary: `wait until ${members.map((m) => m.restoredId).join(', ')} ${members.length === 1 ? 'is' : 'are'} available`,
    },
    {
      name: 'verify-restored',
      call: 'rds:DescribeDBClusters',
      kind: 'verify',
      input: { DBClusterIdentifier: targetId, expected },
      summary: `verify ${targetId}: available, engine, version, encryption, configuration and its ${members.length} instance${members.length === 1 ? '' : 's'} as expected`,
    },
  );
  if (o.replace) {
    steps.push(
      {
        name: 'rename-original-cluster',
        call: 'rds:ModifyDBCluster',
        kind: 'write',
        input: { DBClusterIdentifier: f.clusterId, NewDBClusterIdentifier: beforeId, ApplyImmediately: true },
        summary: `rename the original cluster ${f.clusterId} to ${beforeId} (kept, not deleted; its endpoints follow the new name)`,
      },
      {
        name: 'wait-original-cluster-renamed',
        call: 'rds:DescribeDBClusters',
        kind: 'wait',
        input: { DBClusterIdentifier: beforeId, until: 'available', free: f.clusterId },
        summary: `wait until ${beforeId} is available and ${f.clusterId} is free`,
      },
      {
        name: 'rename-restored-cluster',
        call: 'rds:ModifyDBCluster',
        kind: 'write',
        input: { DBClusterIdentifier: targetId, NewDBClusterIdentifier: f.clusterId, ApplyImmediately: true },
        summary: `rename the restored cluster ${targetId} to ${f.clusterId} (the cluster and reader endpoint names are the original's again)`,
      },
      {
        name: 'wait-restored-cluster-renamed',
        call: 'rds:DescribeDBClusters',
        kind: 'wait',
        input: { DBClusterIdentifier: f.clusterId, until: 'available' },
        summary: `wait until ${f.clusterId} is the restored cluster and available`,
      },
    );
    members.forEach((m, i) => {
      const n = i + 1;
      steps.push(
        {
          name: `rename-original-instance-${n}`,
          call: 'rds:ModifyDBInstance',
          kind: 'write',
          input: {
            DBInstanceIdentifier: m.originalId,
            NewDBInstanceIdentifier: m.beforeId,
            ApplyImmediately: true,
          },
          summary: `rename the original instance ${m.originalId} to ${m.beforeId}`,
        },
        {
          name: `wait-original-instance-renamed-${n}`,
          call: 'rds:DescribeDBInstances',
          kind: 'wait',
          input: { DBInstanceIdentifier: m.beforeId, until: 'available', free: m.originalId },
          summary: `wait until ${m.beforeId} is available and ${m.originalId} is free`,
        },
        {
          name: `rename-restored-instance-${n}`,
          call: 'rds:ModifyDBInstance',
          kind: 'write',
          input: {
            DBInstanceIdentifier: m.restoredId,
            NewDBInstanceIdentifier: m.originalId,
            ApplyImmediately: true,
          },
          summary: `rename the restored instance ${m.restoredId} to ${m.originalId} (its endpoint name is the original's again)`,
        },
        {
          name: `wait-restored-instance-renamed-${n}`,
          call: 'rds:DescribeDBInstances',
          kind: 'wait',
          input: { DBInstanceIdentifier: m.originalId, until: 'available' },
          summary: `wait until ${m.originalId} is the restored instance and available`,
        },
      );
    });
    steps.push({
      name: 'verify-replaced',
      call: 'rds:DescribeDBClusters',
      kind: 'verify',
      input: { DBClusterIdentifier: f.clusterId, original: beforeId },
      summary: `verify ${f.clusterId} is the restored cluster with ${members.map((m) => m.originalId).join(', ')}, and ${beforeId} is the original with its instances, deletion protection as before`,
    });
  }
  return { problems, warnings, steps, context };
}
