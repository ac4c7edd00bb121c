/**
 * The event path against moto server: one resource, with the region's AWS Backup state cached,
 * and read again after a fix changed it.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { onResourceChange, type Settings } from '../../src/app/runtime.js';
import { BackupStateCache, collectResource } from '../../src/inventory/collect/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const policies = parsePolicies('policies:\n  gold: {}\n');
const BUCKET = 'arn:aws:s3:::event-bucket';
const DB = `arn:aws:rds:${REGION}:${MOTO_ACCOUNT}:db:event-db`;

describe('collectResource', () => {
  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    await aws.s3(REGION).send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: 'event-bucket',
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
    );
    await aws.s3(REGION).send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket: 'event-bucket',
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'gold' }] },
        }),
    );
    await aws.s3(REGION).send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: 'other-bucket',
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
    );
    await aws.rds(REGION).send(
      (sdk) =>
        new sdk.CreateDBInstanceCommand({
          DBInstanceIdentifier: 'event-db',
          DBInstanceClass: 'db.t3.micro',
          Engine: 'postgres',
          MasterUsername: 'sentinel',
          MasterUserPassword: 'not-a-secret-123',
          AllocatedStorage: 20,
          Tags: [{ Key: 'backup:policy', Value: 'gold' }],
        }),
    );
  });

  let cache: BackupStateCache;
  beforeEach(() => {
    cache = new BackupStateCache();
  });

  it('reads one bucket, in its own region, with its tags', async () => {
    // Act
    const inv = await collectResource(motoAws(), BUCKET, { policies, now: new Date(), cache });
    // Assess
    expect(inv.resources.map((r) => [r.Arn, r.Region, r.Tags['backup:policy']])).toEqual([
      [BUCKET, REGION, 'gold'],
    ]);
    expect(inv.accountId).toBe(MOTO_ACCOUNT);
  });

  it('reads one database and reuses the cached AWS Backup state for the next event', async () => {
    // Prepare
    const first = motoAws();
    const second = motoAws();
    await collectResource(first, BUCKET, { policies, now: new Date(), cache });
    // Act
    const inv = await collectResource(second, DB, { policies, now: new Date(), cache });
    // Assess
    expect(inv.resources.map((r) => r.Arn)).toEqual([DB]);
    expect(first.calls.get('Backup.ListBackupPlans')).toBe(1);
    expect(second.calls.get('Backup.ListBackupPlans')).toBeUndefined();
  });

  it('rejects an ARN it does not audit', async () => {
    await expect(
      collectResource(motoAws(), 'arn:aws:ec2:eu-central-1:123456789012:instance/i-1', {
        policies,
        now: new Date(),
      }),
    ).rejects.toThrow('not an RDS database or S3 bucket ARN');
  });
});

describe('onResourceChange with the container cache', () => {
  const settings = (mode: Settings['mode']): Settings => ({
    region: REGION,
    mode,
    maxChanges: 20,
    ownRoleArns: [],
  });
  const tagChange = { 'detail-type': 'Tag Change on Resource', resources: [BUCKET] };
  /** Reads of the region's AWS Backup state (only the collector lists backup jobs). */
  const stateReads = (aws: ReturnType<typeof motoAws>) => aws.calls.get('Backup.ListBackupJobs') ?? 0;

  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    await aws.s3(REGION).send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: 'event-bucket',
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
    );
    await aws.s3(REGION).send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket: 'event-bucket',
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'gold' }] },
        }),
    );
  });

  it('reuses the state while nothing is fixed, and reads it again after a fix was applied in the region', async () => {
    // Prepare
    const cache = new BackupStateCache();
    const event = (mode: Settings['mode']) => {
      const aws = motoAws();
      return onResourceChange(aws, tagChange, policies, settings(mode), new Date(), cache).then(
        (outcome) => ({
          aws,
          results: outcome.kind === 'resources' ? outcome.outcomes.flatMap((o) => o.results) : [],
        }),
      );
    };
    // Act
    const dryRun = await event('dry-run');
    const again = await event('dry-run');
    const fix = await event('on');
    const afterFix = await event('on');
    // Assess
    expect(dryRun.results.some((r) => r.status === 'would-apply')).toBe(true);
    expect(fix.results.some((r) => r.status === 'applied' && r.action.region === REGION)).toBe(true);
    expect([dryRun, again, fix, afterFix].map((e) => stateReads(e.aws))).toEqual([1, 0, 0, 1]);
  });
});
