/** Vault: the vaults a policy writes to are encrypted with a CMK, locked, protected and watched. */
import { parseArn, vaultArn } from '../../inventory/arn.js';
import { cannotEvaluate, compliant, nonCompliant, notApplicable, type Rule } from '../types.js';

const VAULT_READ = ['backup:ListBackupVaults', 'backup:DescribeBackupVault'];

export const vaultExists: Rule<'plan'> = {
  id: 'vault.exists',
  title: "The vaults the plan's rules write to exist",
  area: 'vault',
  severity: 'critical',
  subject: 'plan',
  permissions: { collect: [...VAULT_READ, 'backup:GetBackupPlan'], remediate: ['backup:CreateBackupVault'] },
  example:
    'plan rule targets vault backup-sentinel-gold, which does not exist in the region -> NON_COMPLIANT + CreateBackupVault',
  evaluate({ plan, policy, region }, { index, inventory }) {
    const account = parseArn(plan.BackupPlanArn)?.account ?? inventory.accountId;
    const targets = [...new Set(plan.Rules.map((r) => r.TargetBackupVaultName))];
    const missing = targets.filter((name) => !index.vaultsByArn.has(vaultArn(region, account, name)));
    if (missing.length === 0) return compliant(`target vaults exist: ${targets.join(', ')}`);
    return nonCompliant(
      `rules write to vaults that do not exist in ${region}: ${missing.join(', ')}; every backup job fails`,
      {
        expected: 'existing vaults',
        actual: `missing ${missing.join(', ')}`,
        actions: missing
          .filter((name) => name === policy.vaultName)
          .map((name) => ({
            type: 'CreateBackupVault' as const,
            region,
            vaultName: name,
            policy: policy.name,
          })),
      },
    );
  },
};

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
    const key = index.key(arn);
    const managed = key ? key.KeyManager === 'AWS' : arn.endsWith('alias/aws/backup') ? true : undefined;
    if (managed === undefined) return cannotEvaluate(`KMS key ${arn} was not collected`);
    if (!managed) return compliant(`encrypted with customer-managed key ${key?.KeyId ?? arn}`);
    return nonCompliant(
      'encrypted with the AWS managed key aws/backup: recovery points cannot be copied to another account, and the key cannot be changed. Create a new vault with a customer-managed key',
      { expected: 'customer-managed KMS key', actual: 'aws/backup' },
    );
  },
};

export const vaultLock: Rule<'vault'> = {
  id: 'vault.lock',
  title: 'Vault lock matches the policy',
  area: 'vault',
  severity: 'high',
  subject: 'vault',
  permissions: { collect: VAULT_READ, remediate: ['backup:PutBackupVaultLockConfiguration'] },
  example:
    'policy vaultLock {minRetentionDays: 7}, vault not locked -> NON_COMPLIANT + PutVaultLock (governance mode)',
  evaluate({ vault, policy }, { now }) {
    const want = policy.vaultLock;
    if (!want) return notApplicable(`policy ${policy.name} does not ask for a vault lock`);
    const problems: string[] = [];
    if (!vault.Locked) problems.push('not locked');
    // AWS returns a LockDate only for compliance-mode locks.
    else if (want.mode === 'compliance' && vault.LockDate === undefined)
      problems.push('in governance mode (removable)');
    if ((vault.MinRetentionDays ?? 0) < want.minRetentionDays)
      problems.push(`min retention ${vault.MinRetentionDays ?? 'unset'} < ${want.minRetentionDays}`);
    if (
      want.maxRetentionDays !== undefined &&
      (vault.MaxRetentionDays === undefined || vault.MaxRetentionDays > want.maxRetentionDays)
    ) {
      problems.push(`max retention ${vault.MaxRetentionDays ?? 'unset'} > ${want.maxRetentionDays}`);
    }
    if (problems.length === 0)
      return compliant(
        `locked: min ${vault.MinRetentionDays}d${vault.MaxRetentionDays ? `, max ${vault.MaxRetentionDays}d` : ''}`,
      );
    const immutable = vault.LockDate !== undefined && Date.parse(vault.LockDate) <= now.getTime();
    const region = parseArn(vault.BackupVaultArn)?.region ?? '';
    return nonCompliant(
      `vault lock ${problems.join(', ')}${immutable ? ' (compliance lock in force: cannot be changed)' : ''}`,
      {
        expected: `locked, min ${want.minRetentionDays}d${want.maxRetentionDays ? `, max ${want.maxRetentionDays}d` : ''} (${want.mode})`,
        actual: problems.join(', '),
        actions: immutable
          ? []
          : [
              {
                type: 'PutVaultLock',
                region,
                vaultName: vault.BackupVaultName,
                minRetentionDays: Math.max(want.minRetentionDays, vault.MinRetentionDays ?? 0),
                ...(want.maxRetentionDays !== undefined ? { maxRetentionDays: want.maxRetentionDays } : {}),
                ...(want.mode === 'compliance' ? { changeableForDays: 3 } : {}),
              },
            ],
      },
    );
  },
};

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
}

/** Does the statement deny backup:DeleteRecoveryPoint to everyone? (Conditions may carve out a break-glass role.) */
function deniesDelete(s: Statement): boolean {
  if (s.Effect !== 'Deny') return false;
  const p = s.Principal as { AWS?: unknown } | string | undefined;
  const everyone =
    p === '*' ||
    (typeof p === 'object' && p !== null && (p.AWS === '*' || (Array.isArray(p.AWS) && p.AWS.includes('*'))));
  if (!everyone) return false;
  const actions = Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : [];
  return actions.some((a) =>
    ['*', 'backup:*', 'backup:delete*', 'backup:deleterecoverypoint'].includes(a.toLowerCase()),
  );
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
    if (role === 'copy') return notApplicable('copy destination: notifications belong to its own account');
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
