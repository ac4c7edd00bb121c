/** Vault: the vaults a policy writes to are encrypted with a CMK, locked, protected and watched. */
import { parseArn, vaultArn } from '../../inventory/arn.js';
import type { BackupVault, Inventory } from '../../inventory/schema.js';
import { createVault, VAULT_CREATION } from '../provision.js';
import { cannotEvaluate, compliant, nonCompliant, notApplicable, type Rule } from '../types.js';
import { copyKeepDays, keepDays } from './plan.js';

const VAULT_READ = ['backup:ListBackupVaults', 'backup:DescribeBackupVault'];

export const vaultExists: Rule<'plan'> = {
  id: 'vault.exists',
  title: 'The vaults the plan writes and copies to exist',
  area: 'vault',
  severity: 'critical',
  subject: 'plan',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupPlan'], remediate: VAULT_CREATION },
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
    const accountsSeen = new Set([
      inventory.accountId,
      ...inventory.backupVaults.map((v) => parseArn(v.BackupVaultArn)?.account),
    ]);
    const unseen = targets.filter((arn) => !accountsSeen.has(parseArn(arn)?.account));
    const missing = targets.filter((arn) => !index.vaultsByArn.has(arn) && !unseen.includes(arn));
    if (missing.length === 0 && unseen.length > 0) {
      return cannotEvaluate(
        `cannot see ${unseen.join(', ')}: its account was not read (configure the DR read role)`,
      );
    }
    if (missing.length === 0)
      return compliant(`vaults exist: ${targets.map((a) => a.split(':').pop()).join(', ')}`);
    const local = vaultArn(region, account, policy.vaultName);
    const vault = missing.includes(local) ? createVault(policy, region) : undefined;
    const blocked = vault && 'blocked' in vault ? `; not created: ${vault.blocked}` : '';
    return nonCompliant(
      `the plan writes or copies to vaults that do not exist: ${missing.join(', ')}; those jobs fail${blocked}`,
      {
        expected: 'existing vaults',
        actual: `missing ${missing.length}`,
        actions: vault && 'action' in vault ? [vault.action] : [],
      },
    );
  },
};

/** Retentions of everything AWS Backup writes into a vault: plan rules targeting it and copies into it. */
function writesInto(vault: BackupVault, inventory: Inventory): { what: string; days: number }[] {
  const v = parseArn(vault.BackupVaultArn);
  const out: { what: string; days: number }[] = [];
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
        }
      }
    }
  }
  return out;
}

const outside = (min: number, max: number | undefined) => (w: { days: number }) =>
  w.days < min || (max !== undefined && w.days > max);
const showDays = (d: number) => (Number.isFinite(d) ? `${d}d` : 'forever');

export const vaultCmk: Rule<'vault'> = {
  id: 'vault.cmk',
  title: 'Vault is encrypted with a customer-managed KMS key',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: { collect: [...VAULT_READ, 'kms:DescribeKey'], remediate: [] },
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
};

export const vaultLock: Rule<'vault'> = {
  id: 'vault.lock',
  title: 'Vault lock matches the policy and admits every retention written into it',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: {
    collect: [...VAULT_READ, 'backup:GetBackupPlan'],
    remediate: ['backup:PutBackupVaultLockConfiguration'],
  },
  example:
    'policy vaultLock {minRetentionDays: 7}, vault not locked -> NON_COMPLIANT + PutVaultLock (governance mode)',
  evaluate({ vault, policy }, { now, inventory }) {
    const want = policy.vaultLock;
    const writes = writesInto(vault, inventory);
    // Jobs whose retention lies outside a lock's bounds fail (API_PutBackupVaultLockConfiguration).
    const failing = vault.Locked
      ? writes.filter(outside(vault.MinRetentionDays ?? 0, vault.MaxRetentionDays))
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
    const immutable = vault.LockDate !== undefined && Date.parse(vault.LockDate) <= now.getTime();
    const min = Math.max(want.minRetentionDays, vault.MinRetentionDays ?? 0);
    const blocked = writes.filter(outside(min, want.maxRetentionDays));
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    const why = immutable
      ? ' (compliance lock in force: cannot be changed)'
      : blocked.length
        ? `; not locked automatically, because it would reject ${blocked.map((w) => `${w.what} (${showDays(w.days)})`).join(', ')}`
        : '';
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
                ...(want.maxRetentionDays !== undefined ? { maxRetentionDays: want.maxRetentionDays } : {}),
                ...(want.mode === 'compliance' ? { changeableForDays: 3 } : {}),
              },
            ],
    });
  },
};

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (x: string | string[] | undefined) => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
/** Conditions that only exempt some principals (a break-glass role) still deny everyone else. */
const EXEMPTING = /^(ArnNotEquals|ArnNotLike|StringNotEquals|StringNotLike)(IfExists)?$/;
const PRINCIPAL_KEY = /^aws:(PrincipalArn|PrincipalTag\/.+|PrincipalAccount|userid)$/i;

/**
 * Does the statement deny backup:DeleteRecoveryPoint on every recovery point to everyone (bar
 * exempted principals)? Vault access policies do not support wildcards in Action, so only the
 * literal action counts (create-a-vault-access-policy).
 */
function deniesDelete(s: Statement): boolean {
  if (s.Effect !== 'Deny') return false;
  const p = s.Principal as { AWS?: unknown } | string | undefined;
  const everyone =
    p === '*' || (typeof p === 'object' && p !== null && list(p.AWS as string | string[]).includes('*'));
  const action = list(s.Action).some((a) => a.toLowerCase() === 'backup:deleterecoverypoint');
  const resources = list(s.Resource);
  const everywhere = resources.length === 0 || resources.includes('*');
  const exemptOnly = Object.entries(s.Condition ?? {}).every(
    ([op, keys]) => EXEMPTING.test(op) && Object.keys(keys).every((k) => PRINCIPAL_KEY.test(k)),
  );
  return everyone && action && everywhere && exemptOnly;
}

export const vaultDeleteProtection: Rule<'vault'> = {
  id: 'vault.delete-protection',
  title: 'Vault access policy denies manual DeleteRecoveryPoint',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: {
    collect: [...VAULT_READ, 'backup:GetBackupVaultAccessPolicy'],
    remediate: ['backup:PutBackupVaultAccessPolicy'],
  },
  example:
    'vault without access policy -> NON_COMPLIANT + AddVaultDeleteProtection (deny statement merged into the policy)',
  evaluate({ vault }) {
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    const action = [{ type: 'AddVaultDeleteProtection' as const, region, vaultName: vault.BackupVaultName }];
    if (!vault.AccessPolicy) {
      return nonCompliant('no access policy: anyone with backup:DeleteRecoveryPoint can delete backups', {
        expected: 'Deny backup:DeleteRecoveryPoint',
        actual: 'no policy',
        actions: action,
      });
    }
    let doc: { Statement?: Statement | Statement[] };
    try {
      doc = JSON.parse(vault.AccessPolicy);
    } catch {
      return cannotEvaluate('the vault access policy is not valid JSON');
    }
    const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    if (statements.some(deniesDelete)) return compliant('access policy denies backup:DeleteRecoveryPoint');
    return nonCompliant('access policy does not deny backup:DeleteRecoveryPoint', {
      expected: 'Deny backup:DeleteRecoveryPoint',
      actual: `${statements.length} statements, none denying it`,
      actions: action,
    });
  },
};

export const vaultNotifications: Rule<'vault'> = {
  id: 'vault.notifications',
  title: 'Vault sends job events to SNS',
  area: 'vault',
  severity: 'medium',
  subject: 'vault',
  permissions: {
    collect: [...VAULT_READ, 'backup:GetBackupVaultNotifications'],
    remediate: ['backup:PutBackupVaultNotifications'],
  },
  example:
    'vault with no notifications -> NON_COMPLIANT + PutVaultNotifications (BACKUP_JOB_COMPLETED, COPY_JOB_FAILED, ...)',
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
};

export const vaultRules = [vaultExists, vaultCmk, vaultLock, vaultDeleteProtection, vaultNotifications];
