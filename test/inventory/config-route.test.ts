/**
 * The AWS Config route for bucket settings: real Config item shapes (Select results with nested
 * objects, history items with JSON strings) mapped to what the direct S3 reads answer; which
 * Regions and buckets Config may serve (recorder, status, tolerance, recreated buckets); and that
 * whatever Config cannot prove is read directly, nothing lost.
 */
import { readFileSync } from 'node:fs';
import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  SelectResourceConfigCommand,
} from '@aws-sdk/client-config-service';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { auditInventory } from '../../src/app/audit.js';
import { Aws } from '../../src/aws/clients.js';
import { renderAudit } from '../../src/cli/format.js';
import { functionActions } from '../../src/iam.js';
import { BucketRegions, bucketReads } from '../../src/inventory/collect/buckets.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import {
  BUCKET_QUERY,
  bucketOfItem,
  CONFIG_ROUTE_READS,
  type ConfigRouteOptions,
  recorderVerdict,
} from '../../src/inventory/collect/config-route.js';
import { collectResources } from '../../src/inventory/collect/resources.js';
import { inventorySchema } from '../../src/inventory/schema.js';
import { ACCOUNT, NOW, policies, REGION } from '../support/builders.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/real/config-route/${name}.json`, 'utf8')).payload as Record<
    string,
    unknown
  >;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

/** The real Select row (nested objects), with the fields our query adds (the 2019 query named fewer). */
function selectRow(over: Record<string, unknown> = {}, supplementary: Record<string, unknown> = {}): string {
  const data = fixture('c7n-s3-select-response').data as { Results: string[] };
  const row = JSON.parse(data.Results[0] as string);
  const name = (over.resourceName as string | undefined) ?? row.configuration.name;
  return JSON.stringify({
    resourceId: name,
    resourceName: name,
    configurationItemCaptureTime: '2019-07-30T20:00:00.000Z',
    configurationItemStatus: 'OK',
    ...row,
    ...over,
    configuration: { ...row.configuration, name },
    supplementaryConfiguration: { ...row.supplementaryConfiguration, ...supplementary },
  });
}

describe('bucketOfItem: Config items -> the shapes the direct S3 reads answer', () => {
  it('reads a real Select result (nested objects, floats, versioning "Off", -1 unset)', () => {
    // Act
    const item = bucketOfItem(selectRow());
    // Assess
    expect(item).toMatchObject({
      name: 'c7n-ssm-build',
      region: 'us-east-2',
      status: 'OK',
      capturedAt: '2019-07-30T20:00:00.000Z',
      createdAt: '2018-04-20T13:47:24.000Z',
    });
    expect(item?.settings['s3:GetBucketVersioning']).toEqual({ $metadata: {} });
    expect(item?.settings['s3:GetLifecycleConfiguration']?.Rules).toEqual([
      {
        ID: 'CodeBuild cache lifecycle',
        Status: 'Enabled',
        Filter: { Prefix: 'custodian-build/' },
        Expiration: { Days: 60 },
      },
    ]);
    // No ServerSideEncryptionConfiguration key: nothing concluded, the read is made directly.
    expect(item?.settings).not.toHaveProperty('s3:GetEncryptionConfiguration');
  });

  it('reads a real history item (JSON strings, epoch capture time, Suspended, noncurrent 545 days)', () => {
    // Act
    const item = bucketOfItem(fixture('c7n-s3-lifecycle'));
    // Assess
    expect(item).toMatchObject({ name: 'testing-99', region: 'us-east-1', status: 'OK' });
    expect(item?.capturedAt).toBe(new Date(1502510556116).toISOString());
    expect(item?.settings['s3:GetBucketVersioning']).toEqual({ $metadata: {}, Status: 'Suspended' });
    expect(item?.settings['s3:GetLifecycleConfiguration']?.Rules).toEqual([
      {
        ID: 'Docs',
        Status: 'Enabled',
        Filter: { Prefix: 'docs/' },
        Expiration: { ExpiredObjectDeleteMarker: true },
        NoncurrentVersionExpiration: { NoncurrentDays: 545 },
        Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }],
        NoncurrentVersionTransitions: [{ NoncurrentDays: 180, StorageClass: 'GLACIER' }],
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
  });

  it('maps the And and Tag filters, and a null predicate to the whole bucket', () => {
    // Act
    const and = bucketOfItem(fixture('c7n-s3-lifecycle-and-predicate'));
    const whole = bucketOfItem(fixture('c7n-s3-lifecycle-null-predicate'));
    // Assess
    expect(and?.settings['s3:GetLifecycleConfiguration']?.Rules?.[0]?.Filter).toEqual({
      And: {
        Prefix: 'docs/',
        Tags: [
          { Key: 'Workflow', Value: 'Archive' },
          { Key: 'State', Value: 'Complete' },
        ],
      },
    });
    const rules = whole?.settings['s3:GetLifecycleConfiguration']?.Rules ?? [];
    expect(rules.map((r) => r.Filter)).toEqual([{}, {}, { Tag: { Key: 'ACTION', Value: 'PURGE' } }]);
    expect(rules[1]?.NoncurrentVersionExpiration).toEqual({ NoncurrentDays: 10 });
    expect(whole?.settings['s3:GetBucketVersioning']).toEqual({ $metadata: {}, Status: 'Enabled' });
  });

  it('maps default encryption to GetBucketEncryption', () => {
    // Act
    const item = bucketOfItem(fixture('wd-s3-item-with-sse'));
    // Assess
    expect(item?.status).toBe('ResourceDiscovered');
    expect(item?.settings['s3:GetEncryptionConfiguration']).toEqual({
      $metadata: {},
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
  });

  it('keeps no setting it cannot verify: an unknown predicate, an unknown status, a missing key', () => {
    // Prepare
    const row = selectRow(
      {},
      {
        BucketLifecycleConfiguration: {
          rules: [
            { status: 'Enabled', filter: { predicate: { type: 'LifecycleObjectSizeGreaterThanPredicate' } } },
          ],
        },
        BucketVersioningConfiguration: { status: 'Sometimes' },
      },
    );
    // Act
    const item = bucketOfItem(row);
    // Assess
    expect(item?.settings).toEqual({});
    expect(bucketOfItem(JSON.stringify({ awsRegion: 'us-east-1', resourceName: 'x' }))).toBeUndefined();
  });
});

describe('recorderVerdict: may Config serve buckets here?', () => {
  const recorder = {
    name: 'default',
    recordingGroup: { allSupported: true, includeGlobalResourceTypes: false, resourceTypes: [] },
  };
  const status = {
    name: 'default',
    recording: true,
    lastStatus: 'Success' as const,
    lastStatusChangeTime: hoursAgo(2),
  };
  const o = { maxAgeHours: 24, now: NOW };

  it('yes: recording everything continuously, last status Success within the tolerance', () => {
    expect(recorderVerdict([recorder], [status], o)).toEqual({
      ok: true,
      checkedAt: hoursAgo(2).toISOString(),
    });
  });

  it.each([
    ['no recorder', [], [status], /no AWS Config recorder/],
    ['stopped', [recorder], [{ ...status, recording: false }], /stopped/],
    [
      'failing',
      [recorder],
      [{ ...status, lastStatus: 'Failure' as const, lastErrorCode: 'AccessDenied' }],
      /Failure \(AccessDenied\)/,
    ],
    ['pending (moto)', [recorder], [{ ...status, lastStatus: 'PENDING' as never }], /PENDING/],
    ['daily', [{ ...recorder, recordingMode: { recordingFrequency: 'DAILY' as const } }], [status], /daily/],
    [
      'daily for buckets only',
      [
        {
          ...recorder,
          recordingMode: {
            recordingFrequency: 'CONTINUOUS' as const,
            recordingModeOverrides: [
              { resourceTypes: ['AWS::S3::Bucket' as const], recordingFrequency: 'DAILY' as const },
            ],
          },
        },
      ],
      [status],
      /daily/,
    ],
    [
      'S3 excluded',
      [
        {
          ...recorder,
          recordingGroup: {
            allSupported: false,
            exclusionByResourceTypes: { resourceTypes: ['AWS::S3::Bucket' as const] },
            recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' as const },
          },
        },
      ],
      [status],
      /does not record AWS::S3::Bucket/,
    ],
    [
      'S3 not included',
      [
        {
          ...recorder,
          recordingGroup: { allSupported: false, resourceTypes: ['AWS::RDS::DBInstance' as const] },
        },
      ],
      [status],
      /does not record/,
    ],
    [
      'tolerance exceeded',
      [recorder],
      [{ ...status, lastStatusChangeTime: hoursAgo(30) }],
      /configMaxAgeHours \(24\)/,
    ],
  ])('no: %s', (_, recorders, statuses, reason) => {
    const verdict = recorderVerdict(recorders as never, statuses as never, o);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toMatch(reason);
  });

  it('yes for S3 included by name', () => {
    const included = {
      ...recorder,
      recordingGroup: {
        allSupported: false,
        resourceTypes: ['AWS::S3::Bucket' as const],
        recordingStrategy: { useOnly: 'INCLUSION_BY_RESOURCE_TYPES' as const },
      },
    };
    expect(recorderVerdict([included], [status], o).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The collector through the route
// ---------------------------------------------------------------------------------------------

const config = mockClient(ConfigServiceClient);
const s3 = mockClient(S3Client);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const rds = mockClient(RDSClient);

afterAll(() => {
  for (const m of [config, s3, tagging, rds]) m.restore();
});

const NAMES = ['b-one', 'b-two', 'b-three'];
const CREATED = '2026-01-01T00:00:00.000Z';
const SET = policies({ policies: { gold: {}, locked: { s3: { objectLock: true } } } });
const HEALTHY = {
  recorders: [{ name: 'default', recordingGroup: { allSupported: true } }],
  status: [{ name: 'default', recording: true, lastStatus: 'Success', lastStatusChangeTime: hoursAgo(1) }],
};

/** A Select row for one bucket of REGION: versioned, a whole-bucket noncurrent expiration, SSE. */
const bucketRow = (name: string, over: Record<string, unknown> = {}) =>
  selectRow(
    {
      resourceName: name,
      awsRegion: REGION,
      configurationItemCaptureTime: '2026-11-20T00:00:00.000Z',
      ...over,
    },
    {
      BucketVersioningConfiguration: { status: 'Enabled' },
      BucketLifecycleConfiguration: {
        rules: [
          {
            id: 'backup-sentinel-noncurrent-expiration',
            status: 'Enabled',
            filter: { predicate: null },
            expirationInDays: -1.0,
            noncurrentVersionExpirationInDays: 35.0,
          },
        ],
      },
      ServerSideEncryptionConfiguration: {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
      },
    },
  );

function mockAccount(
  o: {
    rows?: string[][];
    recorders?: unknown[];
    status?: unknown[];
    created?: Record<string, string>;
    tags?: Record<string, string>;
  } = {},
) {
  for (const m of [config, s3, tagging, rds]) m.reset();
  tagging.on(GetResourcesCommand).resolves({
    ResourceTagMappingList: NAMES.map((n) => ({
      ResourceARN: `arn:aws:s3:::${n}`,
      Tags: [{ Key: 'backup:policy', Value: o.tags?.[n] ?? 'gold' }],
    })),
  });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
  s3.on(ListBucketsCommand).resolves({
    Buckets: NAMES.map((Name) => ({
      Name,
      BucketRegion: REGION,
      CreationDate: new Date(o.created?.[Name] ?? CREATED),
    })),
  });
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3.on(GetBucketLifecycleConfigurationCommand).resolves({
    Rules: [
      {
        ID: 'backup-sentinel-noncurrent-expiration',
        Status: 'Enabled',
        Filter: {},
        NoncurrentVersionExpiration: { NoncurrentDays: 35 },
      },
    ],
  });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
  });
  s3.on(GetObjectLockConfigurationCommand).resolves({
    ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
  });
  config
    .on(DescribeConfigurationRecordersCommand)
    .resolves({ ConfigurationRecorders: (o.recorders ?? HEALTHY.recorders) as never });
  config
    .on(DescribeConfigurationRecorderStatusCommand)
    .resolves({ ConfigurationRecordersStatus: (o.status ?? HEALTHY.status) as never });
  const pages = o.rows ?? [NAMES.map((n) => bucketRow(n))];
  config.on(SelectResourceConfigCommand).callsFake((input: { NextToken?: string }) => {
    const i = Number(input.NextToken ?? '0');
    return { Results: pages[i] ?? [], ...(i + 1 < pages.length ? { NextToken: String(i + 1) } : {}) };
  });
}

async function collect(route: Partial<ConfigRouteOptions> = {}) {
  // One attempt per call: a throttled call fails at once here (the SDK's retries are its own).
  const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  const c = new Collection();
  const resources = await collectResources(aws, c, {
    region: REGION,
    accountId: ACCOUNT,
    tagKey: 'backup:policy',
    bucketRegion: new BucketRegions(),
    reads: bucketReads(SET),
    configRoute: { readFrom: 'auto', maxAgeHours: 24, now: NOW, ...route },
    limit: 4,
    progress: () => {},
  });
  const byName = new Map(resources.map((r) => [(r as { Name: string }).Name, r as Record<string, unknown>]));
  return { aws, c, resources, byName };
}

/** A collected bucket's ReadFrom ({} when it has none). */
const readFrom = (byName: Map<string, Record<string, unknown>>, name: string) =>
  (byName.get(name)?.ReadFrom ?? {}) as { source?: string; reason?: string; settings?: string[] };

const asked = (command: Parameters<typeof s3.commandCalls>[0]) =>
  s3
    .commandCalls(command)
    .map((call) => (call.args[0].input as { Bucket: string }).Bucket)
    .sort();
const directReads = () => [
  ...asked(GetBucketVersioningCommand),
  ...asked(GetBucketLifecycleConfigurationCommand),
  ...asked(GetBucketEncryptionCommand),
];

describe('collecting buckets through AWS Config', () => {
  beforeEach(() => mockAccount());

  it('serves versioning, lifecycle and encryption from Config: no per-bucket S3 read for them', async () => {
    // Prepare
    mockAccount({ tags: { 'b-three': 'locked' } });
    // Act
    const { c, byName } = await collect();
    // Assess
    expect(c.errors).toEqual([]);
    expect(directReads()).toEqual([]);
    // Object Lock is not carried in a verified shape: read directly, for the policy that asks.
    expect(asked(GetObjectLockConfigurationCommand)).toEqual(['b-three']);
    expect(config).toHaveReceivedCommandWith(SelectResourceConfigCommand, {
      Expression: BUCKET_QUERY,
      Limit: 100,
    });
    expect(byName.get('b-one')).toMatchObject({
      Versioning: { Status: 'Enabled' },
      LifecycleRules: [{ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 35 } }],
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      ReadFrom: {
        source: 'aws-config',
        capturedAt: '2026-11-20T00:00:00.000Z',
        recorderCheckedAt: hoursAgo(1).toISOString(),
      },
    });
    expect([...(readFrom(byName, 'b-one').settings ?? [])].sort()).toEqual([
      's3:GetBucketVersioning',
      's3:GetEncryptionConfiguration',
      's3:GetLifecycleConfiguration',
    ]);
    // Every call made is one the sweep's role is granted.
    expect(functionActions('sweep')).toEqual(expect.arrayContaining(CONFIG_ROUTE_READS));
    expect(config.commandCalls(SelectResourceConfigCommand)).toHaveLength(1);
  });

  it('says in each finding that it was read from Config, and when — in JSON and in the table', async () => {
    // Prepare
    mockAccount({
      rows: [
        [bucketRow('b-one', {}), bucketRow('b-two'), bucketRow('b-three')].map((r, i) => {
          if (i !== 0) return r;
          const row = JSON.parse(r);
          row.supplementaryConfiguration.BucketVersioningConfiguration = { status: 'Suspended' };
          return JSON.stringify(row);
        }),
      ],
    });
    const { resources } = await collect();
    const inv = inventorySchema.parse({
      version: 1,
      capturedAt: NOW.toISOString(),
      accountId: ACCOUNT,
      regions: [REGION],
      resources,
    });
    // Act
    const result = auditInventory(inv, SET, NOW);
    // Assess
    const versioning = result.findings.find(
      (f) => f.ruleId === 's3.versioning' && f.resourceArn === 'arn:aws:s3:::b-one',
    );
    expect(versioning).toMatchObject({
      status: 'NON_COMPLIANT',
      source: { readFrom: 'aws-config', capturedAt: '2026-11-20T00:00:00.000Z' },
    });
    // A rule whose read was direct (Object Lock) says nothing of Config.
    const lock = result.findings.find(
      (f) => f.ruleId === 's3.object-lock' && f.resourceArn === 'arn:aws:s3:::b-one',
    );
    expect(lock).not.toHaveProperty('source');
    expect(renderAudit(result, 'table')).toContain(
      'versioning is Suspended: AWS Backup cannot back up this bucket [read from AWS Config, captured 2026-11-20T00:00:00.000Z]',
    );
    expect(JSON.parse(renderAudit(result, 'json')).findings).toContainEqual(
      expect.objectContaining({ source: versioning?.source }),
    );
  });

  it('reads directly, per bucket, what Config cannot prove: missing, not current, recreated', async () => {
    // Prepare: b-one is not in the results, b-two's item is not recorded, b-three was created again.
    mockAccount({
      rows: [[bucketRow('b-two', { configurationItemStatus: 'ResourceNotRecorded' }), bucketRow('b-three')]],
      created: { 'b-three': '2026-11-24T00:00:00.000Z' },
    });
    // Act
    const { c, byName } = await collect();
    // Assess
    expect(c.errors).toEqual([]);
    expect(asked(GetBucketVersioningCommand)).toEqual(NAMES.slice().sort());
    expect(byName.get('b-one')?.ReadFrom).toEqual({
      source: 'direct',
      reason: 'not in the AWS Config results',
    });
    expect(byName.get('b-two')?.ReadFrom).toEqual({
      source: 'direct',
      reason: 'its AWS Config item is ResourceNotRecorded',
    });
    expect(readFrom(byName, 'b-three').reason).toMatch(/^created 2026-11-24.*after AWS Config recorded it/);
    for (const b of byName.values()) expect(b.Versioning).toEqual({ Status: 'Enabled' });
  });

  it('reads one setting directly when the item does not carry it, and the others from Config', async () => {
    // Prepare: the real 2019 row carries no encryption.
    mockAccount({
      rows: [
        NAMES.map((n) =>
          selectRow({
            resourceName: n,
            awsRegion: REGION,
            configurationItemCaptureTime: '2026-11-20T00:00:00Z',
          }),
        ),
      ],
    });
    // Act
    const { byName } = await collect();
    // Assess
    expect(asked(GetBucketEncryptionCommand)).toEqual(NAMES.slice().sort());
    expect(asked(GetBucketVersioningCommand)).toEqual([]);
    expect(byName.get('b-one')?.Versioning).toEqual({});
    expect((readFrom(byName, 'b-one').settings ?? []).sort()).toEqual([
      's3:GetBucketVersioning',
      's3:GetLifecycleConfiguration',
    ]);
  });

  const denied = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
  it.each([
    ['the recorder is stopped', { status: [{ ...HEALTHY.status[0], recording: false }] }, /stopped/],
    ['the recorder is failing', { status: [{ ...HEALTHY.status[0], lastStatus: 'Failure' }] }, /Failure/],
    [
      'buckets are recorded daily',
      { recorders: [{ ...HEALTHY.recorders[0], recordingMode: { recordingFrequency: 'DAILY' } }] },
      /daily/,
    ],
    [
      'S3 is excluded',
      {
        recorders: [
          {
            name: 'default',
            recordingGroup: {
              exclusionByResourceTypes: { resourceTypes: ['AWS::S3::Bucket'] },
              recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' },
            },
          },
        ],
      },
      /does not record/,
    ],
  ])('reads the whole Region directly when %s', async (_, o, reason) => {
    // Prepare
    mockAccount(o);
    // Act
    const { c, byName } = await collect();
    // Assess
    expect(c.errors).toEqual([]);
    expect(config).not.toHaveReceivedCommand(SelectResourceConfigCommand);
    expect(asked(GetBucketVersioningCommand)).toEqual(NAMES.slice().sort());
    for (const b of byName.values()) expect((b.ReadFrom as { reason: string }).reason).toMatch(reason);
  });

  it('reads the whole Region directly when Describe* is denied (the reason kept)', async () => {
    // Prepare
    mockAccount();
    config.on(DescribeConfigurationRecordersCommand).rejects(denied);
    // Act
    const { c, byName } = await collect();
    // Assess: not a collection error — nothing is concluded from it.
    expect(c.errors).toEqual([]);
    expect(directReads()).toHaveLength(3 * NAMES.length);
    expect(byName.get('b-one')?.ReadFrom).toEqual({
      source: 'direct',
      reason: 'cannot read the AWS Config recorder (AccessDeniedException)',
    });
  });

  it('keeps the pages read when Select is throttled after its retries; the other buckets are read directly', async () => {
    // Prepare: page 1 has b-one, page 2 is throttled.
    mockAccount({ rows: [[bucketRow('b-one')], [bucketRow('b-two'), bucketRow('b-three')]] });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    config.on(SelectResourceConfigCommand, { NextToken: '1' }).rejects(throttled);
    // Act
    const { c, byName, resources } = await collect();
    // Assess
    expect(c.errors).toEqual([]);
    expect(resources).toHaveLength(NAMES.length);
    expect(readFrom(byName, 'b-one').source).toBe('aws-config');
    expect(asked(GetBucketVersioningCommand)).toEqual(['b-three', 'b-two']);
    expect(byName.get('b-two')?.Versioning).toEqual({ Status: 'Enabled' });
  });

  it('reads directly when the recorder last succeeded longer ago than configMaxAgeHours', async () => {
    // Prepare
    mockAccount({ status: [{ ...HEALTHY.status[0], lastStatusChangeTime: hoursAgo(30) }] });
    // Act
    const { byName } = await collect({ maxAgeHours: 24 });
    const longer = await collect({ maxAgeHours: 48 });
    // Assess
    expect(readFrom(byName, 'b-one').reason).toMatch(/more than configMaxAgeHours \(24\)/);
    expect(readFrom(longer.byName, 'b-one').source).toBe('aws-config');
  });

  it('with readFrom=direct, asks Config nothing and records no ReadFrom', async () => {
    // Act
    const { byName } = await collect({ readFrom: 'direct' });
    // Assess
    expect(config.calls()).toHaveLength(0);
    expect(directReads()).toHaveLength(3 * NAMES.length);
    expect(byName.get('b-one')).not.toHaveProperty('ReadFrom');
  });
});
