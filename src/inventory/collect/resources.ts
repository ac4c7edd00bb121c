/** The audited resources: RDS databases and tagged S3 buckets of a region, or one of them by ARN. */
import type { Aws } from '../../aws/clients.js';
import { parseArn } from '../arn.js';
import {
  type BucketReads,
  listTaggedBuckets,
  readBucket,
  readTaggedBuckets,
  type TaggedBucketOptions,
} from './buckets.js';
import type { Collection, Input } from './calls.js';
import { listDatabases, readDatabase } from './databases.js';

export interface ResourceListOptions extends TaggedBucketOptions {
  /** The policy tag key: buckets without it are not listed. */
  tagKey: string;
}

/** Every database of the region, and the tagged buckets that live in it. */
export async function collectResources(
  aws: Aws,
  c: Collection,
  o: ResourceListOptions,
): Promise<Input<'resources'>[]> {
  // Two services, listed at the same time.
  const [buckets, databases] = await Promise.all([
    listTaggedBuckets(aws, c, { region: o.region, tagKey: o.tagKey }),
    listDatabases(aws, c, { region: o.region, accountId: o.accountId }),
  ]);
  return [...databases, ...(await readTaggedBuckets(aws, c, buckets, o))];
}

export interface ResourceReadOptions {
  accountId: string;
  /** The resource as already known (e.g. from an AWS Config item): it is not read again. */
  resource?: Input<'resources'>;
  /** The settings a bucket is read for (default: every setting a rule collects). */
  reads?: BucketReads;
}

/**
 * The event path: the resource an ARN names (none when the database is gone), and the region it
 * is audited in. A bucket is read in the region it lives in, whatever its ARN (which names none).
 */
export async function readResource(
  aws: Aws,
  c: Collection,
  arn: string,
  o: ResourceReadOptions,
): Promise<{ region: string; resources: Input<'resources'>[] }> {
  if (o.resource) return { region: o.resource.Region, resources: [o.resource] };
  const parsed = parseArn(arn);
  if (parsed?.service === 's3') {
    const bucket = await readBucket(aws, c, {
      arn,
      name: parsed.resource,
      accountId: o.accountId,
      ...(o.reads ? { reads: o.reads } : {}),
    });
    return { region: bucket.Region, resources: [bucket] };
  }
  const region = parsed?.region ?? '';
  return { region, resources: await readDatabase(aws, c, arn, { region, accountId: o.accountId }) };
}
