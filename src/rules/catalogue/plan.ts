/** Plan: the backup plan a policy names meets its frequency, retention and lifecycle needs. */

import { parseArn } from '../../inventory/arn.js';
import type { BackupPlan, PlanRule } from '../../inventory/schema.js';
import type { Policy } from '../../policy/index.js';
import { formatHours, scheduleMaxGapHours } from '../../policy/schedule.js';
import type { Action, NewPlanRule } from '../../remediation/actions.js';
import { destinations } from '../destinations.js';
import { cannotEvaluate, compliant, nonCompliant, notApplicable, type Rule } from '../types.js';

const PLAN_READ = ['backup:ListBackupPlans', 'backup:GetBackupPlan'];
const PLAN_WRITE = ['backup:UpdateBackupPlan'];
/** AWS Backup: continuous backups are kept at most 35 days. */
export const CONTINUOUS_MAX_DAYS = 35;

const gapOf = (r: PlanRule) => (r.ScheduleExpression ? scheduleMaxGapHours(r.ScheduleExpression) : undefined);

/** Days a lifecycle keeps recovery points; unset, 0 or AWS's -1 mean forever. */
export function keepDays(l: { DeleteAfterDays?: number } | undefined): number {
  const d = l?.DeleteAfterDays;
  return d === undefined || d <= 0 ? Number.POSITIVE_INFINITY : d;
}
const keep = (r: PlanRule) => keepDays(r.Lifecycle);

/** A copy without its own DeleteAfterDays keeps its source rule's lifecycle (recov-point-create-a-copy). */
export function copyKeepDays(rule: PlanRule, copy: PlanRule['CopyActions'][number]): number {
  return copy.Lifecycle?.DeleteAfterDays !== undefined && copy.Lifecycle.DeleteAfterDays > 0
    ? copy.Lifecycle.DeleteAfterDays
    : keep(rule);
}

/**
 * The rule copies are attached to: the most frequent snapshot rule. Continuous rules are left out:
 * their schedule updates one continuous recovery point rather than making snapshots.
 */
export function primaryRule(rules: PlanRule[]): PlanRule | undefined {
  let best: PlanRule | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const r of rules) {
    if (r.EnableContinuousBackup) continue;
    const gap = gapOf(r) ?? Number.POSITIVE_INFINITY;
    if (!best || gap < bestGap) {
      best = r;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * Adds the policy's own rule to a plan. Frequency and retention propose the same rule, so the
 * planner merges them into one change.
 */
function addPolicyRule(
  plan: BackupPlan,
  policy: Policy,
  region: string,
  rule: Partial<NewPlanRule> = {},
): Action {
  return {
    type: 'AddBackupPlanRule',
    region,
    planName: plan.BackupPlanName,
    rule: {
      RuleName: 'backup-sentinel-snapshots',
      TargetBackupVaultName: policy.vaultName,
      ScheduleExpression: policy.scheduleExpression,
      Lifecycle: { DeleteAfterDays: policy.retentionDays },
      CopyActions: destinations(policy, region, parseArn(plan.BackupPlanArn)?.account ?? '')
        .filter((d) => d.crossRegion || d.crossAccount)
        .map((d) => ({ DestinationBackupVaultArn: d.arn, Lifecycle: { DeleteAfterDays: d.retentionDays } })),
      ...rule,
    },
  };
}

export const frequency: Rule<'plan'> = {
  id: 'plan.frequency',
  title: 'Plan backs up at least as often as the policy frequency',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ, remediate: PLAN_WRITE },
  example:
    'policy frequency 1h, plan rule cron(0 5 ? * * *) -> NON_COMPLIANT: every 24h, policy needs 1h + AddBackupPlanRule',
  evaluate({ plan, policy, region }) {
    const gaps = plan.Rules.filter((r) => r.ScheduleExpression && !r.EnableContinuousBackup).map((r) => ({
      rule: r.RuleName,
      gap: scheduleMaxGapHours(r.ScheduleExpression ?? ''),
    }));
    const readable = gaps.filter((g): g is { rule: string; gap: number } => g.gap !== undefined);
    if (gaps.length > 0 && readable.length === 0) {
      return cannotEvaluate(`cannot read the schedules of plan ${plan.BackupPlanName}`);
    }
    const best = readable.sort((a, b) => a.gap - b.gap)[0];
    if (best && best.gap <= policy.maxGapHours) {
      return compliant(
        `rule ${best.rule} runs every ${formatHours(best.gap)} (policy: ${formatHours(policy.maxGapHours)})`,
      );
    }
    return nonCompliant(
      best
        ? `most frequent rule ${best.rule} runs every ${formatHours(best.gap)}; policy ${policy.name} needs ${formatHours(policy.maxGapHours)}`
        : `plan ${plan.BackupPlanName} has no scheduled snapshot rule (continuous rules do not count)`,
      {
        expected: `every ${formatHours(policy.maxGapHours)}`,
        actual: best ? `every ${formatHours(best.gap)}` : 'never',
        actions: [addPolicyRule(plan, policy, region)],
      },
    );
  },
};

export const retention: Rule<'plan'> = {
  id: 'plan.retention',
  title: 'Plan keeps recovery points as long as the policy retention',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ, remediate: PLAN_WRITE },
  example: 'policy retentionDays 35, longest rule keeps 14 days -> NON_COMPLIANT + RaiseRuleRetention to 35',
  evaluate({ plan, policy, region }) {
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
    // Continuous backups are capped at 35 days: raise the longest snapshot rule. When no rule
    // meets the frequency either, plan.frequency adds the policy's rule, which fixes both.
    const snapshot = plan.Rules.some(
      (r) => !r.EnableContinuousBackup && (gapOf(r) ?? Number.POSITIVE_INFINITY) <= policy.maxGapHours,
    )
      ? [...plan.Rules].filter((r) => !r.EnableContinuousBackup).sort((a, b) => keep(b) - keep(a))[0]
      : undefined;
    const cold = snapshot?.Lifecycle?.MoveToColdStorageAfterDays;
    return nonCompliant(
      `longest retention is ${days} days (rule ${longest.RuleName}); policy ${policy.name} needs ${policy.retentionDays}`,
      {
        expected: `>= ${policy.retentionDays} days`,
        actual: `${days} days`,
        actions: [
          snapshot
            ? {
                type: 'RaiseRuleRetention',
                region,
                planName: plan.BackupPlanName,
                ruleName: snapshot.RuleName,
                deleteAfterDays: Math.max(policy.retentionDays, cold === undefined ? 0 : cold + 90),
              }
            : addPolicyRule(plan, policy, region),
        ],
      },
    );
  },
};

export const continuous: Rule<'plan'> = {
  id: 'plan.continuous',
  title: 'Plan has continuous backup (point-in-time recovery) when the policy asks',
  area: 'plan',
  severity: 'high',
  subject: 'plan',
  permissions: { collect: PLAN_READ, remediate: PLAN_WRITE },
  example:
    'policy continuous: true, no rule with EnableContinuousBackup -> NON_COMPLIANT + AddBackupPlanRule (continuous)',
  evaluate({ plan, policy, region }) {
    if (!policy.continuous) return notApplicable(`policy ${policy.name} does not ask for continuous backup`);
    const rule = plan.Rules.find((r) => r.EnableContinuousBackup);
    if (rule) return compliant(`rule ${rule.RuleName} has continuous backup`);
    return nonCompliant('no rule has continuous backup: no point-in-time recovery', {
      expected: 'EnableContinuousBackup on one rule',
      actual: 'none',
      actions: [
        addPolicyRule(plan, policy, region, {
          RuleName: 'backup-sentinel-continuous',
          ScheduleExpression: 'cron(0 5 ? * * *)',
          Lifecycle: { DeleteAfterDays: Math.min(policy.retentionDays, CONTINUOUS_MAX_DAYS) },
          EnableContinuousBackup: true,
          CopyActions: [],
        }),
      ],
    });
  },
};

export const finiteRetention: Rule<'plan'> = {
  id: 'plan.finite-retention',
  title: 'Every rule deletes its recovery points eventually',
  area: 'plan',
  severity: 'medium',
  subject: 'plan',
  permissions: { collect: PLAN_READ, remediate: [] },
  example:
    'rule daily without DeleteAfterDays -> NON_COMPLIANT: recovery points (and copies, which inherit it) kept forever',
  evaluate({ plan, policy }) {
    const endless = plan.Rules.filter((r) => !Number.isFinite(keep(r))).map((r) => r.RuleName);
    if (endless.length === 0)
      return compliant('every rule has a finite DeleteAfterDays (copies without one inherit it)');
    return nonCompliant(
      `rules ${endless.join(', ')} keep recovery points forever, and so do their copies without a lifecycle: duplicate snapshots pile up. Not changed automatically (that would shorten retention): set DeleteAfterDays, e.g. ${policy.retentionDays}`,
      { expected: 'DeleteAfterDays on every rule', actual: `${endless.length} without` },
    );
  },
};

export const coldStorage: Rule<'plan'> = {
  id: 'plan.cold-storage',
  title: 'Cold storage lifecycles are valid and not used for RDS or S3',
  area: 'plan',
  severity: 'medium',
  subject: 'plan',
  permissions: { collect: PLAN_READ, remediate: [] },
  example:
    'rule MoveToColdStorageAfterDays 30, DeleteAfterDays 60 -> NON_COMPLIANT: delete must be >= cold + 90 (120)',
  evaluate({ plan }) {
    const problems: string[] = [];
    const check = (
      where: string,
      l: { DeleteAfterDays?: number; MoveToColdStorageAfterDays?: number } | undefined,
    ) => {
      const cold = l?.MoveToColdStorageAfterDays;
      if (cold === undefined) return;
      problems.push(
        `${where} moves to cold storage after ${cold} days, which RDS, Aurora and S3 recovery points do not support`,
      );
      if (l?.DeleteAfterDays !== undefined && l.DeleteAfterDays < cold + 90) {
        problems.push(`${where} deletes after ${l.DeleteAfterDays} days, less than cold + 90 = ${cold + 90}`);
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
};

export const planRules = [frequency, retention, continuous, finiteRetention, coldStorage];
