import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import { addLifecycleRule, enableVersioning } from '../support/actions.js';
import { bucket, inventory, only, policies } from '../support/builders.js';
import { ruleCases } from '../support/rule-cases.js';

type BucketInput = Extract<NonNullable<InventoryInput['resources']>[number], { Type: 'AWS::S3::Bucket' }>;
type LifecycleRule = NonNullable<BucketInput['LifecycleRules']>[number];

/** GetBucketLifecycleConfiguration Rules (fixtures/real/api/s3_GetBucketLifecycleConfiguration_placebo.json). */
const REAL_LIFECYCLE_RULES: LifecycleRule[] = [
  {
    Expiration: { ExpiredObjectDeleteMarker: true },
    ID: 'EnterpriseLifecycle',
    Filter: { Prefix: '' },
    Status: 'Enabled',
    NoncurrentVersionExpiration: { NoncurrentDays: 14 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 4 },
  },
];

/** GetBucketVersioning of a bucket never versioned: no Status (fixtures/real/api/s3_GetBucketVersioning_never_enabled_placebo.json). */
const NEVER_VERSIONED = {};

/** GetObjectLockConfiguration (fixtures/real/api/s3_GetObjectLockConfiguration_placebo.json). */
const REAL_OBJECT_LOCK = {
  ObjectLockEnabled: 'Enabled',
  Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 7, Years: 0 } },
};

const DATA_ARN = bucket('data').Arn;
const gold = (p: PolicyInput = {}) => policies({ policies: { gold: p } });
const withBucket = (over: Partial<BucketInput> = {}) => inventory({ resources: [bucket('data', over)] });
const expiring = (days: number, over: Partial<LifecycleRule> = {}): LifecycleRule => ({
  ID: `expire-${days}`,
  Status: 'Enabled',
  Filter: {},
  NoncurrentVersionExpiration: { NoncurrentDays: days },
  ...over,
});
const addRule = (noncurrentDays: number) => addLifecycleRule('data', noncurrentDays);
const enable = enableVersioning('data');

ruleCases('s3.versioning', [
  {
    name: 'is compliant when versioning is enabled',
    inventory: withBucket({ Versioning: { Status: 'Enabled' } }),
    policies: gold(),
    arn: DATA_ARN,
    status: 'COMPLIANT',
  },
  {
    name: 'enables suspended versioning',
    inventory: withBucket({ Versioning: { Status: 'Suspended' } }),
    policies: gold(),
    arn: DATA_ARN,
    status: 'NON_COMPLIANT',
    message: 'versioning is Suspended',
    actions: [enable],
  },
  {
    name: 'enables versioning on a bucket never versioned (no Status in the response)',
    inventory: withBucket({ Versioning: NEVER_VERSIONED }),
    policies: gold(),
    arn: DATA_ARN,
    status: 'NON_COMPLIANT',
    actual: 'never enabled',
    actions: [enable],
  },
  {
    name: 'is not applicable when the policy turns versioning off',
    inventory: withBucket({ Versioning: NEVER_VERSIONED }),
    policies: gold({ s3: { versioning: false } }),
    arn: DATA_ARN,
    status: 'NOT_APPLICABLE',
    actions: [],
  },
]);

describe('s3.noncurrent-expiration', () => {
  it('is compliant with a whole-bucket enabled rule keeping versions at least as long as the policy', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: [expiring(40)] });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('after 40 days');
  });

  it('accepts the real rule set (Filter Prefix "") when its days meet the policy', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: REAL_LIFECYCLE_RULES });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 14 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('EnterpriseLifecycle');
  });

  it('flags the real rule set when it expires sooner than the policy, and leaves it alone', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: REAL_LIFECYCLE_RULES });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('rule EnterpriseLifecycle expires noncurrent versions after 14 days');
    expect(f.actual).toBe('14 days');
    expect(f.actions).toEqual([]);
  });

  it('flags two overlapping whole-bucket rules by the shorter one, which S3 honours', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: [expiring(40), expiring(14)] });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actual).toBe('14 days');
  });

  it('does not count a prefix-filtered rule, and adds no bucket-wide rule that would override it', () => {
    // Prepare: S3 honours the earliest expiration, so a bucket-wide 30-day rule would cut logs/ from 40 to 30
    const inv = withBucket({ LifecycleRules: [expiring(40, { Filter: { Prefix: 'logs/' } })] });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('only part of the bucket expires noncurrent versions');
    expect(f.actions).toEqual([]);
  });

  it('ignores a disabled rule', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: [expiring(40, { Status: 'Disabled' })] });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([addRule(30)]);
  });

  it('leaves its own rule alone when someone disabled it', () => {
    // Prepare
    const inv = withBucket({
      LifecycleRules: [expiring(30, { ID: 'backup-sentinel-noncurrent-expiration', Status: 'Disabled' })],
    });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('backup-sentinel-noncurrent-expiration is Disabled');
    expect(f.actions).toEqual([]);
  });

  it('adds a rule with the policy days when none expires noncurrent versions', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: [] });
    // Act
    const f = only(
      's3.noncurrent-expiration',
      inv,
      gold({ s3: { noncurrentVersionExpirationDays: 30 } }),
      DATA_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('kept forever');
    expect(f.actions).toEqual([addRule(30)]);
  });

  it('defaults the days to the policy retentionDays', () => {
    // Prepare
    const inv = withBucket({ LifecycleRules: [] });
    // Act
    const f = only('s3.noncurrent-expiration', inv, gold({ retentionDays: 90 }), DATA_ARN);
    // Assess
    expect(f.actions).toEqual([addRule(90)]);
  });
});

describe('s3.object-lock', () => {
  it('is not applicable unless the policy asks for Object Lock', () => {
    // Prepare
    const inv = withBucket();
    // Act
    const f = only('s3.object-lock', inv, gold(), DATA_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('is compliant when Object Lock is enabled', () => {
    // Prepare
    const inv = withBucket({ ObjectLockConfiguration: REAL_OBJECT_LOCK });
    // Act
    const f = only('s3.object-lock', inv, gold({ s3: { objectLock: true } }), DATA_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a bucket without Object Lock and never enables it automatically', () => {
    // Prepare
    const inv = withBucket();
    // Act
    const f = only('s3.object-lock', inv, gold({ s3: { objectLock: true } }), DATA_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('Object Lock is not enabled');
    expect(f.actions).toEqual([]);
  });
});
