/** The S3 and RDS handlers' safety checks (the happy paths run against moto in test/integration). */
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetBucketLifecycleConfigurationCommand,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { type Action, type ApplyAt, describeAction } from '../../src/remediation/actions.js';
import { executePlan } from '../../src/remediation/execute.js';

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
