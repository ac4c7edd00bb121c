/**
 * Which role AWS Backup is handed for a selection or a restore test that `fix` creates. Pure.
 * Without resources/backup-roles.yml that is the one configured role (backupRoleArn, else
 * AWSBackupDefaultServiceRole); with it (backupRoles=template) each kind of selection gets the
 * least-privilege role the template made for it, in this account and Region. resources/iam.ts
 * grants iam:PassRole on the same names, so the two cannot drift apart.
 */
import { partitionOf } from '../inventory/arn.js';

export type BackupRoleKind =
  | 's3'
  | 's3-copy'
  | 's3-restore'
  | 'rds'
  | 'rds-copy-region'
  | 'rds-copy-account'
  | 'restore-testing';

/** The RoleName of each kind in resources/backup-roles.yml, less its `-<region>` suffix (no path). */
export const BACKUP_ROLE_NAMES: Readonly<Record<BackupRoleKind, string>> = {
  s3: 'backup-sentinel-backup-s3-regular',
  's3-copy': 'backup-sentinel-backup-s3-copy',
  's3-restore': 'backup-sentinel-backup-s3-restore',
  rds: 'backup-sentinel-backup-rds-regular',
  'rds-copy-region': 'backup-sentinel-backup-rds-copy-region',
  'rds-copy-account': 'backup-sentinel-backup-rds-copy-account',
  'restore-testing': 'backup-sentinel-backup-restore-testing',
};

/** What a backup selection picks: S3 buckets, or RDS / Aurora instances and clusters. */
export type SelectionKind = 's3' | 'rds';

/** Whether a plan copies its recovery points to another Region and/or another account. */
export interface Copies {
  crossRegion: boolean;
  crossAccount: boolean;
}

/** How the run's roles are chosen (a part of the executor's options). */
export interface BackupRoleSettings {
  /** The one role when the template is not deployed: backupRoleArn, else AWSBackupDefaultServiceRole. */
  backupRoleArn: string;
  /** 'template': resources/backup-roles.yml is deployed in this account and the action's Region. */
  backupRoles?: 'template';
  /** The account of the run, which the template's roles are in (needed with backupRoles). */
  accountId?: string;
}

/**
 * The role a backup selection needs. AWS Backup cannot copy one RDS recovery point both
 * cross-Region and cross-account (copies.rds-single-hop reports such a policy): the cross-account
 * copy, which leaves the blast radius of this account, is the one the role is made for.
 */
export function selectionRoleKind(kind: SelectionKind, copies: Copies): BackupRoleKind {
  if (kind === 's3') return copies.crossRegion || copies.crossAccount ? 's3-copy' : 's3';
  if (copies.crossAccount) return 'rds-copy-account';
  return copies.crossRegion ? 'rds-copy-region' : 'rds';
}

/** The role a restore testing selection of this AWS Backup resource type needs ('S3', 'RDS', 'Aurora'). */
export const restoreTestingRoleKind = (resourceType: string): BackupRoleKind =>
  resourceType === 'S3' ? 's3-restore' : 'restore-testing';

/** The ARN of the role of `kind` for an action in `region`. */
export function backupRoleFor(kind: BackupRoleKind, region: string, settings: BackupRoleSettings): string {
  if (settings.backupRoles !== 'template') return settings.backupRoleArn;
  if (!settings.accountId)
    throw new Error(
      'backupRoles=template needs the account id of the run (accountId in the executor options): the template roles are named in it',
    );
  return `arn:${partitionOf(region)}:iam::${settings.accountId}:role/${BACKUP_ROLE_NAMES[kind]}-${region}`;
}
