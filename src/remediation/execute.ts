/**
 * The executor: applies planned actions, one place per side effect. Every handler re-reads the
 * current state first and returns what it found (`before`), what it would make (`after`) and the
 * write — or no write when the state already satisfies the action (idempotent). Dry-run is the
 * default and runs the same reads, so it prints the same plan. A per-run cap bounds the changes.
 */
import {
  type BackupPlanInput,
  type BackupRuleInput,
  type BackupVaultEvent,
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
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  paginateListBackupPlans,
  paginateListBackupSelections,
  paginateListBackupVaults,
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
} from '@aws-sdk/client-s3';
import type { Aws } from '../aws/clients.js';
import { vaultArn } from '../inventory/arn.js';
import { own } from '../maps.js';
import type { Policy, PolicySet } from '../policy/index.js';
import { scheduleMaxGapHours } from '../policy/schedule.js';
import { raisedDays } from '../rules/catalogue/plan.js';
import {
  deleteProtection,
  graceChangeableDays,
  lockBounds,
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
  /** Absent when nothing needs to change. */
  write?: () => Promise<unknown>;
  /** Set when the change is not made for safety: nothing is written. */
  refused?: string;
}

const refuse = (before: unknown, reason: string): Step => ({ before, after: before, refused: reason });

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
      const step = await handle(aws, action, options);
      if (step.refused !== undefined)
        result = { summary, action, status: 'refused', before: step.before, reason: step.refused };
      else if (!step.write) result = { summary, action, status: 'already-done', before: step.before };
      else if (!options.apply)
        result = { summary, action, status: 'would-apply', before: step.before, after: step.after };
      else {
        writes++;
        await step.write();
        result = { summary, action, status: 'applied', before: step.before, after: step.after };
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
      return createSelection(aws, a, o.backupRoleArn);
    case 'AddBackupPlanRule':
    case 'RaiseRuleRetention':
    case 'AddCopyAction':
    case 'RaiseCopyRetention':
      return updatePlan(aws, a);
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

async function addLifecycleRule(
  aws: Aws,
  region: string,
  bucket: string,
  id: string,
  days: number,
): Promise<Step> {
  const s3 = aws.s3(region);
  const got = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })).catch((e) => {
    if (errorName(e) === 'NoSuchLifecycleConfiguration')
      return { Rules: [] as LifecycleRule[], TransitionDefaultMinimumObjectSize: undefined };
    throw e;
  });
  const rules = got.Rules ?? [];
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
  const after = [...rules, ours];
  return {
    before: { Rules: rules },
    after: { Rules: after },
    write: () =>
      s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: after },
          ...(got.TransitionDefaultMinimumObjectSize
            ? { TransitionDefaultMinimumObjectSize: got.TransitionDefaultMinimumObjectSize }
            : {}),
        }),
      ),
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
      aws.backup(region).send(
        new CreateBackupVaultCommand({
          BackupVaultName: name,
          ...(key ? { EncryptionKeyArn: key } : {}),
          BackupVaultTags: { 'managed-by': 'backup-sentinel' },
        }),
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
      aws.backup(region).send(
        new CreateBackupPlanCommand({
          BackupPlan: plan,
          BackupPlanTags: { 'managed-by': 'backup-sentinel' },
        }),
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

async function createSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateBackupSelection' }>,
  role: string,
): Promise<Step> {
  const b = aws.backup(a.region);
  const plan = await findPlan(aws, a.region, a.planName);
  if (plan?.BackupPlanId) {
    for await (const page of paginateListBackupSelections(
      { client: b },
      { BackupPlanId: plan.BackupPlanId },
    )) {
      if (page.BackupSelectionsList?.some((s) => s.SelectionName === a.selectionName)) {
        return { before: { exists: true }, after: { exists: true } };
      }
    }
  }
  const selection = {
    SelectionName: a.selectionName,
    IamRoleArn: role,
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
      return b.send(new CreateBackupSelectionCommand({ BackupPlanId: id, BackupSelection: selection }));
    },
  };
}

async function updatePlan(
  aws: Aws,
  a: Extract<
    Action,
    { type: 'AddBackupPlanRule' | 'RaiseRuleRetention' | 'AddCopyAction' | 'RaiseCopyRetention' }
  >,
): Promise<Step> {
  const got = await findPlan(aws, a.region, a.planName);
  if (!got?.BackupPlan || !got.BackupPlanId)
    throw new Error(`plan ${a.planName} does not exist in ${a.region}`);
  const rules: BackupRuleInput[] = (got.BackupPlan.Rules ?? []).map(
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
    write: () =>
      aws
        .backup(a.region)
        .send(new UpdateBackupPlanCommand({ BackupPlanId: got.BackupPlanId, BackupPlan: plan })),
  };
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
  const got = await b.send(new GetBackupVaultNotificationsCommand({ BackupVaultName: vault })).catch((e) => {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  });
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
  };
}

async function addDeleteProtection(
  aws: Aws,
  region: string,
  vault: string,
  exempt: string[] | undefined,
): Promise<Step> {
  const b = aws.backup(region);
  const got = await b.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: vault })).catch((e) => {
    if (errorName(e) === 'ResourceNotFoundException') return undefined;
    throw e;
  });
  const doc = got?.Policy
    ? (JSON.parse(got.Policy) as { Version?: string; Statement?: unknown })
    : { Version: '2012-10-17', Statement: [] };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
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
  };
}

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
  for await (const page of paginateListRestoreTestingPlans({ client: b }, {})) {
    if (page.RestoreTestingPlans?.some((p) => p.RestoreTestingPlanName === name))
      return { before: { exists: true }, after: { exists: true } };
  }
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
      b.send(
        new CreateRestoreTestingPlanCommand({
          RestoreTestingPlan: plan,
          Tags: { 'managed-by': 'backup-sentinel' },
        }),
      ),
  };
}

async function createRestoreTestingSelection(
  aws: Aws,
  a: Extract<Action, { type: 'CreateRestoreTestingSelection' }>,
  role: string,
): Promise<Step> {
  const b = aws.backup(a.region);
  const existing = await b
    .send(
      new GetRestoreTestingSelectionCommand({
        RestoreTestingPlanName: a.planName,
        RestoreTestingSelectionName: a.selectionName,
      }),
    )
    .catch((e) => {
      if (errorName(e) === 'ResourceNotFoundException') return undefined;
      throw e;
    });
  if (existing?.RestoreTestingSelection) return { before: { exists: true }, after: { exists: true } };
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
      b.send(
        new CreateRestoreTestingSelectionCommand({
          RestoreTestingPlanName: a.planName,
          RestoreTestingSelection: selection,
        }),
      ),
  };
}
