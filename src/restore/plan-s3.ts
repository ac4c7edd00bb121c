/**
 * The S3 restore as a plan (pure): AWS Backup StartRestoreJob of an S3 recovery point into a new
 * bucket or the original, with the source design's caveats ("S3 Backups - Restoration") checked
 * first: the restore role needs the KMS key, ACLs must be enabled on the destination before
 * restoring (when the backup carried ACLs), and the restore time settings must not be too tight.
 * AWS's own considerations are checked too: Block Public Access on the destination skips objects
 * with public ACLs; item-level restore is at most 5 items per job. A plan with a problem has no
 * step: nothing is started.
 */
import type { Plan, PlannedStep, Where } from './types.js';

export interface BucketFacts {
  name: string;
  /** GetBucketOwnershipControls' ObjectOwnership; undefined: none set (ACLs enabled). */
  objectOwnership?: string;
  /** GetBucketVersioning's Status; undefined: never enabled. */
  versioning?: string;
  /** GetPublicAccessBlock: BlockPublicAcls or IgnorePublicAcls set. */
  blocksPublicAcls?: boolean;
}

export interface KeyFacts {
  arn: string;
  /** DescribeKey's KeyState, or the error that kept it from being read. */
  state?: string;
  error?: string;
}

export interface S3Facts {
  where: Where;
  /** The bucket that was backed up, as it is now (its ACL setting stands for the backup's). */
  source: BucketFacts;
  /** The destination as it is now; undefined: it does not exist. */
  destination?: BucketFacts;
  destinationName: string;
  recoveryPointArn?: string;
  vault?: string;
  /** The KMS key the recovery point is encrypted with (the vault's), as read. */
  key?: KeyFacts;
  /** The --kms-key the restored objects are encrypted with (SSE-KMS), as read. */
  destinationKey?: KeyFacts;
}

export interface S3Options {
  runId: string;
  restoreRoleArn?: string;
  /** Restore into the original bucket (else --to: an existing bucket, or a new one the restore creates). */
  toOriginal: boolean;
  /** Item-level restore: object keys, or prefixes ending in "/". */
  items?: string[];
  /** Encrypt the restored objects with this KMS key (SSE-KMS), else SSE-S3. */
  kmsKeyArn?: string;
  timeoutMinutes: number;
}

export interface S3Context {
  bucket: string;
  destination: string;
  newBucket: boolean;
  items?: string[];
  timeoutMinutes: number;
}

/** AWS Backup item-level restore: up to 5 items per restore job. */
export const MAX_ITEMS = 5;
/** Shortest wait accepted: whole-bucket restores run for hours ("loose time settings"). */
export const MIN_S3_TIMEOUT_MINUTES = 60;

const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function planS3(f: S3Facts, o: S3Options): Plan<S3Context> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const dest = f.destinationName;
  const where = `${f.where.account ? `account ${f.where.account}, ` : ''}${f.where.region}`;
  if (!BUCKET_NAME.test(dest) || dest.includes('..'))
    problems.push(
      `destination ${JSON.stringify(dest)} is not a valid bucket name: 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit`,
    );
  if (!f.recoveryPointArn)
    problems.push(
      `no completed recovery point of bucket ${f.source.name} in ${where}${f.vault ? ` (vault ${f.vault})` : ''}: pass --recovery-point ARN, or check the region and account of the copy`,
    );
  if (!f.vault) problems.push('the vault of the recovery point is not known: pass --vault NAME');
  if (!o.restoreRoleArn)
    problems.push(
      'an S3 restore needs a restore role with access to the vault key: pass --restore-role-arn ARN (a role with AWSBackupServiceRolePolicyForS3Restore attached)',
    );
  if (o.toOriginal && !f.destination)
    problems.push(
      `--to-original restores into ${f.source.name}, which does not exist in ${where}: restore into a new bucket with --to NAME`,
    );

  // KMS: the restore role decrypts the recovery point with the vault's key; it must be usable.
  if (o.kmsKeyArn && !f.destinationKey)
    problems.push(`--kms-key ${o.kmsKeyArn} was not read: it cannot be checked`);
  for (const key of [f.key, f.destinationKey]) {
    if (!key) continue;
    if (key.error)
      problems.push(
        `KMS key ${key.arn} cannot be used: ${key.error}. The restore role needs kms:Decrypt and kms:GenerateDataKey on it (key policy or grant), and the key must exist in ${f.where.region}`,
      );
    else if (key.state && key.state !== 'Enabled')
      problems.push(
        `KMS key ${key.arn} is ${key.state}, not Enabled: AWS Backup cannot decrypt the recovery point with it. Enable it (aws kms enable-key --key-id ${key.arn}) or cancel its deletion first`,
      );
  }

  // The backup carried ACLs when the source bucket had them enabled (not BucketOwnerEnforced).
  const sourceAcls = f.source.objectOwnership !== 'BucketOwnerEnforced';
  if (sourceAcls && f.destination?.objectOwnership === 'BucketOwnerEnforced')
    problems.push(
      `ACLs are disabled on ${dest} (Object Ownership: BucketOwnerEnforced) but the backup of ${f.source.name} carries ACLs: AWS Backup fails the restore. Enable ACLs first: aws s3api put-bucket-ownership-controls --bucket ${dest} --ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerPreferred}]'`,
    );
  if (sourceAcls && !f.destination)
    warnings.push(
      `the backup of ${f.source.name} carries ACLs and ${dest} is created by the restore: check it restores with ACLs enabled`,
    );
  if (f.destination && f.destination.versioning !== 'Enabled')
    problems.push(
      `versioning is ${f.destination.versioning === 'Suspended' ? 'suspended' : 'off'} on ${dest}: AWS Backup backs up and restores versioned buckets, and a restore into an unversioned bucket cannot keep what it would overwrite. Enable it first: aws s3api put-bucket-versioning --bucket ${dest} --versioning-configuration Status=Enabled`,
    );
  if (f.destination?.blocksPublicAcls && sourceAcls)
    warnings.push(
      `Block Public Access is on for ${dest}: the restore completes, but objects with public ACLs are skipped`,
    );
  if (o.toOriginal)
    warnings.push(
      `restoring into the original ${dest}: AWS Backup does not overwrite an object that exists (any version) and does not delete objects added since the backup`,
    );

  const items = o.items ?? [];
  if (items.length > MAX_ITEMS)
    problems.push(
      `--items names ${items.length} items: AWS Backup restores at most ${MAX_ITEMS} per restore job; run the restore once per group of ${MAX_ITEMS}`,
    );
  for (const item of items)
    if (!item || item.startsWith('/') || item.includes('\n'))
      problems.push(`--items: ${JSON.stringify(item)} is not an object key or a prefix (no leading "/")`);
  if (o.timeoutMinutes < MIN_S3_TIMEOUT_MINUTES)
    problems.push(
      `--timeout ${o.timeoutMinutes} minutes is too tight a restore time setting: S3 restores copy every object and take hours for large buckets; give at least ${MIN_S3_TIMEOUT_MINUTES} (a timeout stops the waiting, not the restore)`,
    );

  const context: S3Context = {
    bucket: f.source.name,
    destination: dest,
    newBucket: !f.destination,
    ...(items.length ? { items } : {}),
    timeoutMinutes: o.timeoutMinutes,
  };
  if (problems.length) return { problems, warnings, steps: [], context };

  const metadata: Record<string, string> = {
    DestinationBucketName: dest,
    NewBucket: String(!f.destination),
    Encrypted: 'true',
    EncryptionType: o.kmsKeyArn ? 'SSE-KMS' : 'SSE-S3',
    ...(o.kmsKeyArn ? { KMSKey: o.kmsKeyArn } : {}),
    CreationToken: `${o.runId}-s3`.slice(0, 64),
    ...(items.length
      ? { ItemsToRestore: JSON.stringify(items.map((k) => `s3://${f.source.name}/${k}`)) }
      : {}),
  };
  const steps: PlannedStep[] = [
    {
      name: 'restore',
      call: 'backup:StartRestoreJob',
      kind: 'write',
      input: {
        RecoveryPointArn: f.recoveryPointArn,
        ResourceType: 'S3',
        IamRoleArn: o.restoreRoleArn,
        IdempotencyToken: `${o.runId}-restore`,
        Metadata: metadata,
      },
      summary: `start an AWS Backup restore job of ${f.recoveryPointArn} (vault ${f.vault}) into ${o.toOriginal ? 'the original bucket' : f.destination ? 'the existing bucket' : 'the new bucket'} ${dest}${items.length ? ` (${items.length} item${items.length === 1 ? '' : 's'})` : ''}`,
    },
    {
      name: 'wait-restore-job',
      call: 'backup:DescribeRestoreJob',
      kind: 'wait',
      input: { RestoreJobId: '(from restore)' },
      summary: 'wait until the restore job is COMPLETED',
    },
    {
      name: 'verify-bucket',
      call: 's3:HeadBucket',
      kind: 'verify',
      input: { Bucket: dest },
      summary: `verify ${dest} exists`,
    },
  ];
  return { problems, warnings, steps, context };
}
