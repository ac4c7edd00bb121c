/** Real AWS Config items, in both shapes, normalised into the collectors' resource snapshot. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode, resourceFromConfigItem } from '../../src/inventory/config-item.js';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/config/${name}`, 'utf8'));
const fromRuleEvent = (name: string) =>
  (JSON.parse(fixture(name).invokingEvent) as { configurationItem: unknown }).configurationItem;

describe('resourceFromConfigItem', () => {
  it('reads an S3 bucket from a rule event, where supplementary values are objects and "Off" means never versioned', () => {
    // Act
    const r = resourceFromConfigItem(
      fromRuleEvent('config_rule_change_notification_s3_bucket_custodian.json'),
    );
    // Assess
    expect(r.kind).toBe('resource');
    expect(r.kind === 'resource' && r.resource).toMatchObject({
      Type: 'AWS::S3::Bucket',
      Arn: 'arn:aws:s3:::c7n-fire-logs',
      Name: 'c7n-fire-logs',
      Versioning: {},
      LifecycleRules: [],
    });
  });

  it('reads an API-shape S3 item whose values are JSON strings, with its lifecycle predicate and suspended versioning', () => {
    // Act
    const r = resourceFromConfigItem(fixture('config_item_s3_bucket_lifecycle_versioning_custodian.json'));
    // Assess
    expect(r.kind === 'resource' && r.resource).toMatchObject({
      Arn: 'arn:aws:s3:::testing-99',
      Region: 'us-east-1',
      AccountId: '644160558196',
      Versioning: { Status: 'Suspended' },
      LifecycleRules: [
        {
          ID: 'Docs',
          Status: 'Enabled',
          Filter: { Prefix: 'docs/' },
          NoncurrentVersionExpiration: { NoncurrentDays: 545 },
        },
      ],
    });
    expect(r.capturedAt).toBe('2017-08-12T04:02:36.116Z');
  });

  it('names a lifecycle in a shape the mapping does not know (object size filter) as unproven, not as no rules', () => {
    // Prepare: the real item, its one rule filtered by object size instead of a prefix
    const item = fixture('config_item_s3_bucket_lifecycle_versioning_custodian.json');
    const lifecycle = JSON.parse(item.supplementaryConfiguration.BucketLifecycleConfiguration);
    lifecycle.rules[0].filter.predicate = {
      type: 'LifecycleObjectSizeGreaterThanPredicate',
      objectSizeGreaterThan: 1024,
    };
    item.supplementaryConfiguration.BucketLifecycleConfiguration = JSON.stringify(lifecycle);
    // Act
    const r = resourceFromConfigItem(item);
    // Assess
    expect(r.kind === 'resource' && r.unproven).toEqual(['BucketLifecycleConfiguration']);
    expect(r.kind === 'resource' && r.resource).toMatchObject({ Versioning: { Status: 'Suspended' } });
  });

  it('reads an event-shape S3 item (ARN, awsAccountId) with versioning enabled', () => {
    const r = resourceFromConfigItem(fixture('config_item_s3_bucket_rdk.json'));
    expect(
      r.kind === 'resource' && [
        r.resource.Arn,
        r.resource.AccountId,
        r.resource.Type === 'AWS::S3::Bucket' && r.resource.Versioning,
      ],
    ).toEqual(['arn:aws:s3:::mborch-test-bucket-config-item', '934654633380', { Status: 'Enabled' }]);
  });

  it('reads RDS instances from both shapes with camelCase configuration', () => {
    // Act
    const fromEvent = resourceFromConfigItem(
      fromRuleEvent('config_rule_change_notification_rds_dbinstance_custodian.json'),
    );
    const fromApi = resourceFromConfigItem(fixture('config_item_rds_dbinstance_rdk.json'));
    // Assess
    expect(fromEvent.kind === 'resource' && fromEvent.resource).toMatchObject({
      Type: 'AWS::RDS::DBInstance',
      DBInstanceIdentifier: 'c7n-data-index',
      Engine: 'postgres',
      BackupRetentionPeriod: 7,
      DBSubnetGroupName: 'default',
      OptionGroupName: 'default:postgres-9-6',
    });
    expect(fromApi.kind === 'resource' && fromApi.resource).toMatchObject({
      DBInstanceIdentifier: 'myrdstest',
      Engine: 'mysql',
      StorageEncrypted: true,
      CopyTagsToSnapshot: false,
      Tags: { 'workload-type': 'production' },
      OptionGroupName: 'default:mysql-5-6',
    });
  });

  it('reads an Aurora cluster whose configuration is a JSON string', () => {
    // Act
    const r = resourceFromConfigItem(
      fixture('batch_get_resource_config_rds_dbcluster_custodian.json').configurationItems[0],
    );
    // Assess
    expect(r.kind === 'resource' && r.resource).toMatchObject({
      Type: 'AWS::RDS::DBCluster',
      Arn: 'arn:aws:rds:us-east-1:644160558196:cluster:database-1',
      DBClusterIdentifier: 'database-1',
      BackupRetentionPeriod: 7,
      Tags: { Owner: 'Mc-Mcslice' },
    });
  });

  it('reports a deleted bucket (SNS change notification) as deleted, and other types as unsupported', () => {
    // Act
    const deleted = resourceFromConfigItem(
      (
        JSON.parse(fixture('sns_config_item_change_s3_bucket_resource_deleted_custodian.json').Message) as {
          configurationItem: unknown;
        }
      ).configurationItem,
    );
    const ec2 = resourceFromConfigItem(fromRuleEvent('config_rule_change_notification_ec2_docs.json'));
    // Assess
    expect(deleted).toMatchObject({ kind: 'deleted', resourceType: 'AWS::S3::Bucket' });
    expect(ec2).toMatchObject({ kind: 'unsupported', resourceType: 'AWS::EC2::Instance' });
  });
});

describe('capture time', () => {
  it('reads the Date objects the SDK returns from GetResourceConfigHistory', () => {
    const item = {
      ...fixture('config_item_rds_dbinstance_rdk.json'),
      configurationItemCaptureTime: new Date('2025-01-02T03:04:05.000Z'),
    };
    expect(resourceFromConfigItem(item).capturedAt).toBe('2025-01-02T03:04:05.000Z');
  });
});

describe('decode', () => {
  it('undoes double JSON encoding and keeps plain strings', () => {
    expect(decode('"{\\"a\\":1}"')).toEqual({ a: 1 });
    expect(decode('false')).toBe(false);
    expect(decode('plain')).toBe('plain');
  });
});
