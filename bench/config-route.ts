/**
 * The Config route's cost in AWS calls: n tagged buckets in one Region collected with readFrom
 * auto, AWS Config mocked (a healthy continuous recorder; SelectResourceConfig pages of 100 built
 * from generated bucket items in the real Select shape) and S3, the tagging API and RDS mocked
 * too. Whatever the route cannot serve would show as per-bucket S3 calls. Measured, not asserted.
 */
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
import { Aws } from '../src/aws/clients.js';
import { BucketRegions, bucketReads } from '../src/inventory/collect/buckets.js';
import { Collection } from '../src/inventory/collect/calls.js';
import { SELECT_PAGE } from '../src/inventory/collect/config-route.js';
import { collectResources } from '../src/inventory/collect/resources.js';
import { parsePolicies } from '../src/policy/index.js';

const REGION = 'eu-central-1';
const ACCOUNT = '111111111111';
const TAGGING_PAGE = 100;
const LIST_BUCKETS_PAGE = 1000;

/** One bucket's item as a Select result: a JSON string, its objects nested (the real shape). */
function selectRow(name: string, capturedAt: string, created: string): string {
  return JSON.stringify({
    resourceId: name,
    resourceName: name,
    awsRegion: REGION,
    resourceCreationTime: created,
    configurationItemCaptureTime: capturedAt,
    configurationItemStatus: 'OK',
    configuration: { name, owner: { id: 'e7c8' }, creationDate: created },
    supplementaryConfiguration: {
      BucketVersioningConfiguration: { status: 'Enabled' },
      BucketLifecycleConfiguration: {
        rules: [
          {
            id: 'backup-sentinel-noncurrent-expiration',
            status: 'Enabled',
            filter: { predicate: null },
            expirationInDays: -1.0,
            noncurrentVersionExpirationInDays: 35.0,
            expiredObjectDeleteMarker: false,
          },
        ],
      },
      ServerSideEncryptionConfiguration: {
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256', kmsMasterKeyID: null } }],
      },
      IsRequesterPaysEnabled: false,
    },
  });
}

const pageOf = <T>(items: T[], token: string | undefined, size: number) => {
  const start = Number(token ?? '0');
  const next = start + size;
  return { page: items.slice(start, next), next: next < items.length ? String(next) : undefined };
};

/** Audits n buckets through the Config route; the calls it made, per resource and by API. */
export async function configRouteCalls(
  n: number,
): Promise<{ calls: number; perResource: number; byApi: Map<string, number> }> {
  const now = new Date();
  const capturedAt = new Date(now.getTime() - 7 * 86_400_000).toISOString();
  const created = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const names = Array.from({ length: n }, (_, i) => `bench-bucket-${String(i).padStart(6, '0')}`);
  const rows = names.map((name) => selectRow(name, capturedAt, created));
  const mocks = {
    ConfigService: mockClient(ConfigServiceClient),
    S3: mockClient(S3Client),
    ResourceGroupsTaggingAPI: mockClient(ResourceGroupsTaggingAPIClient),
    RDS: mockClient(RDSClient),
  };
  try {
    mocks.ResourceGroupsTaggingAPI.on(GetResourcesCommand).callsFake(
      (input: { PaginationToken?: string }) => {
        const { page, next } = pageOf(names, input.PaginationToken || undefined, TAGGING_PAGE);
        return {
          ResourceTagMappingList: page.map((name) => ({
            ResourceARN: `arn:aws:s3:::${name}`,
            Tags: [{ Key: 'backup:policy', Value: 'gold' }],
          })),
          PaginationToken: next ?? '',
        };
      },
    );
    mocks.RDS.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    mocks.RDS.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    mocks.S3.on(ListBucketsCommand).callsFake((input: { ContinuationToken?: string }) => {
      const { page, next } = pageOf(names, input.ContinuationToken, LIST_BUCKETS_PAGE);
      return {
        Buckets: page.map((Name) => ({ Name, BucketRegion: REGION, CreationDate: new Date(created) })),
        ...(next ? { ContinuationToken: next } : {}),
      };
    });
    // What the route should not need; answered so that a fallback shows as calls, not failures.
    mocks.S3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    mocks.S3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [] });
    mocks.S3.on(GetBucketEncryptionCommand).resolves({});
    mocks.S3.on(GetObjectLockConfigurationCommand).resolves({});
    mocks.ConfigService.on(DescribeConfigurationRecordersCommand).resolves({
      ConfigurationRecorders: [
        {
          name: 'default',
          recordingGroup: { allSupported: true },
          recordingMode: { recordingFrequency: 'CONTINUOUS' },
        },
      ],
    });
    mocks.ConfigService.on(DescribeConfigurationRecorderStatusCommand).resolves({
      ConfigurationRecordersStatus: [
        {
          name: 'default',
          recording: true,
          lastStatus: 'Success',
          lastStatusChangeTime: new Date(now.getTime() - 3_600_000),
        },
      ],
    });
    mocks.ConfigService.on(SelectResourceConfigCommand).callsFake(
      (input: { NextToken?: string; Limit?: number }) => {
        const { page, next } = pageOf(rows, input.NextToken, Math.min(input.Limit ?? 25, SELECT_PAGE));
        return { Results: page, ...(next ? { NextToken: next } : {}) };
      },
    );
    const policies = parsePolicies('policies:\n  gold: {}\n');
    const aws = new Aws({ credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    const resources = await collectResources(aws, new Collection(), {
      region: REGION,
      accountId: ACCOUNT,
      tagKey: policies.tagKey,
      bucketRegion: new BucketRegions(),
      reads: bucketReads(policies),
      configRoute: { readFrom: 'auto', maxAgeHours: 24, now },
      limit: 8,
      progress: () => {},
    });
    // The mocks replace the clients' send, so the calls are counted from them, as Aws.calls names them.
    const byApi = new Map<string, number>();
    for (const [service, mock] of Object.entries(mocks)) {
      for (const call of mock.calls()) {
        const name = `${service}.${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`;
        byApi.set(name, (byApi.get(name) ?? 0) + 1);
      }
    }
    const calls = [...byApi.values()].reduce((a, b) => a + b, 0);
    return { calls, perResource: calls / Math.max(1, resources.length), byApi };
  } finally {
    for (const mock of Object.values(mocks)) mock.restore();
  }
}
