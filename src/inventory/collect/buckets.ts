/**
 * S3 buckets: the tagged buckets of a region (the tagging API lists them; each is read in the
 * region it lives in, once), or one bucket by ARN; and the settings each bucket is read for.
 */
import { paginateGetResources, type ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketEncryptionCommand,
  type GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommand,
  type GetBucketLifecycleConfigurationCommandOutput,
  GetBucketLocationCommand,
  type GetBucketLocationCommandOutput,
  GetBucketOwnershipControlsCommand,
  type GetBucketOwnershipControlsCommandOutput,
  GetBucketReplicationCommand,
  type GetBucketReplicationCommandOutput,
  GetBucketVersioningCommand,
  type GetBucketVersioningCommandOutput,
  GetObjectLockConfigurationCommand,
  type GetObjectLockConfigurationCommandOutput,
} from '@aws-sdk/client-s3';
import type { Aws } from '../../aws/clients.js';
import { all, type Collection, type Input, mapLimit, type Progress, tagMap } from './calls.js';

/** The reads of one bucket's settings (collectBucket). */
export const BUCKET_READS = [
  's3:GetBucketVersioning',
  's3:GetLifecycleConfiguration',
  's3:GetBucketObjectLockConfiguration',
  's3:GetEncryptionConfiguration',
  's3:GetReplicationConfiguration',
  's3:GetBucketOwnershipControls',
];

/** GetBucketLocation answers null for us-east-1 and EU for the legacy eu-west-1. */
function regionOfLocation(loc: GetBucketLocationCommandOutput): string {
  return loc.LocationConstraint === 'EU' ? 'eu-west-1' : (loc.LocationConstraint ?? 'us-east-1');
}

/** The buckets tagged with the policy tag key, as the tagging API of `region` lists them. */
export async function listTaggedBuckets(
  aws: Aws,
  c: Collection,
  o: { region: string; tagKey: string },
): Promise<ResourceTagMapping[]> {
  const tagged =
    (await c.try('*', 'tag:GetResources', () =>
      all(
        paginateGetResources(
          { client: aws.tagging(o.region) },
          { TagFilters: [{ Key: o.tagKey }], ResourceTypeFilters: ['s3:bucket'] },
        ),
      ),
    )) ?? [];
  return tagged.flatMap((p) => p.ResourceTagMappingList ?? []);
}

export interface TaggedBucketOptions {
  region: string;
  accountId: string;
  /** Each bucket's region, by name, shared by the regions of one run (undefined: could not be read). */
  bucketRegion: Map<string, string | undefined>;
  limit: number;
  progress: Progress;
}

/** The listed buckets that live in `region`, read in full (a bucket whose region is unknown, too). */
export async function readTaggedBuckets(
  aws: Aws,
  c: Collection,
  buckets: ResourceTagMapping[],
  o: TaggedBucketOptions,
): Promise<Input<'resources'>[]> {
  let done = 0;
  const read = await mapLimit(buckets, o.limit, async (m) => {
    const arn = m.ResourceARN ?? '';
    const name = arn.replace(/^arn:aws[a-z-]*:s3:::/, '');
    const tags = tagMap(m.Tags);
    if (!o.bucketRegion.has(name)) {
      const where = await locateBucket(aws, c, { region: o.region, arn, name });
      if (where === 'gone') return undefined;
      o.bucketRegion.set(name, where);
    }
    const where = o.bucketRegion.get(name);
    if (where === undefined) {
      // Region unknown: keep the bucket (judged here, once) so its checks report ERROR, not nothing.
      o.bucketRegion.set(name, o.region);
      return unlocatedBucket(c, { region: o.region, accountId: o.accountId, arn, name, tags });
    }
    if (where !== o.region) return undefined;
    const bucket = await collectBucket(aws, c, { region: o.region, accountId: o.accountId, arn, name, tags });
    if (++done % 50 === 0) o.progress(`${o.region}: read ${done} buckets`);
    return bucket;
  });
  return read.filter((b) => b !== undefined);
}

/** A listed bucket's region: undefined when it cannot be read, 'gone' when it was deleted. */
async function locateBucket(
  aws: Aws,
  c: Collection,
  { region, arn, name }: { region: string; arn: string; name: string },
): Promise<string | undefined | 'gone'> {
  // The tagging API also lists buckets deleted a moment ago: those are gone, not errors.
  const loc = await c.try(arn, 's3:GetBucketLocation', async () => {
    try {
      return await aws.s3(region).send(new GetBucketLocationCommand({ Bucket: name }));
    } catch (e) {
      if ((e as Error).name === 'NoSuchBucket') return 'gone' as const;
      throw e;
    }
  });
  if (loc === 'gone' || loc === undefined) return loc;
  return regionOfLocation(loc);
}

interface BucketIdentity {
  region: string;
  accountId: string;
  arn: string;
  name: string;
  tags: Record<string, string>;
}

/** A bucket whose settings cannot be read where it is: each of its reads is recorded as failed. */
function unlocatedBucket(c: Collection, b: BucketIdentity): Input<'resources'> {
  for (const action of BUCKET_READS) {
    c.errors.push({
      Arn: b.arn,
      Action: action,
      Code: 'BucketLocationUnknown',
      Message: 'its region could not be read (s3:GetBucketLocation failed)',
    });
  }
  return {
    Type: 'AWS::S3::Bucket',
    Arn: b.arn,
    Region: b.region,
    AccountId: b.accountId,
    Tags: b.tags,
    Name: b.name,
  } as Input<'resources'>;
}

/**
 * The event path: one bucket by ARN, in the region it lives in, with its tags. Throws when its
 * region cannot be read (there is no region to judge it in).
 */
export async function readBucket(
  aws: Aws,
  c: Collection,
  o: { arn: string; name: string; accountId: string },
): Promise<Input<'resources'>> {
  const { arn, name } = o;
  const loc = await c.try(arn, 's3:GetBucketLocation', () =>
    aws.s3('us-east-1').send(new GetBucketLocationCommand({ Bucket: name })),
  );
  if (!loc)
    throw new Error(
      `cannot tell the region of bucket ${name}: s3:GetBucketLocation failed (${c.errors.at(-1)?.Code})`,
    );
  const region = regionOfLocation(loc);
  const tags = await c.try(arn, 'tag:GetResources', () =>
    all(paginateGetResources({ client: aws.tagging(region) }, { ResourceARNList: [arn] })),
  );
  const tagList = (tags ?? [])
    .flatMap((p) => p.ResourceTagMappingList ?? [])
    .find((m) => m.ResourceARN === arn)?.Tags;
  return collectBucket(aws, c, { region, accountId: o.accountId, arn, name, tags: tagMap(tagList) });
}

/** What the settings reads answered (undefined: the read failed; {} or no rules: there is none). */
interface BucketSettings {
  versioning: GetBucketVersioningCommandOutput | undefined;
  lifecycle: GetBucketLifecycleConfigurationCommandOutput | { Rules: [] } | undefined;
  lock: GetObjectLockConfigurationCommandOutput | object | undefined;
  encryption: GetBucketEncryptionCommandOutput | object | undefined;
  replication: GetBucketReplicationCommandOutput | object | undefined;
  ownership: GetBucketOwnershipControlsCommandOutput | object | undefined;
}

/** One bucket's settings (BUCKET_READS), read in its own region. */
async function collectBucket(aws: Aws, c: Collection, b: BucketIdentity): Promise<Input<'resources'>> {
  const s3 = aws.s3(b.region);
  const Bucket = b.name;
  const read = <T, A = never>(action: string, fn: () => Promise<T>, absent?: A) =>
    c.try(b.arn, action, fn, absent);
  const [versioning, lifecycle, lock, encryption, replication, ownership] = await Promise.all([
    read('s3:GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({ Bucket }))),
    read(
      's3:GetLifecycleConfiguration',
      () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
      { Rules: [] as [] },
    ),
    read(
      's3:GetBucketObjectLockConfiguration',
      () => s3.send(new GetObjectLockConfigurationCommand({ Bucket })),
      {},
    ),
    read('s3:GetEncryptionConfiguration', () => s3.send(new GetBucketEncryptionCommand({ Bucket })), {}),
    read('s3:GetReplicationConfiguration', () => s3.send(new GetBucketReplicationCommand({ Bucket })), {}),
    read(
      's3:GetBucketOwnershipControls',
      () => s3.send(new GetBucketOwnershipControlsCommand({ Bucket })),
      {},
    ),
  ]);
  return toBucket(b, { versioning, lifecycle, lock, encryption, replication, ownership });
}

/** A bucket's settings -> resource. */
function toBucket(b: BucketIdentity, s: BucketSettings): Input<'resources'> {
  const { versioning, lifecycle, lock, encryption, replication, ownership } = s;
  return {
    Type: 'AWS::S3::Bucket',
    Arn: b.arn,
    Region: b.region,
    AccountId: b.accountId,
    Tags: b.tags,
    Name: b.name,
    Versioning: {
      ...(versioning?.Status ? { Status: versioning.Status } : {}),
      ...(versioning?.MFADelete ? { MFADelete: versioning.MFADelete } : {}),
    },
    LifecycleRules: lifecycle && 'Rules' in lifecycle ? (lifecycle.Rules ?? []) : [],
    ...(lock && 'ObjectLockConfiguration' in lock && lock.ObjectLockConfiguration
      ? { ObjectLockConfiguration: lock.ObjectLockConfiguration }
      : {}),
    ...(encryption && 'ServerSideEncryptionConfiguration' in encryption
      ? { ServerSideEncryptionConfiguration: encryption.ServerSideEncryptionConfiguration }
      : {}),
    ...(replication && 'ReplicationConfiguration' in replication
      ? { ReplicationConfiguration: replication.ReplicationConfiguration }
      : {}),
    ...(ownership && 'OwnershipControls' in ownership
      ? { OwnershipControls: ownership.OwnershipControls }
      : {}),
  } as Input<'resources'>;
}
