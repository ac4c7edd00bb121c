/**
 * `restore rds --cluster` with aws-sdk-client-mock answering as AWS does: an in-memory RDS whose
 * cluster membership follows the cluster (not its name), so a renamed cluster keeps its instances
 * and their DBClusterIdentifier follows the rename (where moto differs, see
 * test/integration/restore-aurora.test.ts). Covers the AWS Backup path (StartRestoreJob,
 * ResourceType Aurora, for the cluster's newest recovery point: an RDS cluster-snapshot ARN with
 * its vault), the whole --replace and a resume in the middle of the renames.
 */
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByResourceCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { restoreCommand } from '../../src/cli/restore.js';
import { RUN_TAG } from '../../src/restore/plan-rds.js';
import type { RestoreRecord } from '../../src/restore/types.js';
import { memoryIo, notFound } from './support.js';

const REGION = 'eu-central-1';
const ACCOUNT = '111111111111';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/backup-sentinel-restore`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const POINT = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster-snapshot:awsbackup:job-2b3cde45-678f-9012-34a5-6b7cdef89012`;
const JOB = 'CD123456-78C9-0123-456D-789012E34567';
const T = '20261125-0600';

type Tags = { Key?: string; Value?: string }[];
interface FakeCluster extends DBCluster {
  rid: string;
}
interface FakeInstance extends DBInstance {
  clusterRid: string;
}

const rds = mockClient(RDSClient);
const backup = mockClient(BackupClient);
let clusters: Map<string, FakeCluster>;
let instances: Map<string, FakeInstance>;
let n: number;

const arnOf = (kind: string, id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:${kind}:${id}`;
function addCluster(id: string, extra: Partial<DBCluster> = {}): FakeCluster {
  const rid = `cluster-${++n}`;
  const c: FakeCluster = {
    rid,
    DBClusterIdentifier: id,
    DBClusterArn: arnOf('cluster', id),
    DbClusterResourceId: rid,
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
    ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    BackupRetentionPeriod: 7,
    TagList: [{ Key: 'team', Value: 'orders' }],
    ...extra,
  };
  clusters.set(id, c);
  return c;
}
function addInstance(id: string, cluster: FakeCluster, extra: Partial<DBInstance> = {}) {
  instances.set(id, {
    clusterRid: cluster.rid,
    DBInstanceIdentifier: id,
    DBInstanceArn: arnOf('db', id),
    DbiResourceId: `db-${++n}`,
    DBInstanceStatus: 'available',
    Engine: cluster.Engine,
    StorageEncrypted: cluster.StorageEncrypted,
    TagList: [],
    ...extra,
  });
}
const clusterView = (c: FakeCluster): DBCluster => {
  const { rid, ...rest } = c;
  const members = [...instances.values()].filter((i) => i.clusterRid === rid);
  return {
    ...rest,
    DBClusterMembers: members.map((i, k) => ({
      DBInstanceIdentifier: i.DBInstanceIdentifier,
      IsClusterWriter: k === 0,
      PromotionTier: i.PromotionTier ?? 1,
    })),
  };
};
const instanceView = (i: FakeInstance): DBInstance => {
  const { clusterRid, ...rest } = i;
  const c = [...clusters.values()].find((x) => x.rid === clusterRid);
  return { ...rest, DBClusterIdentifier: c?.DBClusterIdentifier };
};
const rename = <V extends { TagList?: Tags }>(m: Map<string, V>, from: string, to: string, key: keyof V) => {
  const v = m.get(from);
  if (!v) throw notFound('NotFound');
  m.delete(from);
  (v as Record<string, unknown>)[key as string] = to;
  m.set(to, v);
};

beforeEach(() => {
  rds.reset();
  backup.reset();
  clusters = new Map();
  instances = new Map();
  n = 0;
  const orders = addCluster('orders');
  addInstance('orders-1', orders, {
    DBInstanceClass: 'db.r6g.large',
    PromotionTier: 0,
    AvailabilityZone: `${REGION}a`,
    DBParameterGroups: [{ DBParameterGroupName: 'orders-instance-pg15' }],
  });
  addInstance('orders-2', orders, {
    DBInstanceClass: 'db.serverless',
    PromotionTier: 1,
    AvailabilityZone: `${REGION}b`,
    DBParameterGroups: [{ DBParameterGroupName: 'orders-instance-pg15' }],
  });

  rds.on(DescribeDBClustersCommand).callsFake(async ({ DBClusterIdentifier: id }) => {
    const c = clusters.get(id ?? '');
    if (!c) throw notFound('DBClusterNotFoundFault');
    return { DBClusters: [clusterView(c)] };
  });
  rds.on(DescribeDBInstancesCommand).callsFake(async ({ DBInstanceIdentifier: id }) => {
    const i = instances.get(id ?? '');
    if (!i) throw notFound('DBInstanceNotFoundFault');
    return { DBInstances: [instanceView(i)] };
  });
  rds
    .on(DescribeDBClusterSnapshotsCommand)
    .callsFake(async ({ DBClusterSnapshotIdentifier: id, SnapshotType }) => {
      if (id === 'awsbackup:job-2b3cde45-678f-9012-34a5-6b7cdef89012' && SnapshotType === 'awsbackup')
        return {
          DBClusterSnapshots: [
            {
              DBClusterSnapshotIdentifier: id,
              DBClusterSnapshotArn: POINT,
              Status: 'available',
              Engine: 'aurora-postgresql',
              EngineVersion: '15.4',
              StorageEncrypted: true,
              KmsKeyId: KEY,
              SnapshotType: 'awsbackup',
            },
          ],
        };
      throw notFound('DBClusterSnapshotNotFoundFault');
    });
  rds.on(CreateDBInstanceCommand).callsFake(async (i) => {
    const c = clusters.get(i.DBClusterIdentifier ?? '');
    if (c?.Status !== 'available') throw notFound('DBClusterNotFoundFault');
    addInstance(i.DBInstanceIdentifier ?? '', c, {
      DBInstanceClass: i.DBInstanceClass,
      PromotionTier: i.PromotionTier,
      AvailabilityZone: i.AvailabilityZone,
      DBParameterGroups: [{ DBParameterGroupName: i.DBParameterGroupName }],
      TagList: i.Tags,
    });
    return {};
  });
  rds.on(ModifyDBClusterCommand).callsFake(async (i) => {
    const c = clusters.get(i.DBClusterIdentifier ?? '');
    if (!c) throw notFound('DBClusterNotFoundFault');
    if (i.DeletionProtection !== undefined) c.DeletionProtection = i.DeletionProtection;
    if (i.ServerlessV2ScalingConfiguration)
      c.ServerlessV2ScalingConfiguration = i.ServerlessV2ScalingConfiguration;
    if (i.NewDBClusterIdentifier)
      rename(clusters, c.DBClusterIdentifier ?? '', i.NewDBClusterIdentifier, 'DBClusterIdentifier');
    return {};
  });
  rds.on(ModifyDBInstanceCommand).callsFake(async (i) => {
    if (i.NewDBInstanceIdentifier)
      rename(instances, i.DBInstanceIdentifier ?? '', i.NewDBInstanceIdentifier, 'DBInstanceIdentifier');
    return {};
  });
  rds.on(AddTagsToResourceCommand).callsFake(async ({ ResourceName, Tags }) => {
    const c = [...clusters.values()].find((x) => x.DBClusterArn === ResourceName);
    if (c) c.TagList = [...(c.TagList ?? []), ...(Tags ?? [])];
    return {};
  });
  backup.on(ListRecoveryPointsByResourceCommand).resolves({
    RecoveryPoints: [
      {
        RecoveryPointArn: POINT,
        BackupVaultName: 'backup-sentinel-gold',
        Status: 'COMPLETED',
        CreationDate: new Date('2026-11-25T03:00:00Z'),
        ResourceName: 'orders',
      },
    ],
  });
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
    BackupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:backup-sentinel-gold`,
    RecoveryPointArn: POINT,
    // RestoreDBClusterFromSnapshot's parameter names, as strings (lists as JSON)
    RestoreMetadata: {
      DBClusterIdentifier: 'orders',
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      EngineMode: 'provisioned',
      DBSubnetGroupName: 'default',
      VpcSecurityGroupIds: '["sg-0aaaaaaaaaaaaaaaa"]',
      AvailabilityZones: `["${REGION}a","${REGION}b","${REGION}c"]`,
      Port: '5432',
      KmsKeyId: KEY,
      DeletionProtection: 'false',
      'aws:backup:request-id': '7a3e0e55-0000-4000-8000-000000000000',
    },
  });
  let polls = 0;
  let started: Record<string, string> = {};
  backup.on(StartRestoreJobCommand).callsFake(async (i) => {
    started = i.Metadata ?? {};
    return { RestoreJobId: JOB };
  });
  backup.on(DescribeRestoreJobCommand).callsFake(async () => {
    if (++polls < 2) return { RestoreJobId: JOB, Status: 'RUNNING', PercentDone: '0.00%' };
    const id = started.DBClusterIdentifier ?? '';
    if (!clusters.has(id))
      addCluster(id, {
        DBSubnetGroup: started.DBSubnetGroupName,
        VpcSecurityGroups: JSON.parse(started.VpcSecurityGroupIds ?? '[]').map((g: string) => ({
          VpcSecurityGroupId: g,
        })),
        DBClusterParameterGroup: started.DBClusterParameterGroupName,
        IAMDatabaseAuthenticationEnabled: started.EnableIAMDatabaseAuthentication === 'true',
        DeletionProtection: false,
        ServerlessV2ScalingConfiguration: undefined,
        TagList: [{ Key: 'team', Value: 'orders' }],
      });
    return { RestoreJobId: JOB, Status: 'COMPLETED', CreatedResourceArn: arnOf('cluster', id) };
  });
});

const aws = () => new Aws({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
const hooks = { pollMinMs: 1, pollMaxMs: 1, sleep: async () => {} };
const values = {
  cluster: 'orders',
  region: [REGION],
  'restore-role-arn': ROLE,
  replace: true,
  apply: true,
  record: 'r.json',
};

describe('restore rds --cluster through AWS Backup, with --replace, as AWS behaves', () => {
  it('restores the newest recovery point with StartRestoreJob (ResourceType Aurora), creates the instances, renames, verifies', async () => {
    const t = memoryIo();
    const code = await restoreCommand(t.io, values, ['rds'], {}, { aws: aws(), ...hooks });
    const r = JSON.parse(t.files.get('r.json') ?? '') as RestoreRecord;
    expect(code, JSON.stringify(r.steps.filter((s) => s.status === 'failed'))).toBe(0);
    expect(backup).toHaveReceivedCommandWith(ListRecoveryPointsByResourceCommand, {
      ResourceArn: arnOf('cluster', 'orders'),
    });
    const start = backup.commandCalls(StartRestoreJobCommand)[0]?.args[0].input;
    expect(start).toMatchObject({
      RecoveryPointArn: POINT,
      ResourceType: 'Aurora',
      IamRoleArn: ROLE,
      CopySourceTagsToRestoredResource: true,
    });
    expect(start?.Metadata).toEqual({
      DBClusterIdentifier: `orders-restored-${T}`,
      Engine: 'aurora-postgresql',
      EngineVersion: '15.4',
      EngineMode: 'provisioned',
      DBSubnetGroupName: 'orders-private',
      VpcSecurityGroupIds: '["sg-0123456789abcdef0"]',
      AvailabilityZones: `["${REGION}a","${REGION}b","${REGION}c"]`,
      DBClusterParameterGroupName: 'orders-cluster-pg15',
      Port: '5432',
      KmsKeyId: KEY,
      DeletionProtection: 'true',
      EnableIAMDatabaseAuthentication: 'true',
      CopyTagsToSnapshot: 'true',
    });
    expect(r.steps.map((s) => s.name)).toEqual([
      'restore',
      'wait-restore-job',
      'wait-cluster',
      'tag-cluster',
      'configure-cluster',
      'create-instance-1',
      'create-instance-2',
      'wait-instances',
      'verify-restored',
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
    expect(rds).toHaveReceivedCommandWith(ModifyDBClusterCommand, {
      DBClusterIdentifier: `orders-restored-${T}`,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      ApplyImmediately: true,
    });
    expect(rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        DBInstanceIdentifier: `orders-1-restored-${T}`,
        DBClusterIdentifier: `orders-restored-${T}`,
        DBInstanceClass: 'db.r6g.large',
        PromotionTier: 0,
        AvailabilityZone: `${REGION}a`,
        DBParameterGroupName: 'orders-instance-pg15',
      }),
      expect.objectContaining({
        DBInstanceIdentifier: `orders-2-restored-${T}`,
        DBInstanceClass: 'db.serverless',
        PromotionTier: 1,
      }),
    ]);
    // The renames, in the order that never needs a taken name.
    const renames = [
      ...rds.commandCalls(ModifyDBClusterCommand).map((c) => c.args[0].input),
      ...rds.commandCalls(ModifyDBInstanceCommand).map((c) => c.args[0].input),
    ].filter((i) => 'NewDBClusterIdentifier' in i || 'NewDBInstanceIdentifier' in i);
    expect(renames.map((i) => `${Object.values(i)[0]} -> ${Object.values(i)[1]}`)).toEqual([
      `orders -> orders-before-restore-${T}`,
      `orders-restored-${T} -> orders`,
      `orders-1 -> orders-1-before-restore-${T}`,
      `orders-1-restored-${T} -> orders-1`,
      `orders-2 -> orders-2-before-restore-${T}`,
      `orders-2-restored-${T} -> orders-2`,
    ]);
    const now = clusterView(clusters.get('orders') as FakeCluster);
    expect(now.TagList).toContainEqual({ Key: RUN_TAG, Value: r.runId });
    expect(now.DBClusterMembers?.map((m) => m.DBInstanceIdentifier)).toEqual(['orders-1', 'orders-2']);
    expect(clusters.get(`orders-before-restore-${T}`)).toMatchObject({
      DbClusterResourceId: 'cluster-1',
      DeletionProtection: true,
    });
    expect(r.steps.at(-1)?.detail).toBe(
      `orders is the restored cluster (endpoint pending) with orders-1, orders-2; the original is kept as orders-before-restore-${T} with orders-1-before-restore-${T}, orders-2-before-restore-${T}`,
    );
  });

  it('an interruption between the renames resumes where it stopped, and renames nothing twice', async () => {
    const first = memoryIo();
    expect(
      await restoreCommand(first.io, values, ['rds'], {}, { aws: aws(), ...hooks, stepBudget: 12 }),
    ).toBe(1);
    const cut = JSON.parse(first.files.get('r.json') ?? '') as RestoreRecord;
    expect(cut.status).toBe('interrupted');
    expect(cut.steps.findIndex((s) => s.status !== 'done')).toBe(12); // wait-restored-cluster-renamed
    expect(clusters.has('orders')).toBe(true);
    rds.resetHistory();
    backup.resetHistory();
    const second = memoryIo();
    second.files.set('r.json', first.files.get('r.json') ?? '');
    const code = await restoreCommand(
      second.io,
      { resume: 'r.json', apply: true },
      ['rds'],
      {},
      { aws: aws(), ...hooks },
    );
    const r = JSON.parse(second.files.get('r.json') ?? '') as RestoreRecord;
    expect(code, JSON.stringify(r.steps.filter((s) => s.status === 'failed'))).toBe(0);
    expect(r.steps.slice(0, 12).map((s) => s.start)).toEqual(cut.steps.slice(0, 12).map((s) => s.start));
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
    expect(rds).not.toHaveReceivedCommand(CreateDBInstanceCommand);
    expect(rds.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
    expect(rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(4);
    expect(r.rtoSeconds).toBeGreaterThanOrEqual(0);
  });

  it('a resume refuses to go on when the renamed original cluster is gone', async () => {
    const first = memoryIo();
    await restoreCommand(first.io, values, ['rds'], {}, { aws: aws(), ...hooks, stepBudget: 11 });
    clusters.delete(`orders-before-restore-${T}`);
    const second = memoryIo();
    second.files.set('r.json', first.files.get('r.json') ?? '');
    expect(
      await restoreCommand(
        second.io,
        { resume: 'r.json', apply: true },
        ['rds'],
        {},
        { aws: aws(), ...hooks },
      ),
    ).toBe(1);
    expect(second.out.join('')).toContain(
      `on resume it no longer holds: orders-before-restore-${T} (the renamed original) is gone`,
    );
  });

  it('--db of an Aurora member and --cluster with --db are refused with what to pass', async () => {
    const t = memoryIo();
    expect(
      await restoreCommand(
        t.io,
        { db: 'orders-1', region: [REGION], apply: true },
        ['rds'],
        {},
        { aws: aws() },
      ),
    ).toBe(1);
    expect(t.out.join('')).toContain(
      'orders-1 is an instance of the DB cluster orders: an Aurora cluster is restored as a whole, with its instances: restore rds --cluster orders',
    );
    await expect(
      restoreCommand(memoryIo().io, { db: 'a', cluster: 'b', region: [REGION] }, ['rds'], {}, { aws: aws() }),
    ).rejects.toThrow('--db and --cluster choose what to restore two ways');
    const u = memoryIo();
    expect(
      await restoreCommand(u.io, { cluster: 'orders-1', region: [REGION] }, ['rds'], {}, { aws: aws() }),
    ).toBe(1);
    expect(u.out.join('')).toContain(
      'orders-1 is a DB instance of the cluster orders: pass --cluster orders',
    );
  });
});
