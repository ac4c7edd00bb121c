/**
 * Which settings a bucket is read for (derived from the rules that collect them and the bucket's
 * policy), and where its region comes from (ListBuckets' BucketRegion, GetBucketLocation for the
 * rest). A setting not read must never look "read and absent" to a rule: the rules that would
 * judge it are NOT_APPLICABLE under the policies it is skipped for.
 */

import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { BUCKET_READS } from '../../src/iam.js';
import {
  BUCKET_SETTINGS,
  BucketRegions,
  bucketReads,
  JUDGED_ONLY_WHEN,
} from '../../src/inventory/collect/buckets.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import { collectResources } from '../../src/inventory/collect/resources.js';
import { audit } from '../../src/rules/engine.js';
import { RULES } from '../../src/rules/registry.js';
import { defineRule, notApplicable } from '../../src/rules/types.js';
import { bucket, inventory, NOW, policies } from '../support/builders.js';

const REGION = 'eu-central-1';
const ACCOUNT = '111111111111';
const arnOf = (name: string) => `arn:aws:s3:::${name}`;
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('bucketReads: the settings the active rules need', () => {
  it('grants and reads only settings some rule or the collector needs: not replication, not ownership', () => {
    // Act
    const all = bucketReads()({});
    // Assess
    expect(sorted(all)).toEqual(
      sorted([
        's3:GetBucketVersioning',
        's3:GetLifecycleConfiguration',
        's3:GetBucketObjectLockConfiguration',
        's3:GetEncryptionConfiguration',
      ]),
    );
    expect(sorted(BUCKET_READS)).toEqual(sorted(all));
  });

  it('skips Object Lock for a policy that does not ask for it, and reads it for one that does', () => {
    // Prepare
    const set = policies({ policies: { plain: {}, locked: { s3: { objectLock: true } } } });
    const reads = bucketReads(set);
    // Act
    const plain = reads({ 'backup:policy': 'plain' });
    const locked = reads({ 'backup:policy': 'locked' });
    // Assess
    expect(sorted(plain)).toEqual(
      sorted(['s3:GetBucketVersioning', 's3:GetLifecycleConfiguration', 's3:GetEncryptionConfiguration']),
    );
    expect(sorted(locked)).toEqual(sorted([...plain, 's3:GetBucketObjectLockConfiguration']));
  });

  it('skips versioning for a policy with s3.versioning: false', () => {
    // Prepare
    const reads = bucketReads(policies({ policies: { loose: { s3: { versioning: false } } } }));
    // Act
    const got = reads({ 'backup:policy': 'loose' });
    // Assess
    expect(got.has('s3:GetBucketVersioning')).toBe(false);
    expect(got.has('s3:GetLifecycleConfiguration')).toBe(true);
  });

  it('reads every setting a rule collects for a bucket whose tag names no known policy', () => {
    // Prepare
    const reads = bucketReads(policies({ policies: { plain: {} } }));
    // Act
    const unknown = reads({ 'backup:policy': 'platinum' });
    const optOut = reads({ 'backup:policy': 'none' });
    // Assess
    expect(sorted(unknown)).toEqual(sorted(BUCKET_READS));
    expect(sorted(optOut)).toEqual(sorted(BUCKET_READS));
  });

  it('follows the rules: a rule collecting a setting makes it read', () => {
    // Prepare
    const replicationRule = defineRule<'resource'>({
      id: 'test.replication',
      title: 'test',
      area: 's3',
      severity: 'low',
      subject: 'resource',
      resourceTypes: ['AWS::S3::Bucket'],
      permissions: { collect: ['s3:GetReplicationConfiguration'] },
      proposes: [],
      example: 'test',
      evaluate: () => notApplicable('test'),
    });
    // Act
    const got = bucketReads(policies(), [replicationRule])({ 'backup:policy': 'gold' });
    // Assess: the rule's read, and the collector's own (encryption); no other rule, no other read.
    expect(sorted(got)).toEqual(sorted(['s3:GetReplicationConfiguration', 's3:GetEncryptionConfiguration']));
  });

  it('knows every setting the registry rules collect about buckets', () => {
    // Act
    const s3Reads = RULES.flatMap((r) => r.permissions.collect).filter((a) =>
      /^s3:Get(Bucket|Lifecycle|Encryption|Replication)/.test(a),
    );
    // Assess
    expect(BUCKET_SETTINGS).toEqual(
      expect.arrayContaining(s3Reads.filter((a) => a !== 's3:GetBucketLocation')),
    );
  });
});

describe('JUDGED_ONLY_WHEN: a rule skipped under a policy is NOT_APPLICABLE there, whatever the bucket', () => {
  const variants = [
    bucket('plain', { Versioning: {}, LifecycleRules: [] }),
    bucket('full', {
      Versioning: { Status: 'Enabled' },
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
    }),
    bucket('suspended', { Versioning: { Status: 'Suspended' } }),
  ];
  const off = policies({ policies: { gold: { s3: { versioning: false, objectLock: false } } } });
  const on = policies({ policies: { gold: { s3: { versioning: true, objectLock: true } } } });

  it.each(Object.keys(JUDGED_ONLY_WHEN))('%s', (id) => {
    // Prepare
    const rule = RULES.find((r) => r.id === id);
    expect(rule, `${id} is in the registry`).toBeDefined();
    const inv = inventory({ resources: variants });
    const gold = (set: typeof on) => set.policies.gold;
    expect(JUDGED_ONLY_WHEN[id]?.(gold(off) as never)).toBe(false);
    expect(JUDGED_ONLY_WHEN[id]?.(gold(on) as never)).toBe(true);
    // Act
    const skipped = audit(inv, off, { now: NOW, rules: [rule as never] }).filter((f) => f.ruleId === id);
    const judged = audit(inv, on, { now: NOW, rules: [rule as never] }).filter((f) => f.ruleId === id);
    // Assess
    expect(skipped).toHaveLength(variants.length);
    expect(skipped.map((f) => f.status)).toEqual(variants.map(() => 'NOT_APPLICABLE'));
    expect(judged.some((f) => f.status !== 'NOT_APPLICABLE')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The collector: which calls each bucket costs
// ---------------------------------------------------------------------------------------------

const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);

afterAll(() => {
  tagging.restore();
  rds.restore();
  s3.restore();
});

const HERE = ['b-plain', 'b-locked'];
const ELSEWHERE = 'b-oregon';

function mockAccount(listed: { Name: string; BucketRegion?: string }[]): void {
  for (const m of [tagging, rds, s3]) m.reset();
  tagging.on(GetResourcesCommand).resolves({
    ResourceTagMappingList: [
      { ResourceARN: arnOf('b-plain'), Tags: [{ Key: 'backup:policy', Value: 'plain' }] },
      { ResourceARN: arnOf('b-locked'), Tags: [{ Key: 'backup:policy', Value: 'locked' }] },
      { ResourceARN: arnOf(ELSEWHERE), Tags: [{ Key: 'backup:policy', Value: 'plain' }] },
    ],
  });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  s3.on(ListBucketsCommand).resolves({ Buckets: listed });
  s3.on(GetBucketLocationCommand).callsFake(({ Bucket }) => ({
    LocationConstraint: Bucket === ELSEWHERE ? 'us-west-2' : REGION,
  }));
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [] });
  s3.on(GetObjectLockConfigurationCommand).resolves({
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
  });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
  });
  s3.on(GetBucketReplicationCommand).resolves({});
  s3.on(GetBucketOwnershipControlsCommand).resolves({});
}

const SET = policies({ policies: { plain: {}, locked: { s3: { objectLock: true } } } });

async function collect(set = SET) {
  const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const c = new Collection();
  const resources = await collectResources(aws, c, {
    region: REGION,
    accountId: ACCOUNT,
    tagKey: 'backup:policy',
    bucketRegion: new BucketRegions(),
    reads: bucketReads(set),
    limit: 4,
    progress: () => {},
  });
  return { aws, c, resources };
}

const asked = (command: Parameters<typeof s3.commandCalls>[0]) =>
  sorted(s3.commandCalls(command).map((call) => (call.args[0].input as { Bucket: string }).Bucket));

describe('collecting buckets', () => {
  const withRegions = [
    { Name: 'b-plain', BucketRegion: REGION },
    { Name: 'b-locked', BucketRegion: REGION },
    { Name: ELSEWHERE, BucketRegion: 'us-west-2' },
    { Name: 'b-untagged', BucketRegion: REGION },
  ];

  describe('reads each setting only for the buckets whose policy needs it', () => {
    beforeEach(() => mockAccount(withRegions));

    it('Object Lock for the bucket whose policy asks for it only; never replication or ownership', async () => {
      // Act
      const { c, resources } = await collect();
      // Assess
      expect(c.errors).toEqual([]);
      expect(asked(GetObjectLockConfigurationCommand)).toEqual(['b-locked']);
      expect(asked(GetBucketVersioningCommand)).toEqual(sorted(HERE));
      expect(asked(GetBucketLifecycleConfigurationCommand)).toEqual(sorted(HERE));
      expect(asked(GetBucketEncryptionCommand)).toEqual(sorted(HERE));
      expect(s3.commandCalls(GetBucketReplicationCommand)).toEqual([]);
      expect(s3.commandCalls(GetBucketOwnershipControlsCommand)).toEqual([]);
      const byName = new Map(
        resources.map((r) => [(r as { Name: string }).Name, r as Record<string, unknown>]),
      );
      expect(byName.get('b-locked')?.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled' });
      // Not read, so not there: and s3.object-lock is NOT_APPLICABLE for plain's buckets.
      expect(byName.get('b-plain')).not.toHaveProperty('ObjectLockConfiguration');
    });

    it('Object Lock for no bucket when no policy asks for it', async () => {
      // Act
      await collect(policies({ policies: { plain: {}, locked: {} } }));
      // Assess
      expect(s3.commandCalls(GetObjectLockConfigurationCommand)).toEqual([]);
    });

    it('the skipped read leaves nothing a rule concludes from: the audit matches a full read', async () => {
      // Prepare
      const skipped = (await collect()).resources;
      mockAccount(withRegions);
      const full = (
        await (async () => {
          const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
          const c = new Collection();
          return collectResources(aws, c, {
            region: REGION,
            accountId: ACCOUNT,
            tagKey: 'backup:policy',
            bucketRegion: new BucketRegions(),
            limit: 4,
            progress: () => {},
          });
        })()
      ).map((r) => ({ ...r, Region: REGION }));
      const s3Rules = RULES.filter((r) => r.id.startsWith('s3.'));
      const run = (resources: typeof full) =>
        audit(inventory({ accountId: ACCOUNT, resources }), SET, { now: NOW, rules: s3Rules }).map(
          (f) => `${f.ruleId} ${f.resourceArn} ${f.status}`,
        );
      // Act + Assess
      expect(run(skipped).sort()).toEqual(run(full).sort());
    });
  });

  describe('regions', () => {
    it('takes each region from ListBuckets (BucketRegion): no GetBucketLocation', async () => {
      // Prepare
      mockAccount(withRegions);
      // Act
      const { resources } = await collect();
      // Assess
      expect(s3.commandCalls(ListBucketsCommand)).toHaveLength(1);
      expect(s3.commandCalls(GetBucketLocationCommand)).toEqual([]);
      expect(sorted(resources.map((r) => (r as { Name: string }).Name))).toEqual(sorted(HERE));
    });

    it('pages through ListBuckets with ContinuationToken', async () => {
      // Prepare
      mockAccount([]);
      s3.on(ListBucketsCommand)
        .resolvesOnce({ Buckets: withRegions.slice(0, 2), ContinuationToken: 'page-2' })
        .resolvesOnce({ Buckets: withRegions.slice(2) });
      // Act
      await collect();
      // Assess
      const inputs = s3.commandCalls(ListBucketsCommand).map((call) => call.args[0].input);
      expect(inputs).toHaveLength(2);
      expect(inputs[0]).toMatchObject({ MaxBuckets: 1000 });
      expect(s3.commandCalls(GetBucketLocationCommand)).toEqual([]);
    });

    it('locates with GetBucketLocation only the buckets ListBuckets gives no region (or does not list)', async () => {
      // Prepare: b-locked without BucketRegion; the bucket elsewhere not listed (created since).
      mockAccount([{ Name: 'b-plain', BucketRegion: REGION }, { Name: 'b-locked' }]);
      // Act
      const { c, resources } = await collect();
      // Assess
      expect(asked(GetBucketLocationCommand)).toEqual(sorted(['b-locked', ELSEWHERE]));
      expect(c.errors).toEqual([]);
      expect(sorted(resources.map((r) => (r as { Name: string }).Name))).toEqual(sorted(HERE));
    });

    it('locates every bucket with GetBucketLocation when ListBuckets is denied, and records no error', async () => {
      // Prepare
      mockAccount([]);
      s3.on(ListBucketsCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
      // Act
      const { c, resources } = await collect();
      // Assess
      expect(asked(GetBucketLocationCommand)).toEqual(sorted([...HERE, ELSEWHERE]));
      expect(c.errors).toEqual([]);
      expect(sorted(resources.map((r) => (r as { Name: string }).Name))).toEqual(sorted(HERE));
    });
  });
});
