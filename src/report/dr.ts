/**
 * The DR report: for each resource under a policy, where its newest restorable recovery point is
 * (the source vault, another region of the account, another account), the RPO achieved if its
 * region or its account were lost, the newest restore test (evidence for the RTO), whether the key
 * material behind it can be recovered, and the command that would restore it.
 *
 * Pure: inventory + policies + now -> rows. Absence is concluded only where a read would have seen
 * the thing (the inventory's scope): a location that was not read is "not read", never "none".
 */
import { parseArn, vaultArn } from '../inventory/arn.js';
import {
  backupResourceType,
  type Inventory,
  InventoryIndex,
  isClusterMember,
  isContinuousPoint,
  isUsablePoint,
  type KmsKey,
  type RecoveryPoint,
  type Resource,
  resourceName,
  type Unread,
} from '../inventory/index.js';
import { copyDestinations } from '../policy/destinations.js';
import type { Policy, PolicySet } from '../policy/index.js';
import { resolvePolicy } from '../policy/resolve.js';
import { formatHours } from '../policy/schedule.js';
import { isMultiAzCluster } from '../rules/catalogue/copies.js';

export const DR_REPORT_VERSION = 1;

export type LocationKind = 'source' | 'otherRegion' | 'drAccount';

/** Where the newest restorable recovery point of a resource is looked for. */
export const LOCATION_LABEL: Record<LocationKind, string> = {
  source: 'source vault',
  otherRegion: 'other region',
  drAccount: 'DR account',
};

/**
 * found: a usable recovery point is there; none: read, and there is none; not-read: what would
 * have listed it was not read; not-configured: neither the policy nor the plan copies there.
 */
export type LocationState = 'found' | 'none' | 'not-read' | 'not-configured';

export interface PointRef {
  recoveryPointArn: string;
  backupVaultArn: string;
  region: string;
  account: string;
  /** When the data it holds was taken (a copy: its source's; a continuous point: its newest job's end). */
  dataTime: string;
  ageHours: number;
  status: string;
  continuous: boolean;
  /** The key that encrypts it (its own EncryptionKeyArn, else its vault's). */
  encryptionKeyArn?: string;
  /** A copy: the recovery point it was copied from (from the copy job). */
  sourceRecoveryPointArn?: string;
}

export interface VaultNotRead {
  backupVaultArn: string;
  reason: string;
  /** true: a read was attempted and failed; false: the run was not set up to read there. */
  failed: boolean;
  /**
   * The source side proves nothing newer landed there: no copy job to it completed within the
   * listed window, and the window is at least the RPO.
   */
  noCopyJobCompletedSince?: string;
}

export interface Location {
  kind: LocationKind;
  state: LocationState;
  /** The vaults looked at: the ones the policy and the plan copy to (the source: the policy's vault), and any holding a point. */
  vaults: string[];
  newest?: PointRef;
  /** found: whether the newest is within the policy's RPO. */
  withinRpo?: boolean;
  /** Every usable recovery point listed there, newest first (the timeline). */
  points: PointRef[];
  /** Vaults it would be in that were not read. */
  notRead: VaultNotRead[];
  /** What the state rests on, in a sentence. */
  detail: string;
}

export type RpoStatus = 'met' | 'missed' | 'no-copy' | 'not-read';
export type ScenarioKind = 'regionLost' | 'accountLost';

export const SCENARIO_LABEL: Record<ScenarioKind, string> = {
  regionLost: 'region lost',
  accountLost: 'account lost',
};

export interface Scenario {
  status: RpoStatus;
  targetHours: number;
  /** Age of the newest usable recovery point that survives the loss (absent: none known). */
  achievedHours?: number;
  from?: PointRef;
  detail: string;
}

export interface RestoreJobEvidence {
  restoreJobId: string;
  status: string;
  statusMessage?: string;
  startedAt: string;
  completedAt?: string;
  durationMinutes?: number;
  validationStatus?: string;
  validationStatusMessage?: string;
  recoveryPointArn: string;
  createdResourceArn?: string;
  /** Started by a restore testing plan (absent: a restore someone ran). */
  restoreTestingPlanArn?: string;
  ageDays: number;
}

export interface RestoreEvidence {
  state: 'found' | 'none' | 'not-read';
  job?: RestoreJobEvidence;
  /** The policy's restoreTest.maxRestoreMinutes: the restore time target (RTO evidence). */
  targetMinutes?: number;
  everyDays?: number;
  /** The policy's restoreTest.requireValidation. */
  requireValidation?: boolean;
  detail: string;
}

export type KeyVerdict = 'recoverable' | 'not-recoverable' | 'unknown';

export interface KeyJudgement {
  keyArn: string;
  /** What it encrypts: "database", "recovery point in <vault>". */
  usedBy: string[];
  manager?: 'AWS' | 'CUSTOMER';
  origin?: string;
  verdict: KeyVerdict;
  detail: string;
}

export interface KeyRecoverability {
  verdict: KeyVerdict;
  /** "recoverable", "not recoverable: <why>" or "unknown: <what was not read>". */
  summary: string;
  keys: KeyJudgement[];
}

export interface RestoreCommand {
  location: LocationKind;
  recoveryPointArn: string;
  region: string;
  account: string;
  command: string;
}

export interface DrRow {
  resourceArn: string;
  resourceName: string;
  resourceType: Resource['Type'];
  /** The AWS Backup resource type: RDS, Aurora, S3. */
  backupResourceType: string;
  accountId: string;
  region: string;
  tags: Record<string, string>;
  policy: string;
  rpoHours: number;
  backupPlan: { name: string; arn?: string };
  sourceVault: { name: string; arn: string };
  locations: Record<LocationKind, Location>;
  scenarios: Record<ScenarioKind, Scenario>;
  restoreTest: RestoreEvidence;
  keys: KeyRecoverability;
  restore: { command?: string; commands: RestoreCommand[]; detail: string };
}

export type StatusCounts = Record<RpoStatus, number>;

export interface DrSummary {
  resources: number;
  regionLost: StatusCounts;
  accountLost: StatusCounts;
  /** Resources whose RPO is not met for a lost region or a lost account (what --fail-on rpo counts). */
  rpoNotMet: number;
  keys: Record<KeyVerdict, number>;
  /** Not in the report: opted out, without a known policy, Aurora members (judged at cluster level). */
  skipped: { optedOut: number; noPolicy: number; clusterMembers: number };
}

export interface DrReport {
  reportVersion: number;
  accountId: string;
  capturedAt: string;
  evaluatedAt: string;
  /** The listed window: recovery points and jobs older than `start` were not read. */
  window: { start: string; end: string; listed: boolean };
  rows: DrRow[];
  summary: DrSummary;
}

export interface DrOptions {
  now: Date;
}

const HOUR = 3_600_000;
const POINTS_READ = ['backup:ListBackupVaults', 'backup:ListRecoveryPointsByBackupVault'];

const iso = (d: string | Date) => new Date(d).toISOString();
const round2 = (n: number) => Math.round(n * 100) / 100;
const ageOf = (date: string, now: Date) => (now.getTime() - Date.parse(date)) / HOUR;

/** The report of every resource under a policy, as of `now`. */
export function drReport(inventory: Inventory, policies: PolicySet, options: DrOptions): DrReport {
  const { now } = options;
  const index = new InventoryIndex(inventory);
  const rows: DrRow[] = [];
  const skipped = { optedOut: 0, noPolicy: 0, clusterMembers: 0 };
  for (const resource of inventory.resources) {
    const resolution = resolvePolicy(resource.Tags, policies);
    if (resolution.kind === 'opt-out') skipped.optedOut++;
    else if (resolution.kind !== 'policy') skipped.noPolicy++;
    else if (isClusterMember(resource)) skipped.clusterMembers++;
    else rows.push(row(resource, resolution.policy, { index, inventory, policies, now }));
  }
  const counts = (k: ScenarioKind): StatusCounts => {
    const c: StatusCounts = { met: 0, missed: 0, 'no-copy': 0, 'not-read': 0 };
    for (const r of rows) c[r.scenarios[k].status]++;
    return c;
  };
  const keys: Record<KeyVerdict, number> = { recoverable: 0, 'not-recoverable': 0, unknown: 0 };
  for (const r of rows) keys[r.keys.verdict]++;
  const earliest = rows
    .flatMap((r) => Object.values(r.locations).flatMap((l) => l.points.map((p) => p.dataTime)))
    .reduce<string | undefined>(
      (a, b) => (a === undefined || Date.parse(b) < Date.parse(a) ? b : a),
      undefined,
    );
  const start = inventory.listedSince ?? earliest ?? new Date(now.getTime() - 7 * 24 * HOUR).toISOString();
  return {
    reportVersion: DR_REPORT_VERSION,
    accountId: inventory.accountId,
    capturedAt: iso(inventory.capturedAt),
    evaluatedAt: now.toISOString(),
    window: { start: iso(start), end: now.toISOString(), listed: inventory.listedSince !== undefined },
    rows,
    summary: {
      resources: rows.length,
      regionLost: counts('regionLost'),
      accountLost: counts('accountLost'),
      rpoNotMet: rows.filter((r) => !rpoMet(r)).length,
      keys,
      skipped,
    },
  };
}

/** Both scenarios met: what --fail-on rpo passes. Not read, no copy and missed all fail. */
export function rpoMet(r: DrRow): boolean {
  return r.scenarios.regionLost.status === 'met' && r.scenarios.accountLost.status === 'met';
}

interface Ctx {
  index: InventoryIndex;
  inventory: Inventory;
  policies: PolicySet;
  now: Date;
}

function row(resource: Resource, policy: Policy, ctx: Ctx): DrRow {
  const { index } = ctx;
  const source = vaultArn(resource.Region, resource.AccountId, policy.vaultName);
  const plan = index.plan(resource.Region, policy.planName);
  const points = usablePoints(resource, ctx);

  // Where copies should be: the policy's destinations and the plan's copy actions.
  const wanted = new Set<string>([
    ...copyDestinations(policy, resource.Region, resource.AccountId).map((d) => d.arn),
    ...(plan?.Rules ?? []).flatMap((r) => r.CopyActions.map((c) => c.DestinationBackupVaultArn)),
  ]);
  const kindOf = (vault: string): LocationKind | undefined => {
    const v = parseArn(vault);
    if (!v) return undefined;
    if (v.account !== resource.AccountId) return 'drAccount';
    if (v.region !== resource.Region) return 'otherRegion';
    return vault === source ? 'source' : undefined;
  };
  const expected: Record<LocationKind, string[]> = { source: [source], otherRegion: [], drAccount: [] };
  for (const v of wanted) {
    const k = kindOf(v);
    if (k && k !== 'source') expected[k].push(v);
  }
  const byKind: Record<LocationKind, PointRef[]> = { source: [], otherRegion: [], drAccount: [] };
  const elsewhere = new Set<string>();
  for (const p of points) {
    const k = kindOf(p.backupVaultArn);
    if (k) byKind[k].push(p);
    else elsewhere.add(p.backupVaultArn);
  }
  const locations: Record<LocationKind, Location> = {
    source: location('source', expected.source, byKind.source, resource, policy, ctx, elsewhere),
    otherRegion: location('otherRegion', expected.otherRegion, byKind.otherRegion, resource, policy, ctx),
    drAccount: location('drAccount', expected.drAccount, byKind.drAccount, resource, policy, ctx),
  };
  const copies = [...locations.otherRegion.points, ...locations.drAccount.points];
  const scenarios: Record<ScenarioKind, Scenario> = {
    regionLost: scenario(
      'regionLost',
      copies.filter((p) => p.region !== resource.Region),
      [...locations.otherRegion.notRead, ...locations.drAccount.notRead].filter(
        (u) => parseArn(u.backupVaultArn)?.region !== resource.Region,
      ),
      resource,
      policy,
      [...expected.otherRegion, ...expected.drAccount].some((v) => parseArn(v)?.region !== resource.Region),
    ),
    accountLost: scenario(
      'accountLost',
      locations.drAccount.points,
      locations.drAccount.notRead,
      resource,
      policy,
      expected.drAccount.length > 0,
    ),
  };
  return {
    resourceArn: resource.Arn,
    resourceName: resourceName(resource),
    resourceType: resource.Type,
    backupResourceType: backupResourceType(resource),
    accountId: resource.AccountId,
    region: resource.Region,
    tags: { ...resource.Tags },
    policy: policy.name,
    rpoHours: policy.rpoHours,
    backupPlan: { name: policy.planName, ...(plan ? { arn: plan.BackupPlanArn } : {}) },
    sourceVault: { name: policy.vaultName, arn: source },
    locations,
    scenarios,
    restoreTest: restoreEvidence(resource, policy, ctx),
    keys: keyRecoverability(resource, locations, ctx),
    restore: restoreCommands(resource, locations),
  };
}

// ---------------------------------------------------------------------------------------------
// Recovery points

/** The resource's usable recovery points in every vault listed, newest data first (future-dated ones left out). */
function usablePoints(resource: Resource, { index, now }: Ctx): PointRef[] {
  const jobs = index.backupJobsByResource.get(resource.Arn) ?? [];
  const copyJobs = index.copyJobsByResource.get(resource.Arn) ?? [];
  const out: PointRef[] = [];
  for (const p of index.recoveryPointsByResource.get(resource.Arn) ?? []) {
    if (!isUsablePoint(p)) continue;
    const vault = parseArn(p.BackupVaultArn);
    if (!vault) continue;
    const time = dataTime(p, jobs, copyJobs, index);
    const age = ageOf(time.at, now);
    if (age < 0 || ageOf(p.CreationDate, now) < 0) continue; // not yet made, as of `now`
    const key = p.EncryptionKeyArn ?? index.vaultsByArn.get(p.BackupVaultArn)?.EncryptionKeyArn;
    out.push({
      recoveryPointArn: p.RecoveryPointArn,
      backupVaultArn: p.BackupVaultArn,
      region: vault.region,
      account: vault.account,
      dataTime: iso(time.at),
      ageHours: round2(age),
      status: p.Status,
      continuous: isContinuousPoint(p),
      ...(key ? { encryptionKeyArn: key } : {}),
      ...(time.source ? { sourceRecoveryPointArn: time.source } : {}),
    });
  }
  return out.sort((a, b) => a.ageHours - b.ageHours);
}

/**
 * When a point's data was taken. A continuous point keeps its first CreationDate while each
 * completed job moves it forward (recency.recovery-point); a copy holds its source's data, so it
 * is as old as the point it was copied from (copies.recent) — unless that source is continuous,
 * whose CreationDate is when continuous backup began, not when the copy's data was taken.
 */
function dataTime(
  p: RecoveryPoint,
  jobs: Inventory['backupJobs'],
  copyJobs: Inventory['copyJobs'],
  index: InventoryIndex,
): { at: string; source?: string } {
  if (isContinuousPoint(p)) {
    const done = jobs.find((j) => j.RecoveryPointArn === p.RecoveryPointArn && j.State === 'COMPLETED');
    return { at: done?.CompletionDate ?? p.CreationDate };
  }
  const job = copyJobs.find((j) => j.DestinationRecoveryPointArn === p.RecoveryPointArn);
  const sourceArn = job?.SourceRecoveryPointArn;
  const source = sourceArn ? index.recoveryPoint(sourceArn) : undefined;
  const at =
    source && !isContinuousPoint(source) && Date.parse(source.CreationDate) < Date.parse(p.CreationDate)
      ? source.CreationDate
      : p.CreationDate;
  return { at, ...(sourceArn ? { source: sourceArn } : {}) };
}

/** Why the recovery points of `vault` are not known to be complete (undefined: they were read). */
function vaultUnread(vault: string, index: InventoryIndex): Unread | undefined {
  const v = parseArn(vault);
  if (!v) return { reason: `${vault} is not a vault ARN`, failed: false };
  const entry = index.scope.entry(v.account, v.region);
  // A home region lists every vault's points region-wide; elsewhere only the destination vaults are read.
  const regionWide = entry?.Via === 'home' ? POINTS_READ : ['backup:ListBackupVaults'];
  return (
    index.scope.unread(regionWide, v.account, v.region) ??
    (index.vaultsByArn.has(vault)
      ? index.scope.unread('backup:ListRecoveryPointsByBackupVault', v.account, v.region, vault)
      : undefined)
  );
}

function location(
  kind: LocationKind,
  expected: string[],
  points: PointRef[],
  resource: Resource,
  policy: Policy,
  ctx: Ctx,
  elsewhere: Set<string> = new Set(),
): Location {
  const { index, inventory, now } = ctx;
  const vaults = [...new Set([...expected, ...points.map((p) => p.backupVaultArn)])];
  const copyJobs = index.copyJobsByResource.get(resource.Arn) ?? [];
  const jobsRead = !index.scope.unread('backup:ListCopyJobs', resource.AccountId, resource.Region);
  const windowHours = inventory.listedSince ? ageOf(inventory.listedSince, now) : Number.POSITIVE_INFINITY;
  const notRead: VaultNotRead[] = [];
  const missing: string[] = [];
  for (const vault of expected) {
    if (points.some((p) => p.backupVaultArn === vault)) continue;
    const unread = vaultUnread(vault, index);
    if (unread) {
      const completed = copyJobs.some(
        (j) => j.DestinationBackupVaultArn === vault && j.State === 'COMPLETED',
      );
      const proven = kind !== 'source' && jobsRead && !completed && windowHours >= policy.rpoHours;
      notRead.push({
        backupVaultArn: vault,
        reason: unread.reason,
        failed: unread.failed,
        ...(proven ? { noCopyJobCompletedSince: iso(inventory.listedSince ?? now) } : {}),
      });
    } else if (!index.vaultsByArn.has(vault)) missing.push(vault);
  }
  const since = inventory.listedSince ? ` since ${iso(inventory.listedSince)}` : '';
  const notes: string[] = [];
  for (const u of notRead)
    notes.push(
      `${u.backupVaultArn} was not read: ${u.reason}${u.noCopyJobCompletedSince ? `; no copy job to it completed${since}` : lastCopyNote(copyJobs, u.backupVaultArn)}`,
    );
  for (const m of missing) notes.push(`vault ${m} does not exist${lastCopyNote(copyJobs, m)}`);
  const multiAz = isMultiAzCluster(resource)
    ? ' (a Multi-AZ DB cluster: its snapshots cannot be copied)'
    : '';
  if (kind !== 'source' && multiAz && expected.length > 0)
    notes.push('a Multi-AZ DB cluster: its snapshots cannot be copied');
  if (kind === 'source' && elsewhere.size > 0)
    notes.push(
      `also recovery points in ${[...elsewhere].join(', ')}, which policy ${policy.name} does not use`,
    );
  const newest = points[0];
  const base = { kind, vaults, points, notRead };
  if (newest) {
    const where = kind === 'source' ? '' : ` in ${newest.backupVaultArn}`;
    return {
      ...base,
      state: 'found',
      newest,
      withinRpo: newest.ageHours <= policy.rpoHours,
      detail: [`data of ${newest.dataTime}${where}`, ...notes].join('; '),
    };
  }
  if (expected.length === 0) {
    const where = kind === 'otherRegion' ? 'to another region of this account' : 'to another account';
    return {
      ...base,
      state: 'not-configured',
      detail: `policy ${policy.name} and plan ${policy.planName} copy nothing ${where}${multiAz}`,
    };
  }
  if (notRead.length > 0) return { ...base, state: 'not-read', detail: notes.join('; ') };
  const none = expected
    .filter((v) => !missing.includes(v))
    .map((v) => `no usable recovery point in ${v}${since}${lastCopyNote(copyJobs, v)}`);
  return { ...base, state: 'none', detail: [...none, ...notes].join('; ') };
}

/** "; last copy job FAILED: <why>" when the newest copy job to `vault` did not complete. */
function lastCopyNote(jobs: Inventory['copyJobs'], vault: string): string {
  const toVault = jobs.filter((j) => j.DestinationBackupVaultArn === vault);
  const last = toVault[0];
  if (!last || ['COMPLETED', 'RUNNING', 'CREATED'].includes(last.State)) return '';
  const failed = toVault.filter((j) => j.State === last.State).length;
  return `; last copy job ${last.State}${failed > 1 ? ` (${failed} ${last.State.toLowerCase()} in the window)` : ''}${last.StatusMessage ? `: ${last.StatusMessage}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// RPO if a region or an account is lost

function scenario(
  kind: ScenarioKind,
  survivors: PointRef[],
  unread: VaultNotRead[],
  resource: Resource,
  policy: Policy,
  configured: boolean,
): Scenario {
  const target = policy.rpoHours;
  const rpo = formatHours(target);
  const lost = kind === 'regionLost' ? `region ${resource.Region}` : `account ${resource.AccountId}`;
  const best = [...survivors].sort((a, b) => a.ageHours - b.ageHours)[0];
  const base = { targetHours: target, ...(best ? { achievedHours: best.ageHours, from: best } : {}) };
  const newest = best
    ? `newest recovery point outside ${lost} is ${formatHours(best.ageHours)} old (${best.backupVaultArn})`
    : undefined;
  if (best && best.ageHours <= target) return { ...base, status: 'met', detail: `${newest}; RPO ${rpo}` };
  // Only a read of every place a newer copy could be proves it is not there.
  const open = unread.filter((u) => !u.noCopyJobCompletedSince);
  if (open.length > 0)
    return {
      ...base,
      status: 'not-read',
      detail: `${newest ?? `no recovery point outside ${lost} is known`}; cannot tell whether a newer one exists: ${open.map((u) => `${u.backupVaultArn}: ${u.reason}`).join('; ')}`,
    };
  const stale = unread.map(
    (u) => `no copy job to ${u.backupVaultArn} completed since ${u.noCopyJobCompletedSince}`,
  );
  if (best)
    return {
      ...base,
      status: 'missed',
      detail: [`${newest}; RPO ${rpo}`, ...stale].join('; '),
    };
  if (stale.length > 0)
    return {
      ...base,
      status: 'missed',
      detail: `${stale.join('; ')} (the destination was not read): older than the listed window, RPO ${rpo}`,
    };
  return {
    ...base,
    status: 'no-copy',
    detail: configured
      ? `no usable recovery point outside ${lost}: losing it loses every backup (RPO ${rpo})`
      : `policy ${policy.name} makes no copy outside ${lost}: losing it loses every backup (RPO ${rpo})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Restore tests (RTO evidence)

function restoreEvidence(resource: Resource, policy: Policy, { index, now }: Ctx): RestoreEvidence {
  const want = {
    ...(policy.restoreTest?.maxRestoreMinutes !== undefined
      ? { targetMinutes: policy.restoreTest.maxRestoreMinutes }
      : {}),
    ...(policy.restoreTest
      ? { everyDays: policy.restoreTest.everyDays, requireValidation: policy.restoreTest.requireValidation }
      : {}),
  };
  const jobs = (index.restoreJobsByResource.get(resource.Arn) ?? []).filter(
    (j) => ageOf(j.CreationDate, now) >= 0,
  );
  // Restore tests first: they are the regular evidence; a restore someone ran counts otherwise.
  const job = jobs.find((j) => j.CreatedBy?.RestoreTestingPlanArn) ?? jobs[0];
  if (!job) {
    const unread = index.scope.unread('backup:ListRestoreJobs', resource.AccountId, resource.Region);
    if (unread) return { state: 'not-read', ...want, detail: `restore jobs were not read: ${unread.reason}` };
    return {
      state: 'none',
      ...want,
      detail: `never restored or restore-tested in the listed window${policy.restoreTest ? '' : ` (policy ${policy.name} asks for no restore tests)`}`,
    };
  }
  const minutes =
    job.CompletionDate && job.Status === 'COMPLETED'
      ? Math.round((Date.parse(job.CompletionDate) - Date.parse(job.CreationDate)) / 60_000)
      : undefined;
  const evidence: RestoreJobEvidence = {
    restoreJobId: job.RestoreJobId,
    status: job.Status,
    ...(job.StatusMessage ? { statusMessage: job.StatusMessage } : {}),
    startedAt: iso(job.CreationDate),
    ...(job.CompletionDate ? { completedAt: iso(job.CompletionDate) } : {}),
    ...(minutes !== undefined ? { durationMinutes: minutes } : {}),
    ...(job.ValidationStatus ? { validationStatus: job.ValidationStatus } : {}),
    ...(job.ValidationStatusMessage ? { validationStatusMessage: job.ValidationStatusMessage } : {}),
    recoveryPointArn: job.RecoveryPointArn,
    ...(job.CreatedResourceArn ? { createdResourceArn: job.CreatedResourceArn } : {}),
    ...(job.CreatedBy?.RestoreTestingPlanArn
      ? { restoreTestingPlanArn: job.CreatedBy.RestoreTestingPlanArn }
      : {}),
    ageDays: round2(ageOf(job.CreationDate, now) / 24),
  };
  const parts = [
    `${evidence.restoreTestingPlanArn ? 'restore test' : 'restore'} ${job.RestoreJobId} ${job.Status} ${evidence.startedAt}`,
  ];
  if (minutes !== undefined)
    parts.push(
      `took ${minutes} min${want.targetMinutes !== undefined ? ` (target ${want.targetMinutes} min${minutes > want.targetMinutes ? ': OVER' : ''})` : ''}`,
    );
  if (job.StatusMessage) parts.push(job.StatusMessage);
  parts.push(
    job.ValidationStatus
      ? `validation ${job.ValidationStatus}${job.ValidationStatusMessage ? `: ${job.ValidationStatusMessage}` : ''}`
      : 'not validated',
  );
  return { state: 'found', job: evidence, ...want, detail: parts.join('; ') };
}

// ---------------------------------------------------------------------------------------------
// Key material

const PENDING_ROTATION = new Set(['PENDING_ROTATION', 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']);
const UNUSABLE_STATES = new Set(['PendingDeletion', 'Disabled', 'Unavailable', 'PendingReplicaDeletion']);
const VERDICT_RANK: Record<KeyVerdict, number> = { 'not-recoverable': 0, unknown: 1, recoverable: 2 };

/** The resource's own key: an encrypted database's, or a bucket's default SSE-KMS key. */
function resourceKey(r: Resource): string | undefined {
  if (r.Type === 'AWS::S3::Bucket') {
    const rules = (
      r as {
        ServerSideEncryptionConfiguration?: {
          Rules?: {
            ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
          }[];
        };
      }
    ).ServerSideEncryptionConfiguration?.Rules;
    return (Array.isArray(rules) ? rules : [])
      .map((x) => x?.ApplyServerSideEncryptionByDefault)
      .find((d) => d?.SSEAlgorithm?.startsWith('aws:kms') && typeof d.KMSMasterKeyID === 'string')
      ?.KMSMasterKeyID;
  }
  return r.StorageEncrypted ? r.KmsKeyId : undefined;
}

function keyRecoverability(
  resource: Resource,
  locations: Record<LocationKind, Location>,
  ctx: Ctx,
): KeyRecoverability {
  const uses = new Map<string, string[]>();
  const use = (id: string | undefined, what: string) => {
    if (!id) return;
    const arn = ctx.index.key(id)?.Arn ?? id;
    uses.set(arn, [...new Set([...(uses.get(arn) ?? []), what])]);
  };
  use(resourceKey(resource), resource.Type === 'AWS::S3::Bucket' ? 'bucket' : 'database');
  // The keys of what a restore would start from: the newest point in each location.
  for (const l of Object.values(locations))
    if (l.newest) use(l.newest.encryptionKeyArn, `recovery point in ${l.newest.backupVaultArn}`);
  const keys = [...uses].map(([arn, usedBy]) => judgeKey(arn, usedBy, ctx));
  const verdict = keys.reduce<KeyVerdict>(
    (worst, k) => (VERDICT_RANK[k.verdict] < VERDICT_RANK[worst] ? k.verdict : worst),
    'recoverable',
  );
  const named = (k: KeyJudgement) => `${k.keyArn} (${k.usedBy.join(', ')}): ${k.detail}`;
  const summary =
    verdict === 'recoverable'
      ? keys.length
        ? 'recoverable'
        : 'recoverable (not encrypted with a KMS key)'
      : `${verdict === 'unknown' ? 'unknown' : 'not recoverable'}: ${keys
          .filter((k) => k.verdict === verdict)
          .map(named)
          .join('; ')}`;
  return { verdict, summary, keys };
}

function judgeKey(arn: string, usedBy: string[], { index, inventory, policies }: Ctx): KeyJudgement {
  const key = index.key(arn);
  const base = { keyArn: arn, usedBy };
  if (!key) {
    if (/:alias\/aws\//.test(arn))
      return {
        ...base,
        manager: 'AWS',
        verdict: 'recoverable',
        detail: 'AWS managed key: KMS keeps its material',
      };
    const failed = inventory.collectionErrors.find((e) => e.Arn === arn && e.Action === 'kms:DescribeKey');
    return {
      ...base,
      verdict: 'unknown',
      detail: failed
        ? `kms:DescribeKey failed with ${failed.Code}`
        : 'the key was not read (kms:DescribeKey)',
    };
  }
  const known = { ...base, keyArn: key.Arn, manager: key.KeyManager, origin: key.Origin };
  const region = parseArn(key.Arn)?.region ?? '';
  if (UNUSABLE_STATES.has(key.KeyState)) {
    const fix =
      key.KeyState === 'PendingDeletion'
        ? `; until then aws kms cancel-key-deletion --key-id ${key.Arn} --region ${region} keeps it`
        : key.KeyState === 'Disabled'
          ? `; aws kms enable-key --key-id ${key.Arn} --region ${region} makes it usable again`
          : '';
    return {
      ...known,
      verdict: 'not-recoverable',
      detail: `key is ${key.KeyState}${key.DeletionDate ? ` (deleted on ${iso(key.DeletionDate)})` : ''}: nothing it encrypts can be decrypted${fix}`,
    };
  }
  if (key.KeyState !== 'Enabled' && key.KeyState !== 'PendingImport')
    return { ...known, verdict: 'unknown', detail: `key is ${key.KeyState}` };
  if (key.Origin === 'AWS_KMS')
    return {
      ...known,
      verdict: 'recoverable',
      detail: `${key.KeyManager === 'AWS' ? 'AWS managed' : 'customer managed'} key, material generated and kept by KMS`,
    };
  if (key.Origin !== 'EXTERNAL')
    return {
      ...known,
      verdict: 'unknown',
      detail: `key material in a ${key.Origin} key store: backup-sentinel cannot tell whether it is kept elsewhere`,
    };
  return { ...known, ...importedMaterial(key, policies, inventory) };
}

/** Imported material: recoverable when every material has a verified escrow copy somewhere (kms.material-replicas). */
function importedMaterial(
  key: KmsKey,
  policies: PolicySet,
  inventory: Inventory,
): { verdict: KeyVerdict; detail: string } {
  const destinations = policies.keyMaterial.escrow;
  if (destinations.length === 0)
    return {
      verdict: 'not-recoverable',
      detail:
        'imported key material and no keyMaterial.escrow destinations in the policy file: once KMS loses it (expiry, deletion), nothing can import it again',
    };
  if (!key.Materials)
    return {
      verdict: 'unknown',
      detail: "imported key material; the key's materials were not read (kms:ListKeyRotations)",
    };
  const materials = key.Materials.filter((m) => !PENDING_ROTATION.has(m.KeyMaterialState));
  if (materials.length === 0) return { verdict: 'not-recoverable', detail: 'no key material imported' };
  const restore = `backup-sentinel keys restore --key ${key.Arn} --region ${parseArn(key.Arn)?.region ?? ''}`;
  const verdicts = materials.map((m): { verdict: KeyVerdict; detail: string } => {
    const what = `material ${m.KeyMaterialId}${m.ValidTo ? ` (expires ${iso(m.ValidTo)})` : ''}`;
    if (!m.CheckValue)
      return {
        verdict: 'not-recoverable',
        detail: `${what} was not imported by backup-sentinel: no escrow copy of it can exist`,
      };
    const problems: string[] = [];
    const unread: string[] = [];
    for (const d of destinations) {
      const where = `${d.account}/${d.region}`;
      const listFailed = inventory.collectionErrors.find(
        (e) =>
          e.Arn === '*' &&
          e.Action === 'secretsmanager:ListSecrets' &&
          e.Account === d.account &&
          e.Region === d.region,
      );
      if (listFailed) {
        unread.push(
          `the escrow in ${where} was not read (secretsmanager:ListSecrets failed with ${listFailed.Code})`,
        );
        continue;
      }
      const copy = inventory.keyMaterialReplicas.find(
        (c) =>
          c.KeyArn === key.Arn &&
          c.AccountId === d.account &&
          c.Region === d.region &&
          c.CheckValue === m.CheckValue,
      );
      if (!copy) {
        problems.push(`no escrow copy in ${where}`);
        continue;
      }
      const readFailed = inventory.collectionErrors.find((e) => e.Arn === copy.SecretArn);
      if (readFailed)
        unread.push(
          `the copy in ${where} could not be read (${readFailed.Action} failed with ${readFailed.Code})`,
        );
      else if (copy.DeletedDate)
        problems.push(`the copy in ${where} is scheduled for deletion on ${iso(copy.DeletedDate)}`);
      else if (copy.KeyMaterialId && copy.KeyMaterialId !== m.KeyMaterialId)
        problems.push(`the copy in ${where} is of another material (${copy.KeyMaterialId})`);
      else if (copy.ReadCheckValue !== m.CheckValue)
        problems.push(
          copy.ReadCheckValue
            ? `the copy in ${where} holds other bytes than the material KMS has`
            : `the copy in ${where} could not be read back`,
        );
      else if (!copy.KmsKeyId || copy.KmsKeyId.includes('alias/aws/'))
        problems.push(
          `the copy in ${where} is encrypted with the AWS managed key: it cannot be read from another account`,
        );
      else {
        const gone = m.ImportState === 'PENDING_IMPORT' ? ` (not imported now: ${restore})` : '';
        return { verdict: 'recoverable', detail: `${what}: verified escrow copy in ${where}${gone}` };
      }
    }
    if (unread.length > 0)
      return { verdict: 'unknown', detail: `${what}: ${[...problems, ...unread].join('; ')}` };
    return { verdict: 'not-recoverable', detail: `${what}: ${problems.join('; ')}` };
  });
  const worst = verdicts.reduce<KeyVerdict>(
    (w, v) => (VERDICT_RANK[v.verdict] < VERDICT_RANK[w] ? v.verdict : w),
    'recoverable',
  );
  const shown = worst === 'recoverable' ? verdicts : verdicts.filter((v) => v.verdict === worst);
  return { verdict: worst, detail: `imported key material; ${shown.map((v) => v.detail).join('; ')}` };
}

// ---------------------------------------------------------------------------------------------
// What restoring would take

/** An argument as the shell reads it: bare when it is plain, else single-quoted. */
export function shellArg(s: string): string {
  return /^[\w:/.@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `backup-sentinel restore` command line (src/cli/restore.ts) that restores from `p`. Upper-case
 * words are for the reader to fill in: the role AWS Backup restores with, and, from another
 * account, the role to act there with.
 */
function restoreCommandLine(resource: Resource, p: PointRef): string | undefined {
  const vault = p.backupVaultArn.split(':backup-vault:')[1] ?? '';
  const point = `--recovery-point ${shellArg(p.recoveryPointArn)} --vault ${shellArg(vault)} --region ${shellArg(p.region)}`;
  const there = p.account !== resource.AccountId ? ` --from-account ${p.account} --role-arn ROLE_ARN` : '';
  if (resource.Type === 'AWS::S3::Bucket')
    return `backup-sentinel restore s3 --bucket ${shellArg(resource.Name)} --to ${shellArg(`${resource.Name}-restored`)} --restore-role-arn RESTORE_ROLE_ARN ${point}${there}`;
  // restore rds restores DB instances and Aurora clusters (--cluster); not Multi-AZ DB clusters.
  if (resource.Type === 'AWS::RDS::DBCluster')
    return isMultiAzCluster(resource)
      ? undefined
      : `backup-sentinel restore rds --cluster ${shellArg(resource.DBClusterIdentifier)} ${point}${there}`;
  if (resource.Type !== 'AWS::RDS::DBInstance') return undefined;
  return `backup-sentinel restore rds --db ${shellArg(resource.DBInstanceIdentifier)} ${point}${there}`;
}

function restoreCommands(resource: Resource, locations: Record<LocationKind, Location>): DrRow['restore'] {
  const commands: RestoreCommand[] = [];
  for (const l of Object.values(locations)) {
    if (!l.newest) continue;
    const p = l.newest;
    const command = restoreCommandLine(resource, p);
    if (!command) continue;
    commands.push({
      location: l.kind,
      recoveryPointArn: p.recoveryPointArn,
      region: p.region,
      account: p.account,
      command,
    });
  }
  if (isMultiAzCluster(resource) && Object.values(locations).some((l) => l.newest))
    return {
      commands,
      detail:
        'a Multi-AZ DB cluster: `backup-sentinel restore rds` does not automate it yet; restore the cluster snapshot with AWS Backup (StartRestoreJob) or aws rds restore-db-cluster-from-snapshot --db-cluster-instance-class CLASS (RDS creates its instances)',
    };
  const newest = [...commands].sort(
    (a, b) => (locations[a.location].newest?.ageHours ?? 0) - (locations[b.location].newest?.ageHours ?? 0),
  )[0];
  if (!newest)
    return { commands, detail: 'no usable recovery point is known: there is nothing to restore from' };
  const foreign =
    newest.account !== resource.AccountId ? ` (with credentials of account ${newest.account})` : '';
  return {
    command: newest.command,
    commands,
    detail: `from the newest recovery point, in ${LOCATION_LABEL[newest.location]} ${newest.account}/${newest.region}${foreign}`,
  };
}
