/**
 * What is known of each action type before anything touches AWS: where it runs in a plan, the IAM
 * actions its handler calls (the re-read, then the write), and the line a person reads. Pure: the
 * planner orders and describes with it, the rules and src/iam.ts derive the IAM their fixes need
 * from it. How each is applied is in handlers/ (SDK). A new action type without an entry here, or
 * in handlers/index.ts, does not compile.
 */
import type { Action, ActionOf, ActionType, NewPlanRule } from './actions.js';

export interface ActionSpec<A extends Action> {
  /** Where it runs in a plan, lowest first: what it builds on runs before it (unique). */
  order: number;
  /** Every IAM action its handler may call: the reads before the write, and the write. */
  iam: readonly string[];
  /** One line a person can read: what would change, where. */
  describe(a: A): string;
}

export type ActionSpecs = { [T in ActionType]: ActionSpec<ActionOf<T>> };

/**
 * Creating a vault also needs the storage and KMS grants behind it (create-a-vault.html,
 * "Required permissions"), and TagResource for the tags it is created with (Service
 * Authorization Reference: CreateBackupVault authorizes backup:TagResource too).
 */
const VAULT_CREATION = [
  'backup:CreateBackupVault',
  'backup:TagResource',
  'backup-storage:MountCapsule',
  'kms:CreateGrant',
  'kms:GenerateDataKey',
  'kms:Decrypt',
  'kms:RetireGrant',
  'kms:DescribeKey',
];
/** Finding a plan by name (ListBackupPlans, GetBackupPlan). */
const FIND_PLAN = ['backup:ListBackupPlans', 'backup:GetBackupPlan'];
/** Changing a plan: found by name, its owner tag read (ownedPlansOnly), the document replaced. */
const CHANGE_PLAN = [...FIND_PLAN, 'backup:ListTags', 'backup:UpdateBackupPlan'];

/** "backup-sentinel-snapshots (cron(0 5 ? * * *), keep 35d, copy to arn… (keep 90d))" */
function describeRule(r: NewPlanRule): string {
  const copies = (r.CopyActions ?? []).map(
    (c) => `copy to ${c.DestinationBackupVaultArn} (keep ${c.Lifecycle.DeleteAfterDays}d)`,
  );
  return `${r.RuleName} (${[
    r.ScheduleExpression,
    ...(r.EnableContinuousBackup ? ['continuous'] : []),
    `keep ${r.Lifecycle.DeleteAfterDays}d`,
    ...copies,
  ].join(', ')})`;
}

function describeDb(a: ActionOf<'ModifyDBInstance' | 'ModifyDBCluster'>): string {
  const changes = Object.entries(a.changes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const when =
    a.applyAt === 'next-maintenance-window'
      ? ' at the next maintenance window (turning automated backups on causes a brief outage)'
      : '';
  return `modify ${a.type === 'ModifyDBInstance' ? 'DB instance' : 'DB cluster'} ${a.identifier} (${a.region}): ${changes}${when}`;
}

export const ACTION_SPECS: ActionSpecs = {
  // Region settings
  EnableResourceTypeOptIn: {
    order: 10,
    iam: ['backup:DescribeRegionSettings', 'backup:UpdateRegionSettings'],
    describe: (a) => `opt in resource type ${a.resourceType} for AWS Backup in ${a.region}`,
  },
  // Vaults, plans and selections: created before anything builds on them
  CreateBackupVault: {
    order: 20,
    iam: ['backup:DescribeBackupVault', 'backup:ListBackupVaults', ...VAULT_CREATION],
    describe: (a) =>
      `create backup vault ${a.vaultName} in ${a.region} (policy ${a.policy}), encrypted with ${a.encryptionKeyArn ?? 'the AWS managed key aws/backup'}`,
  },
  CreateBackupPlan: {
    order: 30,
    iam: [...FIND_PLAN, 'backup:CreateBackupPlan', 'backup:TagResource'],
    describe: (a) =>
      `create backup plan ${a.plan.BackupPlanName} in ${a.region} with ${a.plan.Rules.map((r) => `rule ${describeRule(r)}`).join(' and ')}`,
  },
  CreateBackupSelection: {
    order: 40,
    iam: [
      ...FIND_PLAN,
      'backup:ListBackupSelections',
      'backup:ListTags',
      'backup:CreateBackupSelection',
      'iam:PassRole',
    ],
    describe: (a) =>
      `assign ${a.kind === 's3' ? 'S3 buckets' : 'RDS and Aurora databases'} tagged ${a.tagKey}=${a.tagValue} to plan ${a.planName} in ${a.region} (selection ${a.selectionName})`,
  },
  // Plan rules and copies
  AddBackupPlanRule: {
    order: 50,
    iam: CHANGE_PLAN,
    describe: (a) => `add rule ${describeRule(a.rule)} to plan ${a.planName} in ${a.region}`,
  },
  RaiseRuleRetention: {
    order: 60,
    iam: CHANGE_PLAN,
    describe: (a) =>
      `raise retention of rule ${a.ruleName} in plan ${a.planName} (${a.region}) to ${a.deleteAfterDays} days`,
  },
  AddCopyAction: {
    order: 70,
    iam: CHANGE_PLAN,
    describe: (a) =>
      `add copy to ${a.destinationVaultArn} (keep ${a.deleteAfterDays}d) to rule ${a.ruleName} of plan ${a.planName} (${a.region})`,
  },
  RaiseCopyRetention: {
    order: 80,
    iam: CHANGE_PLAN,
    describe: (a) =>
      `raise retention of the copy to ${a.destinationVaultArn} in rule ${a.ruleName} of plan ${a.planName} to ${a.deleteAfterDays} days`,
  },
  // Vault settings
  PutVaultNotifications: {
    order: 90,
    iam: ['backup:GetBackupVaultNotifications', 'backup:PutBackupVaultNotifications'],
    describe: (a) =>
      `send vault ${a.vaultName} (${a.region}) events ${a.events.join(', ')} to ${a.snsTopicArn ?? 'the alert topic'}`,
  },
  AddVaultDeleteProtection: {
    order: 100,
    iam: ['backup:GetBackupVaultAccessPolicy', 'backup:PutBackupVaultAccessPolicy'],
    describe: (a) =>
      `add a statement denying backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle and backup:PutBackupVaultAccessPolicy to everyone${a.exemptPrincipalArns?.length ? ` but ${a.exemptPrincipalArns.join(', ')}` : ''} to the access policy of vault ${a.vaultName} (${a.region}); its statements are kept`,
  },
  PutVaultLock: {
    order: 110,
    // The newest recovery points copied in tell what a lock would reject.
    iam: [
      'backup:DescribeBackupVault',
      'backup:ListRecoveryPointsByBackupVault',
      'backup:PutBackupVaultLockConfiguration',
    ],
    describe: (a) =>
      `lock vault ${a.vaultName} (${a.region}) in ${a.changeableForDays === undefined ? 'governance' : 'compliance'} mode: min ${a.minRetentionDays}d${a.maxRetentionDays === undefined ? '' : `, max ${a.maxRetentionDays}d`}`,
  },
  // S3
  EnableBucketVersioning: {
    order: 120,
    iam: ['s3:GetBucketVersioning', 's3:PutBucketVersioning'],
    describe: (a) => `enable versioning on bucket ${a.bucket}`,
  },
  AddBucketLifecycleRule: {
    order: 130,
    iam: ['s3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration'],
    describe: (a) =>
      `add lifecycle rule ${a.ruleId} to bucket ${a.bucket}: expire noncurrent versions after ${a.noncurrentDays} days (existing rules kept)`,
  },
  // RDS
  ModifyDBInstance: {
    order: 140,
    iam: ['rds:DescribeDBInstances', 'rds:ModifyDBInstance'],
    describe: describeDb,
  },
  ModifyDBCluster: {
    order: 150,
    iam: ['rds:DescribeDBClusters', 'rds:ModifyDBCluster'],
    describe: describeDb,
  },
  // Restore testing: the plan before its selections
  CreateRestoreTestingPlan: {
    order: 160,
    iam: ['backup:ListRestoreTestingPlans', 'backup:CreateRestoreTestingPlan', 'backup:TagResource'],
    describe: ({ region, plan }) => {
      const s = plan.RecoveryPointSelection;
      return `create restore testing plan ${plan.RestoreTestingPlanName} in ${region}: ${plan.ScheduleExpression} (start window ${plan.StartWindowHours}h), restore the latest ${s.RecoveryPointTypes.join(' or ').toLowerCase()} of the last ${s.SelectionWindowDays} days from ${s.IncludeVaults.join(', ')}`;
    },
  },
  CreateRestoreTestingSelection: {
    order: 170,
    iam: ['backup:GetRestoreTestingSelection', 'backup:CreateRestoreTestingSelection', 'iam:PassRole'],
    describe: (a) =>
      `add ${a.resourceType} resources tagged ${a.tagKey}=${a.tagValue} to restore testing plan ${a.planName} (${a.region})${Object.keys(a.overrides).length ? ` with overrides ${Object.keys(a.overrides).join(', ')}` : ''}`,
  },
};

/** The spec of an action's type. */
export const specOf = <A extends Action>(a: A): ActionSpec<A> => ACTION_SPECS[a.type] as ActionSpec<A>;

/** One line a person can read: what would change, where. */
export const describeAction = (a: Action): string => specOf(a).describe(a);

/** Every action type, in the order they run: creation first, then what builds on it. */
export const ACTION_ORDER: readonly ActionType[] = (Object.keys(ACTION_SPECS) as ActionType[]).sort(
  (a, b) => ACTION_SPECS[a].order - ACTION_SPECS[b].order,
);

/** The IAM actions the handlers of these action types call, each once, in first-declared order. */
export function iamFor(types: Iterable<ActionType>): string[] {
  return [...new Set([...types].flatMap((t) => ACTION_SPECS[t].iam))];
}
