/**
 * The role each selection and restore test hands AWS Backup: the one configured role, or with
 * backupRoles=template the role resources/backup-roles.yml made for its kind, named exactly as
 * the template names it.
 */
import { describe, expect, it } from 'vitest';
import {
  BACKUP_ROLE_NAMES,
  type BackupRoleKind,
  backupRoleFor,
  restoreTestingRoleKind,
  selectionRoleKind,
} from '../../src/remediation/backup-roles.js';
import { loadTemplate } from '../support/cfn.js';

const ACCOUNT = '111111111111';
const CONFIGURED = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
const TEMPLATE = { backupRoleArn: CONFIGURED, backupRoles: 'template', accountId: ACCOUNT } as const;

const KINDS: [BackupRoleKind, string][] = [
  ['s3', 'backup-sentinel-backup-s3-regular'],
  ['s3-copy', 'backup-sentinel-backup-s3-copy'],
  ['s3-restore', 'backup-sentinel-backup-s3-restore'],
  ['rds', 'backup-sentinel-backup-rds-regular'],
  ['rds-copy-region', 'backup-sentinel-backup-rds-copy-region'],
  ['rds-copy-account', 'backup-sentinel-backup-rds-copy-account'],
  ['restore-testing', 'backup-sentinel-backup-restore-testing'],
];

describe('backupRoleFor', () => {
  it.each(KINDS)('with the template, %s is the role %s-<region> of the account', (kind, name) => {
    expect(backupRoleFor(kind, 'eu-central-1', TEMPLATE)).toBe(
      `arn:aws:iam::${ACCOUNT}:role/${name}-eu-central-1`,
    );
  });

  it.each(KINDS)('without the template, %s is the configured role', (kind) => {
    expect(backupRoleFor(kind, 'eu-central-1', { backupRoleArn: CONFIGURED, accountId: ACCOUNT })).toBe(
      CONFIGURED,
    );
  });

  it("names the role in the Region's partition and for the action's Region", () => {
    expect(backupRoleFor('rds', 'cn-north-1', TEMPLATE)).toBe(
      `arn:aws-cn:iam::${ACCOUNT}:role/backup-sentinel-backup-rds-regular-cn-north-1`,
    );
    expect(backupRoleFor('s3', 'us-gov-west-1', TEMPLATE)).toBe(
      `arn:aws-us-gov:iam::${ACCOUNT}:role/backup-sentinel-backup-s3-regular-us-gov-west-1`,
    );
  });

  it('refuses the template without the account the roles are in', () => {
    expect(() =>
      backupRoleFor('s3', 'eu-central-1', { backupRoleArn: CONFIGURED, backupRoles: 'template' }),
    ).toThrow('backupRoles=template needs the account id of the run');
  });
});

describe('the kind of role a selection needs', () => {
  const copies = (crossRegion: boolean, crossAccount: boolean) => ({ crossRegion, crossAccount });

  it.each<[string, 's3' | 'rds', { crossRegion: boolean; crossAccount: boolean }, BackupRoleKind]>([
    ['S3 without copies', 's3', copies(false, false), 's3'],
    ['S3 copied to another Region', 's3', copies(true, false), 's3-copy'],
    ['S3 copied to another account', 's3', copies(false, true), 's3-copy'],
    ['S3 copied both ways', 's3', copies(true, true), 's3-copy'],
    ['RDS without copies', 'rds', copies(false, false), 'rds'],
    ['RDS copied to another Region', 'rds', copies(true, false), 'rds-copy-region'],
    ['RDS copied to another account', 'rds', copies(false, true), 'rds-copy-account'],
    // AWS Backup cannot do both for RDS (copies.rds-single-hop): the cross-account copy wins.
    ['RDS copied both ways', 'rds', copies(true, true), 'rds-copy-account'],
  ])('%s: %s', (_name, kind, c, expected) => {
    expect(selectionRoleKind(kind, c)).toBe(expected);
  });

  it('restore tests: s3-restore for S3, restore-testing for RDS and Aurora', () => {
    expect(['S3', 'RDS', 'Aurora'].map(restoreTestingRoleKind)).toEqual([
      's3-restore',
      'restore-testing',
      'restore-testing',
    ]);
  });
});

describe('the names of resources/backup-roles.yml', () => {
  type Template = {
    Resources: Record<string, { Type: string; Properties: { RoleName?: unknown; Path?: string } }>;
  };
  const { template } = loadTemplate<Template>('resources/backup-roles.yml');

  it('are exactly the roles the template creates, with no path', () => {
    // Prepare
    const roles = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    // Act
    const names = roles.map((r) => (r.Properties.RoleName as { 'Fn::Sub': string })['Fn::Sub']);
    // Assess
    expect(names.sort()).toEqual(
      Object.values(BACKUP_ROLE_NAMES)
        .map((n) => `${n}-\${AWS::Region}`)
        .sort(),
    );
    expect(roles.map((r) => r.Properties.Path)).toEqual(roles.map(() => undefined));
  });
});
