import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import { planRemediation } from '../../src/remediation/planner.js';
import { audit } from '../../src/rules/engine.js';
import {
  ACCOUNT,
  bucket,
  DR_ACCOUNT,
  inventory,
  NOW,
  only,
  plan,
  planRule,
  policies,
  REGION,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const PLAN = 'backup-sentinel-gold';
const PLAN_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:${PLAN}-id`;
const HOURLY = 'cron(0 * ? * * *)';
const DAILY = 'cron(0 5 ? * * *)';
const WEEKLY = 'cron(0 5 ? * SUN *)';
const DR_VAULT = vaultArnOf('backup-sentinel-gold', 'eu-west-1');

type Rules = Parameters<typeof plan>[1];

/** The finding of one plan rule for plan backup-sentinel-gold, audited for one gold bucket. */
function judge(ruleId: string, rules: Rules, gold: PolicyInput = {}, more: Partial<InventoryInput> = {}) {
  const inv = inventory({ resources: [bucket('b1')], backupPlans: [plan(PLAN, rules)], ...more });
  return only(ruleId, inv, policies({ policies: { gold } }), PLAN_ARN);
}

/** The policy's vault, locked with these bounds. */
const lockedVault = (min?: number, max?: number, name = 'backup-sentinel-gold', arn = vaultArnOf(name)) =>
  vault(name, {
    BackupVaultArn: arn,
    Locked: true,
    ...(min === undefined ? {} : { MinRetentionDays: min }),
    ...(max === undefined ? {} : { MaxRetentionDays: max }),
  });

describe('plan.frequency', () => {
  it('accepts an hourly rule for a 1h policy', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'hourly', ScheduleExpression: HOURLY })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('rule hourly runs every 1h');
  });

  it('flags a daily rule for a 1h policy and adds an hourly rule', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: DAILY })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h', retentionDays: 14 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('runs every 24h');
    expect(f.actual).toBe('every 24h');
    expect(f.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: HOURLY,
          Lifecycle: { DeleteAfterDays: 14 },
          CopyActions: [],
        },
      },
    ]);
  });

  it('flags a daily rule for a 12h policy and adds a 12-hourly rule', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: DAILY })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '12h' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: 'cron(0 0/12 ? * * *)',
          Lifecycle: { DeleteAfterDays: 35 },
          CopyActions: [],
        },
      },
    ]);
  });

  it('accepts a rule every 12 hours for a 12h policy', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: 'cron(0 0/12 ? * * *)' })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '12h' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('accepts a daily rule for a 1d policy', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: DAILY })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1d' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a weekly rule for a 1d policy', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'weekly', ScheduleExpression: WEEKLY })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1d' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('most frequent rule weekly runs every 7d; policy gold needs 24h');
  });

  it('judges by the most frequent rule', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'weekly', ScheduleExpression: WEEKLY }),
      planRule({ RuleName: 'hourly', ScheduleExpression: HOURLY }),
    ];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('rule hourly');
  });

  it('compares against the largest gap of a cron policy', () => {
    // Prepare: weekdays at 05:00 leave a 72h gap over the weekend
    const policy = { frequency: 'cron(0 5 ? * MON-FRI *)' };
    // Act
    const daily = judge('plan.frequency', [planRule({ ScheduleExpression: DAILY })], policy);
    const weekly = judge('plan.frequency', [planRule({ ScheduleExpression: WEEKLY })], policy);
    // Assess
    expect(daily.status).toBe('COMPLIANT');
    expect(weekly.status).toBe('NON_COMPLIANT');
    expect(weekly.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: 'cron(0 5 ? * MON-FRI *)',
          Lifecycle: { DeleteAfterDays: 35 },
          CopyActions: [],
        },
      },
    ]);
  });

  it('flags a plan without scheduled rules', () => {
    // Prepare
    const rules: Rules = [];
    // Act
    const f = judge('plan.frequency', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toBe(
      'plan backup-sentinel-gold has no scheduled snapshot rule (continuous rules do not count)',
    );
    expect(f.actual).toBe('never');
    expect(f.actions).toHaveLength(1);
  });

  it('does not count the schedule of a continuous rule', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'pitr', ScheduleExpression: HOURLY, EnableContinuousBackup: true }),
      planRule({ RuleName: 'daily', ScheduleExpression: DAILY }),
    ];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('most frequent rule daily runs every 24h');
  });

  it('flags a plan whose only rule is continuous as having no snapshot rule', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'pitr', ScheduleExpression: HOURLY, EnableContinuousBackup: true })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h', continuous: true });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('has no scheduled snapshot rule (continuous rules do not count)');
    expect(f.actual).toBe('never');
    expect(f.actions).toMatchObject([{ type: 'AddBackupPlanRule', rule: { ScheduleExpression: HOURLY } }]);
  });

  it('adds a rule that copies to each cross-region and cross-account destination of the policy', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: WEEKLY })];
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    // Act
    const f = judge('plan.frequency', rules, {
      frequency: '1d',
      retentionDays: 35,
      copies: [
        { region: 'eu-west-1' },
        { account: DR_ACCOUNT, vault: 'dr-vault', retentionDays: 90 },
        { region: REGION },
      ],
    });
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: DAILY,
          Lifecycle: { DeleteAfterDays: 35 },
          CopyActions: [
            { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 35 } },
            { DestinationBackupVaultArn: dr, Lifecycle: { DeleteAfterDays: 90 } },
          ],
        },
      },
    ]);
  });

  it('cannot evaluate a plan whose schedules are all unreadable', () => {
    // Prepare: there is no ninth day of the week
    const rules = [planRule({ ScheduleExpression: 'cron(0 5 ? * 9 *)' })];
    // Act
    const f = judge('plan.frequency', rules);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('cannot read the schedules');
    expect(f.actions).toEqual([]);
  });
});

describe('plan.retention', () => {
  it('accepts a rule keeping as long as the policy', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 35 } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 35 });
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('raises the longest rule to the policy retention', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'hourly', ScheduleExpression: HOURLY, Lifecycle: { DeleteAfterDays: 2 } }),
      planRule({ RuleName: 'daily', Lifecycle: { DeleteAfterDays: 14 } }),
    ];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 35 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('longest retention is 14 days (rule daily)');
    expect(f.actions).toEqual([
      { type: 'RaiseRuleRetention', region: REGION, planName: PLAN, ruleName: 'daily', deleteAfterDays: 35 },
    ]);
  });

  it('treats a rule without DeleteAfterDays as kept forever', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: undefined })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 3650 });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('forever');
  });

  it.each([0, -1])('treats DeleteAfterDays %i as kept forever', (days) => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: days } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 3650 });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('rule daily keeps forever');
  });

  it('adds the policy snapshot rule when no snapshot rule meets the frequency', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'weekly', ScheduleExpression: WEEKLY, Lifecycle: { DeleteAfterDays: 7 } }),
    ];
    // Act
    const f = judge('plan.retention', rules, { frequency: '1d', retentionDays: 35 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual(judge('plan.frequency', rules, { frequency: '1d', retentionDays: 35 }).actions);
    expect(f.actions).toMatchObject([
      {
        type: 'AddBackupPlanRule',
        rule: { RuleName: 'backup-sentinel-snapshots', ScheduleExpression: DAILY },
      },
    ]);
  });

  it('raises to at least cold storage + 90 days', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 20, MoveToColdStorageAfterDays: 10 } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 35 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      { type: 'RaiseRuleRetention', region: REGION, planName: PLAN, ruleName: 'daily', deleteAfterDays: 100 },
    ]);
  });

  it('raises to the policy retention when it exceeds cold storage + 90 days', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 100, MoveToColdStorageAfterDays: 10 } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 365 });
    // Assess
    expect(f.actions).toEqual([
      { type: 'RaiseRuleRetention', region: REGION, planName: PLAN, ruleName: 'daily', deleteAfterDays: 365 },
    ]);
  });

  it('never raises a continuous rule beyond the 35 days AWS Backup allows', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'pitr', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } }),
      planRule({ RuleName: 'daily', Lifecycle: { DeleteAfterDays: 35 } }),
    ];
    // Act
    const f = judge('plan.retention', rules, { continuous: true, retentionDays: 90 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      { type: 'RaiseRuleRetention', region: REGION, planName: PLAN, ruleName: 'daily', deleteAfterDays: 90 },
    ]);
  });

  it('adds a snapshot rule when the only rule is continuous', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'pitr', EnableContinuousBackup: true, Lifecycle: { DeleteAfterDays: 35 } }),
    ];
    // Act
    const f = judge('plan.retention', rules, { continuous: true, retentionDays: 90 });
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: 'cron(0 5 ? * * *)',
          Lifecycle: { DeleteAfterDays: 90 },
          CopyActions: [],
        },
      },
    ]);
  });

  it('flags a plan without rules and proposes nothing', () => {
    // Prepare
    const rules: Rules = [];
    // Act
    const f = judge('plan.retention', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('has no rules');
    expect(f.actions).toEqual([]);
  });
});

describe('plan.continuous', () => {
  it('is not applicable when the policy does not ask for continuous backup', () => {
    // Prepare
    const rules = [planRule()];
    // Act
    const f = judge('plan.continuous', rules, { continuous: false });
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('accepts a rule with continuous backup', () => {
    // Prepare
    const rules = [planRule(), planRule({ RuleName: 'pitr', EnableContinuousBackup: true })];
    // Act
    const f = judge('plan.continuous', rules, { continuous: true });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('rule pitr');
  });

  it('adds a continuous rule kept at most 35 days', () => {
    // Prepare
    const rules = [planRule()];
    // Act
    const f = judge('plan.continuous', rules, { continuous: true, retentionDays: 90 });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      {
        type: 'AddBackupPlanRule',
        region: REGION,
        planName: PLAN,
        rule: {
          RuleName: 'backup-sentinel-continuous',
          TargetBackupVaultName: 'backup-sentinel-gold',
          ScheduleExpression: DAILY,
          Lifecycle: { DeleteAfterDays: 35 },
          EnableContinuousBackup: true,
          CopyActions: [],
        },
      },
    ]);
  });

  it('keeps a new continuous rule as long as a shorter policy retention', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 7 } })];
    // Act
    const f = judge('plan.continuous', rules, { continuous: true, retentionDays: 7 });
    // Assess
    expect(f.actions[0]).toMatchObject({ rule: { Lifecycle: { DeleteAfterDays: 7 } } });
  });
});

describe('plan.finite-retention', () => {
  it('accepts rules and copy actions that all have DeleteAfterDays', () => {
    // Prepare
    const rules = [
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 35 } }],
      }),
    ];
    // Act
    const f = judge('plan.finite-retention', rules);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a rule without DeleteAfterDays and changes nothing', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'endless', Lifecycle: undefined })];
    // Act
    const f = judge('plan.finite-retention', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('rules endless keep recovery points forever');
    expect(f.actions).toEqual([]);
  });

  it('flags a rule with DeleteAfterDays -1, which AWS keeps forever', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'endless', Lifecycle: { DeleteAfterDays: -1 } })];
    // Act
    const f = judge('plan.finite-retention', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('rules endless keep recovery points forever');
    expect(f.actual).toBe('1 without');
  });

  it('accepts a copy action without DeleteAfterDays, which inherits its rule lifecycle', () => {
    // Prepare
    const rules = [
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { MoveToColdStorageAfterDays: 30 } }],
      }),
    ];
    // Act
    const f = judge('plan.finite-retention', rules);
    // Assess: the copy keeps the rule's 35 days; copies.configured judges that against the policy
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe('every rule has a finite DeleteAfterDays (copies without one inherit it)');
    expect(f.actions).toEqual([]);
  });
});

describe('plan.cold-storage', () => {
  it('accepts a plan without cold storage', () => {
    // Prepare
    const rules = [planRule()];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a delete earlier than cold storage + 90 days', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 60 } })];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('deletes after 60 days, less than cold + 90 = 120');
    expect(f.actions).toEqual([]);
  });

  it('flags any cold storage, which RDS and S3 recovery points do not support', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365 } })];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('moves to cold storage after 30 days');
    expect(f.message).not.toContain('less than cold + 90');
  });

  it('checks the lifecycle of copy actions too', () => {
    // Prepare
    const copy = {
      DestinationBackupVaultArn: DR_VAULT,
      Lifecycle: { MoveToColdStorageAfterDays: 10, DeleteAfterDays: 35 },
    };
    const rules = [planRule({ CopyActions: [copy] })];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      `copy to ${DR_VAULT} in rule daily deletes after 35 days, less than cold + 90 = 100`,
    );
  });
});

describe('plan.frequency across rules, time zones and locks', () => {
  it('judges the snapshot rules together: two daily rules 12 hours apart meet a 12h policy', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'morning', ScheduleExpression: 'cron(0 5 ? * * *)' }),
      planRule({ RuleName: 'evening', ScheduleExpression: 'cron(0 17 ? * * *)' }),
    ];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '12h' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toBe('rules morning, evening together leave at most 12h between runs (policy: 12h)');
  });

  it('reports the largest gap the rules leave together when it is too long', () => {
    // Prepare: 05:00 and 09:00 leave 20 hours from 09:00 to 05:00
    const rules = [
      planRule({ RuleName: 'early', ScheduleExpression: 'cron(0 5 ? * * *)' }),
      planRule({ RuleName: 'late', ScheduleExpression: 'cron(0 9 ? * * *)' }),
    ];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '12h' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('rules early, late together leave gaps of up to 20h; policy gold needs 12h');
    expect(f.actual).toBe('every 20h');
    expect(f.actions).toMatchObject([{ type: 'AddBackupPlanRule' }]);
  });

  it('reads the schedule in the rule time zone, where clocks going back leave a 25-hour gap', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: DAILY, ScheduleExpressionTimezone: 'Europe/Berlin' })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1d' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actual).toBe('every 25h');
  });

  it('cannot evaluate a schedule in a time zone it does not know', () => {
    // Prepare
    const rules = [planRule({ ScheduleExpression: DAILY, ScheduleExpressionTimezone: 'Not/A_Zone' })];
    // Act
    const f = judge('plan.frequency', rules);
    // Assess
    expect(f.status).toBe('ERROR');
  });

  it('judges by the readable rules and says which it could not read', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'hourly', ScheduleExpression: HOURLY }),
      planRule({ RuleName: 'odd', ScheduleExpression: 'cron(0 5 ? * 9 *)' }),
    ];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1h' });
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('cannot read the schedule of odd (not counted)');
  });

  it('reads the nth weekday of the month (#)', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'first-monday', ScheduleExpression: 'cron(0 5 ? * 2#1 *)' })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '7d' });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('most frequent rule first-monday runs every 35d; policy gold needs 7d');
  });

  it('flags a rule whose year field has ended as never running', () => {
    // Prepare
    const rules = [planRule({ RuleName: 'old', ScheduleExpression: 'cron(0 5 ? * * 2025)' })];
    // Act
    const f = judge('plan.frequency', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actual).toBe('never (no run in the next 8 years)');
  });

  it('adds no rule that the lock of the policy vault would reject, and says why', () => {
    // Prepare: the vault keeps recovery points at least 60 days; the policy rule would keep 35
    const rules = [planRule({ ScheduleExpression: WEEKLY, Lifecycle: { DeleteAfterDays: 90 } })];
    // Act
    const f = judge('plan.frequency', rules, { frequency: '1d' }, { backupVaults: [lockedVault(60)] });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([]);
    expect(f.message).toContain(
      `rule backup-sentinel-snapshots not added: the lock of vault ${vaultArnOf('backup-sentinel-gold')} (60-∞ days) would reject 35d`,
    );
  });

  it('adds no rule whose copies the lock of the destination vault would reject', () => {
    // Prepare
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    const rules = [planRule({ ScheduleExpression: WEEKLY })];
    // Act
    const f = judge(
      'plan.frequency',
      rules,
      { frequency: '1d', copies: [{ account: DR_ACCOUNT, vault: 'dr-vault', retentionDays: 90 }] },
      { backupVaults: [lockedVault(7, 60, 'dr-vault', dr)] },
    );
    // Assess
    expect(f.actions).toEqual([]);
    expect(f.message).toContain(`the lock of vault ${dr} (7-60 days) would reject 90d`);
  });
});

describe('plan.retention with -1, cold storage and locks', () => {
  it('ignores MoveToColdStorageAfterDays -1 (never moves) when raising', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 20, MoveToColdStorageAfterDays: -1 } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 35 });
    // Assess
    expect(f.actions).toEqual([
      { type: 'RaiseRuleRetention', region: REGION, planName: PLAN, ruleName: 'daily', deleteAfterDays: 35 },
    ]);
  });

  it('raises a rule when the snapshot rules together meet the frequency', () => {
    // Prepare
    const rules = [
      planRule({ RuleName: 'morning', ScheduleExpression: DAILY, Lifecycle: { DeleteAfterDays: 14 } }),
      planRule({
        RuleName: 'evening',
        ScheduleExpression: 'cron(0 17 ? * * *)',
        Lifecycle: { DeleteAfterDays: 7 },
      }),
    ];
    // Act
    const f = judge('plan.retention', rules, { frequency: '12h', retentionDays: 35 });
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'RaiseRuleRetention',
        region: REGION,
        planName: PLAN,
        ruleName: 'morning',
        deleteAfterDays: 35,
      },
    ]);
  });

  it('does not raise past the maximum of the target vault lock, and says why', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 14 } })];
    // Act
    const f = judge('plan.retention', rules, { retentionDays: 35 }, { backupVaults: [lockedVault(1, 30)] });
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([]);
    expect(f.message).toContain(
      `rule daily not raised to 35 days: the lock of vault ${vaultArnOf('backup-sentinel-gold')} (1-30 days) would reject 35d`,
    );
  });

  it('does not raise a rule whose copies without a lifecycle would then break the destination lock', () => {
    // Prepare: copies without DeleteAfterDays inherit the rule's, and the DR vault keeps at most 20
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    const rules = [
      planRule({ Lifecycle: { DeleteAfterDays: 14 }, CopyActions: [{ DestinationBackupVaultArn: dr }] }),
    ];
    // Act
    const f = judge(
      'plan.retention',
      rules,
      { retentionDays: 35 },
      { backupVaults: [lockedVault(1, 20, 'dr-vault', dr)] },
    );
    // Assess
    expect(f.actions).toEqual([]);
    expect(f.message).toContain(`the lock of vault ${dr} (1-20 days) would reject 35d`);
  });

  it('raises a rule whose copies keep their own lifecycle, whatever the destination lock', () => {
    // Prepare
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    const rules = [
      planRule({
        Lifecycle: { DeleteAfterDays: 14 },
        CopyActions: [{ DestinationBackupVaultArn: dr, Lifecycle: { DeleteAfterDays: 10 } }],
      }),
    ];
    // Act
    const f = judge(
      'plan.retention',
      rules,
      { retentionDays: 35 },
      { backupVaults: [lockedVault(1, 20, 'dr-vault', dr)] },
    );
    // Assess
    expect(f.actions).toMatchObject([{ type: 'RaiseRuleRetention', deleteAfterDays: 35 }]);
  });
});

describe('plan.continuous and locks', () => {
  it('adds no continuous rule (kept at most 35 days) to a vault whose lock keeps at least 60', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { DeleteAfterDays: 90 } })];
    // Act
    const f = judge(
      'plan.continuous',
      rules,
      { continuous: true, retentionDays: 90 },
      { backupVaults: [lockedVault(60)] },
    );
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([]);
    expect(f.message).toContain('rule backup-sentinel-continuous not added');
  });
});

describe('plan.finite-retention and copies kept forever', () => {
  it('flags a copy action with DeleteAfterDays -1 of its own under a finite rule', () => {
    // Prepare
    const rules = [
      planRule({
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: -1 } }],
      }),
    ];
    // Act
    const f = judge('plan.finite-retention', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      `copy to ${DR_VAULT} in rule daily keeps copies forever (DeleteAfterDays -1)`,
    );
    expect(f.actions).toEqual([]);
  });
});

describe('plan.cold-storage and -1', () => {
  it('reads MoveToColdStorageAfterDays -1 as never moving to cold storage', () => {
    // Prepare
    const rules = [
      planRule({
        Lifecycle: { MoveToColdStorageAfterDays: -1, DeleteAfterDays: -1 },
        CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { MoveToColdStorageAfterDays: -1 } }],
      }),
    ];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('reads DeleteAfterDays -1 as never deleting, not as a delete before cold + 90', () => {
    // Prepare
    const rules = [planRule({ Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: -1 } })];
    // Act
    const f = judge('plan.cold-storage', rules);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('moves to cold storage after 30 days');
    expect(f.message).not.toContain('deletes after');
  });
});

describe('plan rules together', () => {
  it('propose one new snapshot rule when both frequency and retention fall short', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [
        plan(PLAN, [
          planRule({ RuleName: 'weekly', ScheduleExpression: WEEKLY, Lifecycle: { DeleteAfterDays: 7 } }),
        ]),
      ],
    });
    // Act
    const { actions } = planRemediation(
      audit(inv, policies({ policies: { gold: { frequency: '1d' } } }), { now: NOW }),
    );
    // Assess
    const added = actions.filter((a) => a.action.type === 'AddBackupPlanRule');
    expect(added).toHaveLength(1);
    expect(added[0]?.fixes.map((f) => f.ruleId).sort()).toEqual(['plan.frequency', 'plan.retention']);
  });
});
