/**
 * S3 buckets: the tagged buckets of a region (the tagging API lists them; each is read in the
 * region it lives in, once), or one bucket by ARN; and the settings each bucket is read for —
 * only those an active rule (or the collector itself) needs for the bucket's policy.
 */
import type { ResourceTagMapping } from '@aws-sdk/client-resource-groups-tagging-api';
import type {
  GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketLocationCommandOutput,
  GetBucketOwnershipControlsCommandOutput,
  GetBucketReplicationCommandOutput,
  GetBucketVersioningCommandOutput,
  GetObjectLockConfigurationCommandOutput,
} from '@aws-sdk/client-s3';
import type { Aws } from '../../aws/clients.js';
import type { Policy, PolicySet } from '../../policy/index.js';
import { resolvePolicy } from '../../policy/resolve.js';
import { RULES } from '../../rules/registry.js';
import type { AnyRule } from '../../rules/types.js';
import { all, type Collection, type Input, mapLimit, type Progress, tagMap } from './calls.js';
import {
  type ConfigBucket,
  type ConfigRouteOptions,
  type ConfigServed,
  type ConfigSettings,
  configServed,
  itemRefusal,
} from './config-route.js';

/** Every bucket setting the collector knows how to read (collectBucket), by IAM action. */
export const BUCKET_SETTINGS = [
  's3:GetBucketVersioning',
  's3:GetLifecycleConfiguration',
  's3:GetBucketObjectLockConfiguration',
  's3:GetEncryptionConfiguration',
  's3:GetReplicationConfiguration',
  's3:GetBucketOwnershipControls',
] as const;
export type BucketSetting = (typeof BUCKET_SETTINGS)[number];

/**
 * Settings read for consumers that are not rules' `permissions.collect`: the default encryption
 * key of a bucket, which the backup role's simulation checks (roles.ts neededFor, for
 * coverage.backup-role-can) and the DR report's key recoverability (src/report/dr.ts) use.
 */
const COLLECTOR_NEEDS: readonly BucketSetting[] = ['s3:GetEncryptionConfiguration'];

/**
 * Rules that judge a bucket setting only under some policies: under any other policy they
 * answer NOT_APPLICABLE before looking at it, so the read is not made for buckets of those
 * policies (test/inventory/bucket-reads.test.ts holds each rule to this). A rule not listed
 * here needs its reads under every policy.
 */
export const JUDGED_ONLY_WHEN: Readonly<Record<string, (policy: Policy) => boolean>> = {
  's3.versioning': (policy) => policy.s3.versioning,
  's3.object-lock': (policy) => policy.s3.objectLock,
};

/** The settings read for one bucket, from its tags (which name its policy). */
export type BucketReads = (tags: Record<string, string>) => ReadonlySet<BucketSetting>;

/**
 * Which settings a bucket is read for: those the collector needs, and those a rule of `rules`
 * collects — unless the bucket's policy is one under which that rule does not judge it
 * (JUDGED_ONLY_WHEN). Without policies, or for a bucket whose tag names no policy (unknown,
 * "none"), every setting a rule collects. A setting not read is never recorded as absent: the
 * rules that would conclude from it are NOT_APPLICABLE for that bucket.
 */
export function bucketReads(policies?: PolicySet, rules: readonly AnyRule[] = RULES): BucketReads {
  const byAction = new Map<BucketSetting, AnyRule[]>(
    BUCKET_SETTINGS.map((a) => [a, rules.filter((r) => r.permissions.collect.includes(a))]),
  );
  const everywhere = new Set(
    BUCKET_SETTINGS.filter((a) => COLLECTOR_NEEDS.includes(a) || (byAction.get(a) ?? []).length > 0),
  );
  if (!policies) return () => everywhere;
  const byPolicy = new Map<string, ReadonlySet<BucketSetting>>();
  for (const [name, policy] of Object.entries(policies.policies)) {
    const reads = BUCKET_SETTINGS.filter(
      (a) =>
        COLLECTOR_NEEDS.includes(a) ||
        (byAction.get(a) ?? []).some((r) => JUDGED_ONLY_WHEN[r.id]?.(policy) ?? true),
    );
    byPolicy.set(name, new Set(reads));
  }
  return (tags) => {
    const resolution = resolvePolicy(tags, policies);
    return (resolution.kind === 'policy' && byPolicy.get(resolution.policy.name)) || everywhere;
  };
}

/** The settings reads the collector may make with the registry's rules (what its role is granted). */
export const BUCKET_READS: string[] = [...bucketReads()({})];

/** ListBuckets' page size (it lists every bucket of the account, with its Region). */
const LIST_BUCKETS_PAGE = 1000;

/**
 * Each bucket's region, by name, shared by the regions of one run (undefined: could not be
 * read). ListBuckets names most of them at once (BucketRegion); GetBucketLocation, per bucket,
 * the others (an older endpoint or emulator without BucketRegion, a bucket created since).
 */
export class BucketRegions {
  private readonly known = new Map<string, string | undefined>();
  /** ListBuckets' CreationDate (ISO), by name: the Config route tells a recreated bucket by it. */
  private readonly created = new Map<string, string>();
  private listed: Promise<void> | undefined;

  has(name: string): boolean {
    return this.known.has(name);
  }

  get(name: string): string | undefined {
    return this.known.get(name);
  }

  set(name: string, region: string | undefined): void {
    this.known.set(name, region);
  }

  createdAt(name: string): string | undefined {
    return this.created.get(name);
  }

  /**
   * Lists the account's buckets once per run (from `region`: any region's endpoint lists them
   * all) and keeps the region of each that ListBuckets names. When the listing fails (e.g. an
   * older role without s3:ListAllMyBuckets), nothing is kept and each bucket is located by
   * GetBucketLocation as before: nothing is concluded from the failure, so it is not recorded.
   */
  list(aws: Aws, region: string, progress: Progress): Promise<void> {
    this.listed ??= (async () => {
      try {
        const pages = await all(
          aws
            .s3(region)
            .pages((sdk, client) => sdk.paginateListBuckets({ client, pageSize: LIST_BUCKETS_PAGE }, {})),
        );
        for (const b of pages.flatMap((p) => p.Buckets ?? [])) {
          if (b.Name && b.BucketRegion && !this.known.has(b.Name)) this.known.set(b.Name, b.BucketRegion);
          if (b.Name && b.CreationDate) this.created.set(b.Name, new Date(b.CreationDate).toISOString());
        }
      } catch (e) {
        progress(`s3:ListAllMyBuckets failed (${(e as Error).name}): locating each bucket instead`);
      }
    })();
    return this.listed;
  }
}

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
        aws
          .tagging(o.region)
          .pages((sdk, client) =>
            sdk.paginateGetResources(
              { client },
              { TagFilters: [{ Key: o.tagKey }], ResourceTypeFilters: ['s3:bucket'] },
            ),
          ),
      ),
    )) ?? [];
  return tagged.flatMap((p) => p.ResourceTagMappingList ?? []);
}

export interface TaggedBucketOptions {
  region: string;
  accountId: string;
  /** Each bucket's region, by name, shared by the regions of one run. */
  bucketRegion: BucketRegions;
  /** The settings each bucket is read for (default: every setting a rule collects). */
  reads?: BucketReads;
  /** Read the settings AWS Config carries from it where it can serve them (absent: read directly). */
  configRoute?: ConfigRouteOptions;
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
  const reads = o.reads ?? bucketReads();
  const nameOf = (m: ResourceTagMapping) => (m.ResourceARN ?? '').replace(/^arn:aws[a-z-]*:s3:::/, '');
  if (buckets.some((m) => !o.bucketRegion.has(nameOf(m))))
    await o.bucketRegion.list(aws, o.region, o.progress);
  // What AWS Config serves in this Region: asked once, when a bucket lives here.
  let served: Promise<ConfigServed> | undefined;
  const route = o.configRoute?.readFrom === 'auto' ? o.configRoute : undefined;
  const fromConfig = async (name: string): Promise<FromConfig | undefined> => {
    if (!route) return undefined;
    served ??= configServed(aws, o.region, route, o.progress);
    const s = await served;
    if (!s.ok) return { reason: s.reason };
    const item = s.items.get(name);
    const refusal = itemRefusal(item, { region: o.region, createdAt: o.bucketRegion.createdAt(name) });
    if (refusal || !item) return { reason: refusal ?? '' };
    return { item, checkedAt: s.checkedAt };
  };
  const read = await mapLimit(buckets, o.limit, async (m) => {
    const arn = m.ResourceARN ?? '';
    const name = nameOf(m);
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
      return unlocatedBucket(c, { region: o.region, accountId: o.accountId, arn, name, tags }, reads(tags));
    }
    if (where !== o.region) return undefined;
    const bucket = await collectBucket(
      aws,
      c,
      { region: o.region, accountId: o.accountId, arn, name, tags },
      reads(tags),
      await fromConfig(name),
    );
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
      return await aws.s3(region).send((sdk) => new sdk.GetBucketLocationCommand({ Bucket: name }));
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

/** A bucket whose settings cannot be read where it is: each read it needs is recorded as failed. */
function unlocatedBucket(
  c: Collection,
  b: BucketIdentity,
  reads: ReadonlySet<BucketSetting>,
): Input<'resources'> {
  for (const action of reads) {
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
  o: { arn: string; name: string; accountId: string; reads?: BucketReads },
): Promise<Input<'resources'>> {
  const { arn, name } = o;
  const loc = await c.try(arn, 's3:GetBucketLocation', () =>
    aws.s3('us-east-1').send((sdk) => new sdk.GetBucketLocationCommand({ Bucket: name })),
  );
  if (!loc)
    throw new Error(
      `cannot tell the region of bucket ${name}: s3:GetBucketLocation failed (${c.errors.at(-1)?.Code})`,
    );
  const region = regionOfLocation(loc);
  const tags = await c.try(arn, 'tag:GetResources', () =>
    all(
      aws
        .tagging(region)
        .pages((sdk, client) => sdk.paginateGetResources({ client }, { ResourceARNList: [arn] })),
    ),
  );
  const tagList = (tags ?? [])
    .flatMap((p) => p.ResourceTagMappingList ?? [])
    .find((m) => m.ResourceARN === arn)?.Tags;
  const identity = { region, accountId: o.accountId, arn, name, tags: tagMap(tagList) };
  return collectBucket(aws, c, identity, (o.reads ?? bucketReads())(identity.tags));
}

/**
 * What the settings reads answered (undefined: the read failed or was not made — a read not made
 * leaves its field out; {} or no rules: there is none).
 */
interface BucketSettings {
  versioning: GetBucketVersioningCommandOutput | undefined;
  lifecycle: GetBucketLifecycleConfigurationCommandOutput | { Rules: [] } | undefined;
  lock: GetObjectLockConfigurationCommandOutput | object | undefined;
  encryption: GetBucketEncryptionCommandOutput | object | undefined;
  replication: GetBucketReplicationCommandOutput | object | undefined;
  ownership: GetBucketOwnershipControlsCommandOutput | object | undefined;
}

/** What the Config route gives one bucket: its item, or why it is read directly. */
type FromConfig = { item: ConfigBucket; checkedAt: string } | { reason: string };

/**
 * One bucket's settings, those of `reads` only, read in its own region — or taken from its AWS
 * Config item for those the item carries (`config`), and then said in ReadFrom.
 */
async function collectBucket(
  aws: Aws,
  c: Collection,
  b: BucketIdentity,
  reads: ReadonlySet<BucketSetting>,
  config?: FromConfig,
): Promise<Input<'resources'>> {
  const s3 = aws.s3(b.region);
  const Bucket = b.name;
  const item = config && 'item' in config ? config.item : undefined;
  const servedFrom = (action: BucketSetting) =>
    item && reads.has(action) ? item.settings[action as keyof ConfigSettings] : undefined;
  const fromConfig = [...reads].filter((a) => servedFrom(a) !== undefined);
  const read = <T, A = never>(action: BucketSetting, fn: () => Promise<T>, absent?: A) => {
    const served = servedFrom(action);
    if (served !== undefined) return Promise.resolve(served as unknown as T);
    return reads.has(action) ? c.try(b.arn, action, fn, absent) : undefined;
  };
  const [versioning, lifecycle, lock, encryption, replication, ownership] = await Promise.all([
    read('s3:GetBucketVersioning', () => s3.send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket }))),
    read(
      's3:GetLifecycleConfiguration',
      () => s3.send((sdk) => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket })),
      { Rules: [] as [] },
    ),
    read(
      's3:GetBucketObjectLockConfiguration',
      () => s3.send((sdk) => new sdk.GetObjectLockConfigurationCommand({ Bucket })),
      {},
    ),
    read(
      's3:GetEncryptionConfiguration',
      () => s3.send((sdk) => new sdk.GetBucketEncryptionCommand({ Bucket })),
      {},
    ),
    read(
      's3:GetReplicationConfiguration',
      () => s3.send((sdk) => new sdk.GetBucketReplicationCommand({ Bucket })),
      {},
    ),
    read(
      's3:GetBucketOwnershipControls',
      () => s3.send((sdk) => new sdk.GetBucketOwnershipControlsCommand({ Bucket })),
      {},
    ),
  ]);
  const bucket = {
    ...toBucket(b, { versioning, lifecycle, lock, encryption, replication, ownership }),
    ...readFromOf(config, fromConfig),
  } as Input<'resources'>;
  // What a rule could need but was left unread is said, so that a later audit under other
  // policies cannot mistake it for "not set" (the engine answers ERROR for a rule needing it).
  const notRead = (BUCKET_READS as BucketSetting[]).filter((a) => !reads.has(a));
  return notRead.length ? ({ ...bucket, NotRead: notRead } as Input<'resources'>) : bucket;
}
/** Where the settings came from, when the Config route was tried (absent: it was not). */
function readFromOf(config: FromConfig | undefined, fromConfig: BucketSetting[]): object {
  if (!config) return {};
  if ('item' in config && fromConfig.length)
    return {
      ReadFrom: {
        source: 'aws-config',
        capturedAt: config.item.capturedAt,
        recorderCheckedAt: config.checkedAt,
        settings: fromConfig,
      },
    };
  return {
    ReadFrom: {
      source: 'direct',
      reason: 'reason' in config ? config.reason : 'its AWS Config item carries none of the settings read',
    },
  };
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
