/** Plan: the backup plan a policy names meets its frequency, retention and lifecycle needs. */

import { parseArn, vaultArn } from '../../inventory/arn.js';
import type { InventoryIndex } from '../../inventory/index.js';
import type { BackupPlan, PlanRule } from '../../inventory/schema.js';
import type { Policy } from '../../policy/index.js';
import { formatHours, scheduleMaxGapHours, unionMaxGapHours } from '../../policy/schedule.js';
import type { Action, ActionOf, NewPlanRule } from '../../remediation/actions.js';
import { continuousRule, snapshotRule } from '../provision.js';
import { cannotEvaluate, compliant, defineRule, nonCompliant, notApplicable } from '../types.js';

const PLAN_READ = ['backup:ListBackupPlans', 'backup:GetBackupPlan'];
/** AWS Backup: recovery points stay in cold storage at least 90 days (API_Lifecycle). */
const COLD_MIN_DAYS = 90;

type CopyAction = PlanRule['CopyActions'][number];
type Lifecycle = { DeleteAfterDays?: number; MoveToColdStorageAfterDays?: number } | undefined;

/** The IANA time zone of a rule's schedule (ScheduleExpressionTimezone), if it names one. */
function timezoneOf(r: PlanRule): string | undefined {
  const tz = (r as { ScheduleExpressionTimezone?: unknown }).ScheduleExpressionTimezone;
  return typeof tz === 'string' && tz !== '' ? tz : undefined;
}

/** Largest gap between two runs of a rule, measured from `from`; undefined when unreadable. */
export const gapOf = (r: PlanRule, from?: Date) =>
  r.ScheduleExpression
    ? scheduleMaxGapHours(r.ScheduleExpression, { timezone: timezoneOf(r), from })
    : undefined;

/** Days a lifecycle keeps recovery points; unset, 0 or AWS's -1 ("keep indefinitely") mean forever. */
export function keepDays(l: Lifecycle): number {
  const d = l?.DeleteAfterDays;
  return d === undefined || d <= 0 ? Number.POSITIVE_INFINITY : d;
}
const keep = (r: PlanRule) => keepDays(r.Lifecycle);

/** Days before a lifecycle moves recovery points to cold storage; undefined for never (unset or -1). */
export function coldDays(l: Lifecycle): number | undefined {
  const d = l?.MoveToColdStorageAfterDays;
  return d === undefined || d < 0 ? undefined : d;
}

/**
 * Days a copy is kept: its own DeleteAfterDays (-1: forever); without one it keeps its source
 * rule's lifecycle (recov-point-create-a-copy).
 */
export function copyKeepDays(rule: PlanRule, copy: CopyAction): number {
  return copy.Lifecycle?.DeleteAfterDays !== undefined ? keepDays(copy.Lifecycle) : keep(rule);
}

/** The lowest DeleteAfterDays a lifecycle may be raised to: the target, and cold storage + 90. */
export function raisedDays(target: number, l: Lifecycle): number {
  const cold = coldDays(l);
  return Math.max(target, cold === undefined ? 0 : cold + COLD_MIN_DAYS);
}

/** "35d", or "forever" for a retention without end. */
export const showDays = (d: number) => (Number.isFinite(d) ? `${d}d` : 'forever');

/**
 * Why the vault at `arn` would reject recovery points kept `days` (so every job writing them would
 * fail), or undefined when it admits them: the lock the vault has now (from the inventory), and
 * the lock the policy asks for (vault.lock puts it in place).
 */
export function lockRejects(
  index: InventoryIndex,
  policy: Policy,
  arn: string,
  days: number,
): string | undefined {
  const bounds: { what: string; min?: number | undefined; max?: number | undefined }[] = [];
  const vault = index.vaultsByArn.get(arn);
  if (vault?.Locked)
    bounds.push({
      what: `the lock of vault ${arn}`,
      min: vault.MinRetentionDays,
      max: vault.MaxRetentionDays,
    });
  if (policy.vaultLock)
    bounds.push({
      what: `the vault lock of policy ${policy.name}`,
      min: policy.vaultLock.minRetentionDays,
      max: policy.vaultLock.maxRetentionDays,
    });
  for (const b of bounds) {
    if ((b.min !== undefined && days < b.min) || (b.max !== undefined && days > b.max))
      return `${b.what} (${b.min ?? 0}-${b.max ?? '∞'} days) would reject ${showDays(days)}`;
  }
  return undefined;
}

/**
 * The rule copies are attached to: the most frequent snapshot rule. Continuous rules are left out:
 * their schedule updates one continuous recovery point rather than making snapshots.
 */
export function primaryRule(rules: PlanRule[], from?: Date): PlanRule | undefined {
  let best: PlanRule | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const r of rules) {
    if (r.EnableContinuousBackup) continue;
    const gap = gapOf(r, from) ?? Number.POSITIVE_INFINITY;
    if (!best || gap < bestGap) {
      best = r;
      bestGap = gap;
    }
  }
  return best;
}

const planAccount = (plan: BackupPlan) => parseArn(plan.BackupPlanArn)?.account ?? '';

/**
 * Adds one of the policy's own rules to a plan (its snapshot rule unless told otherwise).
 * Frequency and retention propose the same rule, so the planner merges them into one change.
 * Not proposed when a vault lock would reject what the rule (or one of its copies) writes: every
 * job of the rule would fail.
 */
function addPolicyRule(
  plan: BackupPlan,
  policy: Policy,
  region: string,
  index: InventoryIndex,
  add: NewPlanRule = snapshotRule(policy, region, planAccount(plan)),
): { action: ActionOf<'AddBackupPlanRule'> } | { blocked: string } {
  const account = planAccount(plan);
  const writes = [
    { arn: vaultArn(region, account, add.TargetBackupVaultName), days: add.Lifecycle.DeleteAfterDays },
    ...(add.CopyActions ?? []).map((c) => ({
      arn: c.DestinationBackupVaultArn,
      days: c.Lifecycle.DeleteAfterDays,
    })),
  ];
  for (const w of writes) {
    const why = lockRejects(index, policy, w.arn, w.days);
    if (why) return { blocked: `rule ${add.RuleName} not added: ${why}` };
  }
  return { action: { type: 'AddBackupPlanRule', region, planName: plan.BackupPlanName, rule: add } };
}

/** The action, or no action and the reason appended to the message. */
function proposal(p: { action: Action } | { blocked: string }): { actions: Action[]; note: string } {
  return 'action' in p ? { actions: [p.action], note: '' } : { actions: [], note: `; ${p.blocked}` };
}

const every = (hours: number) =>
  Number.isFinite(hours) ? `every ${formatHours(hours)}` : 'never (no run in the next 8 years)';

/**
 * The plan's snapshot rules (continuous ones left out) and how often they run: each alone, and all
 * together (the union of their run times), measured from `now`.
 */
function snapshotGaps(plan: BackupPlan, now: Date) {
  const rules = plan.Rules.filter((r) => r.ScheduleExpression && !r.EnableContinuousBackup);
  const gaps = rules.map((r) => ({ rule: r, gap: gapOf(r, now) }));
  const readable = gaps.filter((g): g is { rule: PlanRule; gap: number } => g.gap !== undefined);
  const unreadable = gaps.filter((g) => g.gap === undefined).map((g) => g.rule.RuleName);
  const best = [...readable].sort((a, b) => a.gap - b.gap)[0];
  const union =
    readable.length > 1
      ? (unionMaxGapHours(
          readable.map((g) => ({
            expression: g.rule.ScheduleExpression ?? '',
            timezone: timezoneOf(g.rule),
          })),
          now,
        ) ?? best?.gap)
      : best?.gap;
  return { readable, unreadable, best, union };
}

export const frequency = defineRule<'plan'>({
  id: 'plan.frequency',
  title: 'Plan backs up at least as often as the policy frequency',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ },
  proposes: ['AddBackupPlanRule'],
  example:
    'policy frequency 1h, plan rule cron(0 5 ? * * *) -> NON_COMPLIANT: every 24h, policy needs 1h + AddBackupPlanRule',
  evaluate({ plan, policy, region }, { index, now }) {
    const { readable, unreadable, best, union } = snapshotGaps(plan, now);
    if (readable.length === 0 && unreadable.length > 0) {
      return cannotEvaluate(`cannot read the schedules of plan ${plan.BackupPlanName}`);
    }
    const together = best !== undefined && union !== undefined && union < best.gap;
    const names = readable.map((g) => g.rule.RuleName).join(', ');
    const skipped = unreadable.length
      ? `; cannot read the schedule of ${unreadable.join(', ')} (not counted)`
      : '';
    if (best && union !== undefined && union <= policy.maxGapHours) {
      return compliant(
        `${together ? `rules ${names} together leave at most ${formatHours(union)} between runs` : `rule ${best.rule.RuleName} runs ${every(best.gap)}`} (policy: ${formatHours(policy.maxGapHours)})${skipped}`,
      );
    }
    const { actions, note } = proposal(addPolicyRule(plan, policy, region, index));
    const what = !best
      ? `plan ${plan.BackupPlanName} has no scheduled snapshot rule (continuous rules do not count)`
      : together
        ? `rules ${names} together leave gaps of up to ${formatHours(union ?? best.gap)}; policy ${policy.name} needs ${formatHours(policy.maxGapHours)}`
        : `most frequent rule ${best.rule.RuleName} runs ${every(best.gap)}; policy ${policy.name} needs ${formatHours(policy.maxGapHours)}`;
    return nonCompliant(`${what}${skipped}${note}`, {
      expected: `every ${formatHours(policy.maxGapHours)}`,
      actual: best ? every(union ?? best.gap) : 'never',
      actions,
    });
  },
});

export const retention = defineRule<'plan'>({
  id: 'plan.retention',
  title: 'Plan keeps recovery points as long as the policy retention',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ },
  proposes: ['RaiseRuleRetention', 'AddBackupPlanRule'],
  example: 'policy retentionDays 35, longest rule keeps 14 days -> NON_COMPLIANT + RaiseRuleRetention to 35',
  evaluate({ plan, policy, region }, { index, now }) {
    const longest = [...plan.Rules].sort((a, b) => keep(b) - keep(a))[0];
    if (!longest)
      return nonCompliant(`plan ${plan.BackupPlanName} has no rules`, {
        expected: `${policy.retentionDays} days`,
      });
    const days = keep(longest);
    if (days >= policy.retentionDays) {
      return compliant(
        `rule ${longest.RuleName} keeps ${Number.isFinite(days) ? `${days} days` : 'forever'} (policy: ${policy.retentionDays})`,
      );
    }
    // Continuous backups are capped at 35 days: raise the longest snapshot rule. When the snapshot
    // rules do not meet the frequency either, plan.frequency adds the policy's rule, which fixes both.
    const { union } = snapshotGaps(plan, now);
    const snapshot =
      union !== undefined && union <= policy.maxGapHours
        ? [...plan.Rules].filter((r) => !r.EnableContinuousBackup).sort((a, b) => keep(b) - keep(a))[0]
        : undefined;
    const { actions, note } = proposal(
      snapshot
        ? raiseRule(plan, policy, region, index, snapshot)
        : addPolicyRule(plan, policy, region, index),
    );
    return nonCompliant(
      `longest retention is ${days} days (rule ${longest.RuleName}); policy ${policy.name} needs ${policy.retentionDays}${note}`,
      { expected: `>= ${policy.retentionDays} days`, actual: `${days} days`, actions },
    );
  },
});

/**
 * Raises a rule to the policy retention (and at least cold storage + 90 days). Copies without a
 * lifecycle of their own inherit it, so their destination vaults must admit it too.
 */
function raiseRule(
  plan: BackupPlan,
  policy: Policy,
  region: string,
  index: InventoryIndex,
  rule: PlanRule,
): { action: Action } | { blocked: string } {
  const days = raisedDays(policy.retentionDays, rule.Lifecycle);
  const writes = [
    vaultArn(region, planAccount(plan), rule.TargetBackupVaultName),
    ...rule.CopyActions.filter((c) => c.Lifecycle?.DeleteAfterDays === undefined).map(
      (c) => c.DestinationBackupVaultArn,
    ),
  ];
  for (const arn of writes) {
    const why = lockRejects(index, policy, arn, days);
    if (why) return { blocked: `rule ${rule.RuleName} not raised to ${days} days: ${why}` };
  }
  return {
    action: {
      type: 'RaiseRuleRetention',
      region,
      planName: plan.BackupPlanName,
      ruleName: rule.RuleName,
      deleteAfterDays: days,
    },
  };
}

export const continuous = defineRule<'plan'>({
  id: 'plan.continuous',
  title: 'Plan has continuous backup (point-in-time recovery) when the policy asks',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ },
  proposes: ['AddBackupPlanRule'],
  example:
    'policy continuous: true, no rule with EnableContinuousBackup -> NON_COMPLIANT + AddBackupPlanRule (continuous)',
  evaluate({ plan, policy, region }, { index }) {
    if (!policy.continuous) return notApplicable(`policy ${policy.name} does not ask for continuous backup`);
    const rule = plan.Rules.find((r) => r.EnableContinuousBackup);
    if (rule) return compliant(`rule ${rule.RuleName} has continuous backup`);
    const { actions, note } = proposal(addPolicyRule(plan, policy, region, index, continuousRule(policy)));
    return nonCompliant(`no rule has continuous backup: no point-in-time recovery${note}`, {
      expected: 'EnableContinuousBackup on one rule',
      actual: 'none',
      actions,
    });
  },
});

export const finiteRetention = defineRule<'plan'>({
  id: 'plan.finite-retention',
  title: 'Every rule deletes its recovery points eventually',
  area: 'plan',
  severity: 'medium',
  subject: 'plan',
  permissions: { collect: PLAN_READ },
  proposes: [],
  example:
    'rule daily without DeleteAfterDays -> NON_COMPLIANT: recovery points (and copies, which inherit it) kept forever',
  evaluate({ plan, policy }) {
    const endless = plan.Rules.filter((r) => !Number.isFinite(keep(r))).map((r) => r.RuleName);
    // A copy with DeleteAfterDays -1 of its own is kept forever even when its rule is not.
    const endlessCopies = plan.Rules.flatMap((r) =>
      Number.isFinite(keep(r))
        ? r.CopyActions.filter((c) => !Number.isFinite(copyKeepDays(r, c))).map(
            (c) => `copy to ${c.DestinationBackupVaultArn} in rule ${r.RuleName}`,
          )
        : [],
    );
    if (endless.length === 0 && endlessCopies.length === 0)
      return compliant('every rule has a finite DeleteAfterDays (copies without one inherit it)');
    const parts = [
      ...(endless.length
        ? [
            `rules ${endless.join(', ')} keep recovery points forever, and so do their copies without a lifecycle`,
          ]
        : []),
      ...(endlessCopies.length
        ? [`${endlessCopies.join(', ')} keeps copies forever (DeleteAfterDays -1)`]
        : []),
    ];
    return nonCompliant(
      `${parts.join('; ')}: duplicate snapshots pile up. Not changed automatically (that would shorten retention): set DeleteAfterDays, e.g. ${policy.retentionDays}`,
      {
        expected: 'DeleteAfterDays on every rule',
        actual: `${endless.length + endlessCopies.length} without`,
      },
    );
  },
});

export const coldStorage = defineRule<'plan'>({
  id: 'plan.cold-storage',
  title: 'Cold storage lifecycles are valid and not used for RDS or S3',
  area: 'plan',
  severity: 'medium',
  subject: 'plan',
  permissions: { collect: PLAN_READ },
  proposes: [],
  example:
    'rule MoveToColdStorageAfterDays 30, DeleteAfterDays 60 -> NON_COMPLIANT: delete must be >= cold + 90 (120)',
  evaluate({ plan }) {
    const problems: string[] = [];
    const check = (where: string, l: Lifecycle) => {
      // -1 means "never move" and "never delete" (API_Lifecycle): not a number of days.
      const cold = coldDays(l);
      if (cold === undefined) return;
      problems.push(
        `${where} moves to cold storage after ${cold} days, which RDS, Aurora and S3 recovery points do not support`,
      );
      const days = keepDays(l);
      if (Number.isFinite(days) && days < cold + COLD_MIN_DAYS) {
        problems.push(`${where} deletes after ${days} days, less than cold + 90 = ${cold + COLD_MIN_DAYS}`);
      }
    };
    for (const r of plan.Rules) {
      check(`rule ${r.RuleName}`, r.Lifecycle);
      for (const c of r.CopyActions)
        check(`copy to ${c.DestinationBackupVaultArn} in rule ${r.RuleName}`, c.Lifecycle);
    }
    if (problems.length === 0) return compliant('no cold storage transitions');
    return nonCompliant(problems.join('; '), {
      expected: 'no cold storage (or delete >= cold + 90)',
      actual: `${problems.length} problems`,
    });
  },
});

export const planRules = [frequency, retention, continuous, finiteRetention, coldStorage];
