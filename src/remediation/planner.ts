/**
 * Findings -> the changes `fix` would make, as data. Pure. Actions come from NON_COMPLIANT
 * findings; findings on audit-only subjects (backup:remediate=false) are skipped with a reason;
 * identical actions proposed for many resources become one; changes to one database merge.
 */
import type { Finding } from '../rules/types.js';
import { type Action, type ActionType, describeAction } from './actions.js';

export interface PlannedAction {
  action: Action;
  summary: string;
  /** The findings this action resolves, as "ruleId resourceArn". */
  fixes: string[];
}

export interface RemediationPlan {
  actions: PlannedAction[];
  skipped: (PlannedAction & { reason: string })[];
}

export interface PlanOptions {
  /** Where vault notifications go when the vault has no topic yet (the stack's alert topic). */
  alertTopicArn?: string;
}

/** Every action type, in the order they run: creation first, then what builds on it. */
export const ACTION_ORDER: readonly ActionType[] = [
  'EnableResourceTypeOptIn',
  'CreateBackupVault',
  'CreateBackupPlan',
  'CreateBackupSelection',
  'AddBackupPlanRule',
  'RaiseRuleRetention',
  'AddCopyAction',
  'RaiseCopyRetention',
  'PutVaultNotifications',
  'AddVaultDeleteProtection',
  'PutVaultLock',
  'EnableBucketVersioning',
  'AddBucketLifecycleRule',
  'ModifyDBInstance',
  'ModifyDBCluster',
  'CreateRestoreTestingPlan',
  'CreateRestoreTestingSelection',
];

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
      applyImmediately: into.applyImmediately && more.applyImmediately,
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
  switch (a.type) {
    case 'RaiseRuleRetention':
    case 'RaiseCopyRetention':
    case 'AddCopyAction':
      return [a.deleteAfterDays];
    case 'AddBackupPlanRule':
      return [
        a.rule.Lifecycle.DeleteAfterDays,
        ...(a.rule.CopyActions ?? []).map((c) => c.Lifecycle.DeleteAfterDays),
      ];
    case 'PutVaultLock':
      return [a.minRetentionDays, ...(a.maxRetentionDays === undefined ? [] : [a.maxRetentionDays])];
    default:
      return [];
  }
}

export function planRemediation(findings: Finding[], options: PlanOptions = {}): RemediationPlan {
  const planned = new Map<string, { action: Action; fixes: string[] }>();
  const skipped = new Map<string, { action: Action; fixes: string[]; reason: string }>();
  for (const f of findings) {
    if (f.status !== 'NON_COMPLIANT') continue;
    for (const action of f.actions) {
      const key = mergeKey(action);
      const fix = `${f.ruleId} ${f.resourceArn}`;
      const target: Map<string, { action: Action; fixes: string[]; reason?: string }> = f.remediate
        ? planned
        : skipped;
      const entry = target.get(key);
      if (entry) {
        entry.action = merge(entry.action, action);
        if (!entry.fixes.includes(fix)) entry.fixes.push(fix);
      } else {
        target.set(key, {
          action,
          fixes: [fix],
          reason: `audit-only: ${f.resourceArn} is tagged remediate=false`,
        });
      }
    }
  }
  for (const key of planned.keys()) skipped.delete(key);

  const actions: PlannedAction[] = [];
  const out: RemediationPlan['skipped'] = [...skipped.values()].map((s) => ({
    ...s,
    summary: describeAction(s.action),
  }));
  for (const { action, fixes } of planned.values()) {
    const bad = writtenDays(action).find((d) => !Number.isInteger(d) || d < 1);
    if (bad !== undefined) {
      out.push({
        action,
        fixes,
        summary: describeAction(action),
        reason: `would write ${bad} as a number of days (AWS reads -1 as "keep forever")`,
      });
      continue;
    }
    if (action.type === 'PutVaultNotifications' && !action.snsTopicArn) {
      if (!options.alertTopicArn) {
        out.push({
          action,
          fixes,
          summary: describeAction(action),
          reason: 'no SNS topic: pass --alert-topic-arn (the stack sets it)',
        });
        continue;
      }
      const withTopic: Action = { ...action, snsTopicArn: options.alertTopicArn };
      actions.push({ action: withTopic, fixes, summary: describeAction(withTopic) });
      continue;
    }
    actions.push({ action, fixes, summary: describeAction(action) });
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
  const rank = (a: Action) => ACTION_ORDER.indexOf(a.type);
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
      return `plan ${a.planName} (${a.region})`;
    case 'CreateBackupSelection':
      return `selection ${a.selectionName} of plan ${a.planName} (${a.region})`;
    case 'AddBackupPlanRule':
      return `rule ${a.rule.RuleName} of plan ${a.planName} (${a.region})`;
    case 'CreateRestoreTestingPlan':
      return `restore testing plan ${a.name} (${a.region})`;
    case 'CreateRestoreTestingSelection':
      return `restore testing selection ${a.selectionName} (${a.region})`;
    default:
      return undefined;
  }
}
