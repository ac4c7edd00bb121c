/** Use-cases against a live account: snapshot, audit, fix. */
import type { Aws } from '../aws/clients.js';
import { partitionOf } from '../inventory/arn.js';
import type { ReadFrom } from '../inventory/collect/config-route.js';
import { collectInventory } from '../inventory/collect/index.js';
import type { Inventory } from '../inventory/schema.js';
import type { PolicySet } from '../policy/index.js';
import { type ActionResult, executePlan } from '../remediation/execute.js';
import { planRemediation, type RemediationPlan } from '../remediation/planner.js';
import { type AuditResult, auditInventory } from './audit.js';

export interface LiveOptions {
  regions: string[];
  policies: PolicySet;
  now: Date;
  drRoleArn?: string;
  windowDays?: number;
  /** Where bucket settings are read: auto (AWS Config where it serves them; the default) or direct. */
  readFrom?: ReadFrom;
  onProgress?: (message: string) => void;
}

export function snapshot(aws: Aws, o: LiveOptions): Promise<Inventory> {
  return collectInventory(aws, {
    regions: o.regions,
    policies: o.policies,
    now: o.now,
    ...(o.drRoleArn ? { drRoleArn: o.drRoleArn } : {}),
    ...(o.windowDays ? { windowDays: o.windowDays } : {}),
    ...(o.readFrom ? { readFrom: o.readFrom } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
}

export async function auditAccount(
  aws: Aws,
  o: LiveOptions,
): Promise<{ inventory: Inventory; result: AuditResult }> {
  const inventory = await snapshot(aws, o);
  return { inventory, result: auditInventory(inventory, o.policies, o.now) };
}

export interface FixOptions extends LiveOptions {
  apply: boolean;
  maxChanges: number;
  backupRoleArn?: string;
  /** 'template': each selection and restore test gets its kind's role of resources/backup-roles.yml. */
  backupRoles?: 'template';
  alertTopicArn?: string;
  /** Only fix findings of these rule ids or areas ("s3", "rds.deletion-protection"). */
  only?: string[];
  /** Change only plans backup-sentinel owns (the functions; their roles may change no other). */
  ownedPlansOnly?: boolean;
  onResult?: (r: ActionResult) => void;
}

export interface FixResult {
  audit: AuditResult;
  plan: RemediationPlan;
  results: ActionResult[];
  /** "resourceArn|ruleId" of the findings whose fix was applied or found already done. */
  healed: Set<string>;
}

export async function fixAccount(aws: Aws, o: FixOptions): Promise<FixResult> {
  const { inventory, result } = await auditAccount(aws, o);
  const plan = planRemediation(result.findings, o.alertTopicArn ? { alertTopicArn: o.alertTopicArn } : {});
  const wanted = (ruleId: string) =>
    !o.only || o.only.some((x) => ruleId === x || ruleId.startsWith(`${x}.`));
  const actions = plan.actions.filter((a) => a.fixes.some((f) => wanted(f.ruleId)));
  const results = await executePlan(aws, actions, {
    apply: o.apply,
    maxChanges: o.maxChanges,
    backupRoleArn: o.backupRoleArn ?? defaultBackupRole(inventory),
    ...(o.backupRoles ? { backupRoles: o.backupRoles } : {}),
    accountId: inventory.accountId,
    ...(o.ownedPlansOnly ? { ownedPlansOnly: true } : {}),
    ...(o.onResult ? { onResult: o.onResult } : {}),
  });
  const healed = new Set(
    results.flatMap((r, i) =>
      r.status === 'applied' || r.status === 'already-done'
        ? (actions[i]?.fixes ?? []).map((f) => `${f.resourceArn}|${f.ruleId}`)
        : [],
    ),
  );
  return { audit: result, plan, results, healed };
}

/** The account's AWS Backup default service role, in the account's partition. */
export function defaultBackupRole(inventory: Inventory): string {
  return `arn:${partitionOf(inventory.regions[0] ?? '')}:iam::${inventory.accountId}:role/service-role/AWSBackupDefaultServiceRole`;
}
