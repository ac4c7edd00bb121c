/** S3: versioning, noncurrent-version expiration and object lock, as the policy declares. */
import type { Bucket, Resource } from '../../inventory/schema.js';
import { compliant, defineRule, nonCompliant, notApplicable } from '../types.js';

export const LIFECYCLE_RULE_ID = 'backup-sentinel-noncurrent-expiration';
/** Narrows a resource to a bucket (the registry only runs these rules on buckets). */
function asBucket(r: Resource): Bucket {
  if (r.Type !== 'AWS::S3::Bucket') throw new Error(`${r.Arn} is not a bucket`);
  return r;
}

export const versioning = defineRule<'resource'>({
  id: 's3.versioning',
  title: 'Bucket versioning is enabled (AWS Backup requires it)',
  area: 's3',
  severity: 'critical',
  subject: 'resource',
  resourceTypes: ['AWS::S3::Bucket'],
  permissions: { collect: ['s3:GetBucketVersioning'] },
  proposes: ['EnableBucketVersioning'],
  example: 'bucket never versioned -> NON_COMPLIANT + EnableBucketVersioning',
  evaluate({ resource, policy }) {
    const b = asBucket(resource);
    if (!policy.s3.versioning) return notApplicable(`policy ${policy.name} sets s3.versioning: false`);
    const status = b.Versioning.Status;
    if (status === 'Enabled') return compliant('versioning enabled');
    // With MFA delete on, changing the versioning state needs the root user's MFA device.
    const mfa = b.Versioning.MFADelete === 'Enabled';
    return nonCompliant(
      `versioning is ${status ?? 'never enabled'}: AWS Backup cannot back up this bucket${mfa ? '. MFA delete is on, so only the root user with its MFA device can enable it' : ''}`,
      {
        expected: 'Enabled',
        actual: status ?? 'never enabled',
        actions: mfa ? [] : [{ type: 'EnableBucketVersioning', region: b.Region, bucket: b.Name }],
      },
    );
  },
});

/** A rule that applies to every object: no prefix, no tag filter, no size filter. */
function wholeBucket(rule: Bucket['LifecycleRules'][number]): boolean {
  if (rule.Prefix) return false;
  const f = rule.Filter as Record<string, unknown> | undefined;
  if (!f) return true;
  return Object.entries(f).every(([k, v]) => k === 'Prefix' && v === '');
}

export const noncurrentExpiration = defineRule<'resource'>({
  id: 's3.noncurrent-expiration',
  title: 'Noncurrent versions expire (lifecycle rule merged into existing ones)',
  area: 's3',
  severity: 'medium',
  subject: 'resource',
  resourceTypes: ['AWS::S3::Bucket'],
  permissions: { collect: ['s3:GetLifecycleConfiguration'] },
  proposes: ['AddBucketLifecycleRule'],
  example:
    'versioned bucket with one prefix-only lifecycle rule -> NON_COMPLIANT + AddBucketLifecycleRule (user rules kept)',
  evaluate({ resource, policy }) {
    const b = asBucket(resource);
    const days = policy.s3.noncurrentVersionExpirationDays;
    const rules = b.LifecycleRules.filter(
      (r) => r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined && wholeBucket(r),
    );
    const enabled = rules.filter((r) => r.Status === 'Enabled');
    // When lifecycle rules overlap, S3 honours the shorter expiration.
    const best = enabled.sort(
      (a, c) =>
        (a.NoncurrentVersionExpiration?.NoncurrentDays ?? 0) -
        (c.NoncurrentVersionExpiration?.NoncurrentDays ?? 0),
    )[0];
    if (best) {
      const have = best.NoncurrentVersionExpiration?.NoncurrentDays ?? 0;
      if (have >= days)
        return compliant(`rule ${best.ID ?? '(unnamed)'} expires noncurrent versions after ${have} days`);
      return nonCompliant(
        `rule ${best.ID ?? '(unnamed)'} expires noncurrent versions after ${have} days, sooner than the policy's ${days}; it is yours, so it is left alone`,
        {
          expected: `>= ${days} days`,
          actual: `${have} days`,
        },
      );
    }
    const ours = b.LifecycleRules.find((r) => r.ID === LIFECYCLE_RULE_ID);
    if (ours) {
      return nonCompliant(
        `lifecycle rule ${LIFECYCLE_RULE_ID} is ${ours.Status}; someone changed it, so it is left alone`,
        {
          expected: 'Enabled',
          actual: ours.Status,
        },
      );
    }
    // A bucket-wide rule would override (shorten) a longer expiration under some prefix: S3
    // honours the earliest. Such buckets keep their owners' rules.
    const scoped = b.LifecycleRules.find((r) => r.Status === 'Enabled' && r.NoncurrentVersionExpiration);
    if (scoped) {
      return nonCompliant(
        `only part of the bucket expires noncurrent versions (rule ${scoped.ID ?? '(unnamed)'}); a bucket-wide rule would override it, so it is left to you`,
        { expected: `expire after ${days} days bucket-wide`, actual: 'part of the bucket' },
      );
    }
    return nonCompliant(
      `noncurrent versions are kept forever (${b.LifecycleRules.length} lifecycle rule${b.LifecycleRules.length === 1 ? '' : 's'}, none expires them)`,
      {
        expected: `expire after ${days} days`,
        actual: 'never',
        actions: [
          {
            type: 'AddBucketLifecycleRule',
            region: b.Region,
            bucket: b.Name,
            ruleId: LIFECYCLE_RULE_ID,
            noncurrentDays: days,
          },
        ],
      },
    );
  },
});

export const objectLock = defineRule<'resource'>({
  id: 's3.object-lock',
  title: 'Object Lock is enabled where the policy asks',
  area: 's3',
  severity: 'high',
  subject: 'resource',
  resourceTypes: ['AWS::S3::Bucket'],
  permissions: { collect: ['s3:GetBucketObjectLockConfiguration'] },
  proposes: [],
  example:
    'policy s3.objectLock true, bucket without Object Lock -> NON_COMPLIANT (not enabled automatically: it cannot be undone)',
  evaluate({ resource, policy }) {
    if (!policy.s3.objectLock) return notApplicable(`policy ${policy.name} does not ask for Object Lock`);
    const b = asBucket(resource);
    if (b.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') return compliant('Object Lock enabled');
    return nonCompliant('Object Lock is not enabled. Not done automatically: it cannot be turned off again', {
      expected: 'Enabled',
      actual: 'not enabled',
    });
  },
});

export const s3Rules = [versioning, noncurrentExpiration, objectLock];
