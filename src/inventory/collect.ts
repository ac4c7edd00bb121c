/**
 * Live collection: AWS account -> Inventory. Batched (list calls per region, per vault and per
 * time window, never per resource per check), paginated everywhere, bounded concurrency, adaptive
 * retries (in the clients). Any failed call becomes a collectionErrors entry for what it was
 * about; the rules then report ERROR for exactly the checks that needed it, and the rest goes on.
 */
import {
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
import { parseArn } from './arn.js';
import { INVENTORY_VERSION, type Inventory, type InventoryInput, inventorySchema } from './schema.js';

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
  const since = new Date(
    options.now.getTime() - (options.windowDays ?? defaultWindowDays(options.policies)) * 86_400_000,
  );
  const home = options.regions[0] ?? 'us-east-1';
  const identity = await aws.sts(home).send(new GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  const inv: InventoryInput = {
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    accountId,
    regions: options.regions,
  };
  const push = <K extends keyof InventoryInput>(key: K, items: Input<K>[]) => {
    (inv[key] as Input<K>[] | undefined) = [...((inv[key] as Input<K>[] | undefined) ?? []), ...items];
  };

  const bucketRegion = new Map<string, string | undefined>();
  for (const region of options.regions) {
    progress(`${region}: discovering tagged resources`);
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
    push('resources', resources);
    progress(`${region}: reading AWS Backup state`);
    const backup = await collectBackup(aws, c, region, since, limit);
    for (const [k, v] of Object.entries(backup)) push(k as keyof InventoryInput, v as never[]);
    const keyIds = new Set<string>();
    for (const r of resources) if ('KmsKeyId' in r && typeof r.KmsKeyId === 'string') keyIds.add(r.KmsKeyId);
    for (const v of backup.backupVaults) if (v.EncryptionKeyArn) keyIds.add(v.EncryptionKeyArn);
    push('kmsKeys', await collectKeys(aws, c, region, [...keyIds], limit));
  }
  if (options.drRoleArn) {
    progress('reading copy destinations in other accounts');
    const dr = await collectDestinations(aws, c, options, accountId, since);
    push('backupVaults', dr.vaults);
    push('recoveryPoints', dr.points);
    push('kmsKeys', dr.keys);
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
  return inventorySchema.parse(inv);
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
    Arn: db.DBInstanceArn ?? `arn:aws:rds:${region}:${accountId}:db:${db.DBInstanceIdentifier}`,
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
    // AWS Config identifies databases by these (db-XXXX / cluster-XXXX), not by name.
    ...(db.DbiResourceId ? { DbiResourceId: db.DbiResourceId } : {}),
  };
}

function mapCluster(cl: DBCluster, region: string, accountId: string): Input<'resources'> {
  return {
    Type: 'AWS::RDS::DBCluster',
    Arn: cl.DBClusterArn ?? `arn:aws:rds:${region}:${accountId}:cluster:${cl.DBClusterIdentifier}`,
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

  const vaultPages =
    (await c.try('*', 'backup:ListBackupVaults', () => all(paginateListBackupVaults({ client: b }, {})))) ??
    [];
  const vaultList = vaultPages.flatMap((p) => p.BackupVaultList ?? []);
  const vaults = await mapLimit(vaultList, limit, async (v) => {
    const name = v.BackupVaultName ?? '';
    const arn = v.BackupVaultArn ?? '';
    const [policy, notifications, tags, points] = await Promise.all([
      c.try(
        arn,
        'backup:GetBackupVaultAccessPolicy',
        () => b.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: name })),
        {},
      ),
      c.try(
        arn,
        'backup:GetBackupVaultNotifications',
        () => b.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: name })),
        {},
      ),
      c.try(arn, 'backup:ListTags', () => b.send(new ListTagsCommand({ ResourceArn: arn }))),
      c.try(arn, 'backup:ListRecoveryPointsByBackupVault', () =>
        all(
          paginateListRecoveryPointsByBackupVault(
            { client: b },
            { BackupVaultName: name, ByCreatedAfter: since },
          ),
        ),
      ),
    ]);
    return { v, policy, notifications, tags, points: (points ?? []).flatMap((p) => p.RecoveryPoints ?? []) };
  });

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

  const rpByArn = new Map(vaults.flatMap((v) => v.points).map((p) => [p.RecoveryPointArn, p.ResourceArn]));
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
    backupVaults: vaults.map(
      ({ v, policy, notifications, tags }): Input<'backupVaults'> => ({
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
      }),
    ),
    recoveryPoints: vaults.flatMap(({ v, points }) =>
      points.map(
        (p): Input<'recoveryPoints'> => ({
          ...withIsoDates(p),
          RecoveryPointArn: p.RecoveryPointArn ?? '',
          ResourceArn: p.ResourceArn ?? '',
          BackupVaultArn: p.BackupVaultArn ?? v.BackupVaultArn ?? '',
          CreationDate: iso(p.CreationDate) ?? '',
          Status: p.Status ?? '',
        }),
      ),
    ),
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
        const source = rpByArn.get(j.RecoveryPointArn);
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

/** Copy-destination vaults in other accounts, read with the DR role: do the copies really land there? */
async function collectDestinations(
  aws: Aws,
  c: Collection,
  options: CollectOptions,
  accountId: string,
  since: Date,
) {
  const wanted = new Map<string, { region: string; account: string; name: string }>();
  for (const policy of Object.values(options.policies.policies)) {
    for (const region of options.regions) {
      for (const d of destinations(policy, region, accountId)) {
        const a = parseArn(d.arn);
        if (d.crossAccount && a)
          wanted.set(d.arn, {
            region: a.region,
            account: a.account,
            name: a.resource.replace(/^backup-vault:/, ''),
          });
      }
    }
  }
  const vaults: Input<'backupVaults'>[] = [];
  const points: Input<'recoveryPoints'>[] = [];
  const keys: Input<'kmsKeys'>[] = [];
  for (const [arn, w] of wanted) {
    const role = (options.drRoleArn ?? '').replaceAll('{account}', w.account);
    const dr = aws.assume(role, w.region);
    const b = dr.backup(w.region);
    const described = await c.try(arn, 'backup:DescribeBackupVault', () =>
      b.send(new DescribeBackupVaultCommand({ BackupVaultName: w.name })),
    );
    if (!described) continue;
    const [policy, pages] = await Promise.all([
      c.try(
        arn,
        'backup:GetBackupVaultAccessPolicy',
        () => b.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: w.name })),
        {},
      ),
      c.try(arn, 'backup:ListRecoveryPointsByBackupVault', () =>
        all(
          paginateListRecoveryPointsByBackupVault(
            { client: b },
            { BackupVaultName: w.name, ByCreatedAfter: since },
          ),
        ),
      ),
    ]);
    vaults.push({
      BackupVaultName: w.name,
      BackupVaultArn: arn,
      ...(described.EncryptionKeyArn ? { EncryptionKeyArn: described.EncryptionKeyArn } : {}),
      Locked: described.Locked ?? false,
      ...(described.MinRetentionDays !== undefined ? { MinRetentionDays: described.MinRetentionDays } : {}),
      ...(described.MaxRetentionDays !== undefined ? { MaxRetentionDays: described.MaxRetentionDays } : {}),
      ...(described.LockDate ? { LockDate: iso(described.LockDate) } : {}),
      ...(policy && 'Policy' in policy && policy.Policy ? { AccessPolicy: policy.Policy } : {}),
      Tags: {},
    });
    if (described.EncryptionKeyArn)
      keys.push(...(await collectKeys(dr, c, w.region, [described.EncryptionKeyArn], 1)));
    for (const p of (pages ?? []).flatMap((x) => x.RecoveryPoints ?? [])) {
      points.push({
        ...withIsoDates(p),
        RecoveryPointArn: p.RecoveryPointArn ?? '',
        ResourceArn: p.ResourceArn ?? '',
        BackupVaultArn: arn,
        CreationDate: iso(p.CreationDate) ?? '',
        Status: p.Status ?? '',
      });
    }
  }
  return { vaults, points, keys };
}

type BackupState = Awaited<ReturnType<typeof collectBackup>>;
const backupCache = new Map<string, { at: number; state: BackupState; errors: CollectionError[] }>();

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
}

/**
 * The event path: one resource and the AWS Backup state of its region (cached for a few
 * minutes, since a burst of events hits the same plans and vaults). Throws when the ARN is not an
 * RDS database or an S3 bucket.
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

  const key = `${accountId}|${region}`;
  const ttl = (options.cacheSeconds ?? 300) * 1000;
  let cached = backupCache.get(key);
  if (!cached || Date.now() - cached.at > ttl) {
    const since = new Date(
      options.now.getTime() - (options.windowDays ?? defaultWindowDays(options.policies)) * 86_400_000,
    );
    const bc = new Collection();
    cached = {
      at: Date.now(),
      state: await collectBackup(aws, bc, region, since, 8),
      errors: bc.errors,
    };
    backupCache.set(key, cached);
  }
  const keyIds = new Set<string>();
  for (const r of resources) if ('KmsKeyId' in r && typeof r.KmsKeyId === 'string') keyIds.add(r.KmsKeyId);
  for (const v of cached.state.backupVaults) if (v.EncryptionKeyArn) keyIds.add(v.EncryptionKeyArn);
  const kmsKeys = await collectKeys(aws, c, region, [...keyIds], 8);
  return inventorySchema.parse({
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    accountId,
    regions: [region],
    resources,
    ...cached.state,
    kmsKeys,
    collectionErrors: [...cached.errors, ...c.errors],
  });
}
