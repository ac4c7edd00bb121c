/**
 * AWS Config configuration items -> the same resource snapshot the collectors build. Config items
 * come in two shapes (the rule event's: ARN/awsAccountId/configurationItemVersion; the API's:
 * arn/accountId/version), their `configuration` and each `supplementaryConfiguration` value may be
 * an object or a JSON string (sometimes encoded twice), and keys are camelCase. Pure.
 */
import { type Json, obj } from '../maps.js';
import type { Resource } from './schema.js';
import { resourceSchema } from './schema.js';

export type ConfigItemResult =
  | { kind: 'resource'; resource: Resource; capturedAt: string }
  | { kind: 'deleted'; arn: string; resourceType: string; capturedAt: string }
  | { kind: 'unsupported'; arn: string; resourceType: string; capturedAt: string };

const DELETED = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded']);

/** Parses JSON strings (repeatedly, for double encoding); leaves objects as they are. */
export function decode(value: unknown): unknown {
  let v = value;
  for (let i = 0; i < 3 && typeof v === 'string'; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number'
    ? v
    : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))
      ? Number(v)
      : undefined;
const bool = (v: unknown): boolean => v === true || v === 'true';
/** optionGroupMemberships: [{ optionGroupName, status }] — the first (an instance has one). */
const optionGroupOf = (v: unknown): string | undefined =>
  Array.isArray(v) ? str((v[0] as { optionGroupName?: unknown } | undefined)?.optionGroupName) : undefined;

function captureTime(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return new Date(v * 1000).toISOString();
  const parsed = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(parsed) ? new Date(0).toISOString() : new Date(parsed).toISOString();
}

/** The tags of an item: the `tags` map, else supplementaryConfiguration.Tags [{key, value}]. */
function tagsOf(ci: Json, supplementary: Json): Record<string, string> {
  const map = obj(ci.tags);
  if (Object.keys(map).length > 0)
    return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, String(v)]));
  const list = decode(supplementary.Tags);
  if (!Array.isArray(list)) return {};
  return Object.fromEntries(
    list.map((t) => [String(obj(t).key ?? obj(t).Key), String(obj(t).value ?? obj(t).Value ?? '')]),
  );
}

/** Config's lifecycle rules (camelCase, predicates) -> the S3 API's LifecycleRule shape. */
function lifecycleRules(config: unknown): Json[] {
  const rules = obj(decode(config)).rules;
  if (!Array.isArray(rules)) return [];
  return rules.map((raw) => {
    const r = obj(raw);
    const predicate = obj(obj(r.filter).predicate);
    const filter: Json =
      predicate.type === 'LifecyclePrefixPredicate'
        ? { Prefix: str(predicate.prefix) ?? '' }
        : predicate.type
          ? { [String(predicate.type)]: predicate }
          : r.prefix
            ? { Prefix: String(r.prefix) }
            : {};
    const days = num(r.noncurrentVersionExpirationInDays);
    return {
      ...(str(r.id) ? { ID: str(r.id) } : {}),
      Status: r.status === 'Enabled' ? 'Enabled' : 'Disabled',
      Filter: filter,
      ...(days !== undefined && days > 0 ? { NoncurrentVersionExpiration: { NoncurrentDays: days } } : {}),
    };
  });
}

export function resourceFromConfigItem(item: unknown): ConfigItemResult {
  const ci = obj(item);
  const arn = str(ci.ARN) ?? str(ci.arn) ?? '';
  const resourceType = str(ci.resourceType) ?? '';
  const capturedAt = captureTime(ci.configurationItemCaptureTime);
  if (DELETED.has(str(ci.configurationItemStatus) ?? ''))
    return { kind: 'deleted', arn, resourceType, capturedAt };
  const base = {
    Arn: arn,
    Region: str(ci.awsRegion) ?? '',
    AccountId: str(ci.awsAccountId) ?? str(ci.accountId) ?? '',
  };
  const config = obj(decode(ci.configuration));
  const supplementary = Object.fromEntries(
    Object.entries(obj(ci.supplementaryConfiguration)).map(([k, v]) => [k, decode(v)]),
  );
  const Tags = tagsOf(ci, supplementary);
  let resource: unknown;
  if (resourceType === 'AWS::S3::Bucket') {
    const versioning = obj(supplementary.BucketVersioningConfiguration);
    const status = str(versioning.status);
    const lock = obj(supplementary.ObjectLockConfiguration ?? supplementary.BucketObjectLockConfiguration);
    resource = {
      ...base,
      Type: resourceType,
      Tags,
      Name: str(config.name) ?? str(ci.resourceName) ?? arn.replace(/^arn:aws[a-z-]*:s3:::/, ''),
      // Config says "Off" for a bucket whose versioning was never enabled.
      Versioning: status === 'Enabled' || status === 'Suspended' ? { Status: status } : {},
      LifecycleRules: lifecycleRules(supplementary.BucketLifecycleConfiguration),
      ...(str(lock.objectLockEnabled)
        ? { ObjectLockConfiguration: { ObjectLockEnabled: str(lock.objectLockEnabled) } }
        : {}),
    };
  } else if (resourceType === 'AWS::RDS::DBInstance' || resourceType === 'AWS::RDS::DBCluster') {
    const instance = resourceType === 'AWS::RDS::DBInstance';
    const subnet = config.dBSubnetGroup;
    resource = {
      ...base,
      Type: resourceType,
      Tags,
      ...(instance
        ? {
            DBInstanceIdentifier: str(config.dBInstanceIdentifier) ?? str(ci.resourceName) ?? '',
            ...(str(config.dBClusterIdentifier)
              ? { DBClusterIdentifier: str(config.dBClusterIdentifier) }
              : {}),
            ...(optionGroupOf(config.optionGroupMemberships)
              ? { OptionGroupName: optionGroupOf(config.optionGroupMemberships) }
              : {}),
            ...(str(config.readReplicaSourceDBInstanceIdentifier)
              ? { ReadReplicaSourceDBInstanceIdentifier: str(config.readReplicaSourceDBInstanceIdentifier) }
              : {}),
          }
        : { DBClusterIdentifier: str(config.dBClusterIdentifier) ?? str(ci.resourceName) ?? '' }),
      Engine: str(config.engine) ?? '',
      BackupRetentionPeriod: num(config.backupRetentionPeriod) ?? 0,
      DeletionProtection: bool(config.deletionProtection),
      CopyTagsToSnapshot: bool(config.copyTagsToSnapshot),
      StorageEncrypted: bool(config.storageEncrypted),
      ...(str(config.kmsKeyId) ? { KmsKeyId: str(config.kmsKeyId) } : {}),
      ...(typeof subnet === 'string'
        ? { DBSubnetGroupName: subnet }
        : str(obj(subnet).dBSubnetGroupName)
          ? { DBSubnetGroupName: str(obj(subnet).dBSubnetGroupName) }
          : {}),
    };
  } else {
    return { kind: 'unsupported', arn, resourceType, capturedAt };
  }
  return { kind: 'resource', resource: resourceSchema.parse(resource), capturedAt };
}
