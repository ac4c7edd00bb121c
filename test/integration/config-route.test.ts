/**
 * The AWS Config route against moto server over HTTP. moto's recorder never reaches Success (its
 * status stays PENDING) and its select_resource_config evaluates no SQL (it answers nothing), so
 * the route must fall back to direct reads — with or without a recorder — and judge every bucket
 * exactly as the direct route does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BucketRegions, bucketReads } from '../../src/inventory/collect/buckets.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import type { ReadFrom } from '../../src/inventory/collect/config-route.js';
import { collectResources } from '../../src/inventory/collect/resources.js';
import { inventorySchema } from '../../src/inventory/schema.js';
import { parsePolicies } from '../../src/policy/index.js';
import { audit } from '../../src/rules/engine.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const NOW = new Date();
const policies = parsePolicies(
  stringify({ policies: { silver: { retentionDays: 14, s3: { noncurrentVersionExpirationDays: 14 } } } }),
);
const BUCKETS = ['cfg-versioned', 'cfg-expiring', 'cfg-plain'];

async function seed(): Promise<void> {
  const s3 = motoAws().s3(REGION);
  for (const Bucket of BUCKETS) {
    await s3.send(
      (sdk) =>
        new sdk.CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket,
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'silver' }] },
        }),
    );
    if (Bucket !== 'cfg-plain')
      await s3.send(
        (sdk) =>
          new sdk.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      );
  }
  await s3.send(
    (sdk) =>
      new sdk.PutBucketLifecycleConfigurationCommand({
        Bucket: 'cfg-expiring',
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'nc',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            },
          ],
        },
      }),
  );
}

async function collect(readFrom: ReadFrom) {
  const aws = motoAws();
  const c = new Collection();
  const resources = await collectResources(aws, c, {
    region: REGION,
    accountId: MOTO_ACCOUNT,
    tagKey: policies.tagKey,
    bucketRegion: new BucketRegions(),
    reads: bucketReads(policies),
    configRoute: { readFrom, maxAgeHours: 24, now: NOW },
    limit: 4,
    progress: () => {},
  });
  const inventory = inventorySchema.parse({
    version: 1,
    capturedAt: NOW.toISOString(),
    accountId: MOTO_ACCOUNT,
    regions: [REGION],
    resources,
    collectionErrors: c.errors,
  });
  const verdicts = audit(inventory, policies, { now: NOW })
    .filter((f) => f.resourceType === 'AWS::S3::Bucket')
    .map((f) => `${f.resourceArn} ${f.ruleId} ${f.status}`)
    .sort();
  return { aws, c, resources, verdicts };
}

const withoutReadFrom = (resources: unknown[]) =>
  resources.map((r) => {
    const { ReadFrom: _, ...rest } = r as Record<string, unknown>;
    return rest;
  });

describe('the AWS Config route against moto', () => {
  beforeAll(async () => {
    await resetMoto();
    await seed();
  });

  it('without a recorder: falls back to direct reads, with the same verdicts as the direct route', async () => {
    // Act
    const direct = await collect('direct');
    const auto = await collect('auto');
    // Assess
    expect(auto.c.errors).toEqual([]);
    expect(auto.resources).toHaveLength(BUCKETS.length);
    expect(auto.verdicts).toEqual(direct.verdicts);
    expect(auto.verdicts).toContain('arn:aws:s3:::cfg-plain s3.versioning NON_COMPLIANT');
    expect(auto.verdicts).toContain('arn:aws:s3:::cfg-expiring s3.noncurrent-expiration COMPLIANT');
    expect(withoutReadFrom(auto.resources)).toEqual(direct.resources);
    for (const r of auto.resources)
      expect((r as { ReadFrom?: unknown }).ReadFrom).toEqual({
        source: 'direct',
        reason: 'no AWS Config recorder in this Region',
      });
    expect(auto.aws.calls.get('ConfigService.DescribeConfigurationRecorders')).toBe(1);
    expect(auto.aws.calls.get('S3.GetBucketVersioning')).toBe(BUCKETS.length);
    expect(direct.aws.calls.has('ConfigService.DescribeConfigurationRecorders')).toBe(false);
  });

  it('with a started recorder (moto: PENDING, Select empty): still direct, same verdicts', async () => {
    // Prepare
    const config = motoAws().config(REGION);
    await config.send(
      (sdk) =>
        new sdk.PutConfigurationRecorderCommand({
          ConfigurationRecorder: {
            name: 'default',
            roleARN: `arn:aws:iam::${MOTO_ACCOUNT}:role/config`,
            recordingGroup: { allSupported: true, includeGlobalResourceTypes: false },
          },
        }),
    );
    await config.send(
      (sdk) =>
        new sdk.PutDeliveryChannelCommand({
          DeliveryChannel: { name: 'default', s3BucketName: 'cfg-plain' },
        }),
    );
    await config.send(
      (sdk) => new sdk.StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }),
    );
    // Act
    const direct = await collect('direct');
    const auto = await collect('auto');
    // Assess
    expect(auto.c.errors).toEqual([]);
    expect(auto.verdicts).toEqual(direct.verdicts);
    expect(withoutReadFrom(auto.resources)).toEqual(direct.resources);
    for (const r of auto.resources)
      expect((r as { ReadFrom?: { source: string; reason: string } }).ReadFrom?.reason).toMatch(
        /last status is PENDING/i,
      );
  });
});
