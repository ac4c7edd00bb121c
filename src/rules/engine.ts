/**
 * The audit: inventory + policies + now -> findings. Pure: no clock, no network.
 * Every rule runs on each subject it applies to; a rule that throws, or whose data could not be
 * collected, gives an ERROR finding for that subject and the audit goes on.
 */

import { parseArn, partitionOf, vaultArn } from '../inventory/arn.js';
import { InventoryIndex, isClusterMember, resourceName } from '../inventory/index.js';
import type { Inventory } from '../inventory/schema.js';
import { own } from '../maps.js';
import { destinations } from '../policy/destinations.js';
import type { PolicySet } from '../policy/index.js';
import { resolvePolicy } from '../policy/resolve.js';
import { RULES } from './registry.js';
import type { AnyRule, Finding, Outcome, RuleContext, Subject } from './types.js';

const SUBJECT_TYPE: Record<Subject['kind'], string | undefined> = {
  tagged: undefined,
  resource: undefined,
  plan: 'AWS::Backup::BackupPlan',
  vault: 'AWS::Backup::BackupVault',
  key: 'AWS::KMS::Key',
  account: 'AWS::::Account',
};

export interface AuditOptions {
  now: Date;
  rules?: readonly AnyRule[];
}

export function audit(inventory: Inventory, policies: PolicySet, options: AuditOptions): Finding[] {
  const index = new InventoryIndex(inventory);
  const ctx: RuleContext = { index, inventory, policies, now: options.now };
  const findings: Finding[] = [];
  for (const subject of subjects(inventory, policies, index)) {
    for (const rule of options.rules ?? RULES) {
      if (!applies(rule, subject)) continue;
      findings.push(...run(rule, subject, ctx));
    }
  }
  return findings;
}

/** The first read the rule collects that the collector skipped for this resource, if any. */
function notReadBy(s: Subject, rule: AnyRule): string | undefined {
  if (s.kind !== 'resource' && s.kind !== 'tagged') return undefined;
  const notRead = (s.resource as { NotRead?: string[] }).NotRead;
  return notRead?.find((a) => rule.permissions.collect.includes(a));
}

/** The AWS Config item the rule's reads of this resource came from, if they did (ReadFrom). */
function sourceOf(s: Subject, rule: AnyRule): Finding['source'] {
  if (s.kind !== 'resource' && s.kind !== 'tagged') return undefined;
  const from = (s.resource as { ReadFrom?: { source?: string; capturedAt?: string; settings?: string[] } })
    .ReadFrom;
  if (from?.source !== 'aws-config' || !from.capturedAt) return undefined;
  if (!(from.settings ?? []).some((a) => rule.permissions.collect.includes(a))) return undefined;
  return { readFrom: 'aws-config', capturedAt: from.capturedAt };
}

function applies(rule: AnyRule, s: Subject): boolean {
  if (rule.subject !== s.kind) return false;
  if ((s.kind === 'resource' || s.kind === 'tagged') && rule.resourceTypes)
    return rule.resourceTypes.includes(s.resource.Type);
  return true;
}

function run(rule: AnyRule, subject: Subject, ctx: RuleContext): Finding[] {
  // Failed reads of the subject itself, or of a whole call in its account and region. What a
  // rule reads about other things (a vault's recovery points, a plan's selections) it checks
  // itself through ctx.index.scope, so one unreadable destination does not hide the others.
  const failed = ctx.index
    .errorsFor(subject.arn, subjectAccount(subject), subjectRegion(subject))
    .find((e) => rule.permissions.collect.includes(e.Action));
  let outcomes: Outcome[];
  if (failed) {
    outcomes = [
      {
        status: 'ERROR',
        message: `could not evaluate: ${failed.Action} failed with ${failed.Code}${failed.Message ? ` (${failed.Message})` : ''}`,
      },
    ];
  } else {
    try {
      const out = (rule.evaluate as (s: Subject, c: RuleContext) => Outcome | Outcome[])(subject, ctx);
      outcomes = Array.isArray(out) ? out : [out];
      // A setting the collector skipped (no policy needed it then) decides nothing now: unless
      // the rule does not apply, the answer is that it was not read.
      const skipped = notReadBy(subject, rule);
      if (skipped && outcomes.some((o) => o.status !== 'NOT_APPLICABLE'))
        outcomes = [
          {
            status: 'ERROR',
            message: `could not evaluate: ${skipped} was not read when this inventory was collected (no policy asked for it then); collect it again with these policies`,
            outOfScope: true,
          },
        ];
      // Its role is granted what the handlers of `proposes` need: any other fix would be denied.
      const undeclared = outcomes
        .flatMap((o) => o.actions ?? [])
        .map((a) => a.type)
        .filter((t) => !rule.proposes.includes(t));
      if (undeclared.length)
        throw new Error(
          `it proposed ${[...new Set(undeclared)].join(', ')}, which it does not declare in proposes`,
        );
    } catch (e) {
      outcomes = [{ status: 'ERROR', message: `rule failed: ${(e as Error).message}` }];
    }
  }
  // backup-sentinel changes only the account it audits: elsewhere (the DR vault) it reports.
  const account = subjectAccount(subject);
  const foreign = account !== ctx.inventory.accountId;
  const source = sourceOf(subject, rule);
  return outcomes.map((o) => ({
    ruleId: rule.id,
    resourceArn: subject.arn,
    resourceType: subjectType(subject),
    region: subjectRegion(subject),
    ...(subjectPolicy(subject) ? { policy: subjectPolicy(subject) } : {}),
    status: o.status,
    severity: rule.severity,
    message:
      foreign && o.actions?.length ? `${o.message} (in account ${account}: change it there)` : o.message,
    ...(o.expected !== undefined ? { expected: o.expected } : {}),
    ...(o.actual !== undefined ? { actual: o.actual } : {}),
    actions: o.status === 'NON_COMPLIANT' && !foreign ? (o.actions ?? []) : [],
    remediate: subject.kind === 'tagged' ? subject.resolution.remediate : subject.remediate,
    ...(o.status === 'ERROR' && o.outOfScope ? { outOfScope: true as const } : {}),
    ...(source && o.status !== 'NOT_APPLICABLE' ? { source } : {}),
  }));
}

function subjectType(s: Subject): string {
  return SUBJECT_TYPE[s.kind] ?? (s.kind === 'tagged' || s.kind === 'resource' ? s.resource.Type : '');
}

function subjectAccount(s: Subject): string {
  if (s.kind === 'tagged' || s.kind === 'resource') return s.resource.AccountId;
  return parseArn(s.arn)?.account ?? '';
}

function subjectRegion(s: Subject): string {
  if (s.kind === 'tagged' || s.kind === 'resource') return s.resource.Region;
  if (s.kind === 'plan') return s.region;
  return parseArn(s.arn)?.region ?? '';
}

function subjectPolicy(s: Subject): string | undefined {
  if (s.kind === 'tagged') return s.resolution.kind === 'policy' ? s.resolution.policy.name : undefined;
  return s.kind === 'key' || s.kind === 'account' ? undefined : s.policy.name;
}

/** Everything the rules look at, derived from the inventory and the policies. */
export function subjects(
  inventory: Inventory,
  policies: PolicySet,
  index = new InventoryIndex(inventory),
): Subject[] {
  const out: Subject[] = [
    {
      kind: 'account',
      arn: `arn:${partitionOf(inventory.regions[0] ?? '')}:iam::${inventory.accountId}:root`,
      accountId: inventory.accountId,
      remediate: true,
    },
  ];
  const auditOnly = (tags: Record<string, string>) =>
    (own(tags, policies.remediateTagKey) ?? '').trim().toLowerCase() === 'false';
  const plans = new Map<string, Subject>();
  const vaults = new Map<string, Subject>();
  const keyUsers = new Map<string, string[]>();
  const useKey = (keyId: string | undefined, user: string) => {
    const key = index.key(keyId);
    if (key) keyUsers.set(key.Arn, [...(keyUsers.get(key.Arn) ?? []), user]);
  };

  for (const resource of inventory.resources) {
    const resolution = resolvePolicy(resource.Tags, policies);
    out.push({ kind: 'tagged', arn: resource.Arn, resource, resolution });
    if (resolution.kind !== 'policy' || isClusterMember(resource)) continue;
    const { policy } = resolution;
    out.push({ kind: 'resource', arn: resource.Arn, resource, policy, remediate: resolution.remediate });
    if (resource.Type !== 'AWS::S3::Bucket') useKey(resource.KmsKeyId, resourceName(resource));

    const plan = index.plan(resource.Region, policy.planName);
    if (plan && !plans.has(`${plan.BackupPlanArn}|${policy.name}`)) {
      plans.set(`${plan.BackupPlanArn}|${policy.name}`, {
        kind: 'plan',
        arn: plan.BackupPlanArn,
        plan,
        policy,
        region: resource.Region,
        remediate: !auditOnly(plan.Tags),
      });
    }
    // The vaults backups really land in: the plan's targets and copy destinations, plus the
    // vaults the policy names (so a vault the plan does not use yet is still checked).
    const planAccount = plan
      ? (parseArn(plan.BackupPlanArn)?.account ?? resource.AccountId)
      : resource.AccountId;
    const targets = [
      { arn: vaultArn(resource.Region, resource.AccountId, policy.vaultName), role: 'source' as const },
      ...(plan?.Rules ?? []).flatMap((r) => [
        { arn: vaultArn(resource.Region, planAccount, r.TargetBackupVaultName), role: 'source' as const },
        ...r.CopyActions.map((c) => ({ arn: c.DestinationBackupVaultArn, role: 'copy' as const })),
      ]),
      ...destinations(policy, resource.Region, resource.AccountId).map((d) => ({
        arn: d.arn,
        role: 'copy' as const,
      })),
    ];
    for (const t of targets) {
      const vault = index.vaultsByArn.get(t.arn);
      if (!vault || vaults.has(`${t.arn}|${policy.name}`)) continue;
      vaults.set(`${t.arn}|${policy.name}`, {
        kind: 'vault',
        arn: t.arn,
        vault,
        policy,
        role: t.role,
        remediate: !auditOnly(vault.Tags),
      });
      useKey(vault.EncryptionKeyArn, `vault ${vault.BackupVaultName}`);
    }
  }
  for (const k of inventory.kmsKeys)
    if (k.Origin === 'EXTERNAL' && !keyUsers.has(k.Arn)) keyUsers.set(k.Arn, []);

  out.push(...plans.values(), ...vaults.values());
  for (const [arn, usedBy] of keyUsers) {
    const key = index.key(arn);
    if (key) out.push({ kind: 'key', arn, key, usedBy: [...new Set(usedBy)], remediate: true });
  }
  return out;
}
