/** S3: bucket versioning, and the noncurrent-version lifecycle rule merged into the bucket's own. */
import type { LifecycleRule, TransitionDefaultMinimumObjectSize } from '@aws-sdk/client-s3';
import type { S3Api } from '../../aws/clients.js';
import type { ActionOf } from '../actions.js';
import { errorName, fingerprint, guard, type Handler, type Handlers, refuse } from '../step.js';

const enableVersioning: Handler<ActionOf<'EnableBucketVersioning'>> = async (aws, { region, bucket }) => {
  const s3 = aws.s3(region);
  const got = await s3.send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket: bucket }));
  const before = { Status: got.Status ?? 'never enabled' };
  if (got.Status === 'Enabled') return { before, after: before };
  return {
    before,
    after: { Status: 'Enabled' },
    write: () =>
      s3.send(
        (sdk) =>
          new sdk.PutBucketVersioningCommand({
            Bucket: bucket,
            VersioningConfiguration: { Status: 'Enabled' },
          }),
      ),
  };
};

interface LifecycleDocument {
  Rules: LifecycleRule[];
  TransitionDefaultMinimumObjectSize?: TransitionDefaultMinimumObjectSize;
}

async function readLifecycle(s3: S3Api, bucket: string): Promise<LifecycleDocument> {
  const got = await s3
    .send((sdk) => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
    .catch((e) => {
      if (errorName(e) === 'NoSuchLifecycleConfiguration') return undefined;
      throw e;
    });
  const size = got?.TransitionDefaultMinimumObjectSize;
  return { Rules: got?.Rules ?? [], ...(size ? { TransitionDefaultMinimumObjectSize: size } : {}) };
}

/** S3 gives every rule an ID; one without is named by its content. */
const lifecycleParts = (doc: LifecycleDocument) => doc.Rules.map((r) => `rule ${r.ID ?? fingerprint(r)}`);

const addLifecycleRule: Handler<ActionOf<'AddBucketLifecycleRule'>> = async (
  aws,
  { region, bucket, ruleId: id, noncurrentDays: days },
) => {
  const s3 = aws.s3(region);
  const read = () => readLifecycle(s3, bucket);
  const got = await read();
  const rules = got.Rules;
  if (rules.some((r) => r.ID === id)) return { before: { Rules: rules }, after: { Rules: rules } };
  // S3 honours the earliest expiration where rules overlap: a bucket-wide rule would shorten a
  // user's longer noncurrent retention under some prefix. Such buckets are left to their owners.
  const theirs = rules.find((r) => r.Status === 'Enabled' && r.NoncurrentVersionExpiration);
  if (theirs)
    return refuse(
      { Rules: rules },
      `rule ${theirs.ID ?? '(unnamed)'} already expires noncurrent versions; not adding a bucket-wide rule over it`,
    );
  // The user's rules are sent back exactly as read; ours is appended.
  const ours: LifecycleRule = {
    ID: id,
    Status: 'Enabled',
    Filter: {},
    NoncurrentVersionExpiration: { NoncurrentDays: days },
  };
  const written = { ...got, Rules: [...rules, ours] };
  return {
    before: { Rules: rules },
    after: { Rules: written.Rules },
    write: () =>
      s3.send(
        (sdk) =>
          new sdk.PutBucketLifecycleConfigurationCommand({
            Bucket: bucket,
            LifecycleConfiguration: { Rules: written.Rules },
            ...(got.TransitionDefaultMinimumObjectSize
              ? { TransitionDefaultMinimumObjectSize: got.TransitionDefaultMinimumObjectSize }
              : {}),
          }),
      ),
    guard: guard(read, got, written, lifecycleParts),
  };
};

export const s3Handlers = {
  EnableBucketVersioning: enableVersioning,
  AddBucketLifecycleRule: addLifecycleRule,
} satisfies Partial<Handlers>;
