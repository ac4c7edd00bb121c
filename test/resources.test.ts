/** The roles' statements: every write scoped, or refused at package time. */
import { describe, expect, it } from 'vitest';
import { type RoleScope, statementsFor, USES_BACKUP_ROLE_TEMPLATE } from '../resources/iam.js';

const scope: RoleScope = {
  vaultNames: ['backup-sentinel-gold'],
  drAccounts: [],
  tagKey: 'backup:policy',
  policyNames: ['gold'],
  remediateTagKey: 'backup:remediate',
  vaultKeyArns: [],
  backupRoleArn: 'arn:aws:iam::111111111111:role/backup',
};
type Statement = { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown };
const sids = (statements: Record<string, unknown>[]) => (statements as Statement[]).map((s) => s.Sid);

describe('statementsFor', () => {
  it('refuses a write action it has no scope for, rather than grant it on "*"', () => {
    expect(() =>
      statementsFor('sweep', scope, ['backup:DeleteBackupVault', 'backup:ListBackupVaults']),
    ).toThrow(/no scope for write actions backup:DeleteBackupVault/);
  });

  it('grants the vault-key writes only on the named keys, through AWS Backup', () => {
    // Prepare
    const key = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    // Act
    const without = statementsFor('sweep', scope, ['kms:CreateGrant', 'kms:Decrypt']);
    const withKey = statementsFor('sweep', { ...scope, vaultKeyArns: [key] }, ['kms:CreateGrant']);
    // Assess
    expect(sids(without)).not.toContain('VaultKeys');
    expect(withKey.find((s) => s.Sid === 'VaultKeys')).toEqual({
      Sid: 'VaultKeys',
      Effect: 'Allow',
      Action: ['kms:CreateGrant'],
      Resource: [key],
      Condition: {
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': `backup.\${AWS::Region}.amazonaws.com` } },
      },
    });
  });

  it('assumes no role when the policies copy to no other account', () => {
    expect(sids(statementsFor('sweep', scope, ['sts:AssumeRole']))).not.toContain('ReadDrAccount');
  });

  it('passes exactly the configured role, or with backupRoles=template exactly the seven template roles', () => {
    // Act
    const pass = statementsFor('sweep', scope, ['iam:PassRole']).find((s) => s.Sid === 'PassBackupRole');
    // Assess
    const role = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/backup-sentinel-backup-${name}-\${AWS::Region}`,
    });
    expect(pass).toEqual({
      Sid: 'PassBackupRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: {
        'Fn::If': [
          USES_BACKUP_ROLE_TEMPLATE,
          [
            role('s3-regular'),
            role('s3-copy'),
            role('s3-restore'),
            role('rds-regular'),
            role('rds-copy-region'),
            role('rds-copy-account'),
            role('restore-testing'),
          ],
          'arn:aws:iam::111111111111:role/backup',
        ],
      },
      Condition: {
        StringEquals: {
          'iam:PassedToService': ['backup.amazonaws.com', 'restore-testing.backup.amazonaws.com'],
        },
      },
    });
  });

  it('lets the publisher use the alert topic key through SNS only', () => {
    const key = statementsFor('sweep', scope, ['sns:Publish']).find((s) => s.Sid === 'AlertTopicKey');
    expect(JSON.stringify(key?.Condition)).toContain(`sns.\${AWS::Region}.amazonaws.com`);
    expect(sids(statementsFor('configRule', scope, ['config:PutEvaluations']))).not.toContain(
      'AlertTopicKey',
    );
  });
});
