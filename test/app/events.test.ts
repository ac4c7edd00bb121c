/** Which resources an event is about, from the real events in test/fixtures/real/events. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { targetsOf } from '../../src/app/events.js';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/events/${name}`, 'utf8'));

describe('targetsOf', () => {
  it('takes the database of RDS instance and cluster events', () => {
    expect(targetsOf(fixture('rds_db_instance_event_failover_docs.json'))).toEqual({
      kind: 'resources',
      arns: ['arn:aws:rds:us-east-1:123456789012:db:my-db-instance'],
    });
    expect(targetsOf(fixture('rds_db_cluster_event_patched_docs.json'))).toEqual({
      kind: 'resources',
      arns: ['arn:aws:rds:us-east-1:123456789012:cluster:my-db-cluster'],
    });
  });

  it('takes the bucket of an S3 CloudTrail call in its EventBridge envelope', () => {
    expect(targetsOf(fixture('cloudtrail_s3_CreateBucket_custodian.json'))).toEqual({
      kind: 'resources',
      arns: ['arn:aws:s3:::custodian-create-bucket-v4'],
    });
  });

  it('builds the database ARN of a bare RDS CloudTrail record from its region and account', () => {
    expect(targetsOf(fixture('cloudtrail_record_rds_CreateDBInstance_docs.json'))).toEqual({
      kind: 'resources',
      arns: ['arn:aws:rds:us-east-1:123456789012:db:test-instance'],
    });
  });

  it('asks for a sweep when an AWS Backup plan or selection changes', () => {
    // Prepare
    const event = {
      'detail-type': 'AWS API Call via CloudTrail',
      account: '111111111111',
      detail: {
        eventSource: 'backup.amazonaws.com',
        eventName: 'DeleteBackupSelection',
        awsRegion: 'eu-central-1',
        requestParameters: { backupPlanId: 'p' },
      },
    };
    // Act / Assess
    expect(targetsOf(event)).toEqual({
      kind: 'sweep',
      reason: 'DeleteBackupSelection changes what plans and vaults protect',
    });
  });

  it("ignores backup-sentinel's own changes (by exact role ARN), so healing does not trigger itself", () => {
    // Prepare
    const role = 'arn:aws:iam::123456789012:role/backup-sentinel-prod-eu-central-1-sweep';
    const ours = fixture('cloudtrail_s3_CreateBucket_custodian.json');
    ours.detail.eventName = 'PutBucketVersioning';
    ours.detail.userIdentity = {
      type: 'AssumedRole',
      sessionContext: { sessionIssuer: { userName: 'backup-sentinel-prod-eu-central-1-sweep', arn: role } },
    };
    // Act / Assess
    expect(targetsOf(ours, [role])).toEqual({
      kind: 'ignored',
      reason:
        'PutBucketVersioning was made by backup-sentinel itself (backup-sentinel-prod-eu-central-1-sweep)',
    });
  });

  it('audits a change made by a role merely named like ours', () => {
    // Prepare: anyone with iam:CreateRole can name a role backup-sentinel-* to hide a change
    const ours = 'arn:aws:iam::123456789012:role/backup-sentinel-prod-eu-central-1-sweep';
    const lookalike = fixture('cloudtrail_s3_CreateBucket_custodian.json');
    lookalike.detail.eventName = 'PutBucketVersioning';
    lookalike.detail.userIdentity = {
      type: 'AssumedRole',
      sessionContext: {
        sessionIssuer: {
          userName: 'backup-sentinel-prod-eu-central-1-sweep',
          arn: 'arn:aws:iam::123456789012:role/path/backup-sentinel-prod-eu-central-1-sweep',
        },
      },
    };
    // Act
    const targets = targetsOf(lookalike, [ours]);
    // Assess
    expect(targets.kind).toBe('resources');
  });

  it('keeps only audited resources of a tag change, and ignores the rest with a reason', () => {
    // Prepare
    const ec2 = fixture('tag_change_on_resource_ec2_docs.json');
    const bucket = {
      ...ec2,
      resources: ['arn:aws:s3:::data', 'arn:aws:ec2:us-east-1:123456789012:instance/i-1'],
    };
    // Act / Assess
    expect(targetsOf(ec2)).toEqual({
      kind: 'ignored',
      reason: 'tag change on a resource type we do not audit',
    });
    expect(targetsOf(bucket)).toEqual({ kind: 'resources', arns: ['arn:aws:s3:::data'] });
  });

  it('ignores failed calls, read calls, snapshots and malformed input without throwing', () => {
    // Prepare
    const failed = {
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketVersioning',
      errorCode: 'AccessDenied',
      requestParameters: { bucketName: 'b' },
    };
    const read = fixture('cloudtrail_log_file_s3_ListBuckets_PutBucketAcl_GetBucketVersioning_docs.json')
      .Records[2];
    // Act
    const results = [
      failed,
      read,
      fixture('rds_db_snapshot_event_deletion_docs.json'),
      null,
      'text',
      [],
      { 'detail-type': 'RDS DB Instance Event' },
    ].map((e) => targetsOf(e));
    // Assess
    expect(results.map((r) => r.kind)).toEqual([
      'ignored',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect(results[0]).toEqual({
      kind: 'ignored',
      reason: 'PutBucketVersioning failed (AccessDenied): nothing changed',
    });
  });

  it('never throws on any real event fixture', () => {
    for (const name of readdirSync('test/fixtures/real/events').filter((f) => f.endsWith('.json'))) {
      expect(() => targetsOf(fixture(name)), name).not.toThrow();
    }
  });
});
