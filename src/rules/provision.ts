/** Proposals that create what a policy needs and the account lacks. */
import type { Policy } from '../policy/index.js';

/**
 * Creating a vault also needs the storage and KMS grants behind it (create-a-vault.html,
 * "Required permissions"), and TagResource for the tags it is created with (Service
 * Authorization Reference: CreateBackupVault authorizes backup:TagResource too).
 */
export const VAULT_CREATION = [
  'backup:CreateBackupVault',
  'backup:TagResource',
  'backup-storage:MountCapsule',
  'kms:CreateGrant',
  'kms:GenerateDataKey',
  'kms:Decrypt',
  'kms:RetireGrant',
  'kms:DescribeKey',
];

import type { Action } from '../remediation/actions.js';

/**
 * The vault a policy writes to. A vault's key is fixed at creation, and cross-account copies
 * need a customer-managed key: without encryption.vaultKeyArn such a vault is not created.
 */
export function createVault(policy: Policy, region: string): { action: Action } | { blocked: string } {
  const needsCmk = policy.encryption.customerManagedKey || policy.copies.some((c) => c.account !== undefined);
  if (needsCmk && !policy.encryption.vaultKeyArn) {
    return {
      blocked: `set encryption.vaultKeyArn in policy ${policy.name}: vault ${policy.vaultName} needs a customer-managed key, which cannot be changed after creation`,
    };
  }
  return {
    action: {
      type: 'CreateBackupVault',
      region,
      vaultName: policy.vaultName,
      policy: policy.name,
      ...(policy.encryption.vaultKeyArn ? { encryptionKeyArn: policy.encryption.vaultKeyArn } : {}),
    },
  };
}
