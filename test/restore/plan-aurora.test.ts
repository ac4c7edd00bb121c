/** The Aurora restore planner (pure): configuration carried over, every preflight problem with its message, step order. */
import type { DBCluster, DBClusterSnapshot, DBInstance } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { type AuroraFacts, type AuroraOptions, planAurora } from '../../src/restore/plan-aurora.js';
import { RESTORE_TAG, RUN_TAG } from '../../src/restore/plan-rds.js';

const NOW = new Date('2026-11-25T06:00:00Z');
const T = '20261125-0600';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SNAP =
  'arn:aws:rds:eu-central-1:111111111111:cluster-snapshot:awsbackup:job-2b3cde45-678f-9012-34a5-6b7cdef89012';

const cluster = (extra: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: 'orders',
  DBClusterArn: 'arn:aws:rds:eu-central-1:111111111111:cluster:orders',
  DbClusterResourceId: 'cluster-ORIGINAL',
  Status: 'available',
  Engine: 'aurora-postgresql',
  EngineVersion: '15.4',
  EngineMode: 'provisioned',
  StorageEncrypted: true,
  KmsKeyId: KEY,
  DBSubnetGroup: 'orders-private',
  VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0123456789abcdef0', Status: 'active' }],
  DBClusterParameterGroup: 'orders-cluster-pg15',
  Port: 5432,
  IAMDatabaseAuthenticationEnabled: true,
  DeletionProtection: true,
  CopyTagsToSnapshot: true,
  EnabledCloudwatchLogsExports: ['postgresql'],
  ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
  BackupRetentionPeriod: 7,
  EarliestRestorableTime: new Date('2026-11-18T06:00:00Z'),
  LatestRestorableTime: new Date('2026-11-25T05:55:00Z'),
  // the reader listed first: the writer is created first all the same
  DBClusterMembers: [
    { DBInstanceIdentifier: 'orders-2', IsClusterWriter: false, PromotionTier: 1 },
    { DBInstanceIdentifier: 'orders-1', IsClusterWriter: true, PromotionTier: 0 },
  ],
  TagList: [
    { Key: 'team', Value: 'orders' },
    { Key: 'aws:cloudformation:stack-name', Value: 'db' },
  ],
  ...extra,
});
const member = (id: string, extra: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  DbiResourceId: `db-${id}`,
  DBInstanceStatus: 'available',
  DBClusterIdentifier: 'orders',
  Engine: 'aurora-postgresql',
  DBInstanceClass: 'db.r6g.large',
  DBParameterGroups: [{ DBParameterGroupName: 'orders-instance-pg15' }],
  PubliclyAccessible: false,
  AutoMinorVersionUpgrade: true,
  TagList: [{ Key: 'role', Value: id }],
  ...extra,
});
const members = () => [
  member('orders-1', {
    PromotionTier: 0,
    AvailabilityZone: 'eu-central-1a',
    MonitoringInterval: 60,
    MonitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring',
  }),
  member('orders-2', {
    PromotionTier: 1,
    AvailabilityZone: 'eu-central-1b',
    DBInstanceClass: 'db.serverless',
  }),
];
const snapshot = (extra: Partial<DBClusterSnapshot> = {}): DBClusterSnapshot => ({
  DBClusterSnapshotIdentifier: 'awsbackup:job-2b3cde45-678f-9012-34a5-6b7cdef89012',
  DBClusterSnapshotArn: SNAP,
  Status: 'available',
  Engine: 'aurora-postgresql',
  EngineVersion: '15.4',
  StorageEncrypted: true,
  KmsKeyId: KEY,
  ...extra,
});
const facts = (extra: Partial<AuroraFacts> = {}): AuroraFacts => ({
  clusterId: 'orders',
  where: { region: 'eu-central-1', account: '111111111111' },
  original: cluster(),
  members: members(),
  point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot() },
  targetExists: false,
  beforeExists: false,
  instancesTaken: [],
  now: NOW,
  ...extra,
});
const options = (extra: Partial<AuroraOptions> = {}): AuroraOptions => ({
  runId: 'run-1',
  replace: true,
  timeoutMinutes: 120,
  ...extra,
});
const TAGS = [
  { Key: 'team', Value: 'orders' },
  { Key: RESTORE_TAG, Value: 'orders' },
  { Key: RUN_TAG, Value: 'run-1' },
];

describe('planAurora: configuration carried over', () => {
  it('restores the cluster snapshot with the original configuration, then one instance per member, the writer first', () => {
    const plan = planAurora(facts(), options({ replace: false }));
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => `${s.name} ${s.call}`)).toEqual([
      'restore rds:RestoreDBClusterFromSnapshot',
      'wait-cluster rds:DescribeDBClusters',
      'create-instance-1 rds:CreateDBInstance',
      'create-instance-2 rds:CreateDBInstance',
      'wait-instances rds:DescribeDBInstances',
      'verify-restored rds:DescribeDBClusters',
    ]);
    expect(plan.steps[0]?.input).toEqual({
      DBClusterIdentifier: `orders-restored-${T}`,
      SnapshotIdentifier: 'awsbackup:job-2b3cde45-678f-9012-34a5-6b7cdef89012',
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      DBSubnetGroupName: 'orders-private',
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
      DBClusterParameterGroupName: 'orders-cluster-pg15',
      Port: 5432,
      KmsKeyId: KEY,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql'],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      DeletionProtection: true,
      CopyTagsToSnapshot: true,
      Tags: TAGS,
    });
    expect(plan.steps[2]?.input).toEqual({
      DBInstanceIdentifier: `orders-1-restored-${T}`,
      DBClusterIdentifier: `orders-restored-${T}`,
      Engine: 'aurora-postgresql',
      DBInstanceClass: 'db.r6g.large',
      DBParameterGroupName: 'orders-instance-pg15',
      PromotionTier: 0,
      AvailabilityZone: 'eu-central-1a',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
      MonitoringInterval: 60,
      MonitoringRoleArn: 'arn:aws:iam::111111111111:role/rds-monitoring',
      Tags: [
        { Key: 'role', Value: 'orders-1' },
        { Key: RESTORE_TAG, Value: 'orders-1' },
        { Key: RUN_TAG, Value: 'run-1' },
      ],
    });
    expect(plan.steps[3]?.input).toMatchObject({
      DBInstanceIdentifier: `orders-2-restored-${T}`,
      DBInstanceClass: 'db.serverless',
      PromotionTier: 1,
      AvailabilityZone: 'eu-central-1b',
    });
    expect(plan.context.expected).toEqual({
      engine: 'aurora-postgresql',
      engineVersion: '15.4',
      storageEncrypted: true,
      kmsKeyId: KEY,
      subnetGroup: 'orders-private',
      securityGroups: ['sg-0123456789abcdef0'],
      clusterParameterGroup: 'orders-cluster-pg15',
      port: 5432,
      iamAuth: true,
      deletionProtection: true,
      serverlessV2: { MinCapacity: 0.5, MaxCapacity: 8 },
      members: 2,
    });
    expect(plan.context.members.map((m) => [m.originalId, m.restoredId, m.writer])).toEqual([
      ['orders-1', `orders-1-restored-${T}`, true],
      ['orders-2', `orders-2-restored-${T}`, false],
    ]);
  });

  it('--replace: the original cluster away, the restored one in, then each instance likewise, then verify', () => {
    const plan = planAurora(facts(), options());
    const renames = plan.steps
      .filter((s) => s.input.NewDBClusterIdentifier || s.input.NewDBInstanceIdentifier)
      .map((s) => `${s.name}: ${Object.values(s.input)[0]} -> ${Object.values(s.input)[1]}`);
    expect(renames).toEqual([
      `rename-original-cluster: orders -> orders-before-restore-${T}`,
      `rename-restored-cluster: orders-restored-${T} -> orders`,
      `rename-original-instance-1: orders-1 -> orders-1-before-restore-${T}`,
      `rename-restored-instance-1: orders-1-restored-${T} -> orders-1`,
      `rename-original-instance-2: orders-2 -> orders-2-before-restore-${T}`,
      `rename-restored-instance-2: orders-2-restored-${T} -> orders-2`,
    ]);
    // every rename into a name comes after the wait that frees it
    const names = plan.steps.map((s) => s.name);
    expect(names.slice(6)).toEqual([
      'rename-original-cluster',
      'wait-original-cluster-renamed',
      'rename-restored-cluster',
      'wait-restored-cluster-renamed',
      'rename-original-instance-1',
      'wait-original-instance-renamed-1',
      'rename-restored-instance-1',
      'wait-restored-instance-renamed-1',
      'rename-original-instance-2',
      'wait-original-instance-renamed-2',
      'rename-restored-instance-2',
      'wait-restored-instance-renamed-2',
      'verify-replaced',
    ]);
    expect(plan.steps[7]?.input).toEqual({
      DBClusterIdentifier: `orders-before-restore-${T}`,
      until: 'available',
      free: 'orders',
    });
    for (const s of plan.steps.filter((x) => x.call.startsWith('rds:Modify')))
      expect(s.input.ApplyImmediately).toBe(true);
    expect(plan.steps.some((s) => /Delete/.test(s.call))).toBe(false);
  });

  it("--time restores to a point in time with the same settings; overrides replace the original's, and drop the AZ", () => {
    const time = new Date('2026-11-24T12:00:00Z');
    const plan = planAurora(
      facts({ point: { kind: 'time', time } }),
      options({
        replace: false,
        overrides: {
          subnetGroup: 'dr-private',
          securityGroups: ['sg-0fedcba9876543210'],
          parameterGroup: 'dr-cpg',
          instanceClass: 'db.r6g.xlarge',
        },
      }),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.steps[0]).toMatchObject({
      call: 'rds:RestoreDBClusterToPointInTime',
      input: expect.objectContaining({
        SourceDBClusterIdentifier: 'orders',
        DBClusterIdentifier: `orders-restored-${T}`,
        RestoreToTime: '2026-11-24T12:00:00.000Z',
        RestoreType: 'full-copy',
        DBSubnetGroupName: 'dr-private',
        VpcSecurityGroupIds: ['sg-0fedcba9876543210'],
        DBClusterParameterGroupName: 'dr-cpg',
      }),
    });
    expect(plan.steps[0]?.input.Engine).toBeUndefined();
    const create = plan.steps.filter((s) => s.call === 'rds:CreateDBInstance');
    expect(create.map((s) => s.input.DBInstanceClass)).toEqual(['db.r6g.xlarge', 'db.r6g.xlarge']);
    expect(create.map((s) => s.input.AvailabilityZone)).toEqual([undefined, undefined]);
  });

  it('without the original there: one writer of --instance-class, the overrides', () => {
    const plan = planAurora(
      facts({ original: undefined, members: [] }),
      options({
        replace: false,
        targetId: 'orders-dr',
        overrides: {
          subnetGroup: 'dr',
          securityGroups: ['sg-0fedcba9876543210'],
          instanceClass: 'db.r6g.large',
        },
      }),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.context.members).toEqual([
      { restoredId: 'orders-dr-1', writer: true, instanceClass: 'db.r6g.large' },
    ]);
    expect(plan.context.expected.deletionProtection).toBe(true);
  });

  it('through AWS Backup: StartRestoreJob ResourceType Aurora, the metadata overridden, then tags and configuration', () => {
    const plan = planAurora(
      facts({
        point: {
          kind: 'snapshot',
          arn: SNAP,
          snapshot: snapshot(),
          vault: 'gold',
          metadata: {
            DBClusterIdentifier: 'orders',
            dbsubnetgroupname: 'default',
            'aws:backup:request-id': 'x',
          },
        },
      }),
      options({ replace: false, restoreRoleArn: 'arn:aws:iam::111111111111:role/restore' }),
    );
    expect(plan.steps.map((s) => s.name)).toEqual([
      'restore',
      'wait-restore-job',
      'wait-cluster',
      'tag-cluster',
      'configure-cluster',
      'create-instance-1',
      'create-instance-2',
      'wait-instances',
      'verify-restored',
    ]);
    expect(plan.steps[0]?.input).toMatchObject({ ResourceType: 'Aurora', IdempotencyToken: 'run-1-restore' });
    expect(plan.steps[0]?.input.Metadata).toEqual({
      DBClusterIdentifier: `orders-restored-${T}`,
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      DBSubnetGroupName: 'orders-private',
      VpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
      DBClusterParameterGroupName: 'orders-cluster-pg15',
      Port: '5432',
      KmsKeyId: KEY,
      EnableIAMDatabaseAuthentication: 'true',
      EnableCloudwatchLogsExports: '["postgresql"]',
      DeletionProtection: 'true',
      CopyTagsToSnapshot: 'true',
    });
    expect(plan.steps[4]?.input).toEqual({
      DBClusterIdentifier: `orders-restored-${T}`,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      ApplyImmediately: true,
    });
  });
});

describe('planAurora: preflight problems', () => {
  const cases: [string, Partial<AuroraFacts>, Partial<AuroraOptions>, string][] = [
    [
      'bad --cluster',
      { clusterId: 'orders--x' },
      {},
      '--cluster "orders--x" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row',
    ],
    [
      'derived cluster name too long',
      { clusterId: `o${'x'.repeat(40)}`, original: cluster({ DBClusterMembers: [] }), members: [] },
      { overrides: { instanceClass: 'db.r6g.large' } },
      `the name the original cluster is renamed to (from --cluster) "o${'x'.repeat(40)}-before-restore-${T}" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row: use a shorter --cluster`,
    ],
    [
      'member name too long',
      {
        original: cluster({
          DBClusterMembers: [{ DBInstanceIdentifier: `m${'x'.repeat(40)}`, IsClusterWriter: true }],
        }),
        members: [member(`m${'x'.repeat(40)}`)],
      },
      { replace: false },
      `the restored instance's identifier (from m${'x'.repeat(40)}) "m${'x'.repeat(40)}-restored-${T}" is not a valid RDS identifier: 1-63 letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row: the member's identifier is too long for a restore beside it`,
    ],
    [
      'member unreadable',
      { members: [member('orders-1')] },
      {},
      "orders's member orders-2 could not be read (rds:DescribeDBInstances): its class and parameter group are needed to recreate it",
    ],
    [
      'no instances',
      { original: cluster({ DBClusterMembers: [] }), members: [] },
      {},
      'no instances to create in the restored cluster: orders has none, and a restored cluster has no instance until one is created. Pass --instance-class CLASS (one writer is created)',
    ],
    [
      'Multi-AZ DB cluster',
      { original: cluster({ Engine: 'postgres', DBClusterInstanceClass: 'db.m6gd.large' }) },
      {},
      'orders is a Multi-AZ DB cluster (engine postgres, db.m6gd.large): RDS restores it with RestoreDBClusterFromSnapshot too (with DBClusterInstanceClass, StorageType, Iops and AllocatedStorage, and creates its writer and readers itself), but restore rds does not automate Multi-AZ DB clusters yet: restore it with aws rds restore-db-cluster-from-snapshot --db-cluster-instance-class db.m6gd.large or the AWS Backup console',
    ],
    [
      'another engine',
      { original: cluster({ Engine: 'neptune' }) },
      {},
      'orders is a neptune cluster: restore rds --cluster restores Aurora (aurora-mysql, aurora-postgresql) clusters only',
    ],
    [
      'serverless v1',
      { original: cluster({ EngineMode: 'serverless' }) },
      {},
      'orders is an Aurora serverless cluster: restore rds --cluster restores provisioned clusters (with provisioned or Serverless v2 instances) only',
    ],
    [
      'replace without original',
      { original: undefined, members: [] },
      {
        overrides: {
          subnetGroup: 'a',
          securityGroups: ['sg-0fedcba9876543210'],
          instanceClass: 'db.r6g.large',
        },
      },
      '--replace renames cluster orders, but there is no DB cluster orders in account 111111111111, eu-central-1: restore without --replace (a new cluster), or restore in the account and region of the original',
    ],
    [
      'original not available',
      { original: cluster({ Status: 'backing-up' }) },
      {},
      'orders is backing-up: --replace renames it, which RDS does only while it is available; wait until it is, or restore without --replace',
    ],
    [
      'member not available',
      { members: [member('orders-1', { DBInstanceStatus: 'rebooting' }), member('orders-2')] },
      {},
      'orders-1 (an instance of orders) is rebooting: --replace renames it, which RDS does only while it is available',
    ],
    [
      'target taken',
      { targetExists: true },
      {},
      `a DB cluster named orders-restored-${T} already exists in account 111111111111, eu-central-1: pass another --target-id, or --resume the record of the restore that made it`,
    ],
    [
      'before taken',
      { beforeExists: true },
      {},
      `a DB cluster named orders-before-restore-${T} already exists in account 111111111111, eu-central-1: run the restore again a minute later`,
    ],
    [
      'instance name taken',
      { instancesTaken: [`orders-2-restored-${T}`] },
      {},
      `a DB instance named orders-2-restored-${T} already exists in account 111111111111, eu-central-1: the restore needs that name; run the restore again a minute later, or --resume the record of the restore that made it`,
    ],
    [
      'timeout',
      {},
      { timeoutMinutes: 5 },
      '--timeout 5 minutes is too tight for an Aurora restore (the cluster and then each instance take minutes to hours): give at least 15; a timeout stops the waiting, not the restore',
    ],
    [
      'no subnet group',
      { original: cluster({ DBSubnetGroup: undefined }) },
      {},
      'no DB subnet group to restore into: orders has none; without one RDS restores into the default VPC. Pass --subnet-group NAME',
    ],
    [
      'no security groups',
      { original: cluster({ VpcSecurityGroups: [] }) },
      {},
      "no VPC security groups to restore with: orders has none; without them RDS uses the VPC's default group. Pass --security-groups sg-…[,sg-…]",
    ],
    [
      '--time without original',
      { original: undefined, members: [], point: { kind: 'time', time: NOW } },
      {
        replace: false,
        overrides: {
          subnetGroup: 'a',
          securityGroups: ['sg-0fedcba9876543210'],
          instanceClass: 'db.r6g.large',
        },
      },
      '--time restores orders from its continuous backup, but there is no DB cluster orders in account 111111111111, eu-central-1: choose a recovery point (--recovery-point ARN) instead',
    ],
    [
      '--time too late',
      { point: { kind: 'time', time: new Date('2026-11-25T05:59:00Z') } },
      {},
      "--time 2026-11-25T05:59:00.000Z is after orders's latest restorable time 2026-11-25T05:55:00.000Z: choose an earlier time (or omit --time for the newest recovery point)",
    ],
    [
      '--time too early',
      { point: { kind: 'time', time: new Date('2026-11-01T00:00:00Z') } },
      {},
      "--time 2026-11-01T00:00:00.000Z is before orders's earliest restorable time 2026-11-18T06:00:00.000Z: choose a later time, or a snapshot recovery point",
    ],
    [
      'backup ARN with --via rds',
      {
        point: {
          kind: 'snapshot',
          arn: 'arn:aws:backup:eu-central-1:111111111111:recovery-point:abc',
          vault: 'gold',
          metadata: {},
        },
      },
      { via: 'rds', restoreRoleArn: 'arn:aws:iam::111111111111:role/r' },
      'arn:aws:backup:eu-central-1:111111111111:recovery-point:abc is an AWS Backup recovery point, not an RDS cluster snapshot: only AWS Backup restores it; omit --via rds',
    ],
    [
      'snapshot not found',
      { point: { kind: 'snapshot', arn: SNAP } },
      {},
      `recovery point ${SNAP}: no such DB cluster snapshot in account 111111111111, eu-central-1 (or these credentials cannot see it): check the ARN, and the account and region it is restored in (--from-account, --region)`,
    ],
    [
      'snapshot not available',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ Status: 'creating' }) } },
      {},
      `cluster snapshot ${SNAP} is creating: wait until it is available`,
    ],
    [
      'snapshot of another engine',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ Engine: 'aurora-mysql' }) } },
      {},
      `cluster snapshot ${SNAP} is of a aurora-mysql cluster, orders is aurora-postgresql: choose a recovery point of orders`,
    ],
    [
      'Multi-AZ snapshot without original',
      {
        original: undefined,
        members: [],
        point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ Engine: 'mysql' }) },
      },
      {
        replace: false,
        overrides: {
          subnetGroup: 'a',
          securityGroups: ['sg-0fedcba9876543210'],
          instanceClass: 'db.r6g.large',
        },
      },
      `cluster snapshot ${SNAP} is of a mysql (Multi-AZ DB) cluster: restore rds --cluster restores Aurora clusters only`,
    ],
    [
      'backup path without role',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot(), vault: 'gold', metadata: {} } },
      {},
      'restoring through AWS Backup (StartRestoreJob) needs the restore role AWS Backup assumes: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForRestores and the vault key), or --via rds to restore the cluster snapshot directly',
    ],
    [
      'backup path without vault',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot() } },
      { via: 'backup', restoreRoleArn: 'arn:aws:iam::111111111111:role/r' },
      `--via backup needs the vault holding ${SNAP}: pass --vault NAME (or omit --recovery-point for the newest recovery point, found with its vault)`,
    ],
    [
      'backup path without metadata',
      { point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot(), vault: 'gold' } },
      { restoreRoleArn: 'arn:aws:iam::111111111111:role/r' },
      `the restore metadata of ${SNAP} in vault gold could not be read (backup:GetRecoveryPointRestoreMetadata): check the vault name and the credentials' permissions`,
    ],
  ];
  it.each(cases)('%s', (_what, f, o, message) => {
    const plan = planAurora(facts(f), options(o));
    expect(plan.problems).toContain(message);
    expect(plan.steps).toEqual([]);
  });

  it("warns when the snapshot key differs from the original's, and restores under the original's key", () => {
    const other = 'arn:aws:kms:eu-central-1:111111111111:key/00000000-0000-0000-0000-000000000000';
    const plan = planAurora(
      facts({ point: { kind: 'snapshot', arn: SNAP, snapshot: snapshot({ KmsKeyId: other }) } }),
      options(),
    );
    expect(plan.warnings).toEqual([
      `cluster snapshot ${SNAP} is encrypted with ${other}, orders with ${KEY}: the restored cluster is encrypted with orders's key (KmsKeyId), which the restore needs access to`,
    ]);
    expect(plan.steps[0]?.input.KmsKeyId).toBe(KEY);
  });
});
