import { describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  bucket,
  DR_ACCOUNT,
  inventory,
  only,
  plan,
  planRule,
  policies,
  REGION,
  scopeOf,
  selection,
  vault,
  vaultArnOf,
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
    expect(f.message).toContain(
      `vaults that do not exist: ${vaultArnOf('backup-sentinel-gold')}, ${vaultArnOf('old-vault')}; those jobs fail`,
    );
    expect(f.actions).toEqual([
      { type: 'CreateBackupVault', region: REGION, vaultName: 'backup-sentinel-gold', policy: 'gold' },
    ]);
  });

  it('flags a missing copy destination in the audited account without creating it', () => {
    // Prepare
    const west = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule({
            CopyActions: [{ DestinationBackupVaultArn: west, Lifecycle: { DeleteAfterDays: 35 } }],
          }),
        ]),
      ],
      backupVaults: [vault('backup-sentinel-gold')],
      scope: scopeOf({ region: 'eu-west-1' }),
    });
    // Act
    const f = only('vault.exists', inv, policies(), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toBe(`the plan writes or copies to vaults that do not exist: ${west}; those jobs fail`);
    expect(f.actual).toBe('missing 1');
    expect(f.actions).toEqual([]);
  });

  it('cannot evaluate a copy destination in an account that was not read', () => {
    // Prepare
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule({ CopyActions: [{ DestinationBackupVaultArn: dr, Lifecycle: { DeleteAfterDays: 35 } }] }),
        ]),
      ],
      backupVaults: [vault('backup-sentinel-gold')],
    });
    // Act
    const f = only('vault.exists', inv, policies(), PLAN_ARN);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.outOfScope).toBe(true);
    expect(f.message).toContain(`cannot tell whether ${dr} exist: account ${DR_ACCOUNT} was not read`);
    expect(f.message).toContain('configure the DR read role');
    expect(f.actions).toEqual([]);
  });

  describe('concludes "missing" only where the vault list was read', () => {
    const west = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
    const dr = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
    const copyingTo = (...arns: string[]) =>
      inventory({
        resources: [bucket('b')],
        backupPlans: [
          plan('backup-sentinel-gold', [
            planRule({
              CopyActions: arns.map((a) => ({
                DestinationBackupVaultArn: a,
                Lifecycle: { DeleteAfterDays: 35 },
              })),
            }),
          ]),
        ],
        backupVaults: [vault('backup-sentinel-gold')],
      });

    it('does not call a same-account vault in a region that was not read missing', () => {
      // Prepare: the Lambda path used to read one region and report every copy region's vault missing
      const inv = copyingTo(west);
      // Act
      const f = only('vault.exists', inv, policies(), PLAN_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.outOfScope).toBe(true);
      expect(f.message).toContain('region eu-west-1 was not read');
      expect(f.actions).toEqual([]);
    });

    it('accepts a copy-region vault found where that region was read', () => {
      // Prepare
      const inv = inventory({
        ...copyingTo(west),
        backupVaults: [
          vault('backup-sentinel-gold'),
          vault('backup-sentinel-gold', { BackupVaultArn: west }),
        ],
        scope: scopeOf({ region: 'eu-west-1' }),
      });
      // Act
      const f = only('vault.exists', inv, policies(), PLAN_ARN);
      // Assess
      expect(f.status).toBe('COMPLIANT');
    });

    it("reports a DR vault missing from the DR account's vault list (read through the DR role)", () => {
      // Prepare
      const inv = inventory({ ...copyingTo(dr), scope: scopeOf({ account: DR_ACCOUNT }) });
      // Act
      const f = only('vault.exists', inv, policies(), PLAN_ARN);
      // Assess
      expect(f.status).toBe('NON_COMPLIANT');
      expect(f.message).toContain(`vaults that do not exist: ${dr}`);
      expect(f.message).toContain(`listed in account ${DR_ACCOUNT} through the DR read role`);
      expect(f.actions).toEqual([]);
    });

    it('is a failure, not "missing", when the DR vault list could not be read', () => {
      // Prepare: AWS answers DescribeBackupVault on a vault that does not exist with AccessDenied
      const inv = inventory({
        ...copyingTo(dr),
        scope: scopeOf({ account: DR_ACCOUNT, reads: [] }),
        collectionErrors: [
          { Arn: dr, Action: 'backup:DescribeBackupVault', Code: 'AccessDeniedException' },
          {
            Arn: '*',
            Account: DR_ACCOUNT,
            Region: REGION,
            Action: 'backup:ListBackupVaults',
            Code: 'AccessDeniedException',
          },
        ],
      });
      // Act
      const f = only('vault.exists', inv, policies(), PLAN_ARN);
      // Assess
      expect(f.status).toBe('ERROR');
      expect(f.outOfScope).toBeUndefined();
      expect(f.message).toContain(`backup:ListBackupVaults failed in ${DR_ACCOUNT}/${REGION}`);
    });

    it('reports what is missing and names what was not read, together', () => {
      // Prepare
      const inv = inventory({ ...copyingTo(west, dr), scope: scopeOf({ region: 'eu-west-1' }) });
      // Act
      const f = only('vault.exists', inv, policies(), PLAN_ARN);
      // Assess
      expect(f.status).toBe('NON_COMPLIANT');
      expect(f.message).toContain(`vaults that do not exist: ${west}`);
      expect(f.message).toContain(`not checked: ${dr}`);
    });
  });

  it('creates the missing vault with the key the policy names', () => {
    // Prepare
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/vault-key`;
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupVaults: [vault('unrelated')],
    });
    const set = policies({
      policies: { gold: { encryption: { customerManagedKey: true, vaultKeyArn: keyArn } } },
    });
    // Act
    const f = only('vault.exists', inv, set, PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([
      {
        type: 'CreateBackupVault',
        region: REGION,
        vaultName: 'backup-sentinel-gold',
        policy: 'gold',
        encryptionKeyArn: keyArn,
      },
    ]);
  });

  it.each([
    ['a customer-managed key', { encryption: { customerManagedKey: true } }],
    ['a cross-account copy', { copies: [{ account: DR_ACCOUNT }] }],
  ])('does not create a vault that needs %s when the policy names no vaultKeyArn', (_, gold) => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupVaults: [vault('unrelated')],
    });
    // Act
    const f = only('vault.exists', inv, policies({ policies: { gold } }), PLAN_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not created: set encryption.vaultKeyArn in policy gold');
    expect(f.actions).toEqual([]);
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
