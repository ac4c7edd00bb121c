/**
 * AWS semantics the verdicts depend on (verdicts issue, section 3): completed-with-issues jobs,
 * stopped continuous backups, resources AWS treats differently, partitions, name limits, and
 * "absent" only where the read that would have seen it succeeded.
 */
import { describe, expect, it } from 'vitest';
import { partitionOf, vaultArn } from '../../src/inventory/arn.js';
import type { InventoryInput } from '../../src/inventory/schema.js';
import { fitName, restoreTestingSelectionName } from '../../src/rules/catalogue/restore.js';
import { audit } from '../../src/rules/engine.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  db,
  findings,
  hoursAgo,
  inventory,
  NOW,
  only,
  plan,
  planRule,
  policies,
  REGION,
  scopeOf,
  selection,
  vault,
  vaultArnOf,
} from '../support/builders.js';

type JobInput = NonNullable<InventoryInput['backupJobs']>[number];
type PointInput = NonNullable<InventoryInput['recoveryPoints']>[number];

const GOLD_VAULT = vaultArnOf('backup-sentinel-gold');

const job = (id: string, over: Partial<JobInput> = {}): JobInput => ({
  BackupJobId: id,
  BackupVaultArn: GOLD_VAULT,
  ResourceArn: 'arn:aws:s3:::b1',
  State: 'COMPLETED',
  CreationDate: hoursAgo(3),
  CompletionDate: hoursAgo(2),
  ...over,
});

const point = (arn: string, over: Partial<PointInput> = {}): PointInput => ({
  RecoveryPointArn: arn,
  ResourceArn: 'arn:aws:s3:::b1',
  BackupVaultArn: GOLD_VAULT,
  CreationDate: hoursAgo(2),
  Status: 'COMPLETED',
  ...over,
});

describe('recency.clean-backup', () => {
  it('flags a backup job that completed with issues (S3 objects not backed up)', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupJobs: [job('j1', { StatusMessage: '3 objects failed to back up: see the report' })],
    });
    // Act
    const f = only('recency.clean-backup', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('completed with issues: 3 objects failed to back up');
    expect(f.message).toContain('not in the recovery point');
  });

  it('accepts a clean completed job, judging only the newest completed one', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupJobs: [
        job('old', { CreationDate: hoursAgo(30), StatusMessage: 'issues long ago' }),
        job('new'),
        job('running', { State: 'RUNNING', CreationDate: hoursAgo(1), CompletionDate: undefined }),
      ],
    });
    // Act
    const f = only('recency.clean-backup', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('is not applicable without a completed job in the window', () => {
    // Act
    const f = only(
      'recency.clean-backup',
      inventory({ resources: [bucket('b1')] }),
      policies(),
      'arn:aws:s3:::b1',
    );
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('recency.continuous-running', () => {
  const continuous = policies({ policies: { gold: { continuous: true } } });
  const cp = (status: string) =>
    point(`arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:continuous:b1-123`, {
      Status: status,
      CreationDate: hoursAgo(24 * 20),
    });

  it('flags a STOPPED continuous recovery point even when snapshots are fresh', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      recoveryPoints: [cp('STOPPED'), point('arn:aws:backup:snap-1', { CreationDate: hoursAgo(1) })],
    });
    // Act
    const f = only('recency.continuous-running', inv, continuous, 'arn:aws:s3:::b1');
    const recency = only('recency.recovery-point', inv, continuous, 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('point-in-time recovery is lost');
    expect(recency.status).toBe('COMPLIANT');
  });

  it('accepts a running continuous backup and ignores policies without continuous', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1')], recoveryPoints: [cp('COMPLETED')] });
    // Act
    const running = only('recency.continuous-running', inv, continuous, 'arn:aws:s3:::b1');
    const notAsked = only('recency.continuous-running', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(running.status).toBe('COMPLIANT');
    expect(notAsked.status).toBe('NOT_APPLICABLE');
  });
});

describe('recency.recovery-point', () => {
  it('does not count a recovery point dated in the future as recent', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      recoveryPoints: [
        point('arn:aws:backup:future', { CreationDate: new Date(NOW.getTime() + 86_400_000).toISOString() }),
      ],
    });
    // Act
    const f = only('recency.recovery-point', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('dated in the future');
  });

  it('is ERROR, not "no recovery point", when a vault of the region could not be listed', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      collectionErrors: [
        { Arn: vaultArnOf('legacy'), Action: 'backup:ListRecoveryPointsByBackupVault', Code: 'AccessDenied' },
      ],
    });
    // Act
    const f = only('recency.recovery-point', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('cannot tell whether a recent recovery point exists');
  });

  it('still accepts a fresh recovery point when another vault could not be listed', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      recoveryPoints: [point('arn:aws:backup:fresh')],
      collectionErrors: [
        { Arn: vaultArnOf('legacy'), Action: 'backup:ListRecoveryPointsByBackupVault', Code: 'AccessDenied' },
      ],
    });
    // Act
    const f = only('recency.recovery-point', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });
});

describe('copies.multi-az-cluster', () => {
  const copying = policies({ policies: { gold: { copies: [{ region: 'eu-west-1' }] } } });

  it('flags copies asked of a Multi-AZ DB cluster, whose snapshots cannot be copied', () => {
    // Prepare
    const inv = inventory({ resources: [cluster('maz', { Engine: 'postgres' })] });
    // Act
    const f = only('copies.multi-az-cluster', inv, copying);
    const recent = only('copies.recent', inv, copying);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('Multi-AZ DB cluster snapshots cannot be copied');
    expect(recent.status).toBe('NOT_APPLICABLE');
  });

  it('leaves Aurora clusters to the other copy rules', () => {
    // Act
    const f = only('copies.multi-az-cluster', inventory({ resources: [cluster('aurora-1')] }), copying);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('rds.backup-retention on resources AWS treats differently', () => {
  it('does not ask automated backups of an RDS for PostgreSQL read replica (RDS has none)', () => {
    // Prepare
    const inv = inventory({
      resources: [
        db('replica', { BackupRetentionPeriod: 0, ReadReplicaSourceDBInstanceIdentifier: 'orders' }),
      ],
    });
    // Act
    const f = only('rds.backup-retention', inv, policies());
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toContain('read replica of orders');
    expect(f.actions).toEqual([]);
  });

  it('still asks it of a MySQL read replica (RDS supports them there)', () => {
    // Prepare
    const inv = inventory({
      resources: [
        db('replica', {
          Engine: 'mysql',
          BackupRetentionPeriod: 0,
          ReadReplicaSourceDBInstanceIdentifier: 'orders',
        }),
      ],
    });
    // Act
    const f = only('rds.backup-retention', inv, policies());
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });
});

describe('partitions', () => {
  it.each([
    ['eu-central-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('builds ARNs in %s from the partition %s', (region, partition) => {
    // Assess
    expect(partitionOf(region)).toBe(partition);
    expect(vaultArn(region, '111111111111', 'v')).toBe(
      `arn:${partition}:backup:${region}:111111111111:backup-vault:v`,
    );
  });

  it('audits an aws-cn account with aws-cn ARNs for its vaults, plans and account', () => {
    // Prepare
    const region = 'cn-north-1';
    const inv = inventory({
      regions: [region],
      resources: [bucket('b1', { Arn: 'arn:aws-cn:s3:::b1', Region: region })],
      backupPlans: [
        plan('backup-sentinel-gold', [planRule()], {
          BackupPlanArn: `arn:aws-cn:backup:${region}:${ACCOUNT}:backup-plan:gold-id`,
        }),
      ],
      backupSelections: [selection('backup-sentinel-gold', { BackupPlanId: 'backup-sentinel-gold-id' })],
      backupVaults: [
        vault('backup-sentinel-gold', {
          BackupVaultArn: `arn:aws-cn:backup:${region}:${ACCOUNT}:backup-vault:backup-sentinel-gold`,
        }),
      ],
    });
    // Act
    const all = audit(inv, policies(), { now: NOW });
    // Assess
    expect(all.find((f) => f.ruleId === 'vault.exists')?.status).toBe('COMPLIANT');
    expect(all.find((f) => f.ruleId === 'coverage.discovery')?.resourceArn).toBe(
      `arn:aws-cn:iam::${ACCOUNT}:root`,
    );
    expect(all.some((f) => f.resourceArn.startsWith('arn:aws:'))).toBe(false);
  });
});

describe('generated names fit AWS limits', () => {
  it('keeps restore testing selection names within 50 characters, stable and distinct', () => {
    // Prepare: the longest policy name the schema allows (34 characters)
    const long = policies({ policies: { ['a'.repeat(34)]: {}, [`${'a'.repeat(33)}b`]: {} } });
    const [p1, p2] = Object.values(long.policies);
    // Act
    const names = ['Aurora', 'RDS', 'S3'].flatMap((t) => [
      restoreTestingSelectionName(p1 as never, t),
      restoreTestingSelectionName(p2 as never, t),
    ]);
    // Assess
    for (const n of names) expect(n.length).toBeLessThanOrEqual(50);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_]+$/);
    expect(new Set(names).size).toBe(names.length);
    expect(restoreTestingSelectionName(p1 as never, 'Aurora')).toBe(
      restoreTestingSelectionName(p1 as never, 'Aurora'),
    );
    expect(fitName('short', 50)).toBe('short');
  });
});

describe('scope of the deployed functions', () => {
  it('judges copy-region vaults read as copy destinations, not as missing', () => {
    // Prepare: the sweep reads its region and the copy region the policy names
    const west = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule({
            CopyActions: [{ DestinationBackupVaultArn: west, Lifecycle: { DeleteAfterDays: 35 } }],
          }),
        ]),
      ],
      backupVaults: [vault('backup-sentinel-gold'), vault('backup-sentinel-gold', { BackupVaultArn: west })],
      scope: scopeOf({ region: 'eu-west-1' }),
    });
    // Act
    const list = findings(
      'vault.exists',
      inv,
      policies({ policies: { gold: { copies: [{ region: 'eu-west-1' }] } } }),
    );
    // Assess
    expect(list.map((f) => f.status)).toEqual(['COMPLIANT']);
  });
});

describe('coverage.selected when the opt-in it depends on was not read', () => {
  const tagged = (over: Partial<InventoryInput> = {}) =>
    inventory({
      resources: [bucket('b1')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [
        selection('backup-sentinel-gold', {
          ListOfTags: [{ ConditionKey: 'backup:policy', ConditionValue: 'gold' }],
        }),
      ],
      backupVaults: [vault('backup-sentinel-gold')],
      ...over,
    });

  it('is ERROR, not COMPLIANT, for a tag selection when DescribeRegionSettings failed', () => {
    // Prepare
    const inv = tagged({
      collectionErrors: [
        {
          Arn: '*',
          Account: ACCOUNT,
          Region: REGION,
          Action: 'backup:DescribeRegionSettings',
          Code: 'AccessDenied',
        },
      ],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('backup:DescribeRegionSettings failed');
  });

  it('needs no opt-in for a selection naming the resource type (RDS), but does for S3 patterns', () => {
    // Prepare
    const byType = tagged({
      resources: [db('orders')],
      backupSelections: [selection('backup-sentinel-gold', { Resources: ['arn:aws:rds:*:*:db:*'] })],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { RDS: false, S3: false } }],
    });
    const s3 = tagged({
      backupSelections: [selection('backup-sentinel-gold', { Resources: ['arn:aws:s3:::*'] })],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { RDS: false, S3: false } }],
    });
    // Act
    const rds = only('coverage.selected', byType, policies());
    const bucketFinding = only('coverage.selected', s3, policies(), 'arn:aws:s3:::b1');
    // Assess
    expect(rds.status).toBe('COMPLIANT');
    expect(bucketFinding.status).toBe('NON_COMPLIANT');
    expect(bucketFinding.message).toContain('S3 is not opted in');
  });
});
