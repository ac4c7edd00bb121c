/**
 * `restore rds` through AWS Backup (StartRestoreJob), with aws-sdk-client-mock answering in the
 * shapes of real responses: the original is the placebo DescribeDBInstances of database-1, its
 * newest recovery point comes from the placebo ListRecoveryPointsByResource (AWS Backup recovery
 * point ARNs, not RDS snapshot ARNs), the restore metadata has the string-map shape (lists as JSON
 * strings, an aws:backup:request-id key) of the CLI's GetRecoveryPointRestoreMetadata output, and
 * DescribeRestoreJob answers RUNNING as the CLI's output does, then COMPLETED.
 */
import {
  BackupClient,
  DescribeRestoreJobCommand,
  type DescribeRestoreJobCommandOutput,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByResourceCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  type DBInstance,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { restoreCommand } from '../../src/cli/restore.js';
import { RUN_TAG } from '../../src/restore/plan-rds.js';
import type { RestoreRecord } from '../../src/restore/types.js';
import { fixture, memoryIo, notFound } from './support.js';

const ROLE = 'arn:aws:iam::123456789012:role/backup-sentinel-restore';
const TARGET = 'database-1-restored-20261125-0600';
const JOB = 'AB123456-78C9-0123-456D-789012E34567';

const original = fixture<{ DBInstances: DBInstance[] }>('rds_DescribeDBInstances_placebo.json')
  .DBInstances[0] as DBInstance;
const points = fixture('backup_ListRecoveryPointsByResource_rds_placebo.json');
const metadataSample = fixture<{ BackupVaultArn: string; RestoreMetadata: Record<string, string> }>(
  'backup_GetRecoveryPointRestoreMetadata_ec2_awscli.json',
);
const running = fixture<Record<string, unknown>>('backup_DescribeRestoreJob_running_awscli.json');
const NEWEST = 'arn:aws:backup:us-east-1:123456789012:recovery-point:b2f7c59b-2a92-4dbd-814f-ed35e175c259';

const rds = mockClient(RDSClient);
const backup = mockClient(BackupClient);
let restored: DBInstance | undefined;
let jobPolls: number;
let jobOutcome: 'COMPLETED' | 'FAILED';

beforeEach(() => {
  rds.reset();
  backup.reset();
  restored = undefined;
  jobPolls = 0;
  jobOutcome = 'COMPLETED';
  rds.on(DescribeDBInstancesCommand).callsFake(async (input: { DBInstanceIdentifier?: string }) => {
    if (input.DBInstanceIdentifier === 'database-1') return { DBInstances: [original] };
    if (input.DBInstanceIdentifier === TARGET && restored) return { DBInstances: [restored] };
    throw notFound('DBInstanceNotFoundFault');
  });
  rds.on(DescribeDBSnapshotsCommand).rejects(notFound('DBSnapshotNotFoundFault'));
  rds.on(AddTagsToResourceCommand).callsFake(async (input: { Tags: { Key: string; Value: string }[] }) => {
    if (restored) restored = { ...restored, TagList: [...(restored.TagList ?? []), ...input.Tags] };
    return {};
  });
  rds.on(ModifyDBInstanceCommand).callsFake(async (input: { DeletionProtection?: boolean }) => {
    if (restored && input.DeletionProtection !== undefined)
      restored = { ...restored, DeletionProtection: input.DeletionProtection };
    return {};
  });
  backup.on(ListRecoveryPointsByResourceCommand).resolves(points);
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
    BackupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:Default',
    RecoveryPointArn: NEWEST,
    // the RDS keys AWS Backup documents, in the sample's shape; its request-id key kept
    RestoreMetadata: {
      DBInstanceIdentifier: 'database-1',
      DBInstanceClass: 'db.t3.micro',
      Engine: 'mysql',
      EngineVersion: '8.0.28',
      DBSubnetGroupName: 'default',
      VpcSecurityGroupIds: '["sg-0e2ab1caa4c2552aa"]',
      MultiAZ: 'false',
      Port: '3306',
      StorageType: 'gp2',
      'aws:backup:request-id': metadataSample.RestoreMetadata['aws:backup:request-id'] ?? '',
    },
  });
  backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: JOB });
  backup
    .on(DescribeRestoreJobCommand)
    .callsFake(async (): Promise<Partial<DescribeRestoreJobCommandOutput>> => {
      jobPolls++;
      const base = {
        ...running,
        AccountId: '123456789012',
        RestoreJobId: JOB,
        RecoveryPointArn: NEWEST,
        ResourceType: 'RDS',
        IamRoleArn: ROLE,
        CreatedResourceArn: `arn:aws:rds:us-east-1:123456789012:db:${TARGET}`,
        CreationDate: new Date(String(running.CreationDate)),
      };
      if (jobPolls < 2) return base;
      if (jobOutcome === 'FAILED')
        return {
          ...base,
          Status: 'FAILED',
          StatusMessage: 'Access denied to KMS key arn:aws:kms:us-east-1:…',
        };
      restored = {
        ...original,
        DBInstanceIdentifier: TARGET,
        DBInstanceArn: `arn:aws:rds:us-east-1:123456789012:db:${TARGET}`,
        DbiResourceId: 'db-RESTORED',
        DeletionProtection: false,
        TagList: [],
      };
      return { ...base, Status: 'COMPLETED', PercentDone: '100.00%', CompletionDate: new Date() };
    });
});
afterEach(() => {
  rds.reset();
  backup.reset();
});

const aws = () => new Aws({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
const hooks = { pollMinMs: 1, pollMaxMs: 1, sleep: async () => {} };

describe('restore rds through AWS Backup StartRestoreJob', () => {
  it('restores the newest recovery point with the metadata overridden by the original configuration', async () => {
    const t = memoryIo();
    const code = await restoreCommand(
      t.io,
      { db: 'database-1', region: ['us-east-1'], 'restore-role-arn': ROLE, apply: true, record: 'r.json' },
      ['rds'],
      {},
      { aws: aws(), ...hooks },
    );
    expect(code, t.out.join('')).toBe(0);
    expect(backup).toHaveReceivedCommandWith(ListRecoveryPointsByResourceCommand, {
      ResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:database-1',
    });
    expect(backup).toHaveReceivedCommandWith(GetRecoveryPointRestoreMetadataCommand, {
      BackupVaultName: 'Default',
      RecoveryPointArn: NEWEST,
    });
    const start = backup.commandCalls(StartRestoreJobCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ RecoveryPointArn: NEWEST, ResourceType: 'RDS', IamRoleArn: ROLE });
    expect(start?.IdempotencyToken).toMatch(/-restore$/);
    expect(start?.Metadata).toEqual({
      DBInstanceIdentifier: TARGET,
      DBInstanceClass: 'db.t3.micro',
      Engine: 'mysql',
      EngineVersion: '8.0.28',
      DBSubnetGroupName: 'default-vpc-0d9dd54496f180583',
      VpcSecurityGroupIds: '["sg-0e2ab1caa4c2552aa"]',
      DBParameterGroupName: 'default.mysql8.0',
      OptionGroupName: 'default:mysql-8-0',
      MultiAZ: 'false',
      Port: '3306',
      StorageType: 'gp2',
      AllocatedStorage: '200',
      PubliclyAccessible: 'false',
      AutoMinorVersionUpgrade: 'true',
      CopyTagsToSnapshot: 'true',
    });
    expect(backup.commandCalls(DescribeRestoreJobCommand)).toHaveLength(2);
    expect(rds).toHaveReceivedCommandWith(AddTagsToResourceCommand, {
      ResourceName: `arn:aws:rds:us-east-1:123456789012:db:${TARGET}`,
    });
    expect(rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: TARGET,
      DeletionProtection: true,
      ApplyImmediately: true,
    });
    const r = JSON.parse(t.files.get('r.json') ?? '') as RestoreRecord;
    expect(r.steps.map((s) => [s.name, s.status])).toEqual([
      ['restore', 'done'],
      ['wait-restore-job', 'done'],
      ['wait-restored', 'done'],
      ['tag-restored', 'done'],
      ['protect-restored', 'done'],
      ['verify-restored', 'done'],
    ]);
    expect(r.steps[0]?.result).toEqual({ RestoreJobId: JOB });
    expect(r.steps[1]?.detail).toBe(
      `restore job ${JOB} COMPLETED: arn:aws:rds:us-east-1:123456789012:db:${TARGET}`,
    );
    expect(restored?.TagList).toContainEqual({ Key: RUN_TAG, Value: r.runId });
    expect(t.err.join('')).toContain(`restore job ${JOB}: RUNNING 0.00%`);
  });

  it('a failed restore job fails its step with AWS Backup status message, and nothing after it runs', async () => {
    jobOutcome = 'FAILED';
    const t = memoryIo();
    const code = await restoreCommand(
      t.io,
      { db: 'database-1', region: ['us-east-1'], 'restore-role-arn': ROLE, apply: true, record: 'r.json' },
      ['rds'],
      {},
      { aws: aws(), ...hooks },
    );
    expect(code).toBe(1);
    const r = JSON.parse(t.files.get('r.json') ?? '') as RestoreRecord;
    expect(r.status).toBe('failed');
    expect(r.steps[1]).toMatchObject({
      name: 'wait-restore-job',
      status: 'failed',
      detail: `restore job ${JOB} FAILED: Access denied to KMS key arn:aws:kms:us-east-1:…`,
    });
    expect(r.steps.slice(2).every((s) => s.status === 'planned')).toBe(true);
    expect(rds).not.toHaveReceivedCommand(AddTagsToResourceCommand);
  });

  it('--via rds is refused for an AWS Backup recovery point, with no call made', async () => {
    const t = memoryIo();
    const code = await restoreCommand(
      t.io,
      { db: 'database-1', region: ['us-east-1'], via: 'rds', apply: true },
      ['rds'],
      {},
      { aws: aws(), ...hooks },
    );
    expect(code).toBe(1);
    expect(t.out.join('')).toContain(
      `${NEWEST} is an AWS Backup recovery point, not an RDS snapshot: only AWS Backup restores it; omit --via rds`,
    );
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });

  it('without the restore role: the preflight says how to fix it, and no restore job is started', async () => {
    const t = memoryIo();
    expect(
      await restoreCommand(
        t.io,
        { db: 'database-1', region: ['us-east-1'], apply: true },
        ['rds'],
        {},
        { aws: aws() },
      ),
    ).toBe(1);
    expect(t.out.join('')).toContain(
      'needs the restore role AWS Backup assumes: pass --restore-role-arn ARN',
    );
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
  });
});
