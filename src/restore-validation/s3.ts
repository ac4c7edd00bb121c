/**
 * A bucket restored by a restore test, compared with its source bucket through ListObjectsV2 only
 * (s3:ListBucket: keys, sizes, ETags; no object is read).
 *
 * Bounded and deterministic: at most `maxKeys` keys are listed from each bucket, from the start of
 * the key space. ListObjectsV2 returns keys in UTF-8 binary order, so up to the smaller of the two
 * last keys listed both listings are complete, and exactly that range is compared.
 *
 * What must match, and only that:
 * - Every source object written before the recovery point was created is in the restore, with the
 *   same size. Objects written (or overwritten) after it are not expected (LastModified has
 *   one-second precision: objects within a second of it are not expected either); objects the
 *   restore holds that the source no longer has were deleted since, and are not a failure. Objects
 *   in S3 Glacier Flexible Retrieval or Deep Archive are not expected: AWS Backup does not back
 *   them up.
 * - The ETag is compared only where it is an MD5 of the content on both sides: a single-part ETag
 *   (32 hex digits, no "-<parts>" suffix) in buckets whose default encryption is SSE-S3 or none. An
 *   SSE-KMS, DSSE-KMS or SSE-C object's ETag is not an MD5 of its data, nor is a multipart upload's
 *   (MD5 of the parts' MD5s, "-N"), so a restore that re-uploads or re-encrypts an object changes it
 *   legitimately; sizes are compared for those objects. An object written with SSE-KMS by request
 *   into a bucket whose default is SSE-S3 is the one case this cannot see from a listing.
 */
import type { Aws, S3Api } from '../aws/clients.js';
import { oneLine } from '../errors.js';
import { type Ignored, ignored, type RestoreJob, type Subject } from './job.js';
import {
  couldNotValidate,
  GONE_VALUE,
  type Read,
  read,
  type Unread,
  type Verdict,
  verdict,
} from './verdict.js';

export interface Listed {
  key: string;
  size: number;
  etag: string;
  lastModified?: Date;
  storageClass?: string;
}

/** The first objects of a bucket by key; `complete` when it holds no more. */
export interface Listing {
  objects: Listed[];
  complete: boolean;
}

/** Keys read per bucket at most (one ListObjectsV2 page). */
export const MAX_KEYS = 1000;
/** LastModified has one-second precision: a newer or as-new object is not expected in the restore. */
const CLOCK_MARGIN_MS = 1000;
/** Storage classes AWS Backup does not back up (archived objects). */
const ARCHIVED = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const MD5_ETAG = /^[0-9a-f]{32}$/i;

const utf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const unquoted = (etag: string) => etag.replace(/^"|"$/g, '');

export interface BucketComparison {
  /** Source objects older than the recovery point, in the compared range. */
  expected: number;
  missing: Listed[];
  sizeDiffers: { source: Listed; restored: Listed }[];
  etagDiffers: Listed[];
  etagCompared: number;
  /** Source objects in range not expected: written after the recovery point, or archived. */
  newer: number;
  archived: number;
  /** Restored objects in range. */
  restored: number;
  /** The last key compared, or undefined when both buckets were listed completely. */
  upTo?: string;
}

/** The restore against the source, in the range both listings cover (pure). */
export function compareBuckets(
  source: Listing,
  restored: Listing,
  o: { recoveryPointAt: Date; compareEtags: boolean },
): BucketComparison {
  const lasts = [source, restored]
    .filter((l) => !l.complete)
    .map((l) => l.objects[l.objects.length - 1]?.key ?? '');
  const upTo = lasts.sort(utf8)[0];
  const inRange = (o: Listed) => upTo === undefined || utf8(o.key, upTo) <= 0;
  const there = new Map(restored.objects.filter(inRange).map((r) => [r.key, r]));
  const cutoff = o.recoveryPointAt.getTime() - CLOCK_MARGIN_MS;
  const c: BucketComparison = {
    expected: 0,
    missing: [],
    sizeDiffers: [],
    etagDiffers: [],
    etagCompared: 0,
    newer: 0,
    archived: 0,
    restored: there.size,
    ...(upTo !== undefined ? { upTo } : {}),
  };
  for (const s of source.objects.filter(inRange)) {
    if (!s.lastModified || s.lastModified.getTime() >= cutoff) {
      c.newer++;
      continue;
    }
    if (s.storageClass && ARCHIVED.has(s.storageClass)) {
      c.archived++;
      continue;
    }
    c.expected++;
    const r = there.get(s.key);
    if (!r) c.missing.push(s);
    else if (r.size !== s.size) c.sizeDiffers.push({ source: s, restored: r });
    else if (o.compareEtags && MD5_ETAG.test(unquoted(s.etag)) && MD5_ETAG.test(unquoted(r.etag))) {
      c.etagCompared++;
      if (unquoted(s.etag).toLowerCase() !== unquoted(r.etag).toLowerCase()) c.etagDiffers.push(s);
    }
  }
  return c;
}

const keyText = (k: string) => JSON.stringify(oneLine(k, 60));
const examples = (xs: string[]) =>
  `${xs.slice(0, 3).join(', ')}${xs.length > 3 ? `, … ${xs.length - 3} more` : ''}`;

/** The verdict's text: what differs, then what was compared. */
export function bucketVerdict(
  name: string,
  c: BucketComparison,
  o: { etagNote: string; maxKeys: number },
): Verdict {
  const scope = [
    c.upTo === undefined
      ? 'all keys compared'
      : `keys compared up to ${keyText(c.upTo)} (the first ${o.maxKeys} of each bucket)`,
    c.newer ? `${c.newer} written after the recovery point not expected` : '',
    c.archived ? `${c.archived} archived (Glacier) not expected` : '',
    o.etagNote,
  ]
    .filter(Boolean)
    .join('; ');
  const problems = [
    c.missing.length
      ? `${c.missing.length} of ${c.expected} objects older than the recovery point missing (${examples(c.missing.map((m) => keyText(m.key)))})`
      : '',
    c.sizeDiffers.length
      ? `${c.sizeDiffers.length} with another size (${examples(c.sizeDiffers.map((d) => `${keyText(d.source.key)} ${d.source.size} B, restored ${d.restored.size} B`))})`
      : '',
    c.etagDiffers.length
      ? `${c.etagDiffers.length} with another ETag (${examples(c.etagDiffers.map((d) => keyText(d.key)))})`
      : '',
  ].filter(Boolean);
  if (problems.length) return verdict('FAILED', `S3 ${name}: ${problems.join('; ')}; ${scope}`);
  // Nothing expected, yet something listed: nothing could be compared (both empty is a match).
  if (c.expected === 0 && c.restored + c.newer + c.archived > 0)
    return couldNotValidate(
      [],
      `S3 ${name}: no source object listed predates the recovery point, so none could be compared (restored bucket: ${c.restored} objects); ${scope}`,
    );
  const etags = c.etagCompared ? `, ${c.etagCompared} with the same ETag` : '';
  return verdict(
    'SUCCESSFUL',
    `S3 ${name}: ${c.expected} of ${c.expected} objects older than the recovery point present with the same size${etags} (restored bucket: ${c.restored} objects); ${scope}`,
  );
}

/** The first `max` objects of a bucket, or 'gone'. */
async function list(
  s3: S3Api,
  { name, arn }: { name: string; arn: string },
  max: number,
): Promise<Read<Listing | typeof GONE_VALUE>> {
  return read('s3:ListBucket', arn, async () => {
    const objects: Listed[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        (sdk) =>
          new sdk.ListObjectsV2Command({
            Bucket: name,
            MaxKeys: Math.min(1000, max - objects.length),
            ...(token ? { ContinuationToken: token } : {}),
          }),
      );
      for (const o of page.Contents ?? [])
        objects.push({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: o.ETag ?? '',
          ...(o.LastModified ? { lastModified: o.LastModified } : {}),
          ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
        });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token && objects.length < max);
    return { objects, complete: token === undefined };
  });
}

/** The bucket's default encryption algorithm ('none' when it has no configuration). */
async function defaultEncryption(
  s3: S3Api,
  { name, arn }: { name: string; arn: string },
): Promise<Read<string>> {
  const got = await read('s3:GetEncryptionConfiguration', arn, async () => {
    try {
      const out = await s3.send((sdk) => new sdk.GetBucketEncryptionCommand({ Bucket: name }));
      const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      return rule?.SSEAlgorithm ?? 'none';
    } catch (e) {
      if ((e as Error).name === 'ServerSideEncryptionConfigurationNotFoundError') return 'none';
      throw e;
    }
  });
  return got.ok && got.value === GONE_VALUE ? { ok: true, value: 'none' } : (got as Read<string>);
}

/** GetBucketLocation answers null for us-east-1 and EU for the legacy eu-west-1. */
async function regionOf(
  aws: Aws,
  region: string,
  { name, arn }: { name: string; arn: string },
): Promise<Read<string | typeof GONE_VALUE>> {
  return read('s3:GetBucketLocation', arn, async () => {
    const loc = await aws.s3(region).send((sdk) => new sdk.GetBucketLocationCommand({ Bucket: name }));
    return loc.LocationConstraint === 'EU' ? 'eu-west-1' : (loc.LocationConstraint ?? 'us-east-1');
  });
}

type BucketSubject = Extract<Subject, { kind: 'bucket' }>;

/** The verdict on a restored bucket; ignored when it is already gone (nothing left to check). */
export async function validateBucket(
  aws: Aws,
  job: RestoreJob,
  subject: BucketSubject,
  o: { region: string; maxKeys?: number },
): Promise<Verdict | Ignored> {
  const max = o.maxKeys ?? MAX_KEYS;
  const { restored, source } = subject;
  const what = `S3 ${restored.name}`;
  // A restore test restores into a new bucket of the job's Region.
  const restoredS3 = aws.s3(o.region);
  const after = await list(restoredS3, restored, max);
  if (!after.ok) return couldNotValidate([after.unread], `${what} not listed`);
  if (after.value === GONE_VALUE)
    return ignored(
      `${what} no longer exists (deleted when the validation window closed?): nothing to check`,
      job.RestoreJobId,
    );
  if (!source) return couldNotValidate([], `the restore job names no source bucket to compare ${what} with`);
  const at = job.RecoveryPointCreationDate;
  if (!at)
    return couldNotValidate(
      [],
      'the restore job has no RecoveryPointCreationDate: which source objects to expect is unknown',
    );
  const where = await regionOf(aws, o.region, source);
  if (where.ok && where.value === GONE_VALUE)
    return couldNotValidate(
      [],
      `source bucket ${source.name} no longer exists: ${what} has nothing to be compared with`,
    );
  const unread: Unread[] = where.ok ? [] : [where.unread];
  const sourceS3 = aws.s3(where.ok && where.value !== GONE_VALUE ? where.value : o.region);
  const before = await list(sourceS3, source, max);
  if (!before.ok) return couldNotValidate([...unread, before.unread], `source of ${what} not listed`);
  if (before.value === GONE_VALUE)
    return couldNotValidate(
      [],
      `source bucket ${source.name} no longer exists: ${what} has nothing to be compared with`,
    );
  // ETags are compared only where both are MD5s of the content: buckets without KMS by default.
  const encryption = [
    await defaultEncryption(sourceS3, source),
    await defaultEncryption(restoredS3, restored),
  ];
  const failed = encryption.flatMap((e) => (e.ok ? [] : [e.unread]));
  const kms = encryption.flatMap((e) =>
    e.ok && e.value !== 'AES256' && e.value !== 'none' ? [e.value] : [],
  );
  const compareEtags = failed.length === 0 && kms.length === 0;
  const etagNote = failed.length
    ? `ETags not compared (bucket encryption not read: ${failed.map((u) => u.error).join(', ')})`
    : kms.length
      ? `ETags not compared (${kms[0]} default encryption: not an MD5 of the content)`
      : 'ETags compared for single-part objects (multipart ETags are not an MD5 of the content)';
  const c = compareBuckets(before.value, after.value, { recoveryPointAt: at, compareEtags });
  return bucketVerdict(restored.name, c, { etagNote, maxKeys: max });
}
