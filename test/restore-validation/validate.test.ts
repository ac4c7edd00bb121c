/**
 * validateRestore over the real Restore Job State Change samples, with mocked AWS answering in the
 * real response shapes: which restores it answers, what it compares, what it sends.
 */
import {
  BackupClient,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  PutRestoreValidationResultCommand,
} from '@aws-sdk/client-backup';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { type ValidatorOptions, validateRestore } from '../../src/restore-validation/validate.js';
import { raw } from '../support/fixtures.js';
import {
  ACCOUNT,
  awsError,
  event,
  JOB_ID,
  REGION,
  RESTORED_ID,
  restoredDb,
  restoreTestJob,
  SOURCE_ARN,
  SOURCE_CLUSTER,
  SOURCE_DB,
} from './support.js';

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
const aws = () => new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
const sleeps: number[] = [];
const on: ValidatorOptions = {
  mode: 'on',
  region: 'eu-central-1',
  settle: { tries: 3, delayMs: 15_000, sleep: async (ms) => void sleeps.push(ms) },
};
const put = () => backup.commandCalls(PutRestoreValidationResultCommand).map((c) => c.args[0].input);

beforeEach(() => {
  backup.reset();
  rds.reset();
  s3.reset();
  sleeps.length = 0;
  backup.on(PutRestoreValidationResultCommand).resolves({});
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({ RestoreMetadata: {} });
});

describe('which restores validateRestore answers', () => {
  it('reads only the job a COMPLETED event names, in the event Region; CREATED and FAILED make no call', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob({ CreatedBy: {} }));
    // Act
    const created = await validateRestore(aws(), event('created'), on);
    const failed = await validateRestore(aws(), event('failed'), on);
    const completed = await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(created).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('CREATED') });
    expect(failed).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('FAILED') });
    expect(completed).toEqual({
      kind: 'ignored',
      restoreJobId: JOB_ID,
      reason: 'not started by a restore testing plan: a restore by hand is left alone',
    });
    const reads = backup.commandCalls(DescribeRestoreJobCommand);
    expect(reads.map((c) => c.args[0].input)).toEqual([
      { RestoreJobId: 'AB123456-78C9-0123-456D-789012E34567' },
    ]);
    expect(await backup.call(0).thisValue.config.region()).toBe('us-west-2');
    expect(put()).toEqual([]);
    expect(rds.calls()).toEqual([]);
  });

  it('leaves a job already validated alone (EventBridge delivers twice; another validator answered)', async () => {
    // Prepare
    backup
      .on(DescribeRestoreJobCommand)
      .resolves(restoreTestJob({ ValidationStatus: 'SUCCESSFUL', ValidationStatusMessage: 'checked' }));
    // Act
    const outcome = await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(outcome).toMatchObject({ kind: 'ignored', reason: 'already validated: SUCCESSFUL (checked)' });
    expect(put()).toEqual([]);
    expect(rds.calls()).toEqual([]);
  });

  it('answers nothing for the real DescribeRestoreJob of a restore by hand (still RUNNING, no CreatedBy)', async () => {
    // Prepare: AWS CLI output (dates as the CLI renders them; the validator stops before reading any).
    backup.on(DescribeRestoreJobCommand).resolves(raw('api/backup_DescribeRestoreJob_running_awscli.json'));
    // Act
    const outcome = await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(outcome).toEqual({ kind: 'ignored', restoreJobId: JOB_ID, reason: 'restore job is RUNNING' });
    expect(put()).toEqual([]);
    expect(rds.calls()).toEqual([]);
  });

  it('leaves a restore test of a type it does not validate alone', async () => {
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob({ ResourceType: 'EC2' }));
    expect(await validateRestore(aws(), event('completed'), on)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('resource type EC2'),
    });
    expect(put()).toEqual([]);
  });

  it('off: makes no call at all; dry-run: judges but sends nothing', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoredDb()] });
    // Act
    const off = await validateRestore(aws(), event('completed'), { ...on, mode: 'off' });
    const offCalls = backup.calls().length;
    const dry = await validateRestore(aws(), event('completed'), { ...on, mode: 'dry-run' });
    // Assess
    expect(off).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('off') });
    expect(offCalls).toBe(0);
    expect(dry).toMatchObject({ kind: 'validated', status: 'SUCCESSFUL', sent: false });
    expect(put()).toEqual([]);
  });
});

describe('an RDS restore test', () => {
  const restoreOf = (db: ReturnType<typeof restoredDb>, source = SOURCE_DB) => {
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID }).resolves({ DBInstances: [db] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .resolves({ DBInstances: [source] });
  };

  it('SUCCESSFUL when available, same engine and major version, no less storage, the same key', async () => {
    // Prepare: RDS may restore a newer minor version than the snapshot's.
    restoreOf(restoredDb({ EngineVersion: '8.0.32' }));
    // Act
    const outcome = await validateRestore(aws(), event('completed'), on);
    // Assess
    const message = `RDS DB instance ${RESTORED_ID}: available; engine mysql; major version 8.0; storage 200 >= 200 GiB; encrypted with the source's key 38db0a99-0bec-40f1-8d65-c73a1a16e83a`;
    expect(put()).toEqual([
      { RestoreJobId: JOB_ID, ValidationStatus: 'SUCCESSFUL', ValidationStatusMessage: message },
    ]);
    expect(outcome).toEqual({
      kind: 'validated',
      restoreJobId: JOB_ID,
      resourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${RESTORED_ID}`,
      status: 'SUCCESSFUL',
      message,
      sent: true,
    });
    expect(backup).toHaveReceivedCommandWith(GetRecoveryPointRestoreMetadataCommand, {
      BackupVaultName: 'backup-sentinel-gold',
    });
  });

  it.each([
    [
      'another engine',
      { Engine: 'postgres', EngineVersion: '8.0.28' },
      'engine postgres, the source is mysql',
    ],
    [
      'another major version',
      { EngineVersion: '5.7.44' },
      'major version 5.7 (5.7.44), the source is 8.0 (8.0.28)',
    ],
    ['less storage', { AllocatedStorage: 100 }, 'allocated storage 100 GiB, the source has 200 GiB'],
    ['unencrypted', { StorageEncrypted: false, KmsKeyId: undefined }, 'not encrypted, the source is'],
    [
      'another key',
      { KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0b7e3b9c-1f2a-4c3d-9e8f-7a6b5c4d3e2f' },
      'encrypted with key 0b7e3b9c-1f2a-4c3d-9e8f-7a6b5c4d3e2f, the source with 38db0a99-0bec-40f1-8d65-c73a1a16e83a',
    ],
    [
      'not available',
      { DBInstanceStatus: 'incompatible-restore' },
      'status incompatible-restore, not available',
    ],
  ])('FAILED with the reason: %s', async (_, change, reason) => {
    // Prepare
    restoreOf(restoredDb(change));
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `RDS DB instance ${RESTORED_ID}: ${reason}`,
      },
    ]);
  });

  it('waits for a database still settling (modifying), then judges it', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolvesOnce({ DBInstances: [restoredDb({ DBInstanceStatus: 'modifying' })] })
      .resolves({ DBInstances: [restoredDb()] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .resolves({ DBInstances: [SOURCE_DB] });
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(sleeps).toEqual([15_000]);
    expect(put()[0]?.ValidationStatus).toBe('SUCCESSFUL');
  });

  it('compares with the backup-time values first: a source upgraded and grown since is not a failed restore', async () => {
    // Prepare: the recovery point's restore metadata (keys are compared without case).
    restoreOf(restoredDb({ AllocatedStorage: 200 }), {
      ...SOURCE_DB,
      EngineVersion: '8.4.3',
      AllocatedStorage: 400,
    });
    backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
      ResourceType: 'RDS',
      RestoreMetadata: { engine: 'mysql', EngineVersion: '8.0.28', AllocatedStorage: '200' },
    });
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()[0]).toMatchObject({
      ValidationStatus: 'SUCCESSFUL',
      ValidationStatusMessage: expect.stringContaining('major version 8.0; storage 200 >= 200 GiB'),
    });
  });

  it('a source that no longer exists: compared with the recovery point metadata, saying what was not', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolves({ DBInstances: [restoredDb()] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .rejects(awsError('DBInstanceNotFoundFault', 404));
    backup
      .on(GetRecoveryPointRestoreMetadataCommand)
      .resolves({ RestoreMetadata: { Engine: 'mysql', EngineVersion: '8.0.28' } });
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()[0]).toEqual({
      RestoreJobId: JOB_ID,
      ValidationStatus: 'SUCCESSFUL',
      ValidationStatusMessage: `RDS DB instance ${RESTORED_ID}: available; engine mysql; major version 8.0; not compared: allocated storage, encryption (source database-1 no longer exists)`,
    });
  });

  it('takes nothing from restore metadata keys it does not know (the real EC2 sample: JSON strings, a request id)', async () => {
    // Prepare: the source is gone; the metadata holds no RDS value.
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolves({ DBInstances: [restoredDb()] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .rejects(awsError('DBInstanceNotFoundFault', 404));
    backup
      .on(GetRecoveryPointRestoreMetadataCommand)
      .resolves(raw('api/backup_GetRecoveryPointRestoreMetadata_ec2_awscli.json'));
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()[0]?.ValidationStatus).toBe('FAILED');
    expect(put()[0]?.ValidationStatusMessage).toMatch(/^could not validate: .*nothing to compare it with/);
  });

  it('a source gone and no metadata: nothing to compare with is not SUCCESSFUL', async () => {
    // Prepare
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolves({ DBInstances: [restoredDb()] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .rejects(awsError('DBInstanceNotFoundFault', 404));
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()[0]).toMatchObject({
      ValidationStatus: 'FAILED',
      ValidationStatusMessage: expect.stringMatching(
        /^could not validate: .*nothing to compare it with \(source database-1 no longer exists\)/,
      ),
    });
  });

  it('an Aurora cluster: status, engine, major version, encryption (no storage: Aurora allocates it)', async () => {
    // Prepare
    const source = `arn:aws:rds:us-west-2:141654562785:cluster:${SOURCE_CLUSTER.DBClusterIdentifier}`;
    const restored = 'arn:aws:rds:us-west-2:141654562785:cluster:awsbackup-restore-test-9f8e7d6c';
    backup.on(DescribeRestoreJobCommand).resolves(
      restoreTestJob({
        ResourceType: 'Aurora',
        SourceResourceArn: source,
        CreatedResourceArn: restored,
        BackupVaultArn: 'arn:aws:backup:us-west-2:141654562785:backup-vault:backup-sentinel-gold',
      }),
    );
    rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'awsbackup-restore-test-9f8e7d6c' }).resolves({
      DBClusters: [{ ...SOURCE_CLUSTER, DBClusterIdentifier: 'awsbackup-restore-test-9f8e7d6c' }],
    });
    rds
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: 'bbb' })
      .resolves({ DBClusters: [SOURCE_CLUSTER] });
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()[0]).toEqual({
      RestoreJobId: JOB_ID,
      ValidationStatus: 'SUCCESSFUL',
      ValidationStatusMessage:
        "Aurora cluster awsbackup-restore-test-9f8e7d6c: available; engine aurora; major version 5.6; encrypted with the source's key k1",
    });
    expect(rds).not.toHaveReceivedCommand(DescribeDBInstancesCommand);
  });

  it('in the DR account: the source is not read there, the copy is re-encrypted, so its key is not compared', async () => {
    // Prepare: a restore test of the copy in the DR account's vault; the source is in another account.
    const dr = '222222222222';
    const restored = `arn:aws:rds:${REGION}:${dr}:db:${RESTORED_ID}`;
    backup.on(DescribeRestoreJobCommand).resolves(
      restoreTestJob({
        AccountId: dr,
        CreatedResourceArn: restored,
        BackupVaultArn: `arn:aws:backup:${REGION}:${dr}:backup-vault:dr-vault`,
        RecoveryPointArn: `arn:aws:rds:${REGION}:${dr}:snapshot:awsbackup:copyjob-2b3c4d5e`,
      }),
    );
    const drKey = `arn:aws:kms:${REGION}:${dr}:key/0b7e3b9c-1f2a-4c3d-9e8f-7a6b5c4d3e2f`;
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolves({ DBInstances: [restoredDb({ DBInstanceArn: restored, KmsKeyId: drKey })] });
    backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
      RestoreMetadata: {
        Engine: 'mysql',
        EngineVersion: '8.0.28',
        AllocatedStorage: '200',
        StorageEncrypted: 'true',
        KmsKeyId: SOURCE_DB.KmsKeyId as string,
      },
    });
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'SUCCESSFUL',
        ValidationStatusMessage: `RDS DB instance ${RESTORED_ID}: available; engine mysql; major version 8.0; storage 200 >= 200 GiB; encrypted (key not compared: the recovery point is a copy in another Region or account)`,
      },
    ]);
    expect(rds).not.toHaveReceivedCommandWith(DescribeDBInstancesCommand, {
      DBInstanceIdentifier: 'database-1',
    });
  });
});

describe('read failures', () => {
  it('a check a failed read leaves unmade is FAILED "could not validate", naming the read', async () => {
    // Prepare: the source read is denied and the recovery point metadata holds nothing to compare.
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: RESTORED_ID })
      .resolves({ DBInstances: [restoredDb()] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'database-1' })
      .rejects(awsError('AccessDenied', 403));
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `could not validate: rds:DescribeDBInstances on ${SOURCE_ARN} (AccessDenied); RDS DB instance ${RESTORED_ID}: engine, major version, allocated storage, encryption not compared`,
      },
    ]);
  });

  it('throttling the SDK did not outlast is not SUCCESSFUL either', async () => {
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds.on(DescribeDBInstancesCommand).rejects(awsError('ThrottlingException', 400));
    await validateRestore(aws(), event('completed'), on);
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `could not validate: rds:DescribeDBInstances on arn:aws:rds:${REGION}:${ACCOUNT}:db:${RESTORED_ID} (ThrottlingException); RDS DB instance ${RESTORED_ID} not read`,
      },
    ]);
  });

  it('rethrows when DescribeRestoreJob fails (not yet known to be its job) and answers nothing', async () => {
    backup.on(DescribeRestoreJobCommand).rejects(awsError('AccessDeniedException', 403));
    await expect(validateRestore(aws(), event('completed'), on)).rejects.toThrow('AccessDeniedException');
    expect(put()).toEqual([]);
  });

  it('rethrows when PutRestoreValidationResult fails, so the retried event answers it', async () => {
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [restoredDb()] });
    backup.on(PutRestoreValidationResultCommand).rejects(awsError('ServiceUnavailableException', 500));
    await expect(validateRestore(aws(), event('completed'), on)).rejects.toThrow(
      'ServiceUnavailableException',
    );
  });

  it('a restored resource already deleted is left alone: there is nothing left to check', async () => {
    backup.on(DescribeRestoreJobCommand).resolves(restoreTestJob());
    rds.on(DescribeDBInstancesCommand).rejects(awsError('DBInstanceNotFoundFault', 404));
    expect(await validateRestore(aws(), event('completed'), on)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringContaining('no longer exists'),
    });
    expect(put()).toEqual([]);
  });
});

describe('an S3 restore test', () => {
  const RESTORED = 'awsbackup-restore-test-4c1d2e3f';
  const at = new Date('2026-11-24T02:00:00.000Z');
  const before = new Date('2026-11-23T10:00:00.000Z');
  const later = new Date('2026-11-24T09:00:00.000Z');
  /** A ListObjectsV2 Contents entry as S3 returns it (the ETag keeps its quotes). */
  const object = (Key: string, Size: number, etag: string, LastModified = before) => ({
    Key,
    LastModified,
    ETag: `"${etag}"`,
    Size,
    StorageClass: 'STANDARD' as const,
  });
  const MD5 = {
    a: '0622528de826c0df5db1258a23b80be5',
    b: 'd1f45267a863c8392e07d24dd592f1b9',
    c: '06225825b8028de826c0df5db1a23be5',
  };
  const s3Restore = (sourceObjects: unknown[], restoredObjects: unknown[], sse = 'AES256') => {
    backup.on(DescribeRestoreJobCommand).resolves(
      restoreTestJob({
        ResourceType: 'S3',
        SourceResourceArn: 'arn:aws:s3:::acme-invoices',
        CreatedResourceArn: `arn:aws:s3:::${RESTORED}`,
        RecoveryPointArn: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:acme-invoices-20261124020000-4c1d2e3f`,
        RecoveryPointCreationDate: at,
      }),
    );
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'us-west-2' });
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [
          { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: sse as 'AES256' }, BucketKeyEnabled: false },
        ],
      },
    });
    s3.on(ListObjectsV2Command, { Bucket: 'acme-invoices' }).resolves({
      Contents: sourceObjects as never,
      IsTruncated: false,
      KeyCount: sourceObjects.length,
      MaxKeys: 1000,
      Name: 'acme-invoices',
    });
    s3.on(ListObjectsV2Command, { Bucket: RESTORED }).resolves({
      Contents: restoredObjects as never,
      IsTruncated: false,
      KeyCount: restoredObjects.length,
      MaxKeys: 1000,
      Name: RESTORED,
    });
  };

  it('SUCCESSFUL when every object older than the recovery point is there with its size and ETag', async () => {
    // Prepare: one object written after the recovery point, one multipart (ETag not an MD5).
    s3Restore(
      [
        object('2026/a.pdf', 38, MD5.a),
        object('2026/b.pdf', 533823, MD5.b),
        object('2026/big.zip', 26214400, 'ceb8853ddc5086cc4ab9e149f8f09c88-5'),
        object('2026/new.pdf', 12, MD5.c, later),
      ],
      [
        object('2026/a.pdf', 38, MD5.a, later),
        object('2026/b.pdf', 533823, MD5.b, later),
        object('2026/big.zip', 26214400, '9b2cf535f27731c974343645a3985328', later),
      ],
    );
    // Act
    const outcome = await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(outcome).toMatchObject({
      kind: 'validated',
      status: 'SUCCESSFUL',
      resourceArn: `arn:aws:s3:::${RESTORED}`,
    });
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'SUCCESSFUL',
        ValidationStatusMessage: `S3 ${RESTORED}: 3 of 3 objects older than the recovery point present with the same size, 2 with the same ETag (restored bucket: 3 objects); all keys compared; 1 written after the recovery point not expected; ETags compared for single-part objects (multipart ETags are not an MD5 of the content)`,
      },
    ]);
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'acme-invoices', MaxKeys: 1000 });
  });

  it('FAILED naming the missing keys, another size, another MD5 ETag', async () => {
    // Prepare
    s3Restore(
      [
        object('a.pdf', 38, MD5.a),
        object('b.pdf', 533823, MD5.b),
        object('c.pdf', 38, MD5.c),
        object('d.pdf', 7, MD5.a),
      ],
      [object('b.pdf', 533820, MD5.b), object('c.pdf', 38, MD5.a), object('d.pdf', 7, MD5.a)],
    );
    // Act
    await validateRestore(aws(), event('completed'), on);
    // Assess
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `S3 ${RESTORED}: 1 of 4 objects older than the recovery point missing ("a.pdf"); 1 with another size ("b.pdf" 533823 B, restored 533820 B); 1 with another ETag ("c.pdf"); all keys compared; ETags compared for single-part objects (multipart ETags are not an MD5 of the content)`,
      },
    ]);
  });

  it('does not compare ETags of a bucket encrypted with SSE-KMS by default (not an MD5 of the content)', async () => {
    s3Restore([object('a.pdf', 38, MD5.a)], [object('a.pdf', 38, MD5.b)], 'aws:kms');
    await validateRestore(aws(), event('completed'), on);
    expect(put()[0]).toMatchObject({
      ValidationStatus: 'SUCCESSFUL',
      ValidationStatusMessage: expect.stringContaining('ETags not compared (aws:kms default encryption'),
    });
  });

  it('a source listing denied is FAILED "could not validate"', async () => {
    s3Restore([], [object('a.pdf', 38, MD5.a)]);
    s3.on(ListObjectsV2Command, { Bucket: 'acme-invoices' }).rejects(awsError('AccessDenied', 403));
    await validateRestore(aws(), event('completed'), on);
    expect(put()).toEqual([
      {
        RestoreJobId: JOB_ID,
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `could not validate: s3:ListBucket on arn:aws:s3:::acme-invoices (AccessDenied); source of S3 ${RESTORED} not listed`,
      },
    ]);
  });

  it('lists the source in its own Region (GetBucketLocation; EU is eu-west-1)', async () => {
    s3Restore([object('a.pdf', 38, MD5.a)], [object('a.pdf', 38, MD5.a)]);
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'EU' });
    await validateRestore(aws(), event('completed'), on);
    const listings = s3.commandCalls(ListObjectsV2Command);
    const regions = await Promise.all(
      listings.map(async (c) => [c.args[0].input.Bucket, await c.thisValue.config.region()]),
    );
    expect(regions).toEqual([
      [RESTORED, 'us-west-2'],
      ['acme-invoices', 'eu-west-1'],
    ]);
    expect(put()[0]?.ValidationStatus).toBe('SUCCESSFUL');
  });
});
