import { describe, expect, it } from 'vitest';
import {
  bucket,
  inventory,
  only,
  plan,
  planRule,
  policies,
  REGION,
  selection,
  vault,
} from '../support/builders.js';

const PLAN_ARN = `arn:aws:backup:${REGION}:111111111111:backup-plan:backup-sentinel-gold-id`;

describe('vault.exists', () => {
  it('accepts a plan whose target vaults exist', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold')],
      backupVaults: [vault('backup-sentinel-gold')],
    });
    // Act
    const f = only('vault.exists', inv, policies(), PLAN_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it("creates the policy's missing vault, but not a vault someone else named", () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule(),
          planRule({ RuleName: 'legacy', TargetBackupVaultName: 'old-vault' }),
        ]),
      ],
    });
    // Act
    const f = only('vault.exists', inv, policies(), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('backup-sentinel-gold, old-vault');
    expect(f.actions).toEqual([
      { type: 'CreateBackupVault', region: REGION, vaultName: 'backup-sentinel-gold', policy: 'gold' },
    ]);
  });

  it('looks for the vault in the plan region only', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupVaults: [
        vault('backup-sentinel-gold', {
          BackupVaultArn: 'arn:aws:backup:eu-west-1:111111111111:backup-vault:backup-sentinel-gold',
        }),
      ],
    });
    // Act
    const f = only('vault.exists', inv, policies(), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });
});
