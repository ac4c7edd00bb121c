/** The validateRestore role: what it may read, the one write, the buckets it may list. */
import { describe, expect, it } from 'vitest';
import { type RoleScope, roles, statementsFor, UNSCOPABLE_WRITES } from '../../resources/iam.js';
import { functionActions } from '../../src/iam.js';

const scope: RoleScope = {
  vaultNames: ['backup-sentinel-gold'],
  drAccounts: ['222222222222'],
  tagKey: 'backup:policy',
  policyNames: ['gold'],
  remediateTagKey: 'backup:remediate',
  vaultKeyArns: [],
  backupRoleArn: 'arn:aws:iam::111111111111:role/backup',
};

describe('the validateRestore role', () => {
  it('reads on "*", lists only this account\'s buckets, and writes nothing but PutRestoreValidationResult', () => {
    // Act
    const statements = statementsFor('validateRestore', scope);
    // Assess
    expect(statements.filter((s) => !['Logs', 'FailedEvents'].includes(s.Sid as string))).toEqual([
      {
        Sid: 'Audit',
        Effect: 'Allow',
        Action: [
          'backup:DescribeRestoreJob',
          'backup:GetRecoveryPointRestoreMetadata',
          'rds:DescribeDBClusters',
          'rds:DescribeDBInstances',
          's3:GetBucketLocation',
          's3:GetEncryptionConfiguration',
        ],
        Resource: '*',
      },
      {
        Sid: 'ListValidatedBuckets',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::*` },
        Condition: { StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } },
      },
      { Sid: 'Unscopable', Effect: 'Allow', Action: ['backup:PutRestoreValidationResult'], Resource: '*' },
    ]);
    expect(UNSCOPABLE_WRITES['backup:PutRestoreValidationResult']).toContain('no resource type');
    expect(statements.find((s) => s.Sid === 'Logs')?.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/backup-sentinel-\${sls:stage}-validateRestore:*`,
    });
  });

  it('is its own role; no other role may list bucket contents or answer a restore job', () => {
    expect(Object.keys(roles(scope))).toContain('ValidateRestoreRole');
    for (const fn of [
      'onResourceChange',
      'configRule',
      'sweep',
      'onBackupEvent',
      'rotateKeyMaterial',
    ] as const) {
      expect(functionActions(fn), fn).not.toContain('s3:ListBucket');
      expect(functionActions(fn), fn).not.toContain('backup:PutRestoreValidationResult');
    }
  });
});
