/**
 * AWS Backup vaults and the recovery points in them: every vault of a home region, or the
 * copy-destination vaults the policies and plans name (in this account or, through the DR role,
 * in another one).
 */
import type {
  BackupVaultListMember,
  GetBackupVaultAccessPolicyOutput,
  GetBackupVaultNotificationsOutput,
  ListTagsOutput,
  RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import type { BackupApi } from '../../aws/clients.js';
import { vaultArn } from '../arn.js';
import { all, type Collection, type Input, iso, mapLimit, withIsoDates } from './calls.js';

export interface VaultReadOptions {
  since: Date;
  limit: number;
  /** Only these vault names (copy destinations); all vaults of the region when absent. */
  wanted?: Set<string>;
  /** Also notifications and tags (the audited account's own vaults). */
  full: boolean;
  /** Where, for the ARNs of vaults found by DescribeBackupVault when listing is not allowed. */
  account?: string;
  region?: string;
}

export interface VaultsRead {
  /** ListBackupVaults succeeded: a vault not in `vaults` is proven absent. */
  listed: boolean;
  vaults: Input<'backupVaults'>[];
  points: Input<'recoveryPoints'>[];
}

/**
 * The vaults of one region (all, or the wanted ones), with access policy, recovery points in the
 * window and, for our own account, notifications and tags.
 */
export async function collectVaults(b: BackupApi, c: Collection, o: VaultReadOptions): Promise<VaultsRead> {
  const pages = await c.try('*', 'backup:ListBackupVaults', () =>
    all(b.pages((sdk, client) => sdk.paginateListBackupVaults({ client }, {}))),
  );
  let list: BackupVaultListMember[] = (pages ?? []).flatMap((p) => p.BackupVaultList ?? []);
  if (!pages && o.wanted && o.account && o.region) {
    list = await describeVaults(b, c, {
      wanted: o.wanted,
      account: o.account,
      region: o.region,
      limit: o.limit,
    });
  }
  if (o.wanted) list = list.filter((v) => o.wanted?.has(v.BackupVaultName ?? ''));
  const read = await mapLimit(list, o.limit, (v) => readVault(b, c, v, o));
  return {
    listed: pages !== undefined,
    vaults: read.map((r) => r.vault),
    points: read.flatMap((r) => r.points),
  };
}

/**
 * A read role without ListBackupVaults: the wanted vaults, described by name. AWS answers a vault
 * that does not exist with AccessDenied too, so a failure here proves nothing either way.
 */
async function describeVaults(
  b: BackupApi,
  c: Collection,
  o: { wanted: Set<string>; account: string; region: string; limit: number },
): Promise<BackupVaultListMember[]> {
  const found = await mapLimit([...o.wanted], o.limit, (name) =>
    c.try(vaultArn(o.region, o.account, name), 'backup:DescribeBackupVault', () =>
      b.send((sdk) => new sdk.DescribeBackupVaultCommand({ BackupVaultName: name })),
    ),
  );
  return found.filter((v): v is NonNullable<typeof v> => v !== undefined);
}

/** One vault's settings and its recovery points in the window. */
async function readVault(b: BackupApi, c: Collection, v: BackupVaultListMember, o: VaultReadOptions) {
  const name = v.BackupVaultName ?? '';
  const arn = v.BackupVaultArn ?? '';
  const [policy, notifications, tags, points] = await Promise.all([
    c.try(
      arn,
      'backup:GetBackupVaultAccessPolicy',
      () => b.send((sdk) => new sdk.GetBackupVaultAccessPolicyCommand({ BackupVaultName: name })),
      {},
    ),
    o.full
      ? c.try(
          arn,
          'backup:GetBackupVaultNotifications',
          () => b.send((sdk) => new sdk.GetBackupVaultNotificationsCommand({ BackupVaultName: name })),
          {},
        )
      : undefined,
    o.full
      ? c.try(arn, 'backup:ListTags', () => b.send((sdk) => new sdk.ListTagsCommand({ ResourceArn: arn })))
      : undefined,
    c.try(arn, 'backup:ListRecoveryPointsByBackupVault', () =>
      all(
        b.pages((sdk, client) =>
          sdk.paginateListRecoveryPointsByBackupVault(
            { client },
            { BackupVaultName: name, ByCreatedAfter: o.since },
          ),
        ),
      ),
    ),
  ]);
  return {
    vault: toVault(v, { policy, notifications, tags }),
    points: (points ?? []).flatMap((p) => p.RecoveryPoints ?? []).map((p) => toRecoveryPoint(p, arn)),
  };
}

/** What was read about a vault besides its listing ({} or undefined: none, or not read). */
export interface VaultDetails {
  policy?: GetBackupVaultAccessPolicyOutput | object;
  notifications?: GetBackupVaultNotificationsOutput | object;
  tags?: ListTagsOutput;
}

/** ListBackupVaults item (or DescribeBackupVault answer) and its details -> vault. */
export function toVault(v: BackupVaultListMember, d: VaultDetails = {}): Input<'backupVaults'> {
  const { policy, notifications, tags } = d;
  return {
    BackupVaultName: v.BackupVaultName ?? '',
    BackupVaultArn: v.BackupVaultArn ?? '',
    ...(v.EncryptionKeyArn ? { EncryptionKeyArn: v.EncryptionKeyArn } : {}),
    Locked: v.Locked ?? false,
    ...(v.MinRetentionDays !== undefined ? { MinRetentionDays: v.MinRetentionDays } : {}),
    ...(v.MaxRetentionDays !== undefined ? { MaxRetentionDays: v.MaxRetentionDays } : {}),
    ...(v.LockDate ? { LockDate: iso(v.LockDate) } : {}),
    ...(policy && 'Policy' in policy && policy.Policy ? { AccessPolicy: policy.Policy } : {}),
    ...(notifications && 'SNSTopicArn' in notifications && notifications.SNSTopicArn
      ? {
          Notifications: {
            SNSTopicArn: notifications.SNSTopicArn,
            BackupVaultEvents: notifications.BackupVaultEvents ?? [],
          },
        }
      : {}),
    Tags: tags?.Tags ?? {},
  };
}

/** ListRecoveryPointsByBackupVault item -> recovery point (ISO dates; the vault's ARN when it has none). */
export function toRecoveryPoint(p: RecoveryPointByBackupVault, inVault: string): Input<'recoveryPoints'> {
  return {
    ...withIsoDates(p),
    RecoveryPointArn: p.RecoveryPointArn ?? '',
    ResourceArn: p.ResourceArn ?? '',
    BackupVaultArn: p.BackupVaultArn ?? inVault,
    CreationDate: iso(p.CreationDate) ?? '',
    Status: p.Status ?? '',
  };
}
