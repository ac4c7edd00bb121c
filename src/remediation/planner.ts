/**
 * Findings -> the changes `fix` would make, as data. Pure. Actions come from NON_COMPLIANT
 * findings; findings on audit-only subjects (backup:remediate=false) are skipped with a reason;
 * identical actions proposed for many resources become one; changes to one database merge.
 * Actions run in the order their specs give (actions-catalogue.ts).
 */
import type { Finding } from '../rules/types.js';
import type { Action, NewPlanRule } from './actions.js';
import { ACTION_ORDER, ACTION_SPECS, describeAction } from './actions-catalogue.js';

export { ACTION_ORDER };

/** A finding an action fixes. */
export interface Fix {
  ruleId: string;
  resourceArn: string;
}

export interface PlannedAction {
  action: Action;
  summary: string;
  /** The findings this action fixes. */
  fixes: Fix[];
}

export interface RemediationPlan {
  actions: PlannedAction[];
  skipped: (PlannedAction & { reason: string })[];
}

export interface PlanOptions {
  /** Where vault notifications go when the vault has no topic yet (the stack's alert topic). */
  alertTopicArn?: string;
}

function mergeKey(a: Action): string {
  switch (a.type) {
    case 'ModifyDBInstance':
    case 'ModifyDBCluster':
      return `${a.type}|${a.region}|${a.identifier}`;
    case 'PutVaultNotifications':
      return `${a.type}|${a.region}|${a.vaultName}`;
    case 'RaiseRuleRetention':
      return `${a.type}|${a.region}|${a.planName}|${a.ruleName}`;
    case 'RaiseCopyRetention':
      return `${a.type}|${a.region}|${a.planName}|${a.ruleName}|${a.destinationVaultArn}`;
    default:
      return JSON.stringify(a);
  }
}

function merge(into: Action, more: Action): Action {
  if ((into.type === 'ModifyDBInstance' || into.type === 'ModifyDBCluster') && into.type === more.type) {
    const retention = Math.max(
      into.changes.BackupRetentionPeriod ?? 0,
      more.changes.BackupRetentionPeriod ?? 0,
    );
    return {
      ...into,
      changes: {
        ...into.changes,
        ...more.changes,
        ...(retention ? { BackupRetentionPeriod: retention } : {}),
      },
      // One change waiting for the window makes the merged one wait too.
      applyAt: into.applyAt === 'now' && more.applyAt === 'now' ? 'now' : 'next-maintenance-window',
    };
  }
  if (into.type === 'PutVaultNotifications' && more.type === 'PutVaultNotifications') {
    return { ...into, events: [...new Set([...into.events, ...more.events])] };
  }
  // Two raises of one retention: the larger one satisfies both.
  if (
    (into.type === 'RaiseRuleRetention' && more.type === 'RaiseRuleRetention') ||
    (into.type === 'RaiseCopyRetention' && more.type === 'RaiseCopyRetention')
  ) {
    return { ...into, deleteAfterDays: Math.max(into.deleteAfterDays, more.deleteAfterDays) };
  }
  return into;
}

/**
 * Retentions an action would write. AWS reads DeleteAfterDays -1 as "keep forever": an action
 * that writes anything but a whole positive number of days is not a retention it may write.
 */
function writtenDays(a: Action): number[] {
  const ruleDays = (r: NewPlanRule) => [
    r.Lifecycle.DeleteAfterDays,
    ...(r.CopyActions ?? []).map((c) => c.Lifecycle.DeleteAfterDays),
  ];
  switch (a.type) {
    case 'RaiseRuleRetention':
    case 'RaiseCopyRetention':
    case 'AddCopyAction':
      return [a.deleteAfterDays];
    case 'AddBackupPlanRule':
      return ruleDays(a.rule);
    case 'CreateBackupPlan':
      return a.plan.Rules.flatMap(ruleDays);
    case 'PutVaultLock':
      return [a.minRetentionDays, ...(a.maxRetentionDays === undefined ? [] : [a.maxRetentionDays])];
    default:
      return [];
  }
}

const fixing = (fixes: Fix[]) => ({ fixes });

export function planRemediation(findings: Finding[], options: PlanOptions = {}): RemediationPlan {
  /** An action, the findings it resolves, and why it is skipped if it is (audit-only). */
  type Entry = { action: Action; resolves: Fix[]; reason: string };
  const planned = new Map<string, Entry>();
  const skipped = new Map<string, Entry>();
  for (const f of findings) {
    if (f.status !== 'NON_COMPLIANT') continue;
    for (const action of f.actions) {
      const key = mergeKey(action);
      const target = f.remediate ? planned : skipped;
      const entry = target.get(key);
      if (entry) {
        entry.action = merge(entry.action, action);
        if (!entry.resolves.some((r) => r.ruleId === f.ruleId && r.resourceArn === f.resourceArn))
          entry.resolves.push({ ruleId: f.ruleId, resourceArn: f.resourceArn });
      } else {
        target.set(key, {
          action,
          resolves: [{ ruleId: f.ruleId, resourceArn: f.resourceArn }],
          reason: `audit-only: ${f.resourceArn} is tagged remediate=false`,
        });
      }
    }
  }
  for (const key of planned.keys()) skipped.delete(key);

  const actions: PlannedAction[] = [];
  const out: RemediationPlan['skipped'] = [...skipped.values()].map(({ action, resolves, reason }) => ({
    action,
    ...fixing(resolves),
    reason,
    summary: describeAction(action),
  }));
  for (const { action, resolves } of planned.values()) {
    const fixes = fixing(resolves);
    const bad = writtenDays(action).find((d) => !Number.isInteger(d) || d < 1);
    if (bad !== undefined) {
      out.push({
        action,
        ...fixes,
        summary: describeAction(action),
        reason: `would write ${bad} as a number of days (AWS reads -1 as "keep forever")`,
      });
      continue;
    }
    if (action.type === 'PutVaultNotifications' && !action.snsTopicArn) {
      if (!options.alertTopicArn) {
        out.push({
          action,
          ...fixes,
          summary: describeAction(action),
          reason: 'no SNS topic: pass --alert-topic-arn (the stack sets it)',
        });
        continue;
      }
      const withTopic: Action = { ...action, snsTopicArn: options.alertTopicArn };
      actions.push({ action: withTopic, ...fixes, summary: describeAction(withTopic) });
      continue;
    }
    actions.push({ action, ...fixes, summary: describeAction(action) });
  }
  // Two different proposals for the same named thing (e.g. databases of one policy in different
  // subnet groups) cannot both be right: neither is applied, and the reason says why.
  const byName = new Map<string, PlannedAction[]>();
  for (const a of actions) {
    const name = identity(a.action);
    if (name) byName.set(name, [...(byName.get(name) ?? []), a]);
  }
  const conflicting = new Set<PlannedAction>();
  for (const [name, group] of byName) {
    if (group.length < 2) continue;
    for (const a of group) {
      conflicting.add(a);
      out.push({
        ...a,
        reason: `conflicts with ${group.length - 1} other proposal(s) for ${name}; resolve by hand`,
      });
    }
  }
  const rank = (a: Action) => ACTION_SPECS[a.type].order;
  const kept = actions.filter((a) => !conflicting.has(a)).sort((a, b) => rank(a.action) - rank(b.action));
  return { actions: kept, skipped: out };
}

/** What an action creates or sets, by name; undefined for actions that merge freely. */
function identity(a: Action): string | undefined {
  switch (a.type) {
    case 'CreateBackupVault':
    case 'PutVaultLock':
      return `${a.type} ${a.vaultName} (${a.region})`;
    case 'CreateBackupPlan':
      return `plan ${a.plan.BackupPlanName} (${a.region})`;
    case 'CreateBackupSelection':
      return `selection ${a.selectionName} of plan ${a.planName} (${a.region})`;
    case 'AddBackupPlanRule':
      return `rule ${a.rule.RuleName} of plan ${a.planName} (${a.region})`;
    case 'CreateRestoreTestingPlan':
      return `restore testing plan ${a.plan.RestoreTestingPlanName} (${a.region})`;
    case 'CreateRestoreTestingSelection':
      return `restore testing selection ${a.selectionName} (${a.region})`;
    default:
      return undefined;
  }
}
