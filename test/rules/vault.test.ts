import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import {
  ACCOUNT,
  DR_ACCOUNT,
  daysAgo,
  db,
  findings,
  inventory,
  key,
  only,
  plan,
  planRule,
  policies,
  REGION,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const GOLD_VAULT = 'backup-sentinel-gold';
const GOLD_VAULT_ARN = vaultArnOf(GOLD_VAULT);
const DR_VAULT_ARN = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);

type VaultInput = NonNullable<InventoryInput['backupVaults']>[number];

/** One database with policy gold, its source vault, and the CMK it uses. */
function withVault(over: Partial<VaultInput> = {}, more: Partial<InventoryInput> = {}) {
  return inventory({
    resources: [db('orders')],
    backupVaults: [vault(GOLD_VAULT, over)],
    kmsKeys: [key('cmk-1')],
    ...more,
  });
}

const gold = (p: PolicyInput = {}) => policies({ policies: { gold: p } });

/** GetBackupVaultNotifications response, as in the AWS documentation (fixtures/real/api/backup_GetBackupVaultNotifications_docs.json). */
const DOCS_NOTIFICATIONS = {
  SNSTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic',
  BackupVaultEvents: ['RESTORE_JOB_STARTED', 'RESTORE_JOB_COMPLETED', 'RECOVERY_POINT_MODIFIED'],
  BackupVaultName: 'myVault',
  BackupVaultArn: 'arn:aws:backup:region:account-id:backup-vault:myVault',
};

describe('vault subjects', () => {
  it('exist only for the source vault of the policy in the resource region and for copy destinations', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupVaults: [
        vault(GOLD_VAULT),
        vault('dr-vault', { BackupVaultArn: DR_VAULT_ARN }),
        vault('unrelated'),
        vault(GOLD_VAULT, { BackupVaultArn: vaultArnOf(GOLD_VAULT, 'us-east-1') }),
      ],
      kmsKeys: [key('cmk-1')],
    });
    const set = gold({ copies: [{ account: DR_ACCOUNT, vault: 'dr-vault' }] });
    // Act
    const arns = findings('vault.cmk', inv, set).map((f) => f.resourceArn);
    // Assess
    expect(arns.sort()).toEqual([GOLD_VAULT_ARN, DR_VAULT_ARN].sort());
  });
});

describe('vault.cmk', () => {
  it('is compliant when the vault key is customer-managed', () => {
    // Prepare
    const inv = withVault();
    // Act
    const f = only('vault.cmk', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('cmk-1');
  });

  it('flags a vault encrypted with the AWS managed key, without an action', () => {
    // Prepare
    const inv = withVault(
      { EncryptionKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-backup-key` },
      { kmsKeys: [key('aws-backup-key', { KeyManager: 'AWS', Aliases: ['alias/aws/backup'] })] },
    );
    // Act
    const f = only('vault.cmk', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('aws/backup');
    expect(f.actions).toEqual([]);
  });

  it('reports an error when the vault key was not collected', () => {
    // Prepare
    const inv = withVault({}, { kmsKeys: [] });
    // Act
    const f = only('vault.cmk', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('was not collected');
  });

  it('flags an alias/aws/backup key ARN even without key facts', () => {
    // Prepare
    const inv = withVault(
      { EncryptionKeyArn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/backup` },
      { kmsKeys: [] },
    );
    // Act
    const f = only('vault.cmk', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actual).toBe('aws/backup');
  });
});

describe('vault.lock', () => {
  const locked = gold({ vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 } });

  it('is not applicable when the policy asks for no vault lock', () => {
    // Prepare
    const inv = withVault();
    // Act
    const f = only('vault.lock', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('locks an unlocked vault in governance mode (no changeableForDays)', () => {
    // Prepare
    const inv = withVault();
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not locked');
    expect(f.actions).toEqual([
      {
        type: 'PutVaultLock',
        region: REGION,
        vaultName: GOLD_VAULT,
        minRetentionDays: 7,
        maxRetentionDays: 400,
      },
    ]);
  });

  it('locks in compliance mode with a 3-day grace period when the policy says so', () => {
    // Prepare
    const inv = withVault();
    const set = gold({ vaultLock: { minRetentionDays: 7, mode: 'compliance' } });
    // Act
    const f = only('vault.lock', inv, set, GOLD_VAULT_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'PutVaultLock',
        region: REGION,
        vaultName: GOLD_VAULT,
        minRetentionDays: 7,
        changeableForDays: 3,
      },
    ]);
  });

  it('flags a lower minimum and a higher maximum retention', () => {
    // Prepare
    const inv = withVault({ Locked: true, MinRetentionDays: 3, MaxRetentionDays: 500 });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('minimum retention 3d (policy: 7d)');
    expect(f.message).toContain('maximum retention 500d (policy: 400d)');
  });

  it('flags a minimum and maximum retention that are not set', () => {
    // Prepare
    const inv = withVault({ Locked: true });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toBe(
      'vault lock: minimum retention not set (policy: 7d); maximum retention not set (policy: 400d)',
    );
  });

  it('flags a lock that rejects the retention of a plan rule writing into the vault', () => {
    // Prepare
    const inv = withVault(
      { Locked: true, MinRetentionDays: 7, MaxRetentionDays: 400 },
      { backupPlans: [plan('backup-sentinel-gold', [planRule({ Lifecycle: { DeleteAfterDays: 3 } })])] },
    );
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('rule daily of plan backup-sentinel-gold keeps 3d');
  });

  it('flags a lock whose maximum rejects copies kept forever', () => {
    // Prepare: the copy has no lifecycle and its rule none either, so it is kept forever
    const inv = withVault(
      {
        BackupVaultArn: DR_VAULT_ARN,
        BackupVaultName: 'dr-vault',
        Locked: true,
        MinRetentionDays: 7,
        MaxRetentionDays: 400,
      },
      {
        backupPlans: [
          plan('backup-sentinel-gold', [
            planRule({ Lifecycle: undefined, CopyActions: [{ DestinationBackupVaultArn: DR_VAULT_ARN }] }),
          ]),
        ],
      },
    );
    const set = gold({
      vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 },
      copies: [{ account: DR_ACCOUNT, vault: 'dr-vault' }],
    });
    // Act
    const f = only('vault.lock', inv, set, DR_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('copies from rule daily of plan backup-sentinel-gold keeps forever');
    expect(f.actions).toEqual([]);
  });

  it('proposes no lock that would reject a retention written into the vault', () => {
    // Prepare
    const inv = withVault(
      {},
      { backupPlans: [plan('backup-sentinel-gold', [planRule({ Lifecycle: { DeleteAfterDays: 3 } })])] },
    );
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      'not locked automatically, because it would reject rule daily of plan backup-sentinel-gold (3d)',
    );
    expect(f.actions).toEqual([]);
  });

  it('flags an existing lock that rejects written retentions even when the policy asks for no lock', () => {
    // Prepare
    const inv = withVault(
      { Locked: true, MinRetentionDays: 60 },
      { backupPlans: [plan('backup-sentinel-gold', [planRule({ Lifecycle: { DeleteAfterDays: 35 } })])] },
    );
    // Act
    const f = only('vault.lock', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toBe(
      'the vault lock rejects what is written into it: rule daily of plan backup-sentinel-gold keeps 35d',
    );
    expect(f.actions).toEqual([]);
  });

  it('is not applicable without a policy lock when an existing lock admits every written retention', () => {
    // Prepare
    const inv = withVault(
      { Locked: true, MinRetentionDays: 7 },
      { backupPlans: [plan('backup-sentinel-gold', [planRule({ Lifecycle: { DeleteAfterDays: 35 } })])] },
    );
    // Act
    const f = only('vault.lock', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('is compliant when locked within the policy bounds', () => {
    // Prepare
    const inv = withVault({ Locked: true, MinRetentionDays: 7, MaxRetentionDays: 400 });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('proposes no action once a compliance lock is in force (LockDate in the past)', () => {
    // Prepare
    const inv = withVault({
      Locked: true,
      MinRetentionDays: 3,
      MaxRetentionDays: 400,
      LockDate: daysAgo(10),
    });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('cannot be changed');
    expect(f.actions).toEqual([]);
  });

  it('still proposes the lock during the compliance grace period (LockDate in the future)', () => {
    // Prepare
    const inv = withVault({
      Locked: true,
      MinRetentionDays: 3,
      MaxRetentionDays: 400,
      LockDate: daysAgo(-2),
    });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'PutVaultLock',
        region: REGION,
        vaultName: GOLD_VAULT,
        minRetentionDays: 7,
        maxRetentionDays: 400,
      },
    ]);
  });

  it('never lowers an existing higher MinRetentionDays', () => {
    // Prepare
    const inv = withVault({ Locked: true, MinRetentionDays: 30, MaxRetentionDays: 500 });
    // Act
    const f = only('vault.lock', inv, locked, GOLD_VAULT_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'PutVaultLock',
        region: REGION,
        vaultName: GOLD_VAULT,
        minRetentionDays: 30,
        maxRetentionDays: 400,
      },
    ]);
  });

  it('flags a governance-mode lock when the policy asks for compliance mode', () => {
    // Prepare: DescribeBackupVault returns a LockDate only for compliance-mode locks
    const inv = withVault({ Locked: true, MinRetentionDays: 7 });
    const set = gold({ vaultLock: { minRetentionDays: 7, mode: 'compliance' } });
    // Act
    const f = only('vault.lock', inv, set, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });
});

describe('vault.delete-protection', () => {
  const policyWith = (statement: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statement });
  const deny = (principal: unknown, action: unknown) => ({
    Effect: 'Deny',
    Principal: principal,
    Action: action,
    Resource: '*',
  });

  it('adds delete protection to a vault without access policy', () => {
    // Prepare
    const inv = withVault();
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([{ type: 'AddVaultDeleteProtection', region: REGION, vaultName: GOLD_VAULT }]);
  });

  it.each([
    ['*', 'backup:DeleteRecoveryPoint'],
    [{ AWS: '*' }, 'backup:DeleteRecoveryPoint'],
    [{ AWS: ['*'] }, ['backup:UpdateRecoveryPointLifecycle', 'backup:DeleteRecoveryPoint']],
  ])('is compliant with a Deny to principal %j of %j', (principal, action) => {
    // Prepare
    const inv = withVault({ AccessPolicy: policyWith([deny(principal, action)]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it.each([
    ['*', 'backup:*'],
    [{ AWS: '*' }, '*'],
  ])(
    'flags a Deny to principal %j of the wildcard %j, which vault access policies do not support',
    (principal, action) => {
      // Prepare
      const inv = withVault({ AccessPolicy: policyWith([deny(principal, action)]) });
      // Act
      const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
      // Assess
      expect(f.status).toBe('NON_COMPLIANT');
      expect(f.message).toContain('does not deny backup:DeleteRecoveryPoint');
      expect(f.actions).toEqual([
        { type: 'AddVaultDeleteProtection', region: REGION, vaultName: GOLD_VAULT },
      ]);
    },
  );

  it('accepts a Deny without Resource', () => {
    // Prepare
    const { Resource: _, ...statement } = deny('*', 'backup:DeleteRecoveryPoint');
    const inv = withVault({ AccessPolicy: policyWith([statement]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a Deny limited to some recovery points', () => {
    // Prepare
    const statement = {
      ...deny('*', 'backup:DeleteRecoveryPoint'),
      Resource: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:one`,
    };
    const inv = withVault({ AccessPolicy: policyWith([statement]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it.each([
    ['ArnNotEquals', 'aws:PrincipalArn'],
    ['ArnNotLike', 'aws:PrincipalArn'],
    ['StringNotEquals', 'aws:PrincipalTag/break-glass'],
    ['StringNotLike', 'aws:userid'],
    ['StringNotEquals', 'aws:PrincipalAccount'],
  ])('accepts a Deny that exempts principals with %s on %s', (operator, conditionKey) => {
    // Prepare
    const statement = {
      ...deny('*', 'backup:DeleteRecoveryPoint'),
      Condition: { [operator]: { [conditionKey]: `arn:aws:iam::${ACCOUNT}:role/break-glass` } },
    };
    const inv = withVault({ AccessPolicy: policyWith([statement]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it.each([
    ['ArnEquals', 'aws:PrincipalArn'],
    ['StringNotEquals', 'aws:RequestedRegion'],
    ['Bool', 'aws:MultiFactorAuthPresent'],
  ])('flags a Deny narrowed by %s on %s, which does not deny everyone else', (operator, conditionKey) => {
    // Prepare
    const statement = {
      ...deny('*', 'backup:DeleteRecoveryPoint'),
      Condition: { [operator]: { [conditionKey]: 'x' } },
    };
    const inv = withVault({ AccessPolicy: policyWith([statement]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('accepts Statement given as a single object', () => {
    // Prepare
    const inv = withVault({ AccessPolicy: policyWith(deny('*', 'backup:DeleteRecoveryPoint')) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a policy that only allows', () => {
    // Prepare
    const allow = {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'backup:*',
      Resource: '*',
    };
    const inv = withVault({ AccessPolicy: policyWith([allow]) });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('does not deny backup:DeleteRecoveryPoint');
    expect(f.actions).toEqual([{ type: 'AddVaultDeleteProtection', region: REGION, vaultName: GOLD_VAULT }]);
  });

  it('flags a Deny that targets one role only', () => {
    // Prepare
    const inv = withVault({
      AccessPolicy: policyWith([
        deny({ AWS: `arn:aws:iam::${ACCOUNT}:role/ops` }, 'backup:DeleteRecoveryPoint'),
      ]),
    });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('reports an error for an access policy that is not JSON', () => {
    // Prepare
    const inv = withVault({ AccessPolicy: '{"Statement": [' });
    // Act
    const f = only('vault.delete-protection', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('not valid JSON');
    expect(f.actions).toEqual([]);
  });
});

describe('vault.notifications', () => {
  it('sends the default events, without a topic, when the vault has no notifications', () => {
    // Prepare
    const inv = withVault();
    // Act
    const f = only('vault.notifications', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no notifications');
    expect(f.actions).toEqual([
      {
        type: 'PutVaultNotifications',
        region: REGION,
        vaultName: GOLD_VAULT,
        events: [
          'BACKUP_JOB_COMPLETED',
          'COPY_JOB_FAILED',
          'RESTORE_JOB_COMPLETED',
          'S3_BACKUP_OBJECT_FAILED',
        ],
      },
    ]);
  });

  it('adds the missing events to the existing ones and keeps the existing topic', () => {
    // Prepare: the GetBackupVaultNotifications response from the AWS documentation
    const { SNSTopicArn, BackupVaultEvents } = DOCS_NOTIFICATIONS;
    const inv = withVault({ Notifications: { SNSTopicArn, BackupVaultEvents } });
    // Act
    const f = only('vault.notifications', inv, gold(), GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(
      'missing events: BACKUP_JOB_COMPLETED, COPY_JOB_FAILED, S3_BACKUP_OBJECT_FAILED',
    );
    expect(f.actions).toEqual([
      {
        type: 'PutVaultNotifications',
        region: REGION,
        vaultName: GOLD_VAULT,
        events: [
          'RESTORE_JOB_STARTED',
          'RESTORE_JOB_COMPLETED',
          'RECOVERY_POINT_MODIFIED',
          'BACKUP_JOB_COMPLETED',
          'COPY_JOB_FAILED',
          'S3_BACKUP_OBJECT_FAILED',
        ],
        snsTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic',
      },
    ]);
  });

  it('is compliant when every policy event is sent', () => {
    // Prepare
    const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-alerts`;
    const inv = withVault({
      Notifications: { SNSTopicArn: topic, BackupVaultEvents: ['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'] },
    });
    const set = gold({ notifications: { events: ['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'] } });
    // Act
    const f = only('vault.notifications', inv, set, GOLD_VAULT_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain(topic);
  });

  it('is not applicable to a copy destination vault', () => {
    // Prepare
    const inv = withVault(
      {},
      { backupVaults: [vault(GOLD_VAULT), vault('dr-vault', { BackupVaultArn: DR_VAULT_ARN })] },
    );
    const set = gold({ copies: [{ account: DR_ACCOUNT, vault: 'dr-vault' }] });
    // Act
    const f = only('vault.notifications', inv, set, DR_VAULT_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});
