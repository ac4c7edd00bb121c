/**
 * The AWS Backup state an audit of some home regions needs, and the scope it covers: each home
 * region in full; the copy-destination regions of this account the policies name (their vaults,
 * and the recovery points in the destination vaults); with the DR read role, the copy-destination
 * vaults in other accounts. Without the role those accounts are simply not in scope: the rules
 * say so.
 */
import type { Aws } from '../../aws/clients.js';
import { destinations } from '../../policy/destinations.js';
import type { PolicySet } from '../../policy/index.js';
import { parseArn } from '../arn.js';
import type { InventoryInput } from '../schema.js';
import { BACKUP_READS } from '../scope.js';
import { readAccount } from './accounts.js';
import { collectBackup, type HomeBackupLists } from './backup.js';
import type { Collection, Input, Progress } from './calls.js';
import { collectKeys } from './keys.js';
import { collectVaults } from './vaults.js';

export type BackupLists = HomeBackupLists & { kmsKeys: Input<'kmsKeys'>[]; accounts: Input<'accounts'>[] };
type ScopeEntryInput = NonNullable<InventoryInput['scope']>[number];

export interface BackupScope {
  lists: Partial<BackupLists>;
  scope: ScopeEntryInput[];
}

export interface ScopeOptions {
  accountId: string;
  /** Regions whose resources are audited: their whole AWS Backup state is read. */
  regions: string[];
  policies: PolicySet;
  since: Date;
  limit: number;
  drRoleArn?: string;
  progress?: Progress;
}

/** A copy destination outside the home regions: the vaults wanted in one account and region. */
interface Destination {
  account: string;
  region: string;
  names: Set<string>;
}

export async function collectBackupScope(aws: Aws, c: Collection, o: ScopeOptions): Promise<BackupScope> {
  const lists: Partial<BackupLists> = {};
  const add = (state: Partial<BackupLists>) => {
    for (const [k, v] of Object.entries(state) as [keyof BackupLists, unknown[]][])
      (lists[k] as unknown[]) = [...((lists[k] as unknown[] | undefined) ?? []), ...v];
  };
  const scope: ScopeEntryInput[] = [];
  const progress = o.progress ?? (() => {});
  for (const region of o.regions) {
    progress(`${region}: reading AWS Backup state`);
    const mark = c.errors.length;
    add(await collectBackup(aws, c, { region, since: o.since, limit: o.limit }));
    c.stamp(mark, o.accountId, region);
    scope.push({
      Account: o.accountId,
      Region: region,
      Via: 'home',
      Reads: BACKUP_READS.filter((a) => !c.failedSince(mark, a)),
    });
  }
  // The home account's organization and cross-account setting, and each DR account's organization.
  const home = o.regions[0] ?? 'us-east-1';
  add({
    accounts: [await readAccount(aws, c, { account: o.accountId, region: home, globalSettings: true })],
  });
  const drRead = new Set<string>();
  for (const d of copyDestinations(o, lists.backupPlans ?? [])) {
    const own = d.account === o.accountId;
    if (!own && !o.drRoleArn) continue;
    if (!own && !drRead.has(d.account)) {
      drRead.add(d.account);
      const via = aws.assume(o.drRoleArn?.replaceAll('{account}', d.account) ?? '', d.region);
      add({
        accounts: [
          await readAccount(via, c, { account: d.account, region: d.region, globalSettings: false }),
        ],
      });
    }
    progress(`${d.account}/${d.region}: reading the copy-destination vaults`);
    const read = await readDestination(aws, c, d, o);
    add(read.lists);
    scope.push(read.entry);
  }
  return { lists, scope };
}

/**
 * Where copies of resources in the home regions land: the policies' destinations and the plans'
 * copy actions, outside the regions already read in full; sorted by account.
 */
function copyDestinations(o: ScopeOptions, plans: Input<'backupPlans'>[]): Destination[] {
  const wanted = new Map<string, Destination>();
  const want = (arn: string) => {
    const a = parseArn(arn);
    if (!a?.resource.startsWith('backup-vault:')) return;
    if (a.account === o.accountId && o.regions.includes(a.region)) return;
    const k = `${a.account}|${a.region}`;
    const w = wanted.get(k) ?? { account: a.account, region: a.region, names: new Set<string>() };
    w.names.add(a.resource.slice('backup-vault:'.length));
    wanted.set(k, w);
  };
  for (const policy of Object.values(o.policies.policies))
    for (const region of o.regions) for (const d of destinations(policy, region, o.accountId)) want(d.arn);
  for (const plan of plans)
    for (const rule of plan.Rules ?? [])
      for (const copy of rule.CopyActions ?? []) want(copy.DestinationBackupVaultArn);
  return [...wanted.values()].sort((a, b) => a.account.localeCompare(b.account));
}

/** The wanted vaults of one destination (in another account: through the DR role) and their keys. */
async function readDestination(
  aws: Aws,
  c: Collection,
  d: Destination,
  o: ScopeOptions,
): Promise<{ lists: Partial<BackupLists>; entry: ScopeEntryInput }> {
  const own = d.account === o.accountId;
  const via = own ? aws : aws.assume(o.drRoleArn?.replaceAll('{account}', d.account) ?? '', d.region);
  const mark = c.errors.length;
  const got = await collectVaults(via.backup(d.region), c, {
    account: d.account,
    region: d.region,
    since: o.since,
    limit: o.limit,
    wanted: d.names,
    full: own,
  });
  c.stamp(mark, d.account, d.region);
  const keyIds = got.vaults.flatMap((v) => (v.EncryptionKeyArn ? [v.EncryptionKeyArn] : []));
  const kmsKeys = await collectKeys(via, c, { region: d.region, ids: keyIds, limit: o.limit });
  return {
    lists: { backupVaults: got.vaults, recoveryPoints: got.points, kmsKeys },
    entry: {
      Account: d.account,
      Region: d.region,
      Via: own ? 'destination' : 'dr-role',
      Reads: got.listed ? ['backup:ListBackupVaults'] : [],
    },
  };
}
