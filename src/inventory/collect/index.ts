/**
 * Live collection: AWS account -> Inventory. Batched (list calls per region, per vault and per
 * time window, never per resource per check), paginated everywhere, bounded concurrency, adaptive
 * retries (in the clients). Any failed call becomes a collectionErrors entry for what it was
 * about; the rules then report ERROR for exactly the checks that needed it, and the rest goes on.
 *
 * By what is read: resources.ts (databases.ts, buckets.ts); backup-scope.ts, the AWS Backup state
 * of the home regions (backup.ts: plans.ts, vaults.ts, jobs.ts, restore-testing.ts) and of the
 * copy destinations; keys.ts; calls.ts, how every call is made; cache.ts, the event path's cache.
 */
import type { Aws } from '../../aws/clients.js';
import { own } from '../../maps.js';
import { copyDestinations } from '../../policy/destinations.js';
import type { PolicySet } from '../../policy/index.js';
import { resolvePolicy } from '../../policy/resolve.js';
import { parseArn } from '../arn.js';
import { INVENTORY_VERSION, type Inventory, type InventoryInput, inventorySchema } from '../schema.js';
import { DISCOVERY_READS } from '../scope.js';
import { type BackupLists, collectBackupScope } from './backup-scope.js';
import { BucketRegions, bucketReads } from './buckets.js';
import type { BackupState, BackupStateCache, BackupStateKey } from './cache.js';
import { Collection, type Input, type Progress } from './calls.js';
import { configRouteOptions, type ReadFrom } from './config-route.js';
import { collectEscrow } from './escrow.js';
import { collectKeys, keyIdsIn, managedKeyIds } from './keys.js';
import { collectOptionGroups } from './option-groups.js';
import { collectResources, readResource } from './resources.js';
import { collectRoleChecks } from './roles.js';

export { BUCKET_READS } from './buckets.js';
export {
  type BackupState,
  BackupStateCache,
  type BackupStateCacheOptions,
  type BackupStateKey,
} from './cache.js';
export { mapLimit } from './calls.js';

/** Calls in flight at once on the event path. */
const EVENT_LIMIT = 8;

interface WindowOptions {
  policies: PolicySet;
  now: Date;
  /** How far back jobs and recovery points are listed; default from the policies (RPO, restore tests). */
  windowDays?: number;
}

export interface CollectOptions extends WindowOptions {
  regions: string[];
  /** Role to read copy-destination vaults in other accounts; "{account}" is replaced by the account id. */
  drRoleArn?: string;
  concurrency?: number;
  /** Where bucket settings are read: auto (AWS Config where it serves them; the default) or direct. */
  readFrom?: ReadFrom;
  onProgress?: Progress;
}

export function defaultWindowDays(policies: PolicySet): number {
  const days = Object.values(policies.policies).flatMap((p) => [
    p.rpoHours / 24,
    p.restoreTest?.everyDays ?? 0,
  ]);
  return Math.ceil(Math.max(7, ...days) * 1.5);
}

function windowStart({ now, policies, windowDays }: WindowOptions): Date {
  return new Date(now.getTime() - (windowDays ?? defaultWindowDays(policies)) * 86_400_000);
}

export async function collectInventory(aws: Aws, options: CollectOptions): Promise<Inventory> {
  const c = new Collection();
  // Resources read at once; each service's own limit (SERVICE_LIMITS) bounds its calls in flight.
  const limit = options.concurrency ?? 32;
  const progress = options.onProgress ?? (() => {});
  const since = windowStart(options);
  const home = options.regions[0] ?? 'us-east-1';
  const identity = await aws.sts(home).send((sdk) => new sdk.GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  const discovered = await discover(aws, c, { ...options, accountId, limit, progress });
  const inv: InventoryInput = {
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    listedSince: since.toISOString(),
    accountId,
    regions: options.regions,
    resources: discovered.resources,
  };
  const push = <K extends keyof InventoryInput>(key: K, items: Input<K>[]) => {
    (inv[key] as Input<K>[] | undefined) = [...((inv[key] as Input<K>[] | undefined) ?? []), ...items];
  };
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
  const homeKeys: Input<'kmsKeys'>[] = [];
  for (const region of options.regions) {
    const ids = keyIdsIn(region, discovered.resources, state.lists.backupVaults ?? []);
    const mark = c.errors.length;
    const managed = await managedKeyIds(aws, c, region, options.policies.keyMaterial);
    c.stamp(mark, accountId, region);
    homeKeys.push(...(await collectKeys(aws, c, { region, ids, limit, managed, keyPolicies: true })));
  }
  push('kmsKeys', homeKeys);
  // The roles selections pass to AWS Backup, simulated for each tagged resource of their Region
  // (the rule keeps the pairs whose selection really picks the resource).
  push(
    'roleChecks',
    await collectRoleChecks(aws, c, rolePairs(state.lists, discovered.resources, options.policies), limit),
  );

  push('optionGroups', await collectOptionGroups(aws, c, discovered.resources, options.policies, limit));
  push('keyMaterialReplicas', await collectEscrow(aws, c, homeKeys, options.policies.keyMaterial, accountId));
  inv.collectionErrors = c.errors;
  inv.scope = state.scope.map((e) =>
    e.Via === 'home' ? { ...e, Reads: [...(discovered.reads.get(e.Region) ?? []), ...(e.Reads ?? [])] } : e,
  );
  return inventorySchema.parse(inv);
}

/**
 * The resources of each region, and the discovery reads that succeeded there (they join that
 * region's scope entry).
 */
async function discover(
  aws: Aws,
  c: Collection,
  o: {
    regions: string[];
    policies: PolicySet;
    accountId: string;
    limit: number;
    progress: Progress;
    now: Date;
    readFrom?: ReadFrom;
  },
) {
  const resources: Input<'resources'>[] = [];
  const reads = new Map<string, string[]>();
  const bucketRegion = new BucketRegions();
  const settings = bucketReads(o.policies);
  const configRoute = configRouteOptions(o);
  for (const region of o.regions) {
    o.progress(`${region}: discovering tagged resources`);
    const mark = c.errors.length;
    resources.push(
      ...(await collectResources(aws, c, {
        region,
        accountId: o.accountId,
        tagKey: o.policies.tagKey,
        bucketRegion,
        reads: settings,
        configRoute,
        limit: o.limit,
        progress: o.progress,
      })),
    );
    c.stamp(mark, o.accountId, region);
    reads.set(
      region,
      DISCOVERY_READS.filter((a) => !c.failedSince(mark, a)),
    );
  }
  return { resources, reads };
}

export interface CollectResourceOptions extends WindowOptions {
  /**
   * AWS Backup state reused between events (one per Lambda container); without it, the state is
   * read for every call.
   */
  cache?: BackupStateCache;
  /** The resource as already known (e.g. from an AWS Config item): it is not read again. */
  resource?: Input<'resources'>;
  /** Role to read copy-destination vaults in other accounts ("{account}" is replaced). */
  drRoleArn?: string;
}

/**
 * The event path: one resource and the AWS Backup state its audit needs — its region, the copy
 * regions and (with the DR role) the DR vaults the policies name — from `options.cache` when
 * it holds them, since a burst of events hits the same plans and vaults. Throws when the ARN is
 * not an RDS database or an S3 bucket.
 */
export async function collectResource(
  aws: Aws,
  arn: string,
  options: CollectResourceOptions,
): Promise<Inventory> {
  const parsed = parseArn(arn);
  const s3 = parsed?.service === 's3';
  if (!parsed || !(s3 || (parsed.service === 'rds' && /^(db|cluster):/.test(parsed.resource)))) {
    throw new Error(`not an RDS database or S3 bucket ARN: ${arn}`);
  }
  const c = new Collection();
  const identity = await aws
    .sts(parsed.region || 'us-east-1')
    .send((sdk) => new sdk.GetCallerIdentityCommand({}));
  const accountId = identity.Account ?? '';
  const { region, resources } = await readResource(aws, c, arn, {
    accountId,
    reads: bucketReads(options.policies),
    ...(options.resource ? { resource: options.resource } : {}),
  });
  const key = { accountId, region, ...(options.drRoleArn ? { drRoleArn: options.drRoleArn } : {}) };
  const read = () => readBackupState(aws, key, options);
  const backup = await (options.cache ? options.cache.getOrRead(key, read) : read());
  const ids = keyIdsIn(region, resources, backup.state.lists.backupVaults ?? []);
  // Which of them the rotator manages (the rules judge rotation age only for those).
  const mark = c.errors.length;
  const managed = await managedKeyIds(aws, c, region, options.policies.keyMaterial);
  c.stamp(mark, accountId, region);
  const kmsKeys = await collectKeys(aws, c, {
    region,
    ids,
    limit: EVENT_LIMIT,
    managed: managed.filter((k) => ids.includes(k)),
    keyPolicies: true,
  });
  // The resource's own keys' escrow, so that the event and Config paths judge it as the sweep does.
  const keyMaterialReplicas = await collectEscrow(aws, c, kmsKeys, options.policies.keyMaterial, accountId);
  const roleChecks = await collectRoleChecks(
    aws,
    c,
    rolePairs(backup.state.lists, resources, options.policies),
    EVENT_LIMIT,
  );
  const optionGroups = await collectOptionGroups(aws, c, resources, options.policies, EVENT_LIMIT);
  return inventorySchema.parse({
    version: INVENTORY_VERSION,
    capturedAt: options.now.toISOString(),
    listedSince: windowStart(options).toISOString(),
    accountId,
    regions: [region],
    resources,
    ...backup.state.lists,
    kmsKeys: [...(backup.state.lists.kmsKeys ?? []), ...kmsKeys],
    keyMaterialReplicas,
    roleChecks,
    optionGroups,
    collectionErrors: [...backup.errors, ...c.errors],
    scope: backup.state.scope,
  });
}

/** One home region's AWS Backup state, with its own errors (it may be reused for other resources). */
async function readBackupState(
  aws: Aws,
  key: BackupStateKey,
  options: CollectResourceOptions,
): Promise<BackupState> {
  const c = new Collection();
  const state = await collectBackupScope(aws, c, {
    accountId: key.accountId,
    regions: [key.region],
    policies: options.policies,
    since: windowStart(options),
    limit: EVENT_LIMIT,
    ...(key.drRoleArn ? { drRoleArn: key.drRoleArn } : {}),
  });
  return { state, errors: c.errors };
}

/** (role, resource) pairs to simulate: each selection's role, with each resource of its plan's Region under a policy. */
function rolePairs(
  lists: Partial<BackupLists>,
  resources: Input<'resources'>[],
  policies: PolicySet,
): { roleArn: string; resource: Input<'resources'>; continuousCopies: boolean }[] {
  const planRegion = new Map(
    (lists.backupPlans ?? []).map((p) => [p.BackupPlanId, parseArn(p.BackupPlanArn)?.region]),
  );
  const rolesIn = new Map<string, Set<string>>();
  for (const sel of lists.backupSelections ?? []) {
    const region = planRegion.get(sel.BackupPlanId);
    if (!region || !sel.IamRoleArn) continue;
    rolesIn.set(region, (rolesIn.get(region) ?? new Set()).add(sel.IamRoleArn));
  }
  return resources.flatMap((resource) => {
    const tag = own(resource.Tags, policies.tagKey)?.trim();
    if (!tag || tag === 'none') return [];
    // A tag naming no policy still gets the backup's own actions simulated.
    const resolution = resolvePolicy(resource.Tags ?? {}, policies);
    const continuousCopies =
      resolution.kind === 'policy' &&
      resolution.policy.continuous &&
      copyDestinations(resolution.policy, resource.Region, resource.AccountId).length > 0;
    return [...(rolesIn.get(resource.Region) ?? [])].map((roleArn) => ({
      roleArn,
      resource,
      continuousCopies,
    }));
  });
}
