/**
 * Scope: what an inventory read, so that "absent" is concluded only where a read would have seen
 * it. Each (account, region) the collector looked at lists the region-wide reads that succeeded
 * completely there; per-subject failures are collectionErrors with the subject's ARN. A rule that
 * would conclude "there is none" first asks `unread(...)`: undefined means the read that would
 * have seen it succeeded; otherwise the answer says what was not read and how to read it.
 */
import type { CollectionError, Inventory, ScopeEntry } from './schema.js';

/** Region-wide discovery reads of a home region (the collector's collectResources). */
export const DISCOVERY_READS = ['tag:GetResources', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'];

/** Region-wide AWS Backup reads of a home region (the collector's collectBackup). */
export const BACKUP_READS = [
  'backup:ListBackupPlans',
  'backup:GetBackupPlan',
  'backup:ListBackupSelections',
  'backup:GetBackupSelection',
  'backup:ListBackupVaults',
  'backup:ListRecoveryPointsByBackupVault',
  'backup:ListBackupJobs',
  'backup:ListCopyJobs',
  'backup:ListRestoreJobs',
  'backup:ListProtectedResources',
  'backup:ListRestoreTestingPlans',
  'backup:GetRestoreTestingPlan',
  'backup:ListRestoreTestingSelections',
  'backup:GetRestoreTestingSelection',
  'backup:DescribeRegionSettings',
];

/** Everything a home region is read with. */
export const HOME_READS = [...DISCOVERY_READS, ...BACKUP_READS];

export interface Unread {
  /** What was not read, and how to read it. */
  reason: string;
  /**
   * true: a read was attempted and failed (AccessDenied, throttling...). false: the run was not
   * set up to read there (a region not audited, no DR read role): not a failure of the account.
   */
  failed: boolean;
}

/** Several things not read, as one answer (a failure among them makes it a failure). */
export function mergeUnread(list: Unread[]): Unread | undefined {
  if (list.length === 0) return undefined;
  return { reason: [...new Set(list.map((u) => u.reason))].join('; '), failed: list.some((u) => u.failed) };
}

const key = (account: string, region: string) => `${account}|${region}`;

function regionOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 ? parts[3] : undefined;
}

function accountOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 ? parts[4] : undefined;
}

/** Scope of an inventory written before scopes existed: its listed regions, minus what failed. */
export function legacyScope(inventory: Inventory): ScopeEntry[] {
  return inventory.regions.map((region) => ({
    Account: inventory.accountId,
    Region: region,
    Via: 'home' as const,
    Reads: HOME_READS.filter(
      (action) =>
        !inventory.collectionErrors.some(
          (e) =>
            e.Action === action &&
            (e.Arn === '*' ? (e.Region ?? region) === region : (regionOfArn(e.Arn) ?? region) === region),
        ),
    ),
  }));
}

export class Scope {
  private readonly entries = new Map<string, ScopeEntry>();
  /** Per-subject failures by "action|arn" (rules ask per resource: no scan of every error). */
  private readonly subjectErrors = new Map<string, CollectionError>();

  constructor(private readonly inventory: Inventory) {
    for (const e of inventory.collectionErrors)
      if (e.Arn !== '*' && !this.subjectErrors.has(`${e.Action}|${e.Arn}`))
        this.subjectErrors.set(`${e.Action}|${e.Arn}`, e);
    for (const e of inventory.scope ?? legacyScope(inventory)) {
      const k = key(e.Account, e.Region);
      const had = this.entries.get(k);
      this.entries.set(k, had ? { ...had, Reads: [...new Set([...had.Reads, ...e.Reads])] } : e);
    }
  }

  /** Every (account, region) read, in the order collected. */
  get all(): ScopeEntry[] {
    return [...this.entries.values()];
  }

  entry(account: string, region: string): ScopeEntry | undefined {
    return this.entries.get(key(account, region));
  }

  /**
   * Was `action` read where it would have seen the thing? Without `arn`: the region-wide read in
   * (account, region). With `arn`: the read about that one subject (a vault's recovery points, a
   * plan's selections) — the region must be in scope and that read must not have failed.
   * Several actions: the first one not read.
   */
  unread(
    actions: string | readonly string[],
    account: string,
    region: string,
    arn?: string,
  ): Unread | undefined {
    const entry = this.entry(account, region);
    if (!entry) return this.outside(account, region);
    for (const action of typeof actions === 'string' ? [actions] : actions) {
      if (arn !== undefined) {
        const err = this.subjectErrors.get(`${action}|${arn}`);
        if (err) return { failed: true, reason: `${action} failed on ${arn} with ${describe(err)}` };
        continue;
      }
      if (entry.Reads.includes(action)) continue;
      const err = this.regionError(action, account, region);
      return {
        failed: true,
        reason: err
          ? `${action} failed ${err.Arn === '*' ? `in ${account}/${region}` : `on ${err.Arn}`} with ${describe(err)}`
          : `${action} was not read completely in ${account}/${region}${entry.Via === 'home' ? '' : ` (only the copy-destination vaults are read there)`}`,
      };
    }
    return undefined;
  }

  /** Why (account, region) is not in scope: not asked for, or the way in (the DR role) failed. */
  private outside(account: string, region: string): Unread {
    const err = this.inventory.collectionErrors.find(
      (e) => e.Arn === '*' && e.Account === account && (e.Region === undefined || e.Region === region),
    );
    if (err)
      return {
        failed: true,
        reason: `account ${account} could not be read in ${region}: ${err.Action} failed with ${describe(err)}`,
      };
    if (account === this.inventory.accountId)
      return {
        failed: false,
        reason: `region ${region} was not read (audit it too: --region ${region}; the functions read their own region and the copy regions the policies name)`,
      };
    return {
      failed: false,
      reason: `account ${account} was not read (configure the DR read role: --dr-role-arn, or the drRoleArn parameter of the functions)`,
    };
  }

  private regionError(action: string, account: string, region: string): CollectionError | undefined {
    return this.inventory.collectionErrors.find(
      (e) =>
        e.Action === action &&
        (e.Arn === '*'
          ? (e.Region ?? region) === region && (e.Account ?? account) === account
          : regionOfArn(e.Arn) === region && accountOfArn(e.Arn) === account),
    );
  }
}

function describe(e: CollectionError): string {
  return `${e.Code}${e.Message ? ` (${e.Message})` : ''}`;
}
