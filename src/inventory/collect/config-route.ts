/**
 * The AWS Config route for bucket settings: where the account records its S3 buckets in AWS
 * Config, a Region's buckets are read with SelectResourceConfig (100 items a call) instead of
 * three or four calls per bucket. Absence is proven only by a read that would have seen it: a
 * Region whose recorder cannot be shown to record buckets continuously and recently, a bucket
 * missing from the results, an item with another status, a recreated bucket, a setting the item
 * does not carry (or carries in a shape not verified) — each is read directly, as without Config.
 *
 * Databases stay on direct reads: DescribeDBInstances / DescribeDBClusters already return 100
 * databases a page with their tags.
 */
import type {
  ConfigurationRecorder,
  ConfigurationRecorderStatus,
  RecordingGroup,
} from '@aws-sdk/client-config-service';
import type {
  GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommandOutput,
  GetBucketVersioningCommandOutput,
} from '@aws-sdk/client-s3';
import type { Aws } from '../../aws/clients.js';
import { type Json, obj } from '../../maps.js';
import type { PolicySet } from '../../policy/index.js';
import { decode, encryptionOf, isoOf, lifecycleOf, str, Unverified, versioningOf } from '../config-item.js';
import type { BucketSetting } from './buckets.js';
import type { Progress } from './calls.js';

/** Where bucket settings are read from: auto (AWS Config where it can serve them, else direct) or direct. */
export type ReadFrom = 'auto' | 'direct';
export const READ_FROM: readonly ReadFrom[] = ['auto', 'direct'];
/** Default tolerance: Config data is used while the recorder succeeded within this many hours. */
export const DEFAULT_CONFIG_MAX_AGE_HOURS = 24;

export interface ConfigRouteOptions {
  readFrom: ReadFrom;
  /** The policy file's configMaxAgeHours. */
  maxAgeHours: number;
  now: Date;
}

/** The route a collection run takes, from its settings (readFrom default auto) and the policy file. */
export function configRouteOptions(o: {
  readFrom?: ReadFrom;
  policies: PolicySet;
  now: Date;
}): ConfigRouteOptions {
  return {
    readFrom: o.readFrom ?? 'auto',
    maxAgeHours: o.policies.configMaxAgeHours ?? DEFAULT_CONFIG_MAX_AGE_HOURS,
    now: o.now,
  };
}

export const BUCKET_TYPE = 'AWS::S3::Bucket';
/** SelectResourceConfig's largest page (the API model: Limit 0..100). */
export const SELECT_PAGE = 100;
/**
 * The whole type, filtered on the client (a `resourceId IN (…)` list would exceed the 4096
 * characters an expression may have). SELECT * gives only scalar fields: the objects are named.
 */
export const BUCKET_QUERY =
  "SELECT resourceId, resourceName, awsRegion, resourceCreationTime, configurationItemCaptureTime, configurationItemStatus, configuration, supplementaryConfiguration WHERE resourceType = 'AWS::S3::Bucket'";

/** The IAM actions the route calls (granted to the functions whose path collects buckets). */
export const CONFIG_ROUTE_READS = [
  'config:DescribeConfigurationRecorders',
  'config:DescribeConfigurationRecorderStatus',
  'config:SelectResourceConfig',
];

/** The settings Config carries in a verified shape, by the direct read they replace. */
export const CONFIG_SETTINGS: readonly BucketSetting[] = [
  's3:GetBucketVersioning',
  's3:GetLifecycleConfiguration',
  's3:GetEncryptionConfiguration',
];

/** A setting as the direct S3 read answers it. */
export interface ConfigSettings {
  's3:GetBucketVersioning'?: GetBucketVersioningCommandOutput;
  's3:GetLifecycleConfiguration'?: GetBucketLifecycleConfigurationCommandOutput;
  's3:GetEncryptionConfiguration'?: GetBucketEncryptionCommandOutput;
}

/** One bucket's configuration item, mapped. */
export interface ConfigBucket {
  name: string;
  region: string;
  capturedAt: string;
  status: string;
  /** configuration.creationDate, else resourceCreationTime (ISO), when the item has either. */
  createdAt?: string;
  settings: ConfigSettings;
}

/** What Config can serve in one Region: the items by bucket name, or why nothing (read directly). */
export type ConfigServed =
  | { ok: true; items: Map<string, ConfigBucket>; checkedAt: string; partial?: string }
  | { ok: false; reason: string };

/** Statuses of an item that describe the bucket as it is (others: deleted, not recorded). */
const CURRENT = new Set(['OK', 'ResourceDiscovered']);

// ---------------------------------------------------------------------------------------------
// Is AWS::S3::Bucket recorded, continuously, by a healthy recorder?

function recordsBuckets(group: RecordingGroup | undefined): boolean {
  if (!group) return false; // not shown to record anything
  const strategy = group.recordingStrategy?.useOnly;
  if (strategy === 'ALL_SUPPORTED_RESOURCE_TYPES' || (!strategy && group.allSupported === true)) return true;
  if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES')
    return !(group.exclusionByResourceTypes?.resourceTypes ?? []).includes(BUCKET_TYPE);
  return (group.resourceTypes ?? []).includes(BUCKET_TYPE);
}

function frequencyOfBuckets(r: ConfigurationRecorder): string {
  const mode = r.recordingMode;
  const override = mode?.recordingModeOverrides?.find((o) => (o.resourceTypes ?? []).includes(BUCKET_TYPE));
  return override?.recordingFrequency ?? mode?.recordingFrequency ?? 'CONTINUOUS';
}

/**
 * Whether the account's (customer managed) recorder serves buckets now: recording, its last
 * status Success within the tolerance, AWS::S3::Bucket in its recording group, recorded
 * continuously (a daily item may be a day old whatever the tolerance). Pure.
 */
export function recorderVerdict(
  recorders: ConfigurationRecorder[],
  statuses: ConfigurationRecorderStatus[],
  o: { maxAgeHours: number; now: Date },
): { ok: true; checkedAt: string } | { ok: false; reason: string } {
  const recorder = recorders.find((r) => !r.servicePrincipal);
  if (!recorder) return { ok: false, reason: 'no AWS Config recorder in this Region' };
  if (!recordsBuckets(recorder.recordingGroup))
    return { ok: false, reason: `the AWS Config recorder does not record ${BUCKET_TYPE}` };
  const frequency = frequencyOfBuckets(recorder);
  if (frequency !== 'CONTINUOUS')
    return { ok: false, reason: `the AWS Config recorder records ${BUCKET_TYPE} ${frequency.toLowerCase()}` };
  const status =
    statuses.find((s) => s.name === recorder.name) ?? (statuses.length === 1 ? statuses[0] : undefined);
  if (!status) return { ok: false, reason: 'the AWS Config recorder has no status' };
  if (status.recording !== true) return { ok: false, reason: 'the AWS Config recorder is stopped' };
  const last = String(status.lastStatus ?? '').toLowerCase();
  if (last !== 'success')
    return {
      ok: false,
      reason: `the AWS Config recorder's last status is ${status.lastStatus ?? 'unknown'}${status.lastErrorCode ? ` (${status.lastErrorCode})` : ''}`,
    };
  const at = status.lastStatusChangeTime ? new Date(status.lastStatusChangeTime) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    return { ok: false, reason: 'the AWS Config recorder does not say when it last succeeded' };
  const ageHours = (o.now.getTime() - at.getTime()) / 3_600_000;
  if (ageHours > o.maxAgeHours)
    return {
      ok: false,
      reason: `the AWS Config recorder last succeeded ${at.toISOString()}, more than configMaxAgeHours (${o.maxAgeHours}) ago`,
    };
  return { ok: true, checkedAt: at.toISOString() };
}

// ---------------------------------------------------------------------------------------------
// Items -> the shapes the direct reads produce

const MAPPERS: [BucketSetting, string, (v: Json) => ConfigSettings[keyof ConfigSettings]][] = [
  ['s3:GetBucketVersioning', 'BucketVersioningConfiguration', versioningOf],
  ['s3:GetLifecycleConfiguration', 'BucketLifecycleConfiguration', lifecycleOf],
  ['s3:GetEncryptionConfiguration', 'ServerSideEncryptionConfiguration', encryptionOf],
];

/**
 * One Select result (a JSON string; its configuration and supplementaryConfiguration nested
 * objects) or a history/BatchGet item (those as JSON strings, sometimes encoded twice) -> the
 * bucket's item, or undefined when it is not a bucket item with a name, a Region and a capture
 * time. Only the settings present in a verified shape are kept: a missing key proves nothing.
 */
export function bucketOfItem(row: unknown): ConfigBucket | undefined {
  const ci = obj(decode(row));
  const config = obj(decode(ci.configuration));
  const name = str(config.name) ?? str(ci.resourceName) ?? str(ci.resourceId);
  const region = str(ci.awsRegion);
  const capturedAt = isoOf(ci.configurationItemCaptureTime);
  if ((ci.resourceType !== undefined && ci.resourceType !== BUCKET_TYPE) || !name || !region || !capturedAt)
    return undefined;
  const supplementary = obj(decode(ci.supplementaryConfiguration));
  const settings: ConfigSettings = {};
  for (const [action, key, map] of MAPPERS) {
    if (!Object.hasOwn(supplementary, key)) continue;
    const value = decode(supplementary[key]);
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    try {
      (settings as Record<string, unknown>)[action] = map(value as Json);
    } catch (e) {
      if (!(e instanceof Unverified)) throw e;
    }
  }
  const createdAt = isoOf(config.creationDate) ?? isoOf(ci.resourceCreationTime);
  return {
    name,
    region,
    capturedAt,
    status: str(ci.configurationItemStatus) ?? '',
    ...(createdAt ? { createdAt } : {}),
    settings,
  };
}

// ---------------------------------------------------------------------------------------------
// The calls

/**
 * What Config serves in `region` (2 + ⌈buckets/100⌉ calls): the recorder checks, then every
 * bucket item. A failed or refused Describe* means the direct route (the reason is kept); a Select
 * that fails part way (throttled after the client's retries) keeps the pages it read, and the
 * buckets not in them are read directly.
 */
export async function configServed(
  aws: Aws,
  region: string,
  o: ConfigRouteOptions,
  progress: Progress,
): Promise<ConfigServed> {
  const config = aws.config(region);
  let verdict: ReturnType<typeof recorderVerdict>;
  try {
    const [recorders, statuses] = await Promise.all([
      config.send((sdk) => new sdk.DescribeConfigurationRecordersCommand({})),
      config.send((sdk) => new sdk.DescribeConfigurationRecorderStatusCommand({})),
    ]);
    verdict = recorderVerdict(
      recorders.ConfigurationRecorders ?? [],
      statuses.ConfigurationRecordersStatus ?? [],
      o,
    );
  } catch (e) {
    verdict = { ok: false, reason: `cannot read the AWS Config recorder (${(e as Error).name})` };
  }
  if (!verdict.ok) {
    progress(`${region}: reading buckets directly: ${verdict.reason}`);
    return verdict;
  }
  const items = new Map<string, ConfigBucket>();
  let partial: string | undefined;
  try {
    const pages = config.pages((sdk, client) =>
      sdk.paginateSelectResourceConfig({ client, pageSize: SELECT_PAGE }, { Expression: BUCKET_QUERY }),
    );
    for await (const page of pages) {
      for (const row of page.Results ?? []) {
        const item = bucketOfItem(row);
        if (item && item.region === region) items.set(item.name, item);
      }
    }
  } catch (e) {
    partial = `config:SelectResourceConfig failed (${(e as Error).name}) after ${items.size} items`;
    progress(`${region}: ${partial}: the other buckets are read directly`);
  }
  return { ok: true, items, checkedAt: verdict.checkedAt, ...(partial ? { partial } : {}) };
}

/**
 * Why one bucket's item cannot serve it (undefined: it can, for the settings it carries). A bucket
 * ListBuckets dates after the item's capture was created again since (or Config has not caught
 * up): read directly. (ListBuckets' CreationDate may also move when the bucket policy changes —
 * that change makes a new item too, so only a date after the capture refuses the item.)
 */
export function itemRefusal(
  item: ConfigBucket | undefined,
  listed: { region: string; createdAt?: string | undefined },
): string | undefined {
  if (!item) return 'not in the AWS Config results';
  if (!CURRENT.has(item.status)) return `its AWS Config item is ${item.status || 'without status'}`;
  if (item.region !== listed.region) return `AWS Config records it in ${item.region}`;
  if (listed.createdAt && Date.parse(listed.createdAt) > Date.parse(item.capturedAt))
    return `created ${listed.createdAt}, after AWS Config recorded it (${item.capturedAt})`;
  return undefined;
}
