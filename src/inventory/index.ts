/**
 * Parsing an inventory file, and the read-only index the rules query (built once per audit).
 */
import { capProblems, InvalidFileError } from '../errors.js';
import { formatIssues, knownKeys } from '../issues.js';
import { own } from '../maps.js';
import { parseArn } from './arn.js';
import {
  type BackupPlan,
  type BackupSelection,
  type BackupVault,
  type CollectionError,
  type CopyJob,
  type Inventory,
  inventorySchema,
  type KmsKey,
  type OptionGroup,
  type ProtectedResource,
  type RecoveryPoint,
  type Resource,
  type RestoreJob,
} from './schema.js';
import { Scope } from './scope.js';

export * from './schema.js';
export { mergeUnread, Scope, type Unread } from './scope.js';

/** Parses inventory JSON text; throws InvalidFileError listing every problem by path. */
export function parseInventory(text: string, file = 'inventory.json'): Inventory {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InvalidFileError(file, [`not valid JSON: ${(e as Error).message}`]);
  }
  const parsed = inventorySchema.safeParse(json);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error, (path) => knownKeys(inventorySchema, path));
    throw new InvalidFileError(
      file,
      capProblems(problems, (p) => p),
    );
  }
  return parsed.data;
}

/** The AWS Backup resource type ("RDS", "Aurora", "S3") a resource is backed up as. */
export function backupResourceType(r: Resource): string {
  if (r.Type === 'AWS::S3::Bucket') return 'S3';
  if (r.Type === 'AWS::RDS::DBInstance') return 'RDS';
  const engine = r.Engine.toLowerCase();
  if (engine.startsWith('aurora')) return 'Aurora';
  if (engine === 'neptune') return 'Neptune';
  if (engine === 'docdb') return 'DocumentDB';
  return 'RDS'; // Multi-AZ DB clusters
}

/** Recovery point states that can be restored from. */
const USABLE_POINT_STATES = new Set(['COMPLETED', 'AVAILABLE']);

export function isUsablePoint(p: RecoveryPoint): boolean {
  return USABLE_POINT_STATES.has(p.Status);
}

/** Continuous (point-in-time) recovery points: one per resource, moved forward by each job. */
export function isContinuousPoint(p: RecoveryPoint): boolean {
  return p.RecoveryPointArn.includes(':recovery-point:continuous:');
}

/** Aurora members are backed up (and judged) at cluster level. */
export function isClusterMember(r: Resource): boolean {
  return r.Type === 'AWS::RDS::DBInstance' && r.DBClusterIdentifier !== undefined;
}

export function resourceName(r: Resource): string {
  if (r.Type === 'AWS::S3::Bucket') return r.Name;
  if (r.Type === 'AWS::RDS::DBInstance') return r.DBInstanceIdentifier;
  return r.DBClusterIdentifier;
}

/** Newest CreationDate first; each date parsed once (a comparator parsing both costs n log n parses). */
function newestFirst<T extends { CreationDate: string }>(items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, at: Date.parse(item.CreationDate) }))
    .sort((a, b) => b.at - a.at)
    .map(({ item }) => item);
}

function groupBy<T>(items: T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Lookups over one inventory. Lists are sorted newest first where they carry dates. */
export class InventoryIndex {
  readonly plansByRegionName: Map<string, BackupPlan>;
  readonly selectionsByPlanId: Map<string, BackupSelection[]>;
  readonly vaultsByArn: Map<string, BackupVault>;
  readonly recoveryPointsByResource: Map<string, RecoveryPoint[]>;
  readonly copyJobsByResource: Map<string, CopyJob[]>;
  readonly restoreJobsByResource: Map<string, RestoreJob[]>;
  readonly backupJobsByResource: Map<string, Inventory['backupJobs']>;
  readonly keys: Map<string, KmsKey>;
  readonly resourcesByArn: Map<string, Resource>;
  /** What was read: ask it before concluding that something is absent. */
  readonly scope: Scope;
  /** Collection errors by subject ARN, and the whole-call ("*") ones, each with its position. */
  private readonly errorsByArn = new Map<string, { e: CollectionError; i: number }[]>();
  private readonly wholeCallErrors: { e: CollectionError; i: number }[] = [];
  private readonly protectedByArn: Map<string, ProtectedResource>;
  private readonly recoveryPointsByArn: Map<string, RecoveryPoint>;

  constructor(readonly inventory: Inventory) {
    this.plansByRegionName = new Map(
      inventory.backupPlans.map((p) => [`${regionOf(p.BackupPlanArn)}/${p.BackupPlanName}`, p]),
    );
    this.selectionsByPlanId = groupBy(inventory.backupSelections, (s) => s.BackupPlanId);
    this.vaultsByArn = new Map(inventory.backupVaults.map((v) => [v.BackupVaultArn, v]));
    const rpByArn = new Map(inventory.recoveryPoints.map((rp) => [rp.RecoveryPointArn, rp]));
    this.recoveryPointsByArn = rpByArn;
    this.recoveryPointsByResource = groupBy(newestFirst(inventory.recoveryPoints), (rp) => rp.ResourceArn);
    this.copyJobsByResource = groupBy(newestFirst(inventory.copyJobs), (j) => j.ResourceArn);
    this.backupJobsByResource = groupBy(newestFirst(inventory.backupJobs), (j) => j.ResourceArn);
    this.restoreJobsByResource = groupBy(
      newestFirst(inventory.restoreJobs),
      (j) => j.SourceResourceArn ?? rpByArn.get(j.RecoveryPointArn)?.ResourceArn,
    );
    this.keys = new Map();
    for (const k of inventory.kmsKeys) {
      this.keys.set(k.Arn, k);
      this.keys.set(k.KeyId, k);
      const a = parseArn(k.Arn);
      for (const alias of k.Aliases)
        this.keys.set(`arn:${a?.partition}:kms:${a?.region}:${a?.account}:${alias}`, k);
    }
    this.resourcesByArn = new Map(inventory.resources.map((r) => [r.Arn, r]));
    this.scope = new Scope(inventory);
    inventory.collectionErrors.forEach((e, i) => {
      if (e.Arn === '*') this.wholeCallErrors.push({ e, i });
      else {
        const list = this.errorsByArn.get(e.Arn);
        if (list) list.push({ e, i });
        else this.errorsByArn.set(e.Arn, [{ e, i }]);
      }
    });
    this.protectedByArn = new Map(inventory.protectedResources.map((p) => [p.ResourceArn, p]));
  }

  recoveryPoint(arn: string): RecoveryPoint | undefined {
    return this.recoveryPointsByArn.get(arn);
  }

  plan(region: string, name: string): BackupPlan | undefined {
    return this.plansByRegionName.get(`${region}/${name}`);
  }

  /**
   * Who manages a key: 'AWS' (aws/rds, aws/backup: cannot be shared across accounts), 'CUSTOMER',
   * or undefined when the key was not collected. An aws/* alias ARN is AWS-managed by definition.
   */
  keyManager(idOrArn: string | undefined): 'AWS' | 'CUSTOMER' | undefined {
    const key = this.key(idOrArn);
    if (key) return key.KeyManager;
    return idOrArn && /:alias\/aws\//.test(idOrArn) ? 'AWS' : undefined;
  }

  /** What DescribeOptionGroups said of a group name in one account and Region (undefined: not read). */
  optionGroup(account: string, region: string, name: string): OptionGroup | undefined {
    return this.inventory.optionGroups.find(
      (g) => g.AccountId === account && g.Region === region && g.OptionGroupName === name,
    );
  }

  /** A KMS key by ARN, key id or alias ARN. */
  key(idOrArn: string | undefined): KmsKey | undefined {
    return idOrArn === undefined ? undefined : this.keys.get(idOrArn);
  }

  optedIn(region: string, backupType: string): boolean | undefined {
    const settings = this.inventory.regionSettings.find((s) => s.Region === region);
    return own(settings?.ResourceTypeOptInPreference, backupType);
  }

  /**
   * Collection failures about this ARN, or of a whole call in this account and region ("*"
   * errors that name no account or region concern everything).
   */
  errorsFor(arn: string, account: string, region: string): CollectionError[] {
    // Both lists are in collection order; merged back into it (the first failure is the one reported).
    const own = this.errorsByArn.get(arn) ?? [];
    const whole = this.wholeCallErrors.filter(
      ({ e }) => (e.Region ?? region) === region && (e.Account ?? account) === account,
    );
    if (whole.length === 0) return own.map((x) => x.e);
    return [...own, ...whole].sort((a, b) => a.i - b.i).map((x) => x.e);
  }

  /** The first failure about this ARN (a per-subject read; of `action`, when given), if any. */
  error(arn: string, action?: string): CollectionError | undefined {
    return this.errorsByArn.get(arn)?.find((x) => action === undefined || x.e.Action === action)?.e;
  }

  /** AWS Backup's ListProtectedResources entry of a resource. */
  protectedResource(arn: string): ProtectedResource | undefined {
    return this.protectedByArn.get(arn);
  }
}

export function regionOf(arn: string): string {
  return parseArn(arn)?.region ?? '';
}
