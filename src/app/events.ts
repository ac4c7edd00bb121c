/**
 * What an event is about: the RDS databases and S3 buckets to audit again. Pure. Accepts the
 * EventBridge envelopes serverless.ts routes to on-resource-change (RDS instance/cluster events,
 * "AWS API Call via CloudTrail", "Tag Change on Resource") and bare CloudTrail records. AWS Backup
 * API calls (a plan or selection changed) concern every resource of a plan: they ask for a sweep.
 * Anything else is ignored with a reason — never a crash.
 */

import { partitionOf } from '../inventory/arn.js';
import { type Json, obj } from '../maps.js';

export type EventTargets =
  | { kind: 'resources'; arns: string[] }
  | { kind: 'sweep'; reason: string }
  | { kind: 'ignored'; reason: string };

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const AUDITED = /^arn:aws[a-z-]*:(rds:[a-z0-9-]+:\d{12}:(db|cluster):[^:]+|s3:::[^/]+)$/;

/** CloudTrail write calls that can change what we audit. */
export const S3_CALLS = [
  'CreateBucket',
  'PutBucketVersioning',
  'PutBucketLifecycle',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  'PutBucketTagging',
  'DeleteBucketTagging',
  'PutObjectLockConfiguration',
];
export const RDS_CALLS = [
  'CreateDBInstance',
  'ModifyDBInstance',
  'CreateDBCluster',
  'ModifyDBCluster',
  'AddTagsToResource',
  'RemoveTagsFromResource',
  'RestoreDBInstanceFromDBSnapshot',
  'RestoreDBClusterFromSnapshot',
];
export const BACKUP_CALLS = [
  'UpdateBackupPlan',
  'DeleteBackupPlan',
  'CreateBackupSelection',
  'DeleteBackupSelection',
  'DeleteBackupVault',
  'PutBackupVaultAccessPolicy',
  'DeleteBackupVaultAccessPolicy',
  'DeleteBackupVaultNotifications',
  'DeleteBackupVaultLockConfiguration',
  'UpdateRegionSettings',
];

/**
 * `ownRoleArns`: the exact roles of this stack's functions. Their changes come back as events and
 * are ignored; a role merely named like ours (anyone with iam:CreateRole can pick a name) is not.
 */
export function targetsOf(event: unknown, ownRoleArns: readonly string[] = []): EventTargets {
  const e = obj(event);
  const type = str(e['detail-type']);
  const detail = obj(e.detail);
  if (type === 'RDS DB Instance Event' || type === 'RDS DB Cluster Event') {
    const arn = str(detail.SourceArn) ?? (Array.isArray(e.resources) ? str(e.resources[0]) : undefined);
    return arn && AUDITED.test(arn)
      ? { kind: 'resources', arns: [arn] }
      : { kind: 'ignored', reason: `${type} without a database ARN` };
  }
  if (type === 'Tag Change on Resource') {
    const arns = (Array.isArray(e.resources) ? e.resources : []).filter(
      (a): a is string => typeof a === 'string' && AUDITED.test(a),
    );
    return arns.length
      ? { kind: 'resources', arns }
      : { kind: 'ignored', reason: 'tag change on a resource type we do not audit' };
  }
  if (type === 'AWS API Call via CloudTrail') return fromCloudTrail(detail, str(e.account), ownRoleArns);
  if (str(e.eventSource) && str(e.eventName)) return fromCloudTrail(e, undefined, ownRoleArns);
  return { kind: 'ignored', reason: `unexpected event${type ? ` "${type}"` : ' shape'}` };
}

/** AWS Backup calls that loosen a vault's protection: they raise an alert (src/alerts/classify.ts). */
export const VAULT_DRIFT_CALLS = [
  'DeleteBackupVault',
  'DeleteBackupVaultAccessPolicy',
  'DeleteBackupVaultLockConfiguration',
  'PutBackupVaultAccessPolicy',
  'PutBackupVaultLockConfiguration',
];

/** The role that made a CloudTrail-recorded call (its session issuer), if the event is one. */
export function callerRoleOf(event: unknown): string | undefined {
  const e = obj(event);
  const record = e['detail-type'] === 'AWS API Call via CloudTrail' ? obj(e.detail) : e;
  return str(obj(obj(obj(record.userIdentity).sessionContext).sessionIssuer).arn);
}

function fromCloudTrail(
  record: Json,
  envelopeAccount: string | undefined,
  ownRoleArns: readonly string[],
): EventTargets {
  const source = str(record.eventSource) ?? '';
  const name = str(record.eventName) ?? '';
  const issuer = obj(obj(obj(record.userIdentity).sessionContext).sessionIssuer);
  const callerArn = str(issuer.arn);
  if (callerArn !== undefined && ownRoleArns.includes(callerArn))
    return {
      kind: 'ignored',
      reason: `${name} was made by backup-sentinel itself (${str(issuer.userName) ?? callerArn})`,
    };
  if (record.errorCode)
    return { kind: 'ignored', reason: `${name} failed (${String(record.errorCode)}): nothing changed` };
  const params = obj(record.requestParameters);
  const region = str(record.awsRegion) ?? '';
  const account =
    str(obj(record.userIdentity).accountId) ?? str(record.recipientAccountId) ?? envelopeAccount ?? '';
  if (source === 's3.amazonaws.com' && S3_CALLS.includes(name)) {
    const bucket = str(params.bucketName);
    return bucket
      ? { kind: 'resources', arns: [`arn:${partitionOf(region)}:s3:::${bucket}`] }
      : { kind: 'ignored', reason: `${name} without bucketName` };
  }
  if (source === 'rds.amazonaws.com' && RDS_CALLS.includes(name)) {
    const tagged = str(params.resourceName);
    const db = str(params.dBInstanceIdentifier);
    const cluster = str(params.dBClusterIdentifier);
    const arn =
      tagged ??
      (db
        ? `arn:${partitionOf(region)}:rds:${region}:${account}:db:${db}`
        : cluster
          ? `arn:${partitionOf(region)}:rds:${region}:${account}:cluster:${cluster}`
          : undefined);
    return arn && AUDITED.test(arn)
      ? { kind: 'resources', arns: [arn] }
      : { kind: 'ignored', reason: `${name} on something other than a database` };
  }
  if (source === 'backup.amazonaws.com' && BACKUP_CALLS.includes(name))
    return { kind: 'sweep', reason: `${name} changes what plans and vaults protect` };
  return { kind: 'ignored', reason: `${source || 'unknown source'} ${name || 'call'} is not one we watch` };
}
