/**
 * AWS Config configuration items -> the same resource snapshot the collectors build. Config items
 * come in two shapes (the rule event's: ARN/awsAccountId/configurationItemVersion; the API's:
 * arn/accountId/version), their `configuration` and each `supplementaryConfiguration` value may be
 * an object or a JSON string (sometimes encoded twice), and keys are camelCase. Pure.
 */
import type {
  GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketVersioningCommandOutput,
  LifecycleRule,
} from '@aws-sdk/client-s3';
import { type Json, obj } from '../maps.js';
import type { Resource } from './schema.js';
import { resourceSchema } from './schema.js';

export type ConfigItemResult =
  /**
   * `unproven`: supplementaryConfiguration keys in a shape the mapping does not know (the same
   * mapping as the collector's AWS Config route): the resource must be read directly.
   */
  | { kind: 'resource'; resource: Resource; capturedAt: string; unproven?: string[] }
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

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
/** Config's "not set" is -1 (expirationInDays, noncurrentVersionExpirationInDays); null too. */
const days = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n >= 0 ? n : undefined;
};

export function isoOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v > 1e11 ? v : v * 1000).toISOString();
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** A shape the mapping does not know: the setting is read directly. */
export class Unverified extends Error {}

export function versioningOf(v: Json): GetBucketVersioningCommandOutput {
  const status = str(v.status);
  // Config says "Off" for a bucket whose versioning was never enabled (S3 then gives no Status).
  if (status !== 'Off' && status !== 'Enabled' && status !== 'Suspended') throw new Unverified('versioning');
  const mfa = v.isMfaDeleteEnabled;
  return {
    $metadata: {},
    ...(status !== 'Off' ? { Status: status } : {}),
    ...(typeof mfa === 'boolean' ? { MFADelete: mfa ? 'Enabled' : 'Disabled' } : {}),
  };
}

/** A lifecycle predicate -> the S3 API's Filter (Prefix, Tag, And). */
function filterOf(predicate: unknown): LifecycleRule['Filter'] {
  if (predicate === null || predicate === undefined) return {};
  const p = obj(predicate);
  const tagOf = (t: unknown) => ({ Key: str(obj(t).key) ?? '', Value: str(obj(t).value) ?? '' });
  if (p.type === 'LifecyclePrefixPredicate') return { Prefix: str(p.prefix) ?? '' };
  if (p.type === 'LifecycleTagPredicate') return { Tag: tagOf(p.tag) };
  if (p.type === 'LifecycleAndOperator' && Array.isArray(p.operands)) {
    const operands = p.operands.map(obj);
    if (operands.some((o) => o.type !== 'LifecyclePrefixPredicate' && o.type !== 'LifecycleTagPredicate'))
      throw new Unverified('lifecycle filter');
    const prefix = operands.find((o) => o.type === 'LifecyclePrefixPredicate');
    const tags = operands.filter((o) => o.type === 'LifecycleTagPredicate').map((o) => tagOf(o.tag));
    return {
      And: {
        ...(prefix ? { Prefix: str(prefix.prefix) ?? '' } : {}),
        ...(tags.length ? { Tags: tags } : {}),
      },
    };
  }
  // Object size and any other predicate: not verified.
  throw new Unverified('lifecycle filter');
}

/**
 * Config's lifecycle rules (the Java SDK's model, camelCase) -> GetBucketLifecycleConfiguration's
 * Rules, as Cloud Custodian maps them (c7n/resources/s3.py ConfigS3), with -1 read as unset.
 */
export function lifecycleOf(v: Json): GetBucketLifecycleConfigurationCommandOutput {
  if (!Array.isArray(v.rules)) throw new Unverified('lifecycle');
  const Rules: LifecycleRule[] = v.rules.map((raw) => {
    const r = obj(raw);
    if (r.status !== 'Enabled' && r.status !== 'Disabled') throw new Unverified('lifecycle status');
    const expiration = {
      ...(days(r.expirationInDays) !== undefined ? { Days: days(r.expirationInDays) } : {}),
      ...(isoOf(r.expirationDate) ? { Date: new Date(isoOf(r.expirationDate) as string) } : {}),
      ...(r.expiredObjectDeleteMarker === true ? { ExpiredObjectDeleteMarker: true } : {}),
    };
    const newer = obj(r.noncurrentVersionExpiration);
    const noncurrentDays = days(newer.noncurrentDays) ?? days(r.noncurrentVersionExpirationInDays);
    const newerVersions = num(newer.newerNoncurrentVersions);
    const transitions = (Array.isArray(r.transitions) ? r.transitions : []).map(obj).map((t) => ({
      ...(days(t.days) !== undefined ? { Days: days(t.days) } : {}),
      ...(isoOf(t.date) ? { Date: new Date(isoOf(t.date) as string) } : {}),
      ...(str(t.storageClass) ? { StorageClass: str(t.storageClass) as never } : {}),
    }));
    const noncurrentTransitions = (
      Array.isArray(r.noncurrentVersionTransitions) ? r.noncurrentVersionTransitions : []
    )
      .map(obj)
      .map((t) => ({
        ...(days(t.days ?? t.noncurrentDays) !== undefined
          ? { NoncurrentDays: days(t.days ?? t.noncurrentDays) }
          : {}),
        ...(str(t.storageClass) ? { StorageClass: str(t.storageClass) as never } : {}),
      }));
    const abort = days(obj(r.abortIncompleteMultipartUpload).daysAfterInitiation);
    const hasFilter = r.filter !== null && r.filter !== undefined;
    return {
      ...(str(r.id) ? { ID: str(r.id) } : {}),
      Status: r.status,
      // A rule-level prefix is the legacy form; a filter without predicate is the whole bucket.
      ...(hasFilter ? { Filter: filterOf(obj(r.filter).predicate) } : {}),
      ...(!hasFilter && typeof r.prefix === 'string' ? { Prefix: r.prefix } : {}),
      ...(Object.keys(expiration).length ? { Expiration: expiration } : {}),
      ...(noncurrentDays !== undefined
        ? {
            NoncurrentVersionExpiration: {
              NoncurrentDays: noncurrentDays,
              ...(newerVersions !== undefined ? { NewerNoncurrentVersions: newerVersions } : {}),
            },
          }
        : {}),
      ...(transitions.length ? { Transitions: transitions } : {}),
      ...(noncurrentTransitions.length ? { NoncurrentVersionTransitions: noncurrentTransitions } : {}),
      ...(abort !== undefined ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: abort } } : {}),
    } as LifecycleRule;
  });
  return { $metadata: {}, Rules };
}

/** Config's default encryption ({rules:[{applyServerSideEncryptionByDefault:{sseAlgorithm, kmsMasterKeyID}}]}). */
export function encryptionOf(v: Json): GetBucketEncryptionCommandOutput {
  if (!Array.isArray(v.rules) || v.rules.length === 0) throw new Unverified('encryption');
  const Rules = v.rules.map((raw) => {
    const r = obj(raw);
    const d = obj(r.applyServerSideEncryptionByDefault);
    const algorithm = str(d.sseAlgorithm);
    if (!algorithm) throw new Unverified('encryption');
    return {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: algorithm as never,
        ...(str(d.kmsMasterKeyID) ? { KMSMasterKeyID: str(d.kmsMasterKeyID) } : {}),
      },
      ...(typeof r.bucketKeyEnabled === 'boolean' ? { BucketKeyEnabled: r.bucketKeyEnabled } : {}),
    };
  });
  return { $metadata: {}, ServerSideEncryptionConfiguration: { Rules } };
}

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
  const unproven: string[] = [];
  /** A setting the item carries, mapped; absent (none) when the item has no such key. */
  const setting = <T>(key: string, map: (v: Json) => T): T | undefined => {
    if (supplementary[key] === undefined || supplementary[key] === null) return undefined;
    try {
      return map(obj(supplementary[key]));
    } catch (e) {
      if (!(e instanceof Unverified)) throw e;
      unproven.push(key);
      return undefined;
    }
  };
  if (resourceType === 'AWS::S3::Bucket') {
    const versioning = setting('BucketVersioningConfiguration', versioningOf);
    const lifecycle = setting('BucketLifecycleConfiguration', lifecycleOf);
    const lock = obj(supplementary.ObjectLockConfiguration ?? supplementary.BucketObjectLockConfiguration);
    resource = {
      ...base,
      Type: resourceType,
      Tags,
      Name: str(config.name) ?? str(ci.resourceName) ?? arn.replace(/^arn:aws[a-z-]*:s3:::/, ''),
      Versioning: {
        ...(versioning?.Status ? { Status: versioning.Status } : {}),
        ...(versioning?.MFADelete ? { MFADelete: versioning.MFADelete } : {}),
      },
      LifecycleRules: lifecycle?.Rules ?? [],
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
  return {
    kind: 'resource',
    resource: resourceSchema.parse(resource),
    capturedAt,
    ...(unproven.length ? { unproven } : {}),
  };
}
