import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  DR_ACCOUNT,
  db,
  findings,
  hoursAgo,
  inventory,
  key,
  only,
  plan,
  planRule,
  policies,
  REGION,
  scopeOf,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const PLAN = 'backup-sentinel-gold';
const PLAN_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:${PLAN}-id`;
const DB_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
const CLUSTER_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:aurora-1`;
const BUCKET_ARN = 'arn:aws:s3:::b1';
const SOURCE_VAULT = vaultArnOf('backup-sentinel-gold');
const WEST_VAULT = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
const DR_VAULT = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
const toWest = { region: 'eu-west-1' };
const toDr = { account: DR_ACCOUNT, vault: 'dr-vault' };

type CopyJobInput = NonNullable<InventoryInput['copyJobs']>[number];
type RecoveryPointInput = NonNullable<InventoryInput['recoveryPoints']>[number];

const gold = (p: PolicyInput) => policies({ policies: { gold: p } });

function copyJob(id: string, destination: string, over: Partial<CopyJobInput> = {}): CopyJobInput {
  return {
    CopyJobId: id,
    ResourceArn: BUCKET_ARN,
    SourceBackupVaultArn: SOURCE_VAULT,
    DestinationBackupVaultArn: destination,
    State: 'COMPLETED',
    CreationDate: hoursAgo(3),
    CompletionDate: hoursAgo(2),
    ...over,
  };
}

function recoveryPoint(vaultArn: string, over: Partial<RecoveryPointInput> = {}): RecoveryPointInput {
  return {
    RecoveryPointArn: `${vaultArn}/rp-1`,
    ResourceArn: BUCKET_ARN,
    BackupVaultArn: vaultArn,
    CreationDate: hoursAgo(1),
    Status: 'COMPLETED',
    ...over,
  };
}

describe('copies.configured', () => {
  const planWith = (rules: Parameters<typeof plan>[1]) =>
    inventory({ resources: [bucket('b1')], backupPlans: [plan(PLAN, rules)] });

  it('accepts a cross-region copy action', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: WEST_VAULT, Lifecycle: { DeleteAfterDays: 35 } }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [toWest] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain(`rule daily copies to ${WEST_VAULT}`);
  });

  it('accepts a cross-account copy action into the named vault', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 90 } }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('does not accept a copy into another vault of the destination account', () => {
    // Prepare
    const other = vaultArnOf('backup-sentinel-gold', REGION, DR_ACCOUNT);
    const inv = planWith([
      planRule({ CopyActions: [{ DestinationBackupVaultArn: other, Lifecycle: { DeleteAfterDays: 35 } }] }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [toDr] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`no copy action to ${DR_VAULT}`);
  });

  it('raises a copy retention lower than the policy', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 30 } }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('keeps 30 days; policy needs 90');
    expect(f.actions).toEqual([
      {
        type: 'RaiseCopyRetention',
        region: REGION,
        planName: PLAN,
        ruleName: 'daily',
        destinationVaultArn: DR_VAULT,
        deleteAfterDays: 90,
      },
    ]);
  });

  it('defaults the copy retention to the policy retention', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: WEST_VAULT, Lifecycle: { DeleteAfterDays: 7 } }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ retentionDays: 14, copies: [toWest] }), PLAN_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'RaiseCopyRetention',
        region: REGION,
        planName: PLAN,
        ruleName: 'daily',
        destinationVaultArn: WEST_VAULT,
        deleteAfterDays: 14,
      },
    ]);
  });

  it('raises a copy without lifecycle whose rule keeps fewer days than the policy', () => {
    // Prepare: the copy inherits the 30 days of its rule
    const inv = planWith([
      planRule({
        Lifecycle: { DeleteAfterDays: 30 },
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('keeps 30 days, inherited from its rule; policy needs 90');
    expect(f.actions).toEqual([
      {
        type: 'RaiseCopyRetention',
        region: REGION,
        planName: PLAN,
        ruleName: 'daily',
        destinationVaultArn: DR_VAULT,
        deleteAfterDays: 90,
      },
    ]);
  });

  it('accepts a copy without lifecycle whose rule keeps long enough', () => {
    // Prepare
    const inv = planWith([
      planRule({
        Lifecycle: { DeleteAfterDays: 90 },
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe(`rule daily copies to ${DR_VAULT} (keeps 90d, inherited from its rule)`);
  });

  it('accepts a copy kept forever through its rule (DeleteAfterDays -1)', () => {
    // Prepare
    const inv = planWith([
      planRule({
        Lifecycle: { DeleteAfterDays: -1 },
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe(`rule daily copies to ${DR_VAULT} (keeps forever, inherited from its rule)`);
  });

  it('adds a missing copy action to the most frequent snapshot rule, not a continuous one', () => {
    // Prepare
    const inv = planWith([
      planRule({ RuleName: 'pitr', ScheduleExpression: 'cron(0 * ? * * *)', EnableContinuousBackup: true }),
      planRule({ RuleName: 'daily' }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [toWest] }), PLAN_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'AddCopyAction',
        region: REGION,
        planName: PLAN,
        ruleName: 'daily',
        destinationVaultArn: WEST_VAULT,
        deleteAfterDays: 35,
      },
    ]);
  });

  it('adds a missing copy action to the most frequent rule', () => {
    // Prepare
    const inv = planWith([
      planRule({ RuleName: 'weekly', ScheduleExpression: 'cron(0 5 ? * SUN *)' }),
      planRule({ RuleName: 'hourly', ScheduleExpression: 'cron(0 * ? * * *)' }),
      planRule({ RuleName: 'daily' }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toWest, retentionDays: 21 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      {
        type: 'AddCopyAction',
        region: REGION,
        planName: PLAN,
        ruleName: 'hourly',
        destinationVaultArn: WEST_VAULT,
        deleteAfterDays: 21,
      },
    ]);
  });

  it('judges each destination separately', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: WEST_VAULT, Lifecycle: { DeleteAfterDays: 35 } }],
      }),
    ]);
    // Act
    const list = findings('copies.configured', inv, gold({ copies: [toWest, toDr] }), PLAN_ARN);
    // Assess
    expect(list.map((f) => f.status)).toEqual(['COMPLIANT', 'NON_COMPLIANT']);
    expect(list[1]?.actions).toEqual([
      {
        type: 'AddCopyAction',
        region: REGION,
        planName: PLAN,
        ruleName: 'daily',
        destinationVaultArn: DR_VAULT,
        deleteAfterDays: 35,
      },
    ]);
  });

  it('is not applicable to a destination equal to the source', () => {
    // Prepare
    const inv = planWith([planRule()]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ region: REGION }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toContain('source region and account');
  });

  it('is not applicable when the policy declares no copies', () => {
    // Prepare
    const inv = planWith([planRule()]);
    // Act
    const f = only('copies.configured', inv, gold({}), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('copies.configured with -1, cold storage and locks', () => {
  const planWith = (rules: Parameters<typeof plan>[1], more: Partial<InventoryInput> = {}) =>
    inventory({ resources: [bucket('b1')], backupPlans: [plan(PLAN, rules)], ...more });
  const drLocked = (min: number, max?: number) =>
    vault('dr-vault', {
      BackupVaultArn: DR_VAULT,
      Locked: true,
      MinRetentionDays: min,
      ...(max === undefined ? {} : { MaxRetentionDays: max }),
    });

  it("reads a copy with DeleteAfterDays -1 of its own as kept forever, not as its rule's retention", () => {
    // Prepare: the rule keeps 30 days, its copy -1 (forever)
    const inv = planWith([
      planRule({
        Lifecycle: { DeleteAfterDays: 30 },
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: -1 } }],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe(`rule daily copies to ${DR_VAULT} (keeps forever)`);
    expect(f.actions).toEqual([]);
  });

  it('raises a copy to at least its own cold storage + 90 days', () => {
    // Prepare
    const inv = planWith([
      planRule({
        CopyActions: [
          {
            DestinationBackupVaultArn: DR_VAULT,
            Lifecycle: { DeleteAfterDays: 30, MoveToColdStorageAfterDays: 10 },
          },
        ],
      }),
    ]);
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 60 }] }), PLAN_ARN);
    // Assess
    expect(f.actions).toMatchObject([{ type: 'RaiseCopyRetention', deleteAfterDays: 100 }]);
  });

  it('adds no copy action the destination vault lock would reject, and says why', () => {
    // Prepare: the DR vault keeps recovery points at most 60 days; the policy copy keeps 90
    const inv = planWith([planRule()], { backupVaults: [drLocked(7, 60)] });
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([]);
    expect(f.message).toBe(
      `no copy action to ${DR_VAULT}; not added: the lock of vault ${DR_VAULT} (7-60 days) would reject 90d`,
    );
  });

  it('raises no copy retention past the destination vault lock, and says why', () => {
    // Prepare
    const inv = planWith(
      [
        planRule({
          CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 30 } }],
        }),
      ],
      { backupVaults: [drLocked(7, 60)] },
    );
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([]);
    expect(f.message).toContain(`; not raised: the lock of vault ${DR_VAULT} (7-60 days) would reject 90d`);
  });

  it('adds a copy action the destination vault lock admits', () => {
    // Prepare
    const inv = planWith([planRule()], { backupVaults: [drLocked(7, 400)] });
    // Act
    const f = only('copies.configured', inv, gold({ copies: [{ ...toDr, retentionDays: 90 }] }), PLAN_ARN);
    // Assess
    expect(f.actions).toMatchObject([
      { type: 'AddCopyAction', destinationVaultArn: DR_VAULT, deleteAfterDays: 90 },
    ]);
  });
});

describe('copies.rds-single-hop', () => {
  it('flags an RDS copy that is both cross-account and cross-region', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    const both = vaultArnOf('dr-vault', 'eu-west-1', DR_ACCOUNT);
    // Act
    const f = only(
      'copies.rds-single-hop',
      inv,
      gold({ copies: [{ ...toDr, region: 'eu-west-1' }] }),
      DB_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      'AWS Backup supports cross-region or cross-account copies of RDS in one plan, not both',
    );
    expect(f.message).toContain(both);
    expect(f.actual).toBe('both');
    expect(f.actions).toEqual([]);
  });

  it('flags an Aurora copy that is both cross-account and cross-region', () => {
    // Prepare
    const inv = inventory({ resources: [cluster('aurora-1')] });
    // Act
    const f = only(
      'copies.rds-single-hop',
      inv,
      gold({ copies: [{ ...toDr, region: 'eu-west-1' }] }),
      CLUSTER_ARN,
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('Aurora');
  });

  it('flags separate cross-region and cross-account copies in one policy', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('copies.rds-single-hop', inv, gold({ copies: [toWest, toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(WEST_VAULT);
    expect(f.message).toContain(DR_VAULT);
    expect(f.actual).toBe('both');
    expect(f.actions).toEqual([]);
  });

  it('accepts cross-region copies only', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    const east = { region: 'us-east-1' };
    // Act
    const f = only('copies.rds-single-hop', inv, gold({ copies: [toWest, east] }), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe('copies cross-region only');
  });

  it('accepts cross-account copies only', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('copies.rds-single-hop', inv, gold({ copies: [toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe('copies cross-account only');
  });

  it('is not applicable when the policy declares no copies', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('copies.rds-single-hop', inv, gold({}), DB_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('does not judge S3 buckets', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1')] });
    // Act
    const list = findings(
      'copies.rds-single-hop',
      inv,
      gold({ copies: [{ ...toDr, region: 'eu-west-1' }] }),
      BUCKET_ARN,
    );
    // Assess
    expect(list).toEqual([]);
  });
});

describe('copies.recent', () => {
  const policy = gold({ frequency: '1d', rpoHours: 24, copies: [toWest] });
  /** The policy's plan, copying to the given vaults. */
  const copying = (...vaults: string[]) =>
    plan(PLAN, [
      planRule({
        CopyActions: vaults.map((v) => ({
          DestinationBackupVaultArn: v,
          Lifecycle: { DeleteAfterDays: 35 },
        })),
      }),
    ]);
  const westVault = { BackupVaultName: 'backup-sentinel-gold', BackupVaultArn: WEST_VAULT };
  const drVault = { BackupVaultName: 'dr-vault', BackupVaultArn: DR_VAULT };
  /**
   * One gold bucket b1 whose plan copies to eu-west-1 and to the DR account; both destinations
   * were read (eu-west-1 as a copy region, the DR account through the DR role) and their vaults exist.
   */
  const copied = (over: Partial<InventoryInput> = {}) =>
    inventory({
      resources: [bucket('b1')],
      backupPlans: [copying(WEST_VAULT, DR_VAULT)],
      backupVaults: [westVault, drVault],
      scope: scopeOf({ region: 'eu-west-1' }, { account: DR_ACCOUNT }),
      ...over,
    });

  it('accepts a copy in the destination vault within the RPO', () => {
    // Prepare
    const inv = copied({ recoveryPoints: [recoveryPoint(WEST_VAULT, { CreationDate: hoursAgo(4) })] });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain(`newest copy in ${WEST_VAULT} is 4h old (RPO 24h)`);
  });

  it('does not take a COMPLETED copy job for a copy when its point is not in the destination', () => {
    // Prepare
    const inv = copied({
      copyJobs: [copyJob('c1', WEST_VAULT, { CreationDate: hoursAgo(6), CompletionDate: hoursAgo(5) })],
    });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      `no completed copy in ${WEST_VAULT}; copy job c1 says COMPLETED, but its recovery point is not in the destination vault`,
    );
  });

  it('does not count a recovery point in the source vault', () => {
    // Prepare
    const inv = copied({ recoveryPoints: [recoveryPoint(SOURCE_VAULT)] });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`no completed copy in ${WEST_VAULT}`);
  });

  it('flags a copy that only ever failed, naming the reason', () => {
    // Prepare
    const jobs = [
      copyJob('c1', WEST_VAULT, {
        State: 'FAILED',
        StatusMessage: 'Access denied to KMS key',
        CreationDate: hoursAgo(3),
        CompletionDate: undefined,
      }),
      copyJob('c2', WEST_VAULT, {
        State: 'FAILED',
        StatusMessage: 'older failure',
        CreationDate: hoursAgo(27),
        CompletionDate: undefined,
      }),
    ];
    const inv = copied({ copyJobs: jobs });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no completed copy');
    expect(f.message).toContain('last copy job FAILED: Access denied to KMS key');
    expect(f.actual).toBe('none');
  });

  it('flags a stale copy and names the newest failure', () => {
    // Prepare
    const jobs = [
      copyJob('c1', WEST_VAULT, {
        State: 'FAILED',
        StatusMessage: 'quota exceeded',
        CreationDate: hoursAgo(2),
        CompletionDate: undefined,
      }),
    ];
    const inv = copied({
      copyJobs: jobs,
      recoveryPoints: [recoveryPoint(WEST_VAULT, { CreationDate: hoursAgo(74) })],
    });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`newest completed copy in ${WEST_VAULT} is 3.1d old (RPO 24h)`);
    expect(f.message).toContain('last copy job FAILED: quota exceeded');
    expect(f.actual).toBe('3.1d');
  });

  it('does not count copies to other destinations', () => {
    // Prepare
    const inv = copied({ copyJobs: [copyJob('c1', DR_VAULT)], recoveryPoints: [recoveryPoint(DR_VAULT)] });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`no completed copy in ${WEST_VAULT}`);
  });

  it('does not count copies of other resources', () => {
    // Prepare
    const inv = copied({
      resources: [bucket('b1'), bucket('b2')],
      recoveryPoints: [recoveryPoint(WEST_VAULT, { ResourceArn: 'arn:aws:s3:::b2' })],
    });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('judges each destination separately', () => {
    // Prepare
    const inv = copied({ recoveryPoints: [recoveryPoint(DR_VAULT)] });
    // Act
    const list = findings('copies.recent', inv, gold({ rpoHours: 24, copies: [toWest, toDr] }), BUCKET_ARN);
    // Assess
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'COMPLIANT']);
  });

  it('dates a copy by the creation of the recovery point it copies', () => {
    // Prepare: a copy finished an hour ago of a backup taken 30 hours ago
    const source = recoveryPoint(SOURCE_VAULT, { RecoveryPointArn: 'rp-source', CreationDate: hoursAgo(30) });
    const copy = recoveryPoint(WEST_VAULT, { RecoveryPointArn: 'rp-copy', CreationDate: hoursAgo(1) });
    const inv = copied({
      recoveryPoints: [source, copy],
      copyJobs: [
        copyJob('c1', WEST_VAULT, {
          SourceRecoveryPointArn: 'rp-source',
          DestinationRecoveryPointArn: 'rp-copy',
          CreationDate: hoursAgo(2),
          CompletionDate: hoursAgo(1),
        }),
      ],
    });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`newest completed copy in ${WEST_VAULT} is 30h old (RPO 24h)`);
    expect(f.actual).toBe('30h');
  });

  it('is not applicable to a destination the plan does not copy to yet', () => {
    // Prepare
    const inv = copied({ backupPlans: [copying(DR_VAULT)], copyJobs: [copyJob('c1', WEST_VAULT)] });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toBe(`no copy action to ${WEST_VAULT} yet (see copies.configured)`);
  });

  it('flags a destination vault that does not exist where its vault list was read', () => {
    // Prepare
    const inv = copied({ backupVaults: [drVault] });
    // Act
    const f = only('copies.recent', inv, policy, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`destination vault ${WEST_VAULT} does not exist`);
  });

  describe('when the destination was not read', () => {
    const drPolicy = gold({ frequency: '1d', rpoHours: 24, copies: [toDr] });
    const withoutDr = (over: Partial<InventoryInput> = {}) =>
      copied({ backupVaults: [westVault], scope: scopeOf({ region: 'eu-west-1' }), ...over });

    it('is ERROR outside the scope (no DR role) when the source side saw a copy complete', () => {
      // Prepare
      const inv = withoutDr({ copyJobs: [copyJob('c1', DR_VAULT)] });
      // Act
      const f = only('copies.recent', inv, drPolicy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.outOfScope).toBe(true);
      expect(f.message).toContain(`cannot tell whether copies landed in ${DR_VAULT}`);
      expect(f.message).toContain('configure the DR read role');
    });

    it('is NON_COMPLIANT from the source side when no copy job completed in the window', () => {
      // Prepare
      const inv = withoutDr({
        listedSince: hoursAgo(36),
        copyJobs: [
          copyJob('c1', DR_VAULT, {
            State: 'FAILED',
            StatusMessage: 'KMS key not shared',
            CompletionDate: undefined,
          }),
        ],
      });
      // Act
      const f = only('copies.recent', inv, drPolicy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('NON_COMPLIANT');
      expect(f.message).toContain(
        `no copy job to ${DR_VAULT} completed in the last 36h; last copy job FAILED: KMS key not shared`,
      );
      expect(f.message).toContain('the destination itself was not read');
    });

    it('does not conclude from the source side when the window is shorter than the RPO', () => {
      // Prepare
      const inv = withoutDr({ listedSince: hoursAgo(12) });
      // Act
      const f = only('copies.recent', inv, drPolicy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
    });

    it('is a failure (not out of scope) when the DR vault list could not be read', () => {
      // Prepare
      const inv = copied({
        scope: scopeOf({ region: 'eu-west-1' }, { account: DR_ACCOUNT, reads: [] }),
        collectionErrors: [
          {
            Arn: '*',
            Account: DR_ACCOUNT,
            Region: REGION,
            Action: 'backup:ListBackupVaults',
            Code: 'AccessDeniedException',
          },
        ],
        copyJobs: [copyJob('c1', DR_VAULT)],
      });
      // Act
      const f = only('copies.recent', inv, drPolicy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.outOfScope).toBeUndefined();
      expect(f.message).toContain(
        `backup:ListBackupVaults failed in ${DR_ACCOUNT}/${REGION} with AccessDeniedException`,
      );
    });

    it("is ERROR when the destination vault's recovery points could not be listed", () => {
      // Prepare
      const inv = copied({
        copyJobs: [copyJob('c1', WEST_VAULT)],
        collectionErrors: [
          { Arn: WEST_VAULT, Action: 'backup:ListRecoveryPointsByBackupVault', Code: 'ThrottlingException' },
        ],
      });
      // Act
      const f = only('copies.recent', inv, policy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.message).toContain(
        `backup:ListRecoveryPointsByBackupVault failed on ${WEST_VAULT} with ThrottlingException`,
      );
    });

    it('treats a copy region of a snapshot without scope as not read (the CLI read one region)', () => {
      // Prepare: an inventory written before scopes: only its listed regions count as read
      const inv = inventory({
        resources: [bucket('b1')],
        backupPlans: [copying(WEST_VAULT)],
        copyJobs: [copyJob('c1', WEST_VAULT)],
      });
      // Act
      const f = only('copies.recent', inv, policy, BUCKET_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.outOfScope).toBe(true);
      expect(f.message).toContain('region eu-west-1 was not read');
    });
  });
});

describe('copies.rds-cmk', () => {
  const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;

  it('flags an AWS-managed key with a cross-account copy', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders', { KmsKeyId: keyArn('aws-rds-key') })],
      kmsKeys: [key('aws-rds-key', { KeyManager: 'AWS', Aliases: ['alias/aws/rds'] })],
    });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('AWS managed key aws/rds');
    expect(f.message).toContain('cross-account copy fails');
    expect(f.actions).toEqual([]);
  });

  it('flags the aws/rds alias even when the key was not collected', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders', { KmsKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/rds` })],
    });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('accepts a customer-managed key', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')], kmsKeys: [key('cmk-1')] });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe(`encrypted with customer-managed key ${keyArn('cmk-1')}`);
  });

  it('judges Aurora clusters too', () => {
    // Prepare
    const inv = inventory({
      resources: [cluster('aurora-1', { KmsKeyId: keyArn('aws-rds-key') })],
      kmsKeys: [key('aws-rds-key', { KeyManager: 'AWS' })],
    });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toDr] }), CLUSTER_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('cannot evaluate when the key was not collected', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toDr] }), DB_ARN);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain(`KMS key ${keyArn('cmk-1')} was not collected`);
  });

  it('is not applicable without a cross-account copy', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders', { KmsKeyId: keyArn('aws-rds-key') })],
      kmsKeys: [key('aws-rds-key', { KeyManager: 'AWS' })],
    });
    // Act
    const f = only('copies.rds-cmk', inv, gold({ copies: [toWest] }), DB_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('does not judge S3 buckets', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1')] });
    // Act
    const list = findings('copies.rds-cmk', inv, gold({ copies: [toDr] }), BUCKET_ARN);
    // Assess
    expect(list).toEqual([]);
  });
});
