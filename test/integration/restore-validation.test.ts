/**
 * The restore validator's S3 comparison over HTTP against moto: a source bucket and the bucket a
 * restore test restored it into, with real objects (MD5 ETags, sizes, LastModified). moto has no
 * AWS Backup restore jobs (moto/backup: plans, vaults, tags, report plans only), so
 * DescribeRestoreJob and PutRestoreValidationResult are mocked on that one client.
 */
import { DescribeRestoreJobCommand, PutRestoreValidationResultCommand } from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Aws } from '../../src/aws/clients.js';
import { validateRestore } from '../../src/restore-validation/validate.js';
import { event, restoreTestJob } from '../restore-validation/support.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

// The Region of the COMPLETED sample: the validator reads the job and the restored bucket there.
const REGION = 'us-west-2';
const SOURCE = 'acme-invoices';
const RESTORED = 'awsbackup-restore-test-4c1d2e3f';
const OLD = { 'invoices/2026-10.pdf': 'october', 'invoices/2026-11.pdf': 'november', 'readme.txt': 'hello' };
let recoveryPointAt: Date;

async function put(aws: Aws, bucket: string, key: string, body: string) {
  await aws.s3(REGION).send((sdk) => new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** A fresh client set whose AWS Backup client answers the restore test (the rest goes to moto). */
async function validatorAws() {
  const aws = motoAws();
  const backup = mockClient(await aws.backup(REGION).client());
  backup.on(DescribeRestoreJobCommand).resolves(
    restoreTestJob({
      AccountId: MOTO_ACCOUNT,
      ResourceType: 'S3',
      SourceResourceArn: `arn:aws:s3:::${SOURCE}`,
      CreatedResourceArn: `arn:aws:s3:::${RESTORED}`,
      BackupVaultArn: `arn:aws:backup:${REGION}:${MOTO_ACCOUNT}:backup-vault:backup-sentinel-gold`,
      RecoveryPointArn: `arn:aws:backup:${REGION}:${MOTO_ACCOUNT}:recovery-point:${SOURCE}-4c1d2e3f`,
      RecoveryPointCreationDate: recoveryPointAt,
    }),
  );
  backup.on(PutRestoreValidationResultCommand).resolves({});
  const sent = () => backup.commandCalls(PutRestoreValidationResultCommand).map((c) => c.args[0].input);
  return { aws, sent };
}

describe('validateRestore against moto: an S3 restore test', () => {
  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    for (const bucket of [SOURCE, RESTORED])
      await aws.s3(REGION).send(
        (sdk) =>
          new sdk.CreateBucketCommand({
            Bucket: bucket,
            CreateBucketConfiguration: { LocationConstraint: REGION },
          }),
      );
    for (const [key, body] of Object.entries(OLD)) await put(aws, SOURCE, key, body);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    recoveryPointAt = new Date();
    // After the recovery point: a new object (not in the backup, so not expected in the restore).
    await put(aws, SOURCE, 'invoices/2026-12.pdf', 'december');
    // The restore: what the source held at the recovery point, plus one object deleted from the source since.
    for (const [key, body] of Object.entries(OLD)) await put(aws, RESTORED, key, body);
    await put(aws, RESTORED, 'invoices/2025-01.pdf', 'deleted from the source since');
  });

  it('SUCCESSFUL: every object older than the recovery point restored with its size and MD5 ETag', async () => {
    // Prepare
    const { aws, sent } = await validatorAws();
    // Act
    const outcome = await validateRestore(aws, event('completed'), { mode: 'on', region: REGION });
    // Assess
    expect(outcome).toMatchObject({ kind: 'validated', status: 'SUCCESSFUL', sent: true });
    expect(sent()).toEqual([
      {
        RestoreJobId: 'AB123456-78C9-0123-456D-789012E34567',
        ValidationStatus: 'SUCCESSFUL',
        ValidationStatusMessage: `S3 ${RESTORED}: 3 of 3 objects older than the recovery point present with the same size, 3 with the same ETag (restored bucket: 4 objects); all keys compared; 1 written after the recovery point not expected; ETags compared for single-part objects (multipart ETags are not an MD5 of the content)`,
      },
    ]);
    expect(aws.calls.get('S3.ListObjectsV2')).toBe(2);
  });

  it('FAILED naming what the restore lacks or holds otherwise', async () => {
    // Prepare
    const setup = motoAws();
    await setup
      .s3(REGION)
      .send((sdk) => new sdk.DeleteObjectCommand({ Bucket: RESTORED, Key: 'readme.txt' }));
    await put(setup, RESTORED, 'invoices/2026-10.pdf', 'OCTOBER');
    const { aws, sent } = await validatorAws();
    // Act
    await validateRestore(aws, event('completed'), { mode: 'on', region: REGION });
    // Assess: same size, another MD5: the content differs.
    expect(sent()).toEqual([
      {
        RestoreJobId: 'AB123456-78C9-0123-456D-789012E34567',
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: `S3 ${RESTORED}: 1 of 3 objects older than the recovery point missing ("readme.txt"); 1 with another ETag ("invoices/2026-10.pdf"); all keys compared; 1 written after the recovery point not expected; ETags compared for single-part objects (multipart ETags are not an MD5 of the content)`,
      },
    ]);
  });
});
