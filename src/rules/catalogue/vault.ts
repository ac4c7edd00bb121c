/** Vault: the vaults a policy writes to are encrypted with a CMK, locked, protected and watched. */
import { parseArn, vaultArn } from '../../inventory/arn.js';
import { mergeUnread, type Unread } from '../../inventory/index.js';
import type { BackupVault, Inventory } from '../../inventory/schema.js';
import { createVault } from '../provision.js';
import { cannotEvaluate, compliant, defineRule, nonCompliant, notApplicable, notRead } from '../types.js';
import { copyKeepDays, keepDays, showDays } from './plan.js';

const VAULT_READ = ['backup:ListBackupVaults', 'backup:DescribeBackupVault'];

export const vaultExists = defineRule<'plan'>({
  id: 'vault.exists',
  title: 'The vaults the plan writes and copies to exist',
  area: 'vault',
  severity: 'critical',
  subject: 'plan',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupPlan'] },
  proposes: ['CreateBackupVault'],
  example:
    'plan rule targets vault backup-sentinel-gold, which does not exist in the region -> NON_COMPLIANT + CreateBackupVault',
  evaluate({ plan, policy, region }, { index, inventory }) {
    const account = parseArn(plan.BackupPlanArn)?.account ?? inventory.accountId;
    const targets = [
      ...new Set([
        ...plan.Rules.map((r) => vaultArn(region, account, r.TargetBackupVaultName)),
        ...plan.Rules.flatMap((r) => r.CopyActions.map((c) => c.DestinationBackupVaultArn)),
      ]),
    ];
    // A vault is missing only where the vault list of its account and region was read.
    const missing: string[] = [];
    const unread: { arn: string; u: Unread }[] = [];
    for (const arn of targets) {
      if (index.vaultsByArn.has(arn)) continue;
      const a = parseArn(arn);
      const u = a
        ? index.scope.unread('backup:ListBackupVaults', a.account, a.region)
        : { failed: true, reason: `${arn} is not a vault ARN` };
      if (u) unread.push({ arn, u });
      else missing.push(arn);
    }
    const notChecked = mergeUnread(unread.map((x) => x.u));
    const unreadArns = unread.map((x) => x.arn).join(', ');
    if (missing.length === 0 && notChecked) return notRead(`whether ${unreadArns} exist`, notChecked);
    if (missing.length === 0)
      return compliant(`vaults exist: ${targets.map((a) => a.split(':').pop()).join(', ')}`);
    const local = vaultArn(region, account, policy.vaultName);
    const vault = missing.includes(local) ? createVault(policy, region) : undefined;
    const blocked = vault && 'blocked' in vault ? `; not created: ${vault.blocked}` : '';
    const elsewhere = missing.filter((arn) => parseArn(arn)?.account !== inventory.accountId);
    return nonCompliant(
      `the plan writes or copies to vaults that do not exist: ${missing.join(', ')}; those jobs fail${blocked}${elsewhere.length ? ` (listed in account ${[...new Set(elsewhere.map((a) => parseArn(a)?.account))].join(', ')} through the DR read role)` : ''}${notChecked ? `; not checked: ${unreadArns} (${notChecked.reason})` : ''}`,
      {
        expected: 'existing vaults',
        actual: `missing ${missing.length}`,
        actions: vault && 'action' in vault ? [vault.action] : [],
      },
    );
  },
});

/**
 * Retentions of everything AWS Backup writes into a vault: plan rules targeting it, copies into it
 * from this account's plans, and copies from plans elsewhere (other accounts or regions, when this
 * is their DR vault), seen in the vault's recovery points.
 */
function writesInto(vault: BackupVault, inventory: Inventory): { what: string; days: number }[] {
  const v = parseArn(vault.BackupVaultArn);
  const out: { what: string; days: number }[] = [];
  /** The source vaults of the copy actions counted here: their points are not counted again. */
  const copiedFrom = new Set<string>();
  for (const plan of inventory.backupPlans) {
    const p = parseArn(plan.BackupPlanArn);
    for (const r of plan.Rules) {
      if (
        p?.region === v?.region &&
        p?.account === v?.account &&
        r.TargetBackupVaultName === vault.BackupVaultName
      ) {
        out.push({ what: `rule ${r.RuleName} of plan ${plan.BackupPlanName}`, days: keepDays(r.Lifecycle) });
      }
      for (const c of r.CopyActions) {
        if (c.DestinationBackupVaultArn === vault.BackupVaultArn) {
          out.push({
            what: `copies from rule ${r.RuleName} of plan ${plan.BackupPlanName}`,
            days: copyKeepDays(r, c),
          });
          if (p) copiedFrom.add(vaultArn(p.region, p.account, r.TargetBackupVaultName));
        }
      }
    }
  }
  const points = inventory.recoveryPoints.filter(
    (rp) =>
      rp.BackupVaultArn === vault.BackupVaultArn &&
      rp.SourceBackupVaultArn !== undefined &&
      !copiedFrom.has(rp.SourceBackupVaultArn),
  );
  for (const c of incomingCopies(points)) out.push({ what: `copies from ${c.source}`, days: c.days });
  return out;
}

interface CopiedPoint {
  /** Set on recovery points copied in from another vault. */
  SourceBackupVaultArn?: string;
  CreationDate?: string | Date;
  Lifecycle?: { DeleteAfterDays?: number };
}

/**
 * The copies written into a vault, per source vault: what the newest point copied from it keeps
 * (its Lifecycle; DeleteAfterDays unset or -1 is forever), which is what the next copy keeps.
 */
export function incomingCopies(points: readonly CopiedPoint[]): { source: string; days: number }[] {
  const newest = new Map<string, CopiedPoint>();
  const created = (p: CopiedPoint) => new Date(p.CreationDate ?? 0).getTime();
  for (const p of points) {
    const source = p.SourceBackupVaultArn;
    const seen = source ? newest.get(source) : undefined;
    if (source && (!seen || created(p) >= created(seen))) newest.set(source, p);
  }
  return [...newest].map(([source, p]) => ({ source, days: keepDays(p.Lifecycle) }));
}

/** Whether a lock with these bounds rejects what a writer keeps. */
export const outsideLock = (min: number, max: number | undefined) => (w: { days: number }) =>
  w.days < min || (max !== undefined && w.days > max);
const DAY_MS = 86_400_000;
/** AWS's least ChangeableForDays (PutBackupVaultLockConfiguration). */
const MIN_CHANGEABLE_DAYS = 3;

/**
 * The bounds a lock may be put with: the asked ones, never looser than the lock the vault has (its
 * minimum only rises, its maximum only drops, and is kept when none is asked). The rule proposes
 * and the executor sends these.
 */
export function lockBounds(
  min: number,
  max: number | undefined,
  vault: { Locked?: boolean; MinRetentionDays?: number; MaxRetentionDays?: number },
): { min: number; max: number | undefined } {
  const own = vault.Locked ? vault.MaxRetentionDays : undefined;
  return {
    min: Math.max(min, vault.Locked ? (vault.MinRetentionDays ?? 0) : 0),
    max: max === undefined ? own : own === undefined ? max : Math.min(max, own),
  };
}

/**
 * The ChangeableForDays that keeps a compliance-mode lock in its grace period (until `lockDate`)
 * in compliance mode, restarting the grace period no later than it ends (AWS's minimum is 3 days).
 */
export function graceChangeableDays(lockDate: number, now: number): number {
  return Math.max(MIN_CHANGEABLE_DAYS, Math.floor((lockDate - now) / DAY_MS));
}

export const vaultCmk = defineRule<'vault'>({
  id: 'vault.cmk',
  title: 'Vault is encrypted with a customer-managed KMS key',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: { collect: [...VAULT_READ, 'kms:DescribeKey'] },
  proposes: [],
  example:
    'vault encrypted with aws/backup -> NON_COMPLIANT: copies out of it to another account fail; the key is fixed at creation',
  evaluate({ vault }, { index }) {
    const arn = vault.EncryptionKeyArn;
    if (!arn) return cannotEvaluate('the vault encryption key was not collected');
    const manager = index.keyManager(arn);
    if (manager === undefined) return cannotEvaluate(`KMS key ${arn} was not collected`);
    if (manager === 'CUSTOMER') return compliant(`encrypted with customer-managed key ${arn}`);
    return nonCompliant(
      'encrypted with the AWS managed key aws/backup: recovery points cannot be copied to another account, and the key cannot be changed. Create a new vault with a customer-managed key',
      { expected: 'customer-managed KMS key', actual: 'aws/backup' },
    );
  },
});

export const vaultLock = defineRule<'vault'>({
  id: 'vault.lock',
  title: 'Vault lock matches the policy and admits every retention written into it',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupPlan', 'backup:ListRecoveryPointsByBackupVault'] },
  proposes: ['PutVaultLock'],
  example:
    'policy vaultLock {minRetentionDays: 7}, vault not locked -> NON_COMPLIANT + PutVaultLock (governance mode)',
  evaluate({ vault, policy }, { now, inventory }) {
    const want = policy.vaultLock;
    const writes = writesInto(vault, inventory);
    // Jobs whose retention lies outside a lock's bounds fail (API_PutBackupVaultLockConfiguration).
    const failing = vault.Locked
      ? writes.filter(outsideLock(vault.MinRetentionDays ?? 0, vault.MaxRetentionDays))
      : [];
    const failures = failing.map((w) => `${w.what} keeps ${showDays(w.days)}`);
    if (!want) {
      if (failures.length === 0) return notApplicable(`policy ${policy.name} does not ask for a vault lock`);
      return nonCompliant(`the vault lock rejects what is written into it: ${failures.join('; ')}`, {
        expected: 'retentions within the lock bounds',
        actual: failures.join('; '),
      });
    }
    const problems: string[] = [];
    if (!vault.Locked) problems.push('not locked');
    // AWS returns a LockDate only for compliance-mode locks.
    else if (want.mode === 'compliance' && vault.LockDate === undefined)
      problems.push('in governance mode (removable)');
    if ((vault.MinRetentionDays ?? 0) < want.minRetentionDays) {
      problems.push(
        `minimum retention ${vault.MinRetentionDays === undefined ? 'not set' : `${vault.MinRetentionDays}d`} (policy: ${want.minRetentionDays}d)`,
      );
    }
    if (
      want.maxRetentionDays !== undefined &&
      (vault.MaxRetentionDays === undefined || vault.MaxRetentionDays > want.maxRetentionDays)
    ) {
      problems.push(
        `maximum retention ${vault.MaxRetentionDays === undefined ? 'not set' : `${vault.MaxRetentionDays}d`} (policy: ${want.maxRetentionDays}d)`,
      );
    }
    problems.push(...failures);
    if (problems.length === 0) {
      return compliant(
        `locked: min ${vault.MinRetentionDays}d${vault.MaxRetentionDays ? `, max ${vault.MaxRetentionDays}d` : ''}`,
      );
    }
    const lockDate = vault.LockDate === undefined ? undefined : Date.parse(vault.LockDate);
    const immutable = lockDate !== undefined && lockDate <= now.getTime();
    // A compliance-mode lock in its grace period stays one: a Put without ChangeableForDays would
    // turn it into a removable governance lock. Its bounds only tighten (min up, max down).
    const inGrace = vault.Locked && lockDate !== undefined && lockDate > now.getTime();
    const { min, max } = lockBounds(want.minRetentionDays, want.maxRetentionDays, vault);
    const blocked = writes.filter(outsideLock(min, max));
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    const why = immutable
      ? ' (compliance lock in force: cannot be changed)'
      : blocked.length
        ? `; not locked automatically, because it would reject ${blocked.map((w) => `${w.what} (${showDays(w.days)})`).join(', ')}`
        : inGrace
          ? ` (compliance-mode lock in its grace period until ${vault.LockDate}: kept in compliance mode)`
          : '';
    const changeableForDays = inGrace
      ? graceChangeableDays(lockDate ?? 0, now.getTime())
      : want.mode === 'compliance'
        ? MIN_CHANGEABLE_DAYS
        : undefined;
    return nonCompliant(`vault lock: ${problems.join('; ')}${why}`, {
      expected: `locked, min ${want.minRetentionDays}d${want.maxRetentionDays ? `, max ${want.maxRetentionDays}d` : ''} (${want.mode})`,
      actual: problems.join('; '),
      actions:
        immutable || blocked.length
          ? []
          : [
              {
                type: 'PutVaultLock',
                region,
                vaultName: vault.BackupVaultName,
                minRetentionDays: min,
                ...(max !== undefined ? { maxRetentionDays: max } : {}),
                ...(changeableForDays !== undefined ? { changeableForDays } : {}),
              },
            ],
    });
  },
});

interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * What AWS's managed Config rule backup-recovery-point-manual-deletion-disabled asks of a vault
 * access policy: one Deny statement, for Principal and Resource "*", of these three actions. Vault
 * access policies do not support wildcards in Action, so only the literal actions count.
 */
export const PROTECTED_ACTIONS = [
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:PutBackupVaultAccessPolicy',
] as const;

const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
const strings = (x: unknown): string[] => list(x).filter((v): v is string => typeof v === 'string');
/** Conditions that only exempt principals named by ARN (a break-glass role) still deny everyone else. */
const EXEMPTING = /^(ArnNotEquals|ArnNotLike|StringNotEquals|StringNotLike)(IfExists)?$/;

/** How one statement protects recovery points. */
interface Judged {
  /** Deny, to everyone, on every resource, of some of the protected actions. */
  denies: string[];
  /** Principals its condition exempts, or the reason the condition is not an exemption we accept. */
  exempts: { arns: string[] } | { unaccepted: string };
}

function judge(s: Statement, declared: string[] | undefined): Judged | undefined {
  if (s.Effect !== 'Deny') return undefined;
  const p = s.Principal as { AWS?: unknown } | string | undefined;
  const everyone = p === '*' || (typeof p === 'object' && p !== null && strings(p.AWS).includes('*'));
  const resources = strings(s.Resource);
  const everywhere = resources.length === 0 || resources.includes('*');
  const actions = strings(s.Action).map((a) => a.toLowerCase());
  const denies = PROTECTED_ACTIONS.filter((a) => actions.includes(a.toLowerCase()));
  if (!everyone || !everywhere || denies.length === 0) return undefined;
  const arns: string[] = [];
  for (const [op, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys ?? {})) {
      const named = strings(values);
      if (
        !EXEMPTING.test(op) ||
        key.toLowerCase() !== 'aws:principalarn' ||
        named.length !== list(values).length
      )
        return { denies, exempts: { unaccepted: `its condition ${op} ${key} narrows the deny` } };
      const pattern = named.find((v) => /[*?]/.test(v));
      if (pattern)
        return { denies, exempts: { unaccepted: `it exempts every principal matching ${pattern}` } };
      arns.push(...named);
    }
  }
  const undeclared = declared ? arns.filter((a) => !declared.includes(a)) : [];
  if (undeclared.length)
    return {
      denies,
      exempts: { unaccepted: `it exempts ${undeclared.join(', ')}, which the policy does not name` },
    };
  return { denies, exempts: { arns } };
}

export interface DeleteProtection {
  /** A statement protecting recovery points as the managed Config rule asks, if there is one. */
  protectedBy?: { sid: string; exempts: string[] };
  /**
   * Deny statements of these actions whose exemptions we do not accept. Adding a deny for everyone
   * beside them would lock out whom they exempt (a break-glass role): left to the owner.
   */
  holdouts: string[];
  /** Deny statements that exempt acceptably but miss some of the actions. */
  partial: string[];
}

/** Judges a vault access policy document (parsed) against the managed Config rule. */
export function deleteProtection(doc: unknown, declared: string[] | undefined): DeleteProtection {
  const statement = (doc as { Statement?: unknown } | null)?.Statement;
  const statements = list(statement).filter((x): x is Statement => typeof x === 'object' && x !== null);
  const out: DeleteProtection = { holdouts: [], partial: [] };
  statements.forEach((s, i) => {
    const j = judge(s, declared);
    if (!j) return;
    const name = `statement ${s.Sid ?? `#${i + 1}`}`;
    if ('unaccepted' in j.exempts) out.holdouts.push(`${name}: ${j.exempts.unaccepted}`);
    else if (j.denies.length === PROTECTED_ACTIONS.length)
      out.protectedBy ??= { sid: s.Sid ?? `#${i + 1}`, exempts: j.exempts.arns };
    else
      out.partial.push(`${name} misses ${PROTECTED_ACTIONS.filter((a) => !j.denies.includes(a)).join(', ')}`);
  });
  return out;
}

const PROTECTION = PROTECTED_ACTIONS.join(', ');

export const vaultDeleteProtection = defineRule<'vault'>({
  id: 'vault.delete-protection',
  title: 'Vault access policy denies manual DeleteRecoveryPoint',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupVaultAccessPolicy'] },
  proposes: ['AddVaultDeleteProtection'],
  example:
    'vault without access policy -> NON_COMPLIANT + AddVaultDeleteProtection (deny statement merged into the policy)',
  evaluate({ vault, policy }) {
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    // The principals the deny may exempt (the managed rule's principalArnList). Without a
    // deleteProtection section, exemptions of principals named by ARN are accepted.
    const declared = policy.deleteProtection?.exemptPrincipalArns;
    const action = [
      {
        type: 'AddVaultDeleteProtection' as const,
        region,
        vaultName: vault.BackupVaultName,
        ...(declared?.length ? { exemptPrincipalArns: declared } : {}),
      },
    ];
    if (!vault.AccessPolicy) {
      return nonCompliant(
        'no access policy: anyone with backup:DeleteRecoveryPoint can delete backups (and shorten their lifecycle)',
        { expected: `Deny ${PROTECTION}`, actual: 'no policy', actions: action },
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(vault.AccessPolicy);
    } catch {
      return cannotEvaluate('the vault access policy is not valid JSON');
    }
    const judged = deleteProtection(doc, declared);
    if (judged.protectedBy) {
      const { sid, exempts } = judged.protectedBy;
      return compliant(
        `access policy denies ${PROTECTION} to everyone (statement ${sid}${exempts.length ? `, exempting ${exempts.join(', ')}` : ''})`,
      );
    }
    const found = [...judged.partial, ...judged.holdouts];
    const message = `access policy does not deny ${PROTECTION} to everyone in one statement${found.length ? `: ${found.join('; ')}` : ''}`;
    if (judged.holdouts.length) {
      return nonCompliant(
        `${message}. Not changed automatically: a deny for everyone would lock out the principals those statements exempt; name them in deleteProtection.exemptPrincipalArns of policy ${policy.name}, or deny by principal ARN`,
        { expected: `Deny ${PROTECTION}`, actual: found.join('; ') },
      );
    }
    return nonCompliant(message, {
      expected: `Deny ${PROTECTION}`,
      actual: found.length ? found.join('; ') : 'no such statement',
      actions: action,
    });
  },
});

export const vaultNotifications = defineRule<'vault'>({
  id: 'vault.notifications',
  title: 'Vault sends job events to SNS',
  area: 'vault',
  severity: 'medium',
  subject: 'vault',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupVaultNotifications'] },
  proposes: ['PutVaultNotifications'],
  example:
    'vault with no notifications -> NON_COMPLIANT + PutVaultNotifications (S3_BACKUP_OBJECT_FAILED, S3_RESTORE_OBJECT_FAILED)',
  evaluate({ vault, policy, role }) {
    if (role === 'copy')
      return notApplicable('copy destination: job notifications come from the source vault');
    const have = vault.Notifications?.BackupVaultEvents ?? [];
    const missing = policy.notifications.events.filter((e) => !have.includes(e));
    if (missing.length === 0)
      return compliant(`sends ${have.join(', ')} to ${vault.Notifications?.SNSTopicArn}`);
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    return nonCompliant(
      `${vault.Notifications ? 'missing events' : 'no notifications'}: ${missing.join(', ')}`,
      {
        expected: policy.notifications.events.join(', '),
        actual: have.join(', ') || 'none',
        actions: [
          {
            type: 'PutVaultNotifications',
            region,
            vaultName: vault.BackupVaultName,
            events: [...new Set([...have, ...policy.notifications.events])],
            ...(vault.Notifications ? { snsTopicArn: vault.Notifications.SNSTopicArn } : {}),
          },
        ],
      },
    );
  },
});

export const vaultRules = [vaultExists, vaultCmk, vaultLock, vaultDeleteProtection, vaultNotifications];
