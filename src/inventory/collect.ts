/**
 * Live collection: AWS account -> Inventory. Batched (list calls per region, per vault and per
 * time window, never per resource per check), paginated everywhere, bounded concurrency, adaptive
 * retries (in the clients). Any failed call becomes a collectionErrors entry for what it was
 * about; the rules then report ERROR for exactly the checks that needed it, and the rest goes on.
 */
import {
  type BackupClient,
  type BackupVaultListMember,
  DescribeBackupVaultCommand,
  DescribeRegionSettingsCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  GetRestoreTestingPlanCommand,
  GetRestoreTestingSelectionCommand,
  ListTagsCommand,
  paginateListBackupJobs,
  paginateListBackupPlans,
  paginateListBackupSelections,
  paginateListBackupVaults,
  paginateListCopyJobs,
  paginateListProtectedResources,
  paginateListRecoveryPointsByBackupVault,
  paginateListRestoreJobs,
  paginateListRestoreTestingPlans,
  paginateListRestoreTestingSelections,
} from '@aws-sdk/client-backup';
import { DescribeKeyCommand, ListResourceTagsCommand, paginateListAliases } from '@aws-sdk/client-kms';
import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
} from '@aws-sdk/client-rds';
import { paginateGetResources } from '@aws-sdk/client-resource-groups-tagging-api';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Aws } from '../aws/clients.js';
import { BUCKET_READS } from '../iam.js';
import type { PolicySet } from '../policy/index.js';
import { destinations } from '../rules/destinations.js';
import { parseArn, partitionOf, vaultArn } from './arn.js';
import { INVENTORY_VERSION, type Inventory, type InventoryInput, inventorySchema } from './schema.js';
import { BACKUP_READS, DISCOVERY_READS } from './scope.js';

type ScopeEntryInput = NonNullable<InventoryInput['scope']>[number];

type Input<K extends keyof InventoryInput> = NonNullable<InventoryInput[K]> extends (infer T)[] ? T : never;
type CollectionError = Input<'collectionErrors'>;

export interface CollectOptions {
  regions: string[];
  policies: PolicySet;
  now: Date;
  /** How far back jobs and recovery points are listed; default from the policies (RPO, restore tests). */
  windowDays?: number;
  /** Role to read copy-destination vaults in other accounts; "{account}" is replaced by the account id. */
  drRoleArn?: string;
  concurrency?: number;
  onProgress?: (message: string) => void;
}

/** Tag written by the key rotator: the sha256 of the imported material (never the material). */
export const FINGERPRINT_TAG = 'backup-sentinel:material-sha256';
export const IMPORTED_AT_TAG = 'backup-sentinel:material-imported-at';

/** Errors that mean "there is none", not "could not read". */
const ABSENT = new Set([
  'NoSuchLifecycleConfiguration',
  'ObjectLockConfigurationNotFoundError',
  'ReplicationConfigurationNotFoundError',
  'ServerSideEncryptionConfigurationNotFoundError',
  'OwnershipControlsNotFoundError',
  'ResourceNotFoundException',
]);

const iso = (d: Date | undefined) => d?.toISOString();
const tagMap = (list: { Key?: string; Value?: string }[] = []) =>
  Object.fromEntries(list.filter((t) => t.Key !== undefined).map((t) => [t.Key as string, t.Value ?? '']));

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

class Collection {
  readonly errors: CollectionError[] = [];

  /** Marks the whole-call ("*") errors recorded since `mark` with the account and region they were in. */
  stamp(mark: number, account: string, region: string): void {
    for (const e of this.errors.slice(mark)) {
      if (e.Arn === '*' && e.Region === undefined) Object.assign(e, { Account: account, Region: region });
    }
  }

  /** Did any read of `action` (region-wide or about one subject) fail since `mark`? */
  failedSince(mark: number, action: string): boolean {
    return this.errors.slice(mark).some((e) => e.Action === action);
  }

  /** Calls fn; on failure records {arn, action} and returns `absent` for "there is none" errors or undefined. */
  async try<T, A = never>(
    arn: string,
    action: string,
    fn: () => Promise<T>,
    absent?: A,
  ): Promise<T | A | undefined> {
    try {
      return await fn();
    } catch (e) {
      const err = e as Error & { Code?: string };
      const code = err.name === 'Error' ? (err.Code ?? 'Error') : err.name;
      if (ABSENT.has(code) && absent !== undefined) return absent;
      this.errors.push({ Arn: arn, Action: action, Code: code, Message: (err.message ?? '').slice(0, 300) });
      return undefined;
    }
  }
}

export function defaultWindowDays(policies: PolicySet): number {
  const days = Object.values(policies.policies).flatMap((p) => [
    p.rpoHours / 24,
    p.restoreTest?.everyDays ?? 0,
  ]);
  return Math.ceil(Math.max(7, ...days) * 1.5);
}

export async function collectInventory(aws: Aws, options: CollectOptions): Promise<Inventory> {
  const c = new Collection();
  const limit = options.concurrency ?? 8;
  const progress = options.onProgress ?? (() => {});
  const since = windowStart(options.now, options.policies, options.windowDays);
  const home = options.regions[0] ?? 'us-east-1';
  const identity = await aws.sts(home).send(new GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  const inv: InventoryInput = {
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    listedSince: since.toISOString(),
    accountId,
    regions: options.regions,
  };
  const push = <K extends keyof InventoryInput>(key: K, items: Input<K>[]) => {
    (inv[key] as Input<K>[] | undefined) = [...((inv[key] as Input<K>[] | undefined) ?? []), ...items];
  };

  const bucketRegion = new Map<string, string | undefined>();
  /** The discovery reads that succeeded, by region (they join that region's scope entry). */
  const discovered = new Map<string, string[]>();
  for (const region of options.regions) {
    progress(`${region}: discovering tagged resources`);
    const mark = c.errors.length;
    const resources = await collectResources(
      aws,
      c,
      region,
      accountId,
      options.policies.tagKey,
      bucketRegion,
      limit,
      progress,
    );
    c.stamp(mark, accountId, region);
    discovered.set(
      region,
      DISCOVERY_READS.filter((a) => !c.failedSince(mark, a)),
    );
    push('resources', resources);
  }
  const state = await collectBackupScope(aws, c, {
    accountId,
    regions: options.regions,
    policies: options.policies,
    since,
    limit,
    progress,
    ...(options.drRoleArn ? { drRoleArn: options.drRoleArn } : {}),
  });
  for (const [k, v] of Object.entries(state.lists)) push(k as keyof InventoryInput, v as never[]);
  for (const region of options.regions) {
    const ids = keyIdsIn(region, inv.resources ?? [], state.lists.backupVaults ?? []);
    push('kmsKeys', await collectKeys(aws, c, region, ids, limit));
  }
  if (options.policies.keyMaterial.replicas.length > 0) {
    // Replicas of imported key material live in Secrets Manager in other accounts and are written
    // by the key-rotation function, which is not built yet: say so rather than report "no replica".
    c.errors.push({
      Arn: '*',
      Action: 'secretsmanager:ListSecrets',
      Code: 'NotCollected',
      Message: 'key material replicas are not read yet (they come with key rotation)',
    });
  }
  inv.collectionErrors = c.errors;
  inv.scope = state.scope.map((e) =>
    e.Via === 'home' ? { ...e, Reads: [...(discovered.get(e.Region) ?? []), ...(e.Reads ?? [])] } : e,
  );
  return inventorySchema.parse(inv);
}

/** The KMS keys of a home region's databases and vaults (destination vaults' keys are read with them). */
function keyIdsIn(
  region: string,
  resources: Input<'resources'>[],
  vaults: Input<'backupVaults'>[],
): string[] {
  const ids = new Set<string>();
  for (const r of resources)
    if (r.Region === region && 'KmsKeyId' in r && typeof r.KmsKeyId === 'string') ids.add(r.KmsKeyId);
  for (const v of vaults)
    if (v.EncryptionKeyArn && parseArn(v.BackupVaultArn)?.region === region) ids.add(v.EncryptionKeyArn);
  return [...ids];
}

function windowStart(now: Date, policies: PolicySet, windowDays?: number): Date {
  return new Date(now.getTime() - (windowDays ?? defaultWindowDays(policies)) * 86_400_000);
}

type BackupLists = Awaited<ReturnType<typeof collectBackup>> & { kmsKeys: Input<'kmsKeys'>[] };

interface ScopeOptions {
  accountId: string;
  /** Regions whose resources are audited: their whole AWS Backup state is read. */
  regions: string[];
  policies: PolicySet;
  since: Date;
  limit: number;
  drRoleArn?: string;
  progress?: (message: string) => void;
}

/**
 * The AWS Backup state the audit of `regions` needs, and the scope it covers: each home region in
 * full; the copy-destination regions of this account the policies name (their vaults, and the
 * recovery points in the destination vaults); with the DR read role, the copy-destination vaults
 * in other accounts. Without the role those accounts are simply not in scope: the rules say so.
 */
async function collectBackupScope(aws: Aws, c: Collection, o: ScopeOptions) {
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
    add(await collectBackup(aws, c, region, o.since, o.limit));
    c.stamp(mark, o.accountId, region);
    scope.push({
      Account: o.accountId,
      Region: region,
      Via: 'home',
      Reads: BACKUP_READS.filter((a) => !c.failedSince(mark, a)),
    });
  }
  // Where copies of resources in these regions land: the policies' destinations and the plans'
  // copy actions, outside the regions already read in full.
  const wanted = new Map<string, { account: string; region: string; names: Set<string> }>();
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
  for (const plan of lists.backupPlans ?? [])
    for (const rule of plan.Rules ?? [])
      for (const copy of rule.CopyActions ?? []) want(copy.DestinationBackupVaultArn);
  for (const w of [...wanted.values()].sort((a, b) => a.account.localeCompare(b.account))) {
    const own = w.account === o.accountId;
    if (!own && !o.drRoleArn) continue;
    progress(`${w.account}/${w.region}: reading the copy-destination vaults`);
    const via = own ? aws : aws.assume(o.drRoleArn?.replaceAll('{account}', w.account) ?? '', w.region);
    const mark = c.errors.length;
    const got = await collectVaults(via.backup(w.region), c, {
      account: w.account,
      region: w.region,
      since: o.since,
      limit: o.limit,
      wanted: w.names,
      full: own,
    });
    c.stamp(mark, w.account, w.region);
    add({ backupVaults: got.vaults, recoveryPoints: got.points });
    const keyIds = got.vaults.flatMap((v) => (v.EncryptionKeyArn ? [v.EncryptionKeyArn] : []));
    add({ kmsKeys: await collectKeys(via, c, w.region, keyIds, o.limit) });
    scope.push({
      Account: w.account,
      Region: w.region,
      Via: own ? 'destination' : 'dr-role',
      Reads: got.listed ? ['backup:ListBackupVaults'] : [],
    });
  }
  return { lists, scope };
}

async function collectResources(
  aws: Aws,
  c: Collection,
  region: string,
  accountId: string,
  tagKey: string,
  bucketRegion: Map<string, string | undefined>,
  limit: number,
  progress: (m: string) => void,
): Promise<Input<'resources'>[]> {
  const out: Input<'resources'>[] = [];
  const tagged =
    (await c.try('*', 'tag:GetResources', () =>
      all(
        paginateGetResources(
          { client: aws.tagging(region) },
          { TagFilters: [{ Key: tagKey }], ResourceTypeFilters: ['s3:bucket'] },
        ),
      ),
    )) ?? [];
  const buckets = tagged.flatMap((p) => p.ResourceTagMappingList ?? []);

  const instances =
    (await c.try('*', 'rds:DescribeDBInstances', () =>
      all(paginateDescribeDBInstances({ client: aws.rds(region) }, {})),
    )) ?? [];
  for (const db of instances.flatMap((p) => p.DBInstances ?? []))
    out.push(mapInstance(db, region, accountId));
  const clusters =
    (await c.try('*', 'rds:DescribeDBClusters', () =>
      all(paginateDescribeDBClusters({ client: aws.rds(region) }, {})),
    )) ?? [];
  for (const cl of clusters.flatMap((p) => p.DBClusters ?? [])) {
    // DescribeDBClusters also lists DocumentDB and Neptune clusters; they are not ours.
    if (cl.Engine === 'docdb' || cl.Engine === 'neptune') continue;
    out.push(mapCluster(cl, region, accountId));
  }

  let done = 0;
  const mine = await mapLimit(buckets, limit, async (m) => {
    const arn = m.ResourceARN ?? '';
    const name = arn.replace(/^arn:aws[a-z-]*:s3:::/, '');
    if (!bucketRegion.has(name)) {
      // The tagging API also lists buckets deleted a moment ago: those are gone, not errors.
      const loc = await c.try(arn, 's3:GetBucketLocation', async () => {
        try {
          return await aws.s3(region).send(new GetBucketLocationCommand({ Bucket: name }));
        } catch (e) {
          if ((e as Error).name === 'NoSuchBucket') return 'gone' as const;
          throw e;
        }
      });
      if (loc === 'gone') return undefined;
      // GetBucketLocation answers null for us-east-1 and EU for the legacy eu-west-1.
      const where =
        loc === undefined
          ? undefined
          : loc.LocationConstraint === 'EU'
            ? 'eu-west-1'
            : (loc.LocationConstraint ?? 'us-east-1');
      bucketRegion.set(name, where);
    }
    const where = bucketRegion.get(name);
    if (where === undefined) {
      // Region unknown: keep the bucket (judged here, once) so its checks report ERROR, not nothing.
      bucketRegion.set(name, region);
      for (const action of BUCKET_READS) {
        c.errors.push({
          Arn: arn,
          Action: action,
          Code: 'BucketLocationUnknown',
          Message: 'its region could not be read (s3:GetBucketLocation failed)',
        });
      }
      return {
        Type: 'AWS::S3::Bucket',
        Arn: arn,
        Region: region,
        AccountId: accountId,
        Tags: tagMap(m.Tags),
        Name: name,
      } as Input<'resources'>;
    }
    if (where !== region) return undefined;
    const bucket = await collectBucket(aws, c, region, accountId, arn, name, tagMap(m.Tags));
    if (++done % 50 === 0) progress(`${region}: read ${done} buckets`);
    return bucket;
  });
  for (const b of mine) if (b) out.push(b);
  return out;
}

function mapInstance(db: DBInstance, region: string, accountId: string): Input<'resources'> {
  return {
    Type: 'AWS::RDS::DBInstance',
    Arn:
      db.DBInstanceArn ??
      `arn:${partitionOf(region)}:rds:${region}:${accountId}:db:${db.DBInstanceIdentifier}`,
    Region: region,
    AccountId: accountId,
    Tags: tagMap(db.TagList),
    DBInstanceIdentifier: db.DBInstanceIdentifier ?? '',
    ...(db.DBClusterIdentifier ? { DBClusterIdentifier: db.DBClusterIdentifier } : {}),
    Engine: db.Engine ?? '',
    BackupRetentionPeriod: db.BackupRetentionPeriod ?? 0,
    DeletionProtection: db.DeletionProtection ?? false,
    CopyTagsToSnapshot: db.CopyTagsToSnapshot ?? false,
    StorageEncrypted: db.StorageEncrypted ?? false,
    ...(db.KmsKeyId ? { KmsKeyId: db.KmsKeyId } : {}),
    ...(db.DBSubnetGroup?.DBSubnetGroupName ? { DBSubnetGroupName: db.DBSubnetGroup.DBSubnetGroupName } : {}),
    ...(db.DBInstanceStatus ? { DBInstanceStatus: db.DBInstanceStatus } : {}),
    ...(db.ReadReplicaSourceDBInstanceIdentifier
      ? { ReadReplicaSourceDBInstanceIdentifier: db.ReadReplicaSourceDBInstanceIdentifier }
      : {}),
    // AWS Config identifies databases by these (db-XXXX / cluster-XXXX), not by name.
    ...(db.DbiResourceId ? { DbiResourceId: db.DbiResourceId } : {}),
  };
}

function mapCluster(cl: DBCluster, region: string, accountId: string): Input<'resources'> {
  return {
    Type: 'AWS::RDS::DBCluster',
    Arn:
      cl.DBClusterArn ??
      `arn:${partitionOf(region)}:rds:${region}:${accountId}:cluster:${cl.DBClusterIdentifier}`,
    Region: region,
    AccountId: accountId,
    Tags: tagMap(cl.TagList),
    DBClusterIdentifier: cl.DBClusterIdentifier ?? '',
    Engine: cl.Engine ?? '',
    BackupRetentionPeriod: cl.BackupRetentionPeriod ?? 0,
    DeletionProtection: cl.DeletionProtection ?? false,
    CopyTagsToSnapshot: cl.CopyTagsToSnapshot ?? false,
    StorageEncrypted: cl.StorageEncrypted ?? false,
    ...(cl.KmsKeyId ? { KmsKeyId: cl.KmsKeyId } : {}),
    ...(cl.DBSubnetGroup ? { DBSubnetGroupName: cl.DBSubnetGroup } : {}),
    ...(cl.DbClusterResourceId ? { DbClusterResourceId: cl.DbClusterResourceId } : {}),
  };
}

async function collectBucket(
  aws: Aws,
  c: Collection,
  region: string,
  accountId: string,
  arn: string,
  name: string,
  tags: Record<string, string>,
): Promise<Input<'resources'>> {
  const s3 = aws.s3(region);
  const [versioning, lifecycle, lock, encryption, replication, ownership] = await Promise.all([
    c.try(arn, 's3:GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({ Bucket: name }))),
    c.try(
      arn,
      's3:GetLifecycleConfiguration',
      () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })),
      {
        Rules: [],
      },
    ),
    c.try(
      arn,
      's3:GetBucketObjectLockConfiguration',
      () => s3.send(new GetObjectLockConfigurationCommand({ Bucket: name })),
      {},
    ),
    c.try(
      arn,
      's3:GetEncryptionConfiguration',
      () => s3.send(new GetBucketEncryptionCommand({ Bucket: name })),
      {},
    ),
    c.try(
      arn,
      's3:GetReplicationConfiguration',
      () => s3.send(new GetBucketReplicationCommand({ Bucket: name })),
      {},
    ),
    c.try(
      arn,
      's3:GetBucketOwnershipControls',
      () => s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name })),
      {},
    ),
  ]);
  return {
    Type: 'AWS::S3::Bucket',
    Arn: arn,
    Region: region,
    AccountId: accountId,
    Tags: tags,
    Name: name,
    Versioning: {
      ...(versioning?.Status ? { Status: versioning.Status } : {}),
      ...(versioning?.MFADelete ? { MFADelete: versioning.MFADelete } : {}),
    },
    LifecycleRules: lifecycle && 'Rules' in lifecycle ? (lifecycle.Rules ?? []) : [],
    ...(lock && 'ObjectLockConfiguration' in lock && lock.ObjectLockConfiguration
      ? { ObjectLockConfiguration: lock.ObjectLockConfiguration }
      : {}),
    ...(encryption && 'ServerSideEncryptionConfiguration' in encryption
      ? { ServerSideEncryptionConfiguration: encryption.ServerSideEncryptionConfiguration }
      : {}),
    ...(replication && 'ReplicationConfiguration' in replication
      ? { ReplicationConfiguration: replication.ReplicationConfiguration }
      : {}),
    ...(ownership && 'OwnershipControls' in ownership
      ? { OwnershipControls: ownership.OwnershipControls }
      : {}),
  } as Input<'resources'>;
}

async function collectBackup(aws: Aws, c: Collection, region: string, since: Date, limit: number) {
  const b = aws.backup(region);
  const planPages =
    (await c.try('*', 'backup:ListBackupPlans', () => all(paginateListBackupPlans({ client: b }, {})))) ?? [];
  const planIds = planPages
    .flatMap((p) => p.BackupPlansList ?? [])
    .map((p) => ({ id: p.BackupPlanId ?? '', arn: p.BackupPlanArn ?? '' }));
  const plans = await mapLimit(planIds, limit, async ({ id, arn }) => {
    const [got, tags, selPages] = await Promise.all([
      c.try(arn, 'backup:GetBackupPlan', () => b.send(new GetBackupPlanCommand({ BackupPlanId: id }))),
      c.try(arn, 'backup:ListTags', () => b.send(new ListTagsCommand({ ResourceArn: arn }))),
      c.try(arn, 'backup:ListBackupSelections', () =>
        all(paginateListBackupSelections({ client: b }, { BackupPlanId: id })),
      ),
    ]);
    const selectionIds = (selPages ?? [])
      .flatMap((p) => p.BackupSelectionsList ?? [])
      .map((s) => s.SelectionId ?? '');
    const selections = await mapLimit(selectionIds, limit, (sid) =>
      c.try(arn, 'backup:GetBackupSelection', () =>
        b.send(new GetBackupSelectionCommand({ BackupPlanId: id, SelectionId: sid })),
      ),
    );
    return { got, tags, selections };
  });

  const { vaults, points } = await collectVaults(b, c, { since, limit, full: true });

  const list = <T>(action: string, pages: () => AsyncIterable<T>) => c.try('*', action, () => all(pages()));
  const [backupJobs, copyJobs, restoreJobs, protectedRes, rtPlans, settings] = await Promise.all([
    list('backup:ListBackupJobs', () => paginateListBackupJobs({ client: b }, { ByCreatedAfter: since })),
    list('backup:ListCopyJobs', () => paginateListCopyJobs({ client: b }, { ByCreatedAfter: since })),
    list('backup:ListRestoreJobs', () => paginateListRestoreJobs({ client: b }, { ByCreatedAfter: since })),
    list('backup:ListProtectedResources', () => paginateListProtectedResources({ client: b }, {})),
    list('backup:ListRestoreTestingPlans', () => paginateListRestoreTestingPlans({ client: b }, {})),
    c.try('*', 'backup:DescribeRegionSettings', () => b.send(new DescribeRegionSettingsCommand({}))),
  ]);
  const rtNames = (rtPlans ?? [])
    .flatMap((p) => p.RestoreTestingPlans ?? [])
    .map((p) => ({ name: p.RestoreTestingPlanName ?? '', arn: p.RestoreTestingPlanArn ?? '' }));
  const restoreTesting = await mapLimit(rtNames, limit, async ({ name, arn }) => {
    const [plan, selPages] = await Promise.all([
      c.try(arn, 'backup:GetRestoreTestingPlan', () =>
        b.send(new GetRestoreTestingPlanCommand({ RestoreTestingPlanName: name })),
      ),
      c.try(arn, 'backup:ListRestoreTestingSelections', () =>
        all(paginateListRestoreTestingSelections({ client: b }, { RestoreTestingPlanName: name })),
      ),
    ]);
    const selNames = (selPages ?? [])
      .flatMap((p) => p.RestoreTestingSelections ?? [])
      .map((s) => s.RestoreTestingSelectionName ?? '');
    const selections = await mapLimit(selNames, limit, (sel) =>
      c.try(arn, 'backup:GetRestoreTestingSelection', () =>
        b.send(
          new GetRestoreTestingSelectionCommand({
            RestoreTestingPlanName: name,
            RestoreTestingSelectionName: sel,
          }),
        ),
      ),
    );
    return { plan, selections };
  });

  const rpByArn = new Map(points.map((p) => [p.RecoveryPointArn, p.ResourceArn]));
  return {
    backupPlans: plans.flatMap(({ got, tags }) =>
      got?.BackupPlan
        ? [
            {
              BackupPlanId: got.BackupPlanId ?? '',
              BackupPlanArn: got.BackupPlanArn ?? '',
              BackupPlanName: got.BackupPlan.BackupPlanName ?? '',
              VersionId: got.VersionId,
              Rules: (got.BackupPlan.Rules ?? []).map((r) => ({
                ...r,
                RuleName: r.RuleName ?? '',
                TargetBackupVaultName: r.TargetBackupVaultName ?? '',
                CopyActions: (r.CopyActions ?? []).map((a) => ({
                  ...a,
                  DestinationBackupVaultArn: a.DestinationBackupVaultArn ?? '',
                })),
              })),
              Tags: tags?.Tags ?? {},
            } as Input<'backupPlans'>,
          ]
        : [],
    ),
    backupSelections: plans.flatMap(({ selections }) =>
      selections.flatMap((s) =>
        s?.BackupSelection
          ? [
              {
                ...s.BackupSelection,
                SelectionId: s.SelectionId ?? '',
                BackupPlanId: s.BackupPlanId ?? '',
                SelectionName: s.BackupSelection.SelectionName ?? '',
              } as Input<'backupSelections'>,
            ]
          : [],
      ),
    ),
    backupVaults: vaults,
    recoveryPoints: points,
    backupJobs: (backupJobs ?? [])
      .flatMap((p) => p.BackupJobs ?? [])
      .map((j) => withIsoDates(j) as Input<'backupJobs'>),
    copyJobs: (copyJobs ?? [])
      .flatMap((p) => p.CopyJobs ?? [])
      .map((j) => withIsoDates(j) as Input<'copyJobs'>),
    restoreJobs: (restoreJobs ?? [])
      .flatMap((p) => p.RestoreJobs ?? [])
      .map((j) => {
        const job = withIsoDates(j) as Input<'restoreJobs'>;
        const source = rpByArn.get(j.RecoveryPointArn ?? '');
        return { ...job, Status: j.Status ?? '', ...(source ? { SourceResourceArn: source } : {}) };
      }),
    protectedResources: (protectedRes ?? [])
      .flatMap((p) => p.Results ?? [])
      .map((r) => withIsoDates(r) as Input<'protectedResources'>),
    restoreTestingPlans: restoreTesting.flatMap(({ plan }) =>
      plan?.RestoreTestingPlan ? [withIsoDates(plan.RestoreTestingPlan) as Input<'restoreTestingPlans'>] : [],
    ),
    restoreTestingSelections: restoreTesting.flatMap(({ selections }) =>
      selections.flatMap((s) =>
        s?.RestoreTestingSelection
          ? [
              {
                ...(withIsoDates(s.RestoreTestingSelection) as object),
                Region: region,
              } as Input<'restoreTestingSelections'>,
            ]
          : [],
      ),
    ),
    regionSettings: settings?.ResourceTypeOptInPreference
      ? [{ Region: region, ResourceTypeOptInPreference: settings.ResourceTypeOptInPreference }]
      : [],
  };
}

interface VaultReadOptions {
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

/**
 * The vaults of one region (all, or the wanted ones), with access policy, recovery points in the
 * window and, for our own account, notifications and tags. `listed` is true when
 * ListBackupVaults succeeded, i.e. a vault not in `vaults` is proven absent.
 */
async function collectVaults(b: BackupClient, c: Collection, o: VaultReadOptions) {
  const pages = await c.try('*', 'backup:ListBackupVaults', () =>
    all(paginateListBackupVaults({ client: b }, {})),
  );
  let list: BackupVaultListMember[] = (pages ?? []).flatMap((p) => p.BackupVaultList ?? []);
  if (!pages && o.wanted && o.account && o.region) {
    // A read role without ListBackupVaults: describe the vaults by name. AWS answers a vault that
    // does not exist with AccessDenied too, so a failure here proves nothing either way.
    const { account, region } = o;
    const found = await mapLimit([...o.wanted], o.limit, (name) =>
      c.try(vaultArn(region, account, name), 'backup:DescribeBackupVault', () =>
        b.send(new DescribeBackupVaultCommand({ BackupVaultName: name })),
      ),
    );
    list = found.filter((v): v is NonNullable<typeof v> => v !== undefined);
  }
  if (o.wanted) list = list.filter((v) => o.wanted?.has(v.BackupVaultName ?? ''));
  const read = await mapLimit(list, o.limit, async (v) => {
    const name = v.BackupVaultName ?? '';
    const arn = v.BackupVaultArn ?? '';
    const [policy, notifications, tags, points] = await Promise.all([
      c.try(
        arn,
        'backup:GetBackupVaultAccessPolicy',
        () => b.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: name })),
        {},
      ),
      o.full
        ? c.try(
            arn,
            'backup:GetBackupVaultNotifications',
            () => b.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: name })),
            {},
          )
        : undefined,
      o.full
        ? c.try(arn, 'backup:ListTags', () => b.send(new ListTagsCommand({ ResourceArn: arn })))
        : undefined,
      c.try(arn, 'backup:ListRecoveryPointsByBackupVault', () =>
        all(
          paginateListRecoveryPointsByBackupVault(
            { client: b },
            { BackupVaultName: name, ByCreatedAfter: o.since },
          ),
        ),
      ),
    ]);
    const vault: Input<'backupVaults'> = {
      BackupVaultName: name,
      BackupVaultArn: arn,
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
    const rps = (points ?? [])
      .flatMap((p) => p.RecoveryPoints ?? [])
      .map(
        (p): Input<'recoveryPoints'> => ({
          ...withIsoDates(p),
          RecoveryPointArn: p.RecoveryPointArn ?? '',
          ResourceArn: p.ResourceArn ?? '',
          BackupVaultArn: p.BackupVaultArn ?? arn,
          CreationDate: iso(p.CreationDate) ?? '',
          Status: p.Status ?? '',
        }),
      );
    return { vault, points: rps };
  });
  return {
    listed: pages !== undefined,
    vaults: read.map((r) => r.vault),
    points: read.flatMap((r) => r.points),
  };
}

/** SDK objects with Date values -> plain objects with ISO strings (shallow, plus one level down). */
function withIsoDates<T extends object>(o: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof Date) out[k] = v.toISOString();
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = withIsoDates(v);
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

async function collectKeys(
  aws: Aws,
  c: Collection,
  region: string,
  ids: string[],
  limit: number,
): Promise<Input<'kmsKeys'>[]> {
  const kms = aws.kms(region);
  const inRegion = ids.filter((id) => !id.startsWith('arn:') || parseArn(id)?.region === region);
  if (inRegion.length === 0) return [];
  const aliasPages =
    (await c.try('*', 'kms:ListAliases', () => all(paginateListAliases({ client: kms }, {})))) ?? [];
  const aliases = aliasPages.flatMap((p) => p.Aliases ?? []);
  const keys = await mapLimit(inRegion, limit, async (id) => {
    const d = await c.try(id, 'kms:DescribeKey', () => kms.send(new DescribeKeyCommand({ KeyId: id })));
    const m = d?.KeyMetadata;
    if (!m?.Arn || !m.KeyId) return undefined;
    const tags =
      m.Origin === 'EXTERNAL' && m.KeyManager === 'CUSTOMER'
        ? await c.try(m.Arn, 'kms:ListResourceTags', () =>
            kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId })),
          )
        : undefined;
    const tag = (key: string) => tags?.Tags?.find((t) => t.TagKey === key)?.TagValue;
    return {
      ...withIsoDates(m),
      KeyId: m.KeyId,
      Arn: m.Arn,
      Enabled: m.Enabled ?? false,
      KeyState: m.KeyState ?? 'Unavailable',
      KeyManager: m.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
      Aliases: aliases.filter((a) => a.TargetKeyId === m.KeyId).map((a) => a.AliasName ?? ''),
      ...(tag(FINGERPRINT_TAG) ? { MaterialFingerprint: tag(FINGERPRINT_TAG) } : {}),
      ...(tag(IMPORTED_AT_TAG) ? { MaterialImportedAt: tag(IMPORTED_AT_TAG) } : {}),
    } as Input<'kmsKeys'>;
  });
  const seen = new Set<string>();
  return keys.filter(
    (k): k is Input<'kmsKeys'> => k !== undefined && !seen.has(k.Arn) && Boolean(seen.add(k.Arn)),
  );
}

type ScopeState = Awaited<ReturnType<typeof collectBackupScope>>;
const backupCache = new Map<string, { at: number; state: ScopeState; errors: CollectionError[] }>();

/** Forget cached AWS Backup state (tests; or after fix changed it). */
export function clearBackupCache(): void {
  backupCache.clear();
}

export interface CollectResourceOptions {
  policies: PolicySet;
  now: Date;
  windowDays?: number;
  /** How long AWS Backup state is reused between events in one Lambda container. */
  cacheSeconds?: number;
  /** The resource as already known (e.g. from an AWS Config item): it is not read again. */
  resource?: Input<'resources'>;
  /** Role to read copy-destination vaults in other accounts ("{account}" is replaced). */
  drRoleArn?: string;
}

/**
 * The event path: one resource and the AWS Backup state its audit needs — its region, the copy
 * regions and (with the DR role) the DR vaults the policies name — cached for a few minutes,
 * since a burst of events hits the same plans and vaults. Throws when the ARN is not an RDS
 * database or an S3 bucket.
 */
export async function collectResource(
  aws: Aws,
  arn: string,
  options: CollectResourceOptions,
): Promise<Inventory> {
  const parsed = parseArn(arn);
  const c = new Collection();
  const s3 = parsed?.service === 's3';
  if (!parsed || !(s3 || (parsed.service === 'rds' && /^(db|cluster):/.test(parsed.resource)))) {
    throw new Error(`not an RDS database or S3 bucket ARN: ${arn}`);
  }
  const identity = await aws.sts(parsed.region || 'us-east-1').send(new GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  let region = parsed.region;
  const resources: Input<'resources'>[] = [];
  if (options.resource) {
    resources.push(options.resource);
    region = options.resource.Region;
  } else if (s3) {
    const name = parsed.resource;
    const loc = await c.try(arn, 's3:GetBucketLocation', () =>
      aws.s3('us-east-1').send(new GetBucketLocationCommand({ Bucket: name })),
    );
    if (!loc)
      throw new Error(
        `cannot tell the region of bucket ${name}: s3:GetBucketLocation failed (${c.errors.at(-1)?.Code})`,
      );
    region = loc.LocationConstraint === 'EU' ? 'eu-west-1' : (loc.LocationConstraint ?? 'us-east-1');
    const tags = await c.try(arn, 'tag:GetResources', () =>
      all(paginateGetResources({ client: aws.tagging(region) }, { ResourceARNList: [arn] })),
    );
    const tagList = (tags ?? [])
      .flatMap((p) => p.ResourceTagMappingList ?? [])
      .find((m) => m.ResourceARN === arn)?.Tags;
    resources.push(await collectBucket(aws, c, region, accountId, arn, name, tagMap(tagList)));
  } else if (parsed.resource.startsWith('db:')) {
    const id = parsed.resource.slice(3);
    const got = await c.try(arn, 'rds:DescribeDBInstances', () =>
      aws.rds(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
    );
    for (const db of got?.DBInstances ?? []) resources.push(mapInstance(db, region, accountId));
  } else {
    const id = parsed.resource.slice(8);
    const got = await c.try(arn, 'rds:DescribeDBClusters', () =>
      aws.rds(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
    );
    for (const cl of got?.DBClusters ?? []) resources.push(mapCluster(cl, region, accountId));
  }

  const key = `${accountId}|${region}|${options.drRoleArn ?? ''}`;
  const ttl = (options.cacheSeconds ?? 300) * 1000;
  let cached = backupCache.get(key);
  if (!cached || Date.now() - cached.at > ttl) {
    const bc = new Collection();
    cached = {
      at: Date.now(),
      state: await collectBackupScope(aws, bc, {
        accountId,
        regions: [region],
        policies: options.policies,
        since: windowStart(options.now, options.policies, options.windowDays),
        limit: 8,
        ...(options.drRoleArn ? { drRoleArn: options.drRoleArn } : {}),
      }),
      errors: bc.errors,
    };
    backupCache.set(key, cached);
  }
  const kmsKeys = await collectKeys(
    aws,
    c,
    region,
    keyIdsIn(region, resources, cached.state.lists.backupVaults ?? []),
    8,
  );
  return inventorySchema.parse({
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    listedSince: windowStart(options.now, options.policies, options.windowDays).toISOString(),
    accountId,
    regions: [region],
    resources,
    ...cached.state.lists,
    kmsKeys: [...(cached.state.lists.kmsKeys ?? []), ...kmsKeys],
    collectionErrors: [...cached.errors, ...c.errors],
    scope: cached.state.scope,
  });
}
