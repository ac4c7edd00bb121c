/**
 * The executor: applies planned actions, one place per side effect. Every handler re-reads the
 * current state first and returns what it found (`before`), what it would make (`after`) and the
 * write — or no write when the state already satisfies the action (idempotent). Dry-run is the
 * default and runs the same reads, so it prints the same plan. A per-run cap bounds the changes.
 *
 * Other runs (the sweep, the event path, a CLI fix) and people in the console may change the same
 * things at the same time: a create someone else just made is already done, and a write that
 * replaces a whole document is checked around the write (see `Guard`).
 */
import { createHash } from 'node:crypto';
import {
  type BackupClient,
  type BackupPlanInput,
  type BackupRuleInput,
  type BackupVaultEvent,
  type CopyAction,
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  CreateRestoreTestingPlanCommand,
  CreateRestoreTestingSelectionCommand,
  DescribeBackupVaultCommand,
  DescribeRegionSettingsCommand,
  GetBackupPlanCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  GetRestoreTestingSelectionCommand,
  type Lifecycle,
  ListTagsCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  paginateListBackupPlans,
  paginateListBackupSelections,
  paginateListBackupVaults,
  paginateListRecoveryPointsByBackupVault,
  paginateListRestoreTestingPlans,
  UpdateBackupPlanCommand,
  UpdateRegionSettingsCommand,
} from '@aws-sdk/client-backup';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  type S3Client,
  type TransitionDefaultMinimumObjectSize,
} from '@aws-sdk/client-s3';
import type { Aws } from '../aws/clients.js';
import { SentinelError } from '../errors.js';
import { vaultArn } from '../inventory/arn.js';
import { own } from '../maps.js';
import type { Policy, PolicySet } from '../policy/index.js';
import { scheduleMaxGapHours } from '../policy/schedule.js';
import { keepDays, raisedDays, showDays } from '../rules/catalogue/plan.js';
import {
  deleteProtection,
  graceChangeableDays,
  incomingCopies,
  lockBounds,
  outsideLock,
  PROTECTED_ACTIONS,
} from '../rules/catalogue/vault.js';
import { copyDestinations } from '../rules/destinations.js';
import type { Action, DbChanges } from './actions.js';
import type { PlannedAction } from './planner.js';

export interface ExecuteOptions {
  apply: boolean;
  /** At most this many writes per run; the rest is reported as over the cap. */
  maxChanges: number;
  accountId: string;
  policies: PolicySet;
  /** Role AWS Backup assumes for selections and restore tests (iam:PassRole). */
  backupRoleArn: string;
  /**
   * Change only backup plans tagged managed-by=backup-sentinel: the functions' roles may change
   * no other (resources/README.md), so another plan's fix is refused with the reason, not failed.
   */
  ownedPlansOnly?: boolean;
  onResult?: (result: ActionResult) => void;
}

/**
 * `refused`: the executor would not make the change because it would weaken protection or break
 * the next job (the reason says which); not a failure: nothing went wrong, nothing was written.
 */
export type ResultStatus = 'applied' | 'already-done' | 'would-apply' | 'over-cap' | 'failed' | 'refused';

export interface ActionResult {
  summary: string;
  action: Action;
  status: ResultStatus;
  before?: unknown;
  after?: unknown;
  error?: string;
  /** Why a `refused` action was not applied. */
  reason?: string;
}

interface Step {
  before: unknown;
  after: unknown;
  /** Absent when nothing needs to change. A create resolves to MADE_BY_ANOTHER_RUN when it was beaten to it. */
  write?: () => Promise<unknown>;
  /** Set when the change is not made for safety: nothing is written. */
  refused?: string;
  /** Set when `write` replaces a whole document. */
  guard?: Guard;
}

/** The tag backup-sentinel creates plans, vaults and restore testing plans with (resources/iam.ts OWNER_TAG). */
const OWNER_TAGS = { 'managed-by': 'backup-sentinel' };

const refuse = (before: unknown, reason: string): Step => ({ before, after: before, refused: reason });

/** An edit by someone else, between our read and our write, that the executor would not overwrite. */
class ConcurrentChangeError extends SentinelError {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentChangeError';
  }
}

/**
 * A whole document that a write replaces (S3 lifecycle configuration, backup plan, vault access
 * policy, vault notifications): the executor reads it again just before writing and computes the
 * step again when it changed, and reads it after writing to check that it still holds every part
 * of what was written: the owner's rules, statements and events, and ours.
 * AWS offers no conditional write for these calls (no ETag or version precondition on
 * PutBucketLifecycleConfiguration, UpdateBackupPlan, PutBackupVaultAccessPolicy or
 * PutBackupVaultNotifications). Left open: an edit landing between that last read and our write
 * (one round trip) is overwritten, and the check after the write cannot see it.
 */
interface Guard {
  /** Reads the document again: does it differ from the one the step was computed from? */
  changed: () => Promise<boolean>;
  /** Reads the document after the write: the parts of what was written it no longer holds. */
  lost: () => Promise<string[]>;
}

/** JSON with object keys sorted: equal for equal documents whatever the key order. */
function fingerprint(doc: unknown): string {
  return JSON.stringify(doc, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * The guard of a write of `written` over the document `read` returns, computed from `seen`.
 * `parts` names what a document holds (a rule, a statement, an event).
 */
function guard<T>(read: () => Promise<T>, seen: T, written: T, parts: (doc: T) => string[]): Guard {
  const was = fingerprint(seen);
  return {
    changed: async () => fingerprint(await read()) !== was,
    lost: async () => {
      const now = new Set(parts(await read()));
      return parts(written).filter((p) => !now.has(p));
    },
  };
}

/** How often a step is computed while its document keeps changing under it. */
const ATTEMPTS = 3;

/**
 * The step for an action. When it is to be written and its document changed since the handler
 * read it, the handler runs again on the fresh state (ATTEMPTS times at most; dry-runs read once).
 */
async function prepare(aws: Aws, action: Action, options: ExecuteOptions): Promise<Step> {
  let step = await handle(aws, action, options);
  for (let attempt = 1; options.apply && step.write && (await step.guard?.changed()); attempt++) {
    if (attempt === ATTEMPTS)
      throw new ConcurrentChangeError(
        `changed by someone else on each of ${ATTEMPTS} reads; nothing written, re-run when the edits stop`,
      );
    step = await handle(aws, action, options);
  }
  return step;
}

/** What a create resolves to when another run made the resource first. */
const MADE_BY_ANOTHER_RUN = Symbol('made by another run');

/**
 * Errors AWS Backup may answer a create with when the resource is already there:
 * AlreadyExistsException (documented for each create), ConflictException (CreateRestoreTestingPlan,
 * while another request is still being performed) and InvalidRequestException. None is taken at
 * its word: the resource counts as made by another run only when reading it again finds it.
 */
const EXISTS_ERRORS = new Set(['AlreadyExistsException', 'ConflictException', 'InvalidRequestException']);

async function createOnce(create: () => Promise<unknown>, exists: () => Promise<unknown>): Promise<unknown> {
  try {
    return await create();
  } catch (e) {
    if (EXISTS_ERRORS.has(errorName(e)) && (await exists().catch(() => false))) return MADE_BY_ANOTHER_RUN;
    throw e;
  }
}

/**
 * The CreatorRequestId of a create, derived from what names the resource (its kind, region and
 * name) and the UTC day: the same for every run making it that day, whatever started the run.
 * AWS Backup lets a request carrying one be repeated "without the risk of running the operation
 * twice", and CreateBackupPlan returns the existing plan when the token matches one: that matters
 * most there, as plans may share a name, so two runs would otherwise make two plans. AWS documents
 * no lifetime for the token; the day in it keeps a re-creation on a later day, after someone
 * deleted the resource, from being answered with the old one. Left open: two runs either side of
 * midnight UTC send different tokens. Tokens are 1-50 characters of [A-Za-z0-9-_.]: a hash.
 */
function creatorRequestId(...parts: string[]): string {
  const day = new Date().toISOString().slice(0, 10);
  const hash = createHash('sha256')
    .update([...parts, day].join('\n'))
    .digest('hex');
  return `backup-sentinel-${hash.slice(0, 32)}`;
}

/**
 * The statement backup-sentinel merges into vault access policies: what AWS's managed Config rule
 * backup-recovery-point-manual-deletion-disabled asks for (Deny to "*" on "*" of the three actions).
 */
export const DENY_DELETE_STATEMENT = {
  Sid: 'BackupSentinelDenyRecoveryPointChanges',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: [...PROTECTED_ACTIONS],
  Resource: '*',
};

/** The statement, exempting the policy's break-glass principals when it names some. */
function denyStatement(exempt: string[] = []): Record<string, unknown> {
  return exempt.length
    ? { ...DENY_DELETE_STATEMENT, Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt } } }
    : DENY_DELETE_STATEMENT;
}

export async function executePlan(
  aws: Aws,
  actions: PlannedAction[],
  options: ExecuteOptions,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  let writes = 0;
  for (const { action, summary } of actions) {
    let result: ActionResult;
    try {
      // Past the cap nothing more is read or written: later actions may build on capped ones.
      if (options.apply && writes >= options.maxChanges) {
        result = { summary, action, status: 'over-cap' };
        options.onResult?.(result);
        results.push(result);
        continue;
      }
      const step = await prepare(aws, action, options);
      if (step.refused !== undefined)
        result = { summary, action, status: 'refused', before: step.before, reason: step.refused };
      else if (!step.write) result = { summary, action, status: 'already-done', before: step.before };
      else if (!options.apply)
        result = { summary, action, status: 'would-apply', before: step.before, after: step.after };
      else {
        writes++;
        const done = await step.write();
        const lost = (await step.guard?.lost()) ?? [];
        if (lost.length)
          throw new ConcurrentChangeError(
            `changed by someone else during the write: it no longer holds ${lost.join('; ')}; re-run`,
          );
        result =
          done === MADE_BY_ANOTHER_RUN
            ? { summary, action, status: 'already-done', before: { exists: true, by: 'another run' } }
            : { summary, action, status: 'applied', before: step.before, after: step.after };
      }
    } catch (e) {
      const err = e as Error;
      result = { summary, action, status: 'failed', error: `${err.name}: ${err.message}` };
    }
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}

function handle(aws: Aws, a: Action, o: ExecuteOptions): Promise<Step> {
  switch (a.type) {
    case 'EnableBucketVersioning':
      return enableVersioning(aws, a.region, a.bucket);
    case 'AddBucketLifecycleRule':
      return addLifecycleRule(aws, a.region, a.bucket, a.ruleId, a.noncurrentDays);
    case 'ModifyDBInstance':
    case 'ModifyDBCluster':
      return modifyDb(aws, a);
    case 'CreateBackupVault':
      return createVault(aws, a.region, a.vaultName, a.encryptionKeyArn);
    case 'CreateBackupPlan':
      return createPlan(aws, a.region, policyOf(o, a.policy), o.accountId);
    case 'CreateBackupSelection':
      return createSelection(aws, a, o);
    case 'AddBackupPlanRule':
    case 'RaiseRuleRetention':
    case 'AddCopyAction':
    case 'RaiseCopyRetention':
      return updatePlan(aws, a, o);
    case 'EnableResourceTypeOptIn':
      return optIn(aws, a.region, a.resourceType);
    case 'PutVaultNotifications':
      return putNotifications(aws, a.region, a.vaultName, a.events, a.snsTopicArn);
    case 'AddVaultDeleteProtection':
      return addDeleteProtection(aws, a.region, a.vaultName, a.exemptPrincipalArns);
    case 'PutVaultLock':
      return putLock(aws, a);
    case 'CreateRestoreTestingPlan':
      return createRestoreTestingPlan(aws, a.region, a.name, policyOf(o, a.policy), o.accountId);
    case 'CreateRestoreTestingSelection':
      return createRestoreTestingSelection(aws, a, o.backupRoleArn);
  }
}

function policyOf(o: ExecuteOptions, name: string): Policy {
  const p = own(o.policies.policies, name);
  if (!p) throw new Error(`policy ${name} is not in the policy file`);
  return p;
}

const errorName = (e: unknown) => (e as Error).name;

/** For `.catch`: a resource AWS Backup does not find reads as undefined. */
function absent(e: unknown): undefined {
  if (errorName(e) === 'ResourceNotFoundException') return undefined;
  throw e;
}

async function enableVersioning(aws: Aws, region: string, bucket: string): Promise<Step> {
  const s3 = aws.s3(region);
  const got = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  const before = { Status: got.Status ?? 'never enabled' };
  if (got.Status === 'Enabled') return { before, after: before };
  return {
    before,
    after: { Status: 'Enabled' },
    write: () =>
      s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
      ),
  };
}

interface LifecycleDocument {
  Rules: LifecycleRule[];
  TransitionDefaultMinimumObjectSize?: TransitionDefaultMinimumObjectSize;
}

async function readLifecycle(s3: S3Client, bucket: string): Promise<LifecycleDocument> {
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })).catch((e) => {
    if (errorName(e) === 'NoSuchLifecycleConfiguration') return undefined;
    throw e;
  });
  const size = got?.TransitionDefaultMinimumObjectSize;
  return { Rules: got?.Rules ?? [], ...(size ? { TransitionDefaultMinimumObjectSize: size } : {}) };
}

/** S3 gives every rule an ID; one without is named by its content. */
const lifecycleParts = (doc: LifecycleDocument) => doc.Rules.map((r) => `rule ${r.ID ?? fingerprint(r)}`);

async function addLifecycleRule(
  aws: Aws,
  region: string,
  bucket: string,
  id: string,
  days: number,
): Promise<Step> {
  const s3 = aws.s3(region);
  const read = () => readLifecycle(s3, bucket);
  const got = await read();
  const rules = got.Rules;
  if (rules.some((r) => r.ID === id)) return { before: { Rules: rules }, after: { Rules: rules } };
  // S3 honours the earliest expiration where rules overlap: a bucket-wide rule would shorten a
  // user's longer noncurrent retention under some prefix. Such buckets are left to their owners.
  const theirs = rules.find((r) => r.Status === 'Enabled' && r.NoncurrentVersionExpiration);
  if (theirs)
    return refuse(
      { Rules: rules },
      `rule ${theirs.ID ?? '(unnamed)'} already expires noncurrent versions; not adding a bucket-wide rule over it`,
    );
  // The user's rules are sent back exactly as read; ours is appended.
  const ours: LifecycleRule = {
    ID: id,
    Status: 'Enabled',
    Filter: {},
    NoncurrentVersionExpiration: { NoncurrentDays: days },
  };
  const written = { ...got, Rules: [...rules, ours] };
  return {
    before: { Rules: rules },
    after: { Rules: written.Rules },
    write: () =>
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: written.Rules },
          ...(got.TransitionDefaultMinimumObjectSize
            ? { TransitionDefaultMinimumObjectSize: got.TransitionDefaultMinimumObjectSize }
            : {}),
        }),
      ),
    guard: guard(read, got, written, lifecycleParts),
  };
}

async function modifyDb(
  aws: Aws,
  a: Extract<Action, { type: 'ModifyDBInstance' | 'ModifyDBCluster' }>,
): Promise<Step> {
  const rds = aws.rds(a.region);
  const current =
    a.type === 'ModifyDBInstance'
      ? (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: a.identifier })))
          .DBInstances?.[0]
      : (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: a.identifier })))
          .DBClusters?.[0];
  if (!current) throw new Error(`${a.identifier} not found`);
  const before = {
    BackupRetentionPeriod: current.BackupRetentionPeriod,
    DeletionProtection: current.DeletionProtection,
    CopyTagsToSnapshot: current.CopyTagsToSnapshot,
  };
  // Only raise and enable: a value already at or above the target is left as it is.
  const changes: DbChanges = {};
  const want = a.changes;
  // A retention change waiting for the maintenance window counts as done (no second Modify).
  const retention = Math.max(
    current.BackupRetentionPeriod ?? 0,
    current.PendingModifiedValues?.BackupRetentionPeriod ?? 0,
  );
  if (want.BackupRetentionPeriod !== undefined && retention < want.BackupRetentionPeriod) {
    changes.BackupRetentionPeriod = want.BackupRetentionPeriod;
  }
  if (want.DeletionProtection && !current.DeletionProtection) changes.DeletionProtection = true;
  if (want.CopyTagsToSnapshot && !current.CopyTagsToSnapshot) changes.CopyTagsToSnapshot = true;
  if (Object.keys(changes).length === 0) return { before, after: before };
  // Never ApplyImmediately: it would also apply whatever else the owner queued for the maintenance
  // window (instance class, engine upgrade). Deletion protection and tag copying take effect at
  // once anyway; retention N->M applies asynchronously; 0->N waits for the window (it causes an outage).
  const applyImmediately = false;
  return {
    before,
    after: { ...before, ...changes },
    write: () =>
      a.type === 'ModifyDBInstance'
        ? rds.send(
            new ModifyDBInstanceCommand({
              DBInstanceIdentifier: a.identifier,
              ...changes,
              ApplyImmediately: applyImmediately,
            }),
          )
        : rds.send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: a.identifier,
              ...changes,
              ApplyImmediately: applyImmediately,
            }),
          ),
  };
}

/**
 * AWS Backup answers DescribeBackupVault on a vault that does not exist with AccessDenied (403),
 * even when the caller may describe vaults: confirm by listing before calling it absent.
 */
async function vaultExists(aws: Aws, region: string, name: string) {
  const b = aws.backup(region);
  try {
    return await b.send(new DescribeBackupVaultCommand({ BackupVaultName: name }));
  } catch (e) {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    if (errorName(e) !== 'AccessDeniedException') throw e;
    let listed = false;
    try {
      for await (const page of paginateListBackupVaults({ client: b }, {})) {
        listed ||= page.BackupVaultList?.some((v) => v.BackupVaultName === name) ?? false;
      }
    } catch {
      throw e; // cannot tell: report the original denial
    }
    if (listed) throw e;
    return undefined;
  }
}

async function createVault(aws: Aws, region: string, name: string, key: string | undefined): Promise<Step> {
  const existing = await vaultExists(aws, region, name);
  if (existing)
    return { before: { exists: true, EncryptionKeyArn: existing.EncryptionKeyArn }, after: { exists: true } };
  return {
    before: { exists: false },
    after: { exists: true, EncryptionKeyArn: key ?? 'aws/backup' },
    write: () =>
      createOnce(
        () =>
          aws.backup(region).send(
            new CreateBackupVaultCommand({
              BackupVaultName: name,
              ...(key ? { EncryptionKeyArn: key } : {}),
              BackupVaultTags: OWNER_TAGS,
              CreatorRequestId: creatorRequestId('vault', region, name),
            }),
          ),
        () => vaultExists(aws, region, name),
      ),
  };
}

async function findPlan(aws: Aws, region: string, name: string) {
  const b = aws.backup(region);
  for await (const page of paginateListBackupPlans({ client: b }, {})) {
    const hit = page.BackupPlansList?.find((p) => p.BackupPlanName === name);
    if (hit?.BackupPlanId) return b.send(new GetBackupPlanCommand({ BackupPlanId: hit.BackupPlanId }));
  }
  return undefined;
}

/** The plan a policy needs: its snapshot rule (with its copies) and, if asked, a continuous rule. */
export function planFromPolicy(policy: Policy, region: string, accountId: string): BackupPlanInput {
  const copies = copyDestinations(policy, region, accountId).map((d) => ({
    DestinationBackupVaultArn: d.arn,
    Lifecycle: { DeleteAfterDays: d.retentionDays },
  }));
  const rules: BackupRuleInput[] = [
    {
      RuleName: 'backup-sentinel-snapshots',
      TargetBackupVaultName: policy.vaultName,
      ScheduleExpression: policy.scheduleExpression,
      Lifecycle: { DeleteAfterDays: policy.retentionDays },
      ...(copies.length ? { CopyActions: copies } : {}),
    },
  ];
  if (policy.continuous) {
    rules.push({
      RuleName: 'backup-sentinel-continuous',
      TargetBackupVaultName: policy.vaultName,
      ScheduleExpression: 'cron(0 5 ? * * *)',
      Lifecycle: { DeleteAfterDays: Math.min(policy.retentionDays, 35) },
      EnableContinuousBackup: true,
    });
  }
  return { BackupPlanName: policy.planName, Rules: rules };
}

async function createPlan(aws: Aws, region: string, policy: Policy, accountId: string): Promise<Step> {
  const existing = await findPlan(aws, region, policy.planName);
  if (existing) return { before: { exists: true }, after: { exists: true } };
  const plan = planFromPolicy(policy, region, accountId);
  return {
    before: { exists: false },
    after: plan,
    write: () =>
      createOnce(
        () =>
          aws.backup(region).send(
            new CreateBackupPlanCommand({
              BackupPlan: plan,
              BackupPlanTags: OWNER_TAGS,
              CreatorRequestId: creatorRequestId('plan', region, policy.planName),
            }),
          ),
        () => findPlan(aws, region, policy.planName),
      ),
  };
}

/**
 * Type patterns: RDS instances and clusters named by type are picked without the service-wide
 * opt-in (Aurora, Neptune and DocumentDB still need theirs: they share the cluster ARN). S3 bucket
 * ARNs name no type, so `arn:aws:s3:::*` still needs the S3 opt-in (namesResourceType in
 * src/rules/selection.ts).
 */
const SELECTION_RESOURCES = ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:*:*:cluster:*', 'arn:aws:s3:::*'];

/** Why a plan may not be changed under `ownedPlansOnly`, or undefined when it may. */
async function notOwned(aws: Aws, region: string, plan: { BackupPlanArn?: string }, o: ExecuteOptions) {
  if (!o.ownedPlansOnly) return undefined;
  const { Tags } = await aws.backup(region).send(new ListTagsCommand({ ResourceArn: plan.BackupPlanArn }));
  if (own(Tags ?? {}, 'managed-by') === OWNER_TAGS['managed-by']) return undefined;
  return `plan ${plan.BackupPlanArn} was not created by backup-sentinel (no tag managed-by=backup-sentinel): its role may change only the plans it owns; tag the plan to let it heal this one`;
}

async function createSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateBackupSelection' }>,
  o: ExecuteOptions,
): Promise<Step> {
  const b = aws.backup(a.region);
  const plan = await findPlan(aws, a.region, a.planName);
  if (plan?.BackupPlanId && (await selectionExists(b, plan.BackupPlanId, a.selectionName)))
    return { before: { exists: true }, after: { exists: true } };
  const foreign = plan && (await notOwned(aws, a.region, plan, o));
  if (foreign) return refuse({ exists: false }, foreign);
  const selection = {
    SelectionName: a.selectionName,
    IamRoleArn: o.backupRoleArn,
    Resources: SELECTION_RESOURCES,
    Conditions: {
      StringEquals: [{ ConditionKey: `aws:ResourceTag/${a.tagKey}`, ConditionValue: a.tagValue }],
      StringNotEquals: [{ ConditionKey: `aws:ResourceTag/${a.auditOnlyTagKey}`, ConditionValue: 'false' }],
    },
  };
  return {
    before: { exists: false, plan: plan ? 'exists' : 'to be created earlier in this run' },
    after: selection,
    // The plan may be created earlier in this run: look it up again when writing.
    write: async () => {
      const id = plan?.BackupPlanId ?? (await findPlan(aws, a.region, a.planName))?.BackupPlanId;
      if (!id) throw new Error(`plan ${a.planName} does not exist in ${a.region}`);
      return createOnce(
        () =>
          b.send(
            new CreateBackupSelectionCommand({
              BackupPlanId: id,
              BackupSelection: selection,
              CreatorRequestId: creatorRequestId('selection', a.region, id, a.selectionName),
            }),
          ),
        () => selectionExists(b, id, a.selectionName),
      );
    },
  };
}

async function selectionExists(b: BackupClient, planId: string, name: string): Promise<boolean> {
  for await (const page of paginateListBackupSelections({ client: b }, { BackupPlanId: planId })) {
    if (page.BackupSelectionsList?.some((s) => s.SelectionName === name)) return true;
  }
  return false;
}

async function updatePlan(
  aws: Aws,
  a: Extract<
    Action,
    { type: 'AddBackupPlanRule' | 'RaiseRuleRetention' | 'AddCopyAction' | 'RaiseCopyRetention' }
  >,
  o: ExecuteOptions,
): Promise<Step> {
  const got = await findPlan(aws, a.region, a.planName);
  const id = got?.BackupPlanId;
  if (!got?.BackupPlan || !id) throw new Error(`plan ${a.planName} does not exist in ${a.region}`);
  const foreign = await notOwned(aws, a.region, got, o);
  if (foreign) return refuse({ exists: true }, foreign);
  const b = aws.backup(a.region);
  const read = async (): Promise<PlanDocument> =>
    (await b.send(new GetBackupPlanCommand({ BackupPlanId: id }))).BackupPlan;
  // A copy: the changes below leave the plan as read intact, for the check before the write.
  const rules: BackupRuleInput[] = structuredClone(got.BackupPlan.Rules ?? []).map(
    ({ RuleId: _id, ...r }) => r as BackupRuleInput,
  );
  const before = structuredClone(rules);
  const ruleName = a.type === 'AddBackupPlanRule' ? a.rule.RuleName : a.ruleName;
  const rule = rules.find((r) => r.RuleName === ruleName);
  if (a.type === 'AddBackupPlanRule') {
    if (!rule) rules.push(a.rule as BackupRuleInput);
  } else if (!rule) {
    throw new Error(`rule ${ruleName} is no longer in plan ${a.planName}`);
  } else if (a.type === 'RaiseRuleRetention') {
    // Unset, 0 and -1 keep recovery points forever: raising those would shorten them.
    const days = rule.Lifecycle?.DeleteAfterDays;
    if (days !== undefined && days > 0 && days < a.deleteAfterDays)
      rule.Lifecycle = { ...rule.Lifecycle, DeleteAfterDays: raisedDays(a.deleteAfterDays, rule.Lifecycle) };
  } else {
    const copy = rule.CopyActions?.find((c) => c.DestinationBackupVaultArn === a.destinationVaultArn);
    if (a.type === 'AddCopyAction' && !copy) {
      rule.CopyActions = [
        ...(rule.CopyActions ?? []),
        {
          DestinationBackupVaultArn: a.destinationVaultArn,
          Lifecycle: { DeleteAfterDays: a.deleteAfterDays },
        },
      ];
    } else if (a.type === 'RaiseCopyRetention' && !copy) {
      throw new Error(`rule ${ruleName} no longer copies to ${a.destinationVaultArn}`);
    } else if (a.type === 'RaiseCopyRetention' && copy) {
      // The copy's own DeleteAfterDays (-1: forever), else its rule's (unset: forever).
      const days = copy.Lifecycle?.DeleteAfterDays ?? rule.Lifecycle?.DeleteAfterDays;
      if (days !== undefined && days > 0 && days < a.deleteAfterDays)
        copy.Lifecycle = {
          ...copy.Lifecycle,
          DeleteAfterDays: raisedDays(a.deleteAfterDays, copy.Lifecycle),
        };
    }
  }
  if (JSON.stringify(rules) === JSON.stringify(before)) return { before, after: before };
  // UpdateBackupPlan replaces the document: keep every plan-level field (advanced, scan settings).
  const plan = { ...got.BackupPlan, BackupPlanName: a.planName, Rules: rules } as BackupPlanInput;

  return {
    before,
    after: rules,
    write: () => b.send(new UpdateBackupPlanCommand({ BackupPlanId: id, BackupPlan: plan })),
    guard: guard(read, got.BackupPlan, plan, planParts),
  };
}

type PlanDocument =
  | { Rules?: { RuleName?: string; Lifecycle?: Lifecycle; CopyActions?: CopyAction[] }[] }
  | undefined;

/** A plan's rules and copies, each with what it keeps (so that a lowered retention shows). */
function planParts(plan: PlanDocument): string[] {
  return (plan?.Rules ?? []).flatMap((r) => [
    `rule ${r.RuleName} keeping ${showDays(keepDays(r.Lifecycle))}`,
    ...(r.CopyActions ?? []).map(
      (c) =>
        `copy of rule ${r.RuleName} to ${c.DestinationBackupVaultArn} keeping ${showDays(keepDays(c.Lifecycle?.DeleteAfterDays === undefined ? r.Lifecycle : c.Lifecycle))}`,
    ),
  ]);
}

async function optIn(aws: Aws, region: string, type: string): Promise<Step> {
  const b = aws.backup(region);
  const got = await b.send(new DescribeRegionSettingsCommand({}));
  const before = { [type]: got.ResourceTypeOptInPreference?.[type] ?? false };
  if (before[type]) return { before, after: before };
  return {
    before,
    after: { [type]: true },
    write: () => b.send(new UpdateRegionSettingsCommand({ ResourceTypeOptInPreference: { [type]: true } })),
  };
}

async function putNotifications(
  aws: Aws,
  region: string,
  vault: string,
  events: string[],
  topic: string | undefined,
): Promise<Step> {
  const b = aws.backup(region);
  const read = async (): Promise<Notifications | undefined> => {
    const got = await b
      .send(new GetBackupVaultNotificationsCommand({ BackupVaultName: vault }))
      .catch(absent);
    return got && { SNSTopicArn: got.SNSTopicArn, BackupVaultEvents: got.BackupVaultEvents ?? [] };
  };
  const got = await read();
  const have = got?.BackupVaultEvents ?? [];
  const sns = got?.SNSTopicArn ?? topic;
  if (!sns) throw new Error('no SNS topic to send vault events to');
  const merged = [...new Set([...have, ...events])];
  const before = { SNSTopicArn: got?.SNSTopicArn, BackupVaultEvents: have };
  if (got?.SNSTopicArn && merged.length === have.length) return { before, after: before };
  const after = { SNSTopicArn: sns, BackupVaultEvents: merged };
  return {
    before,
    after,
    write: () =>
      b.send(
        new PutBackupVaultNotificationsCommand({
          BackupVaultName: vault,
          SNSTopicArn: sns,
          BackupVaultEvents: merged as BackupVaultEvent[],
        }),
      ),
    guard: guard(read, got, after, notificationParts),
  };
}

interface Notifications {
  SNSTopicArn?: string;
  BackupVaultEvents: string[];
}

const notificationParts = (n: Notifications | undefined) =>
  n ? [`topic ${n.SNSTopicArn}`, ...n.BackupVaultEvents.map((e) => `event ${e}`)] : [];

async function addDeleteProtection(
  aws: Aws,
  region: string,
  vault: string,
  exempt: string[] | undefined,
): Promise<Step> {
  const b = aws.backup(region);
  const read = async () =>
    (await b.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: vault })).catch(absent))?.Policy;
  const text = await read();
  const doc = text
    ? (JSON.parse(text) as { Version?: string; Statement?: unknown })
    : { Version: '2012-10-17', Statement: [] };
  const statements = statementsOf(doc);
  // Judged as the rule judges it: the policy's exemptions (none named: any principal named by ARN).
  const judged = deleteProtection({ Statement: statements }, exempt);
  if (judged.protectedBy) return { before: doc, after: doc };
  if (judged.holdouts.length)
    return refuse(
      doc,
      `a deny for everyone would lock out principals the vault policy exempts (${judged.holdouts.join('; ')})`,
    );
  // Every statement is kept as read; ours is appended under a Sid no other statement uses.
  const sids = new Set(statements.map((s) => (s as { Sid?: unknown }).Sid));
  let sid = DENY_DELETE_STATEMENT.Sid;
  for (let n = 2; sids.has(sid); n++) sid = `${DENY_DELETE_STATEMENT.Sid}${n}`;
  const after = {
    ...doc,
    Version: doc.Version ?? '2012-10-17',
    Statement: [...statements, { ...denyStatement(exempt), Sid: sid }],
  };
  return {
    before: doc,
    after,
    write: () =>
      b.send(
        new PutBackupVaultAccessPolicyCommand({ BackupVaultName: vault, Policy: JSON.stringify(after) }),
      ),
    guard: guard(read, text, JSON.stringify(after), policyParts),
  };
}

function statementsOf(doc: { Statement?: unknown }): unknown[] {
  return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
}

/** A policy's statements, by Sid (by content when they have none). */
const policyParts = (text: string | undefined) =>
  text
    ? statementsOf(JSON.parse(text)).map((s) => {
        const sid = (s as { Sid?: unknown }).Sid;
        return `statement ${typeof sid === 'string' ? sid : fingerprint(s)}`;
      })
    : [];

async function putLock(aws: Aws, a: Extract<Action, { type: 'PutVaultLock' }>): Promise<Step> {
  const v = await aws.backup(a.region).send(new DescribeBackupVaultCommand({ BackupVaultName: a.vaultName }));
  const before = {
    Locked: v.Locked ?? false,
    MinRetentionDays: v.MinRetentionDays,
    MaxRetentionDays: v.MaxRetentionDays,
    LockDate: v.LockDate,
  };
  const satisfied =
    v.Locked &&
    (v.MinRetentionDays ?? 0) >= a.minRetentionDays &&
    (a.maxRetentionDays === undefined ||
      (v.MaxRetentionDays !== undefined && v.MaxRetentionDays <= a.maxRetentionDays)) &&
    (a.changeableForDays === undefined || v.LockDate !== undefined);
  if (satisfied) return { before, after: before };
  const now = Date.now();
  const lockDate = v.LockDate?.getTime();
  if (lockDate !== undefined && lockDate <= now)
    return refuse(before, 'the compliance-mode lock is in force and cannot be changed');
  // A compliance-mode lock in its grace period: only a call that keeps compliance mode (with
  // ChangeableForDays) and the same or stricter bounds; anything else would make it removable.
  const inGrace = Boolean(v.Locked) && lockDate !== undefined;
  if (inGrace && a.changeableForDays === undefined)
    return refuse(
      before,
      `vault ${a.vaultName} has a compliance-mode lock in its grace period (until ${v.LockDate?.toISOString()}): a lock without ChangeableForDays would turn it into a removable governance lock`,
    );
  // Bounds only tighten: the minimum never drops, the maximum never rises (the vault's own
  // maximum is kept when the policy sets none; the Put would otherwise remove it).
  const { min, max } = lockBounds(a.minRetentionDays, a.maxRetentionDays, v);
  if (max !== undefined && max < min)
    return refuse(before, `maximum retention ${max}d would be below the minimum ${min}d`);
  // Copies from other accounts or regions (this account may be someone's DR account) come from
  // plans we cannot see: the newest point of each source tells what its next copy keeps.
  const rejected = incomingCopies(await recentPoints(aws.backup(a.region), a.vaultName)).filter(
    outsideLock(min, max),
  );
  if (rejected.length)
    return refuse(
      before,
      `a lock with minimum ${min}d${max === undefined ? '' : `, maximum ${max}d`} would reject the copies into vault ${a.vaultName} from ${rejected.map((c) => `${c.source} (kept ${showDays(c.days)})`).join(', ')}: their copy jobs would fail`,
    );
  const changeable = inGrace ? graceChangeableDays(lockDate ?? now, now) : a.changeableForDays;
  const input = {
    BackupVaultName: a.vaultName,
    MinRetentionDays: min,
    ...(max !== undefined ? { MaxRetentionDays: max } : {}),
    ...(changeable !== undefined ? { ChangeableForDays: changeable } : {}),
  };
  return {
    before,
    after: input,
    write: () => aws.backup(a.region).send(new PutBackupVaultLockConfigurationCommand(input)),
  };
}

/** How far back the executor looks for copies into a vault before locking it. */
const INCOMING_DAYS = 35;

async function recentPoints(b: BackupClient, vault: string) {
  const since = new Date(Date.now() - INCOMING_DAYS * 86_400_000);
  const points = [];
  for await (const page of paginateListRecoveryPointsByBackupVault(
    { client: b },
    { BackupVaultName: vault, ByCreatedAfter: since },
  ))
    points.push(...(page.RecoveryPoints ?? []));
  return points;
}

const RESTORE_START_WINDOW_HOURS = 24;

/**
 * The least frequent schedule whose gap plus the start window stays within everyDays, so the
 * newest test is never older than the policy allows (restore.recent-success). Daily at most.
 */
export function restoreSchedule(everyDays: number): string {
  const candidates = [
    'cron(0 7 1 * ? *)',
    'cron(0 7 ? * SAT *)',
    'cron(0 7 ? * WED,SAT *)',
    'cron(0 7 ? * * *)',
  ];
  const fits = (c: string) =>
    (scheduleMaxGapHours(c) ?? Number.POSITIVE_INFINITY) + RESTORE_START_WINDOW_HOURS <= everyDays * 24;
  return candidates.find(fits) ?? 'cron(0 7 ? * * *)';
}

async function createRestoreTestingPlan(
  aws: Aws,
  region: string,
  name: string,
  policy: Policy,
  accountId: string,
): Promise<Step> {
  const b = aws.backup(region);
  if (await restoreTestingPlanExists(b, name)) return { before: { exists: true }, after: { exists: true } };
  const everyDays = policy.restoreTest?.everyDays ?? 7;
  const plan = {
    RestoreTestingPlanName: name,
    ScheduleExpression: restoreSchedule(everyDays),
    StartWindowHours: RESTORE_START_WINDOW_HOURS,
    RecoveryPointSelection: {
      Algorithm: 'LATEST_WITHIN_WINDOW' as const,
      IncludeVaults: [vaultArn(region, accountId, policy.vaultName)],
      RecoveryPointTypes: ['SNAPSHOT' as const],
      SelectionWindowDays: Math.min(365, Math.max(1, everyDays)),
    },
  };
  return {
    before: { exists: false },
    after: plan,
    write: () =>
      createOnce(
        () =>
          b.send(
            new CreateRestoreTestingPlanCommand({
              RestoreTestingPlan: plan,
              Tags: OWNER_TAGS,
              CreatorRequestId: creatorRequestId('restore-testing-plan', region, name),
            }),
          ),
        () => restoreTestingPlanExists(b, name),
      ),
  };
}

async function restoreTestingPlanExists(b: BackupClient, name: string): Promise<boolean> {
  for await (const page of paginateListRestoreTestingPlans({ client: b }, {})) {
    if (page.RestoreTestingPlans?.some((p) => p.RestoreTestingPlanName === name)) return true;
  }
  return false;
}

async function createRestoreTestingSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateRestoreTestingSelection' }>,
  role: string,
): Promise<Step> {
  const b = aws.backup(a.region);
  const exists = async () =>
    (
      await b
        .send(
          new GetRestoreTestingSelectionCommand({
            RestoreTestingPlanName: a.planName,
            RestoreTestingSelectionName: a.selectionName,
          }),
        )
        .catch(absent)
    )?.RestoreTestingSelection;
  if (await exists()) return { before: { exists: true }, after: { exists: true } };
  const selection = {
    RestoreTestingSelectionName: a.selectionName,
    ProtectedResourceType: a.resourceType,
    IamRoleArn: role,
    ProtectedResourceArns: ['*'],
    ProtectedResourceConditions: {
      StringEquals: [{ Key: `aws:ResourceTag/${a.tagKey}`, Value: a.tagValue }],
      StringNotEquals: [{ Key: `aws:ResourceTag/${a.auditOnlyTagKey}`, Value: 'false' }],
    },
    ...(Object.keys(a.overrides).length ? { RestoreMetadataOverrides: a.overrides } : {}),
    ...(a.validationWindowHours ? { ValidationWindowHours: a.validationWindowHours } : {}),
  };
  return {
    before: { exists: false },
    after: selection,
    write: () =>
      createOnce(
        () =>
          b.send(
            new CreateRestoreTestingSelectionCommand({
              RestoreTestingPlanName: a.planName,
              RestoreTestingSelection: selection,
              CreatorRequestId: creatorRequestId(
                'restore-testing-selection',
                a.region,
                a.planName,
                a.selectionName,
              ),
            }),
          ),
        exists,
      ),
  };
}
