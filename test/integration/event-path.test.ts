/** The event path against moto server: one resource, with the region's AWS Backup state cached. */
import { CreateDBInstanceCommand } from '@aws-sdk/client-rds';
import { CreateBucketCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearBackupCache, collectResource } from '../../src/inventory/collect.js';
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
      new CreateBucketCommand({
        Bucket: 'event-bucket',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await aws.s3(REGION).send(
      new PutBucketTaggingCommand({
        Bucket: 'event-bucket',
        Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'gold' }] },
      }),
    );
    await aws.s3(REGION).send(
      new CreateBucketCommand({
        Bucket: 'other-bucket',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await aws.rds(REGION).send(
      new CreateDBInstanceCommand({
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

  beforeEach(() => clearBackupCache());

  it('reads one bucket, in its own region, with its tags', async () => {
    // Act
    const inv = await collectResource(motoAws(), BUCKET, { policies, now: new Date() });
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
    await collectResource(first, BUCKET, { policies, now: new Date() });
    // Act
    const inv = await collectResource(second, DB, { policies, now: new Date() });
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
