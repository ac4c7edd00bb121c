/** The S3 and RDS handlers' safety checks (the happy paths run against moto in test/integration). */
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { type Action, type ApplyAt, describeAction } from '../../src/remediation/actions.js';
import { executePlan, READ_CONCURRENCY } from '../../src/remediation/execute.js';

const s3 = mockClient(S3Client);
const rds = mockClient(RDSClient);
const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
// Changed: no accountId or policies (the executor needs neither); an action and its summary only.
const options = { apply: true, maxChanges: 10, backupRoleArn: 'arn:aws:iam::111111111111:role/b' };
const run = (action: Action) =>
  executePlan(aws, [{ action, summary: describeAction(action) }], options).then((r) => r[0]);

beforeEach(() => {
  s3.reset();
  rds.reset();
});
afterAll(() => {
  s3.restore();
  rds.restore();
});

describe('AddBucketLifecycleRule', () => {
  it('adds no bucket-wide rule over an owner rule that already expires noncurrent versions under a prefix', async () => {
    // Prepare
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({
      Rules: [
        {
          ID: 'legal',
          Filter: { Prefix: 'legal/' },
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 3650 },
        },
      ],
    });
    // Act
    const result = await run({
      type: 'AddBucketLifecycleRule',
      region: 'eu-central-1',
      bucket: 'b',
      ruleId: 'backup-sentinel-noncurrent-expiration',
      noncurrentDays: 30,
    });
    // Assess
    // Changed: a safety refusal is reported as refused with its reason, not as a failed change.
    expect(result).toMatchObject({
      status: 'refused',
      reason: 'rule legal already expires noncurrent versions; not adding a bucket-wide rule over it',
    });
    expect(s3.commandCalls(PutBucketLifecycleConfigurationCommand)).toHaveLength(0);
  });
});

describe('ModifyDBInstance', () => {
  // Changed: `applyImmediately: true` (which the executor never sent) became `applyAt: 'now'`.
  const modify = (
    changes: Extract<Action, { type: 'ModifyDBInstance' }>['changes'],
    applyAt: ApplyAt = 'now',
  ): Action => ({
    type: 'ModifyDBInstance',
    region: 'eu-central-1',
    identifier: 'db1',
    changes,
    applyAt,
  });

  it.each<ApplyAt>(['now', 'next-maintenance-window'])(
    'never applies immediately, so the owner’s queued changes keep waiting for the maintenance window (applyAt %s)',
    async (applyAt) => {
      // Prepare
      rds.on(DescribeDBInstancesCommand).resolves({
        DBInstances: [{ DBInstanceIdentifier: 'db1', BackupRetentionPeriod: 7, DeletionProtection: false }],
      });
      rds.on(ModifyDBInstanceCommand).resolves({});
      // Act
      const result = await run(modify({ DeletionProtection: true }, applyAt));
      // Assess
      expect(result?.status).toBe('applied');
      expect(rds.commandCalls(ModifyDBInstanceCommand)[0]?.args[0].input).toEqual({
        DBInstanceIdentifier: 'db1',
        DeletionProtection: true,
        ApplyImmediately: false,
      });
    },
  );

  it('counts a retention change pending for the maintenance window as done', async () => {
    // Prepare
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'db1',
          BackupRetentionPeriod: 0,
          PendingModifiedValues: { BackupRetentionPeriod: 7 },
        },
      ],
    });
    // Act
    const result = await run(modify({ BackupRetentionPeriod: 7 }));
    // Assess
    expect(result?.status).toBe('already-done');
    expect(rds.commandCalls(ModifyDBInstanceCommand)).toHaveLength(0);
  });
});

describe('reading the state of many per-resource actions', () => {
  /** Counts the versioning reads in flight at once (each answered after a short wait). */
  function inFlight() {
    const seen = { now: 0, max: 0, order: [] as string[] };
    s3.on(GetBucketVersioningCommand).callsFake(async () => {
      seen.now++;
      seen.max = Math.max(seen.max, seen.now);
      await new Promise((r) => setTimeout(r, 5));
      seen.now--;
      return { Status: 'Suspended' };
    });
    s3.on(PutBucketVersioningCommand).callsFake(async (input: { Bucket: string }) => {
      seen.order.push(input.Bucket);
      return {};
    });
    return seen;
  }
  const versioning = (bucket: string): Action => ({
    type: 'EnableBucketVersioning',
    region: 'eu-central-1',
    bucket,
  });
  const planned = (actions: Action[]) =>
    actions.map((action) => ({ action, summary: describeAction(action) }));

  it('reads different buckets in parallel (at most READ_CONCURRENCY at once) and writes them one at a time, in order', async () => {
    // Prepare
    const seen = inFlight();
    const buckets = Array.from({ length: 40 }, (_, i) => `b${String(i).padStart(2, '0')}`);

    // Act
    const results = await executePlan(aws, planned(buckets.map(versioning)), { ...options, maxChanges: 100 });

    // Assess
    expect(results.map((r) => r.status)).toEqual(buckets.map(() => 'applied'));
    expect(seen.max).toBeGreaterThan(1);
    expect(seen.max).toBeLessThanOrEqual(READ_CONCURRENCY);
    expect(seen.order).toEqual(buckets);
  });

  it('reads two actions on one bucket one after the other, and no more than the cap allows', async () => {
    // Prepare
    const seen = inFlight();

    // Act
    const same = await executePlan(aws, planned([versioning('a'), versioning('a')]), options);
    const capped = await executePlan(aws, planned(['x', 'y', 'z', 'w'].map(versioning)), {
      ...options,
      apply: false,
      maxChanges: 2,
    });

    // Assess
    expect(same.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(capped.map((r) => r.status)).toEqual(['would-apply', 'would-apply', 'over-cap', 'over-cap']);
    expect(s3.commandCalls(GetBucketVersioningCommand).map((c) => c.args[0].input.Bucket)).toEqual([
      'a',
      'a',
      'x',
      'y',
    ]);
    expect(seen.max).toBe(1 + 1);
  });
});
