/**
 * `restore s3`: the planner's preflight (each problem with its message, and no step), then the
 * command against aws-sdk-client-mock: ACLs disabled on the destination, the KMS key not usable,
 * versioning off — each a clear message, and no StartRestoreJob call; and a restore that passes.
 */
import {
  BackupClient,
  DescribeRecoveryPointCommand,
  DescribeRestoreJobCommand,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetBucketOwnershipControlsCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { restoreCommand } from '../../src/cli/restore.js';
import { planS3, type S3Facts, type S3Options } from '../../src/restore/plan-s3.js';
import type { RestoreRecord } from '../../src/restore/types.js';
import { fixture, memoryIo, notFound } from './support.js';

const RP = 'arn:aws:backup:eu-central-1:111111111111:recovery-point:8d1f2c3e-1111-2222-3333-444455556666';
const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ROLE = 'arn:aws:iam::111111111111:role/backup-sentinel-s3-restore';

const facts = (extra: Partial<S3Facts> = {}): S3Facts => ({
  where: { region: 'eu-central-1' },
  source: { name: 'acme-invoices', objectOwnership: 'ObjectWriter', versioning: 'Enabled' },
  destination: {
    name: 'acme-invoices-restore',
    objectOwnership: 'BucketOwnerPreferred',
    versioning: 'Enabled',
  },
  destinationName: 'acme-invoices-restore',
  recoveryPointArn: RP,
  vault: 'prod-vault',
  key: { arn: KEY, state: 'Enabled' },
  ...extra,
});
const options = (extra: Partial<S3Options> = {}): S3Options => ({
  runId: 'run-1',
  restoreRoleArn: ROLE,
  toOriginal: true,
  timeoutMinutes: 1440,
  ...extra,
});

describe('planS3', () => {
  it('a restore into the original: StartRestoreJob with the documented S3 metadata, then wait and verify', () => {
    const plan = planS3(
      facts({ destinationName: 'acme-invoices', destination: facts().source }),
      options({ items: ['2026/11/invoice-1.pdf', 'exports/'] }),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.steps.map((s) => s.call)).toEqual([
      'backup:StartRestoreJob',
      'backup:DescribeRestoreJob',
      's3:HeadBucket',
    ]);
    expect(plan.steps[0]?.input).toEqual({
      RecoveryPointArn: RP,
      ResourceType: 'S3',
      IamRoleArn: ROLE,
      IdempotencyToken: 'run-1-restore',
      Metadata: {
        DestinationBucketName: 'acme-invoices',
        NewBucket: 'false',
        Encrypted: 'true',
        EncryptionType: 'SSE-S3',
        CreationToken: 'run-1-s3',
        ItemsToRestore: '["s3://acme-invoices/2026/11/invoice-1.pdf","s3://acme-invoices/exports/"]',
      },
    });
  });

  it('a new bucket encrypted with a KMS key', () => {
    const plan = planS3(
      facts({ destination: undefined, destinationKey: { arn: KEY, state: 'Enabled' } }),
      options({ toOriginal: false, kmsKeyArn: KEY }),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.steps[0]?.input.Metadata).toMatchObject({
      DestinationBucketName: 'acme-invoices-restore',
      NewBucket: 'true',
      EncryptionType: 'SSE-KMS',
      KMSKey: KEY,
    });
    expect(plan.warnings).toEqual([
      'the backup of acme-invoices carries ACLs and acme-invoices-restore is created by the restore: check it restores with ACLs enabled',
    ]);
  });

  const cases: [string, Partial<S3Facts>, Partial<S3Options>, string][] = [
    [
      'ACLs disabled on the destination',
      {
        destination: {
          name: 'acme-invoices-restore',
          objectOwnership: 'BucketOwnerEnforced',
          versioning: 'Enabled',
        },
      },
      { toOriginal: false },
      "ACLs are disabled on acme-invoices-restore (Object Ownership: BucketOwnerEnforced) but the backup of acme-invoices carries ACLs: AWS Backup fails the restore. Enable ACLs first: aws s3api put-bucket-ownership-controls --bucket acme-invoices-restore --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerPreferred}]'",
    ],
    [
      'KMS key disabled',
      { key: { arn: KEY, state: 'Disabled' } },
      {},
      `KMS key ${KEY} is Disabled, not Enabled: AWS Backup cannot decrypt the recovery point with it. Enable it (aws kms enable-key --key-id ${KEY}) or cancel its deletion first`,
    ],
    [
      'KMS key not readable',
      { key: { arn: KEY, error: 'AccessDeniedException: not authorized to perform kms:DescribeKey' } },
      {},
      `KMS key ${KEY} cannot be used: AccessDeniedException: not authorized to perform kms:DescribeKey. The restore role needs kms:Decrypt and kms:GenerateDataKey on it (key policy or grant), and the key must exist in eu-central-1`,
    ],
    [
      'versioning off',
      { destination: { name: 'acme-invoices-restore', objectOwnership: 'BucketOwnerPreferred' } },
      {},
      'versioning is off on acme-invoices-restore: AWS Backup backs up and restores versioned buckets, and a restore into an unversioned bucket cannot keep what it would overwrite. Enable it first: aws s3api put-bucket-versioning --bucket acme-invoices-restore --versioning-configuration Status=Enabled',
    ],
    [
      'too many items',
      {},
      { items: ['a', 'b', 'c', 'd', 'e', 'f'] },
      '--items names 6 items: AWS Backup restores at most 5 per restore job; run the restore once per group of 5',
    ],
    [
      'timeout too tight',
      {},
      { timeoutMinutes: 10 },
      '--timeout 10 minutes is too tight a restore time setting: S3 restores copy every object and take hours for large buckets; give at least 60 (a timeout stops the waiting, not the restore)',
    ],
    [
      'no restore role',
      {},
      { restoreRoleArn: undefined },
      'an S3 restore needs a restore role with access to the vault key: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForS3Restore attached)',
    ],
    [
      'no recovery point',
      { recoveryPointArn: undefined },
      {},
      'no completed recovery point of bucket acme-invoices in eu-central-1 (vault prod-vault): pass --recovery-point ARN, or check the region and account of the copy',
    ],
  ];
  it.each(cases)('%s', (_name, f, o, message) => {
    const plan = planS3(facts(f), options(o));
    expect(plan.problems).toEqual([message]);
    expect(plan.steps).toEqual([]);
  });

  it('Block Public Access on the destination is a warning (objects with public ACLs are skipped)', () => {
    const plan = planS3(
      facts({
        destination: {
          ...(facts().destination as object),
          name: 'acme-invoices-restore',
          blocksPublicAcls: true,
        },
      }),
      options(),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.warnings).toContain(
      'Block Public Access is on for acme-invoices-restore: the restore completes, but objects with public ACLs are skipped',
    );
  });
});

describe('restore s3 (aws-sdk-client-mock)', () => {
  const s3 = mockClient(S3Client);
  const backup = mockClient(BackupClient);
  const kms = mockClient(KMSClient);
  const versioningOff = fixture('s3_GetBucketVersioning_never_enabled_placebo.json');
  const versioningOn = fixture('s3_GetBucketVersioning_enabled_placebo.json');
  let ownership: Record<string, string | undefined>;
  let versioned: Record<string, boolean>;
  let keyState: string;

  beforeEach(() => {
    s3.reset();
    backup.reset();
    kms.reset();
    ownership = { 'acme-invoices': 'ObjectWriter', 'acme-invoices-restore': 'BucketOwnerPreferred' };
    versioned = { 'acme-invoices': true, 'acme-invoices-restore': true };
    keyState = 'Enabled';
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketOwnershipControlsCommand).callsFake(async (i: { Bucket: string }) => {
      const o = ownership[i.Bucket];
      if (!o) throw notFound('OwnershipControlsNotFoundError');
      return { OwnershipControls: { Rules: [{ ObjectOwnership: o }] } };
    });
    s3.on(GetBucketVersioningCommand).callsFake(async (i: { Bucket: string }) =>
      versioned[i.Bucket] ? versioningOn : versioningOff,
    );
    s3.on(GetPublicAccessBlockCommand).rejects(notFound('NoSuchPublicAccessBlockConfiguration'));
    backup
      .on(DescribeRecoveryPointCommand)
      .resolves({ RecoveryPointArn: RP, EncryptionKeyArn: KEY, Status: 'COMPLETED' });
    kms
      .on(DescribeKeyCommand)
      .callsFake(async () => ({ KeyMetadata: { KeyId: KEY, Arn: KEY, KeyState: keyState } }));
    backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'JOB-1' });
    backup
      .on(DescribeRestoreJobCommand)
      .resolves({ RestoreJobId: 'JOB-1', Status: 'COMPLETED', ResourceType: 'S3' });
  });

  const run = async (extra: Record<string, unknown> = {}) => {
    const t = memoryIo();
    const code = await restoreCommand(
      t.io,
      {
        bucket: 'acme-invoices',
        to: 'acme-invoices-restore',
        region: ['eu-central-1'],
        'recovery-point': RP,
        vault: 'prod-vault',
        'restore-role-arn': ROLE,
        apply: true,
        record: 'r.json',
        ...extra,
      },
      ['s3'],
      {},
      {
        aws: new Aws({ credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 }),
        pollMinMs: 1,
        sleep: async () => {},
      },
    );
    return { code, out: t.out.join(''), files: t.files };
  };

  it.each([
    [
      'ACLs disabled on the destination',
      () => {
        ownership['acme-invoices-restore'] = 'BucketOwnerEnforced';
      },
      'ACLs are disabled on acme-invoices-restore (Object Ownership: BucketOwnerEnforced) but the backup of acme-invoices carries ACLs',
    ],
    [
      'KMS key not usable',
      () => {
        keyState = 'PendingDeletion';
      },
      `KMS key ${KEY} is PendingDeletion, not Enabled: AWS Backup cannot decrypt the recovery point with it`,
    ],
    [
      'versioning off',
      () => {
        versioned['acme-invoices'] = false;
      },
      'versioning is off on acme-invoices: AWS Backup backs up and restores versioned buckets',
    ],
  ])('%s: a clear message, and no restore job started', async (_name, arrange, message) => {
    arrange();
    const { code, out, files } = await run(
      _name === 'versioning off' ? { to: undefined, 'to-original': true } : {},
    );
    expect(code).toBe(1);
    expect(out).toContain('cannot restore: 1 preflight problem, nothing was started:');
    expect(out).toContain(message);
    expect(backup).not.toHaveReceivedCommand(StartRestoreJobCommand);
    expect(files.has('r.json')).toBe(true); // --record keeps the refusal too
    expect((JSON.parse(files.get('r.json') ?? '') as RestoreRecord).status).toBe('refused');
  });

  it('with the caveats met, the restore job is started, waited for and verified', async () => {
    ownership['acme-invoices-restore'] = undefined; // no ownership controls: ACLs enabled
    s3.on(HeadBucketCommand, { Bucket: 'acme-invoices-restore' }).rejectsOnce(
      Object.assign(notFound('NotFound'), { $metadata: { httpStatusCode: 404 } }),
    );
    const { code, out, files } = await run();
    expect(code, out).toBe(0);
    expect(backup).toHaveReceivedCommandWith(StartRestoreJobCommand, {
      ResourceType: 'S3',
      Metadata: expect.objectContaining({
        DestinationBucketName: 'acme-invoices-restore',
        NewBucket: 'true',
      }),
    });
    const r = JSON.parse(files.get('r.json') ?? '') as RestoreRecord;
    expect(r.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(r.rtoSeconds).toBeGreaterThanOrEqual(0);
  });
});
