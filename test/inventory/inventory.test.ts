/**
 * The inventory follows AWS API shapes: real published responses (test/fixtures/real, copied from the shared fixtures with their SOURCES.md)
 * map into it with nothing but date conversion and tag flattening.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidFileError } from '../../src/errors.js';
import { arnMatches, likeMatches, parseArn } from '../../src/inventory/arn.js';
import {
  backupPlanSchema,
  backupResourceType,
  bucketSchema,
  dbClusterSchema,
  dbInstanceSchema,
  InventoryIndex,
  isClusterMember,
  kmsKeySchema,
  parseInventory,
  recoveryPointSchema,
} from '../../src/inventory/index.js';
import { bucket, cluster, db, inventory } from '../support/builders.js';
import { placeboIsoDates, raw } from '../support/fixtures.js';

const fixture = (name: string) => raw(`api/${name}`);

describe('inventory shapes follow the AWS APIs', () => {
  it('takes GetBackupPlan as it comes', () => {
    // Prepare
    const { data } = fixture('backup_GetBackupPlan_placebo.json');
    // Act
    const plan = backupPlanSchema.parse(
      placeboIsoDates({
        ...data.BackupPlan,
        BackupPlanId: data.BackupPlanId,
        BackupPlanArn: data.BackupPlanArn,
      }),
    );
    // Assess
    expect(plan.Rules.map((r) => [r.RuleName, r.ScheduleExpression, r.Lifecycle])).toEqual([
      ['dev', 'cron(0 5 ? * * *)', { DeleteAfterDays: 21 }],
      ['weekly-archive', 'cron(0 5 ? * 7 *)', { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 180 }],
    ]);
    expect(plan.Rules[0]?.CopyActions).toEqual([]);
  });

  it('takes DescribeDBInstances and DescribeDBClusters items with flattened tags', () => {
    // Prepare
    const instance = fixture('rds_DescribeDBInstances_placebo.json').data.DBInstances[0];
    const clusterItem = fixture('rds_DescribeDBClusters_placebo.json').data.DBClusters[0];
    const tags = (list: { Key: string; Value: string }[] = []) =>
      Object.fromEntries(list.map((t) => [t.Key, t.Value]));
    // Act
    const i = dbInstanceSchema.parse(
      placeboIsoDates({
        ...instance,
        Type: 'AWS::RDS::DBInstance',
        Arn: instance.DBInstanceArn,
        Region: 'us-east-1',
        AccountId: '123456789012',
        Tags: tags(instance.TagList),
        DBSubnetGroupName: instance.DBSubnetGroup?.DBSubnetGroupName,
      }),
    );
    const c = dbClusterSchema.parse(
      placeboIsoDates({
        ...clusterItem,
        Type: 'AWS::RDS::DBCluster',
        Arn: clusterItem.DBClusterArn,
        Region: 'us-east-1',
        AccountId: '123456789012',
        Tags: tags(clusterItem.TagList),
      }),
    );
    // Assess
    expect([i.DBInstanceIdentifier, i.BackupRetentionPeriod, i.Engine]).toEqual(['database-1', 7, 'mysql']);
    expect(backupResourceType(i)).toBe('RDS');
    expect([c.BackupRetentionPeriod, backupResourceType(c)]).toEqual([14, 'Aurora']);
  });

  it('takes S3 versioning, lifecycle and object lock responses, including the "never enabled" and 404 cases', () => {
    // Prepare
    const rules = fixture('s3_GetBucketLifecycleConfiguration_placebo.json').data.Rules;
    const never = fixture('s3_GetBucketVersioning_never_enabled_placebo.json').data;
    const lock = fixture('s3_GetObjectLockConfiguration_placebo.json').data.ObjectLockConfiguration;
    const base = {
      Type: 'AWS::S3::Bucket',
      Arn: 'arn:aws:s3:::b',
      Region: 'us-east-1',
      AccountId: '123456789012',
      Name: 'b',
    };
    // Act
    const withAll = bucketSchema.parse({
      ...base,
      Versioning: fixture('s3_GetBucketVersioning_enabled_placebo.json').data,
      LifecycleRules: rules,
      ObjectLockConfiguration: lock,
    });
    const bare = bucketSchema.parse({ ...base, Versioning: { ...never, ResponseMetadata: undefined } });
    // Assess
    expect(withAll.Versioning.Status).toBe('Enabled');
    expect(withAll.LifecycleRules.length).toBe(rules.length);
    expect(withAll.ObjectLockConfiguration?.ObjectLockEnabled).toBe('Enabled');
    expect(bare.Versioning.Status).toBeUndefined();
    expect(bare.LifecycleRules).toEqual([]);
  });

  it('takes ListRecoveryPointsByResource items once the vault ARN is known', () => {
    // Prepare
    const points = fixture('backup_ListRecoveryPointsByResource_rds_placebo.json').data.RecoveryPoints;
    // Act
    const parsed = points.map((p: Record<string, unknown>) =>
      recoveryPointSchema.parse(
        placeboIsoDates({
          ...p,
          ResourceArn: 'arn:aws:rds:us-east-1:123456789012:db:database-1',
          BackupVaultArn: 'arn:aws:backup:us-east-1:123456789012:backup-vault:Default',
        }),
      ),
    );
    // Assess
    expect(parsed.map((p: { Status: string; CreationDate: string }) => [p.Status, p.CreationDate])).toEqual([
      ['COMPLETED', '2022-09-09T14:04:52.776Z'],
      ['COMPLETED', '2022-09-08T22:04:52.776Z'],
      ['COMPLETED', '2022-09-07T17:04:52.776Z'],
    ]);
  });

  it('takes DescribeKey metadata of an EXTERNAL key pending import', () => {
    // Act
    const key = kmsKeySchema.parse(
      placeboIsoDates(fixture('kms_DescribeKey_external_pending_import_placebo.json').data.KeyMetadata),
    );
    // Assess
    expect([key.Origin, key.KeyState, key.KeyManager, key.Enabled]).toEqual([
      'EXTERNAL',
      'PendingImport',
      'CUSTOMER',
      false,
    ]);
  });
});

describe('parseInventory', () => {
  it('parses the example account', () => {
    // Act
    const inv = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
    // Assess
    expect(inv.resources.length).toBeGreaterThanOrEqual(20);
    expect(new Set(inv.resources.map((r) => r.Region))).toEqual(new Set(['eu-central-1', 'eu-west-1']));
  });

  it('lists every problem with its path, and stops listing after 20', () => {
    // Prepare
    const resources = Array.from({ length: 30 }, () => ({ Type: 'AWS::S3::Bucket' }));
    // Act
    const error = (() => {
      try {
        parseInventory(
          JSON.stringify({ version: 2, capturedAt: 'yesterday', accountId: '1', regions: ['x'], resources }),
          'inv.json',
        );
      } catch (e) {
        return e as InvalidFileError;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(InvalidFileError);
    expect(error?.problems.slice(0, 4)).toEqual([
      'version: must be 1 (the inventory format version)',
      'capturedAt: must be an ISO-8601 date',
      'accountId: must be a 12-digit account id',
      'resources[0].Arn: is required',
    ]);
    expect(error?.problems).toHaveLength(21);
    expect(error?.problems.at(-1)).toMatch(/^\.\.\. and \d+ more$/);
  });

  it('rejects a resource of an unknown type and text that is not JSON', () => {
    expect(() => parseInventory('{"version":1', 'x.json')).toThrow(
      /x.json is invalid:\n {2}- not valid JSON/,
    );
    expect(() =>
      parseInventory(
        JSON.stringify({
          version: 1,
          capturedAt: '2026-01-01T00:00:00Z',
          accountId: '111111111111',
          regions: ['eu-west-1'],
          resources: [{ Type: 'AWS::EC2::Instance' }],
        }),
      ),
    ).toThrow(/resources\[0\]\.Type/);
  });
});

describe('InventoryIndex', () => {
  it('finds keys by ARN, id and alias, and sorts recovery points newest first', () => {
    // Prepare
    const inv = inventory({
      kmsKeys: [
        {
          KeyId: 'k1',
          Arn: 'arn:aws:kms:eu-central-1:111111111111:key/k1',
          Enabled: true,
          KeyState: 'Enabled',
          KeyManager: 'AWS',
          Aliases: ['alias/aws/rds'],
        },
      ],
      recoveryPoints: ['2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-02-01T00:00:00Z'].map(
        (d, i) => ({
          RecoveryPointArn: `rp${i}`,
          ResourceArn: 'r',
          BackupVaultArn: 'arn:aws:backup:eu-central-1:111111111111:backup-vault:v',
          CreationDate: d,
          Status: 'COMPLETED',
        }),
      ),
    });
    // Act
    const index = new InventoryIndex(inv);
    // Assess
    expect(index.key('k1')?.KeyId).toBe('k1');
    expect(index.key('arn:aws:kms:eu-central-1:111111111111:alias/aws/rds')?.KeyId).toBe('k1');
    expect(index.recoveryPointsByResource.get('r')?.map((p) => p.RecoveryPointArn)).toEqual([
      'rp1',
      'rp2',
      'rp0',
    ]);
  });

  it('tells Aurora members, Multi-AZ clusters and buckets apart', () => {
    const inv = inventory({
      resources: [db('m', { DBClusterIdentifier: 'c' }), cluster('maz', { Engine: 'postgres' }), bucket('b')],
    });
    expect(inv.resources.map(isClusterMember)).toEqual([true, false, false]);
    expect(inv.resources.map(backupResourceType)).toEqual(['RDS', 'RDS', 'S3']);
  });
});

describe('ARN helpers', () => {
  it('parses ARNs whose resource part holds colons', () => {
    expect(parseArn('arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:awsbackup:job-1')).toEqual({
      partition: 'aws',
      service: 'rds',
      region: 'eu-west-1',
      account: '111111111111',
      resource: 'cluster-snapshot:awsbackup:job-1',
    });
    expect(parseArn('not-an-arn')).toBeUndefined();
  });

  it('matches AWS Backup ARN patterns and StringLike values literally apart from wildcards', () => {
    expect(arnMatches('arn:aws:rds:*:*:db:*', 'arn:aws:rds:eu-west-1:1:db:x')).toBe(true);
    expect(arnMatches('arn:aws:rds:*:*:db:*', 'arn:aws:rds:eu-west-1:1:cluster:x')).toBe(false);
    expect(arnMatches('arn:aws:s3:::a.b', 'arn:aws:s3:::aXb')).toBe(false);
    expect(likeMatches('prod-?', 'prod-1')).toBe(true);
    expect(likeMatches('prod-?', 'prod-12')).toBe(false);
    expect(likeMatches('*rod*', 'production')).toBe(true);
  });
});

describe('wildcard matching is linear and agrees with the regular-expression reading', () => {
  const reference = (pattern: string, value: string, question: boolean) =>
    new RegExp(
      `^${[...pattern].map((c) => (c === '*' ? '.*' : question && c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
      's',
    ).test(value);
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?', ':', '.'), maxLength: 12 });

  it('matches exactly what the regex reading matches (ARN patterns: * only; StringLike: * and ?)', () => {
    fc.assert(
      fc.property(
        text,
        fc.string({ unit: fc.constantFrom('a', 'b', ':', '.', '?', '*'), maxLength: 12 }),
        (p, v) => {
          expect(arnMatches(p, v)).toBe(p === '*' || reference(p, v, false));
          expect(likeMatches(p, v)).toBe(reference(p, v, true));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
