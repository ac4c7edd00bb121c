/**
 * The IAM actions each function needs, derived from what the code declares: the rules' collect
 * permissions and the reads the collector makes around them; for fixes, what the handlers of the
 * actions the rules propose call (src/remediation/actions-catalogue.ts), reads and writes.
 */
import { BUCKET_READS } from './inventory/collect/buckets.js';
import { CONFIG_ROUTE_READS } from './inventory/collect/config-route.js';
import { HOME_READS } from './inventory/scope.js';
import { iamFor } from './remediation/actions-catalogue.js';
import { RULES } from './rules/registry.js';

export { BUCKET_READS, CONFIG_ROUTE_READS };

/** Reads the collector makes that no single rule owns: the region-wide ones the scope records, and per subject. */
export const COLLECTOR_READS = [
  'sts:GetCallerIdentity',
  ...HOME_READS,
  's3:ListAllMyBuckets',
  's3:GetBucketLocation',
  ...BUCKET_READS,
  'backup:GetBackupVaultAccessPolicy',
  'backup:GetBackupVaultNotifications',
  'backup:ListTags',
  'kms:DescribeKey',
  'kms:ListAliases',
  'kms:ListKeyRotations',
  'kms:GetKeyPolicy',
  'tag:GetResources',
  'organizations:DescribeOrganization',
  'backup:DescribeGlobalSettings',
  'iam:SimulatePrincipalPolicy',
];

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

export function readActions(): string[] {
  return sorted([...COLLECTOR_READS, ...RULES.flatMap((r) => r.permissions.collect)]);
}

/** What the executor calls for every action a rule may propose: each handler's re-reads and writes. */
export function writeActions(): string[] {
  return sorted(iamFor(RULES.flatMap((r) => r.proposes)));
}

export type FunctionName =
  | 'onResourceChange'
  | 'configRule'
  | 'sweep'
  | 'onBackupEvent'
  | 'rotateKeyMaterial'
  | 'validateRestore';

/**
 * What sending an alert calls: the incident table (one alert per incident), the alert topic, and
 * the optional Slack webhook secret (src/alerts/store.ts, deliver.ts).
 */
export const ALERT_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Scan',
  'sns:Publish',
  'secretsmanager:GetSecretValue',
];

/**
 * What the rotator calls (src/keys/rotate.ts, import.ts): the managed keys found by tag, read,
 * imported into and rotated; the escrow destinations' writer roles assumed (the Secrets Manager
 * calls are made as that role, with the permissions resources/escrow-destination.yml gives it).
 * Never kms:DeleteImportedKeyMaterial.
 */
export const ROTATOR_ACTIONS = [
  'tag:GetResources',
  'kms:DescribeKey',
  'kms:ListKeyRotations',
  'kms:GetParametersForImport',
  'kms:ImportKeyMaterial',
  'kms:RotateKeyOnDemand',
  'sts:AssumeRole',
];

/**
 * What the restore validator calls (src/restore-validation): the restore job read and answered,
 * the recovery point's restore metadata, the restored and source databases described, the
 * restored and source buckets listed (keys, sizes, ETags: no object is read), their Region and
 * default encryption (whether ETags are MD5s).
 */
export const VALIDATOR_ACTIONS = [
  'backup:DescribeRestoreJob',
  'backup:GetRecoveryPointRestoreMetadata',
  'backup:PutRestoreValidationResult',
  'rds:DescribeDBInstances',
  'rds:DescribeDBClusters',
  's3:ListBucket',
  's3:GetBucketLocation',
  's3:GetEncryptionConfiguration',
];

/** Every AWS action a function's code path may call. */
export function functionActions(fn: FunctionName): string[] {
  if (fn === 'onBackupEvent') return sorted(ALERT_ACTIONS);
  if (fn === 'validateRestore') return sorted(VALIDATOR_ACTIONS);
  if (fn === 'rotateKeyMaterial') return sorted([...ROTATOR_ACTIONS, ...ALERT_ACTIONS]);
  // The sweeps (the sweep, the Config rule's scheduled run) read buckets through AWS Config
  // where it serves them; the event path reads its one resource directly.
  if (fn === 'configRule')
    return sorted([
      ...readActions(),
      ...CONFIG_ROUTE_READS,
      'config:GetResourceConfigHistory',
      'config:PutEvaluations',
      'sts:AssumeRole',
    ]);
  if (fn === 'sweep')
    return sorted([
      ...readActions(),
      ...CONFIG_ROUTE_READS,
      ...writeActions(),
      'sts:AssumeRole',
      ...ALERT_ACTIONS,
    ]);
  return sorted([...readActions(), ...writeActions(), 'sts:AssumeRole']);
}

/** SDK "Service.Operation" (as Aws.calls counts them) -> the IAM action it needs. */
const SERVICE_PREFIX: Record<string, string> = {
  Backup: 'backup',
  S3: 's3',
  RDS: 'rds',
  ResourceGroupsTaggingAPI: 'tag',
  KMS: 'kms',
  STS: 'sts',
  ConfigService: 'config',
  SNS: 'sns',
  Organizations: 'organizations',
  IAM: 'iam',
  SecretsManager: 'secretsmanager',
};
/** S3 operations whose IAM action has another name. */
const S3_ACTIONS: Record<string, string> = {
  GetBucketLifecycleConfiguration: 'GetLifecycleConfiguration',
  PutBucketLifecycleConfiguration: 'PutLifecycleConfiguration',
  GetBucketEncryption: 'GetEncryptionConfiguration',
  GetBucketReplication: 'GetReplicationConfiguration',
  GetObjectLockConfiguration: 'GetBucketObjectLockConfiguration',
  ListBuckets: 'ListAllMyBuckets',
};

export function iamActionOf(call: string): string {
  const [service = '', operation = ''] = call.split('.');
  const prefix = SERVICE_PREFIX[service] ?? service.toLowerCase();
  return `${prefix}:${prefix === 's3' ? (S3_ACTIONS[operation] ?? operation) : operation}`;
}
