/**
 * What backup-sentinel creates or adds for a policy, built once, as the actions carry it: the
 * vault, the plan (its snapshot rule with copies, and a continuous rule), and the restore testing
 * plan. The rules propose these; the executor sends them as they are.
 */
import { vaultArn } from '../inventory/arn.js';
import { copyDestinations } from '../policy/destinations.js';
import type { Policy } from '../policy/index.js';
import { scheduleMaxGapHours } from '../policy/schedule.js';
import type { Action, NewBackupPlan, NewPlanRule, NewRestoreTestingPlan } from '../remediation/actions.js';

/** AWS Backup: continuous backups are kept at most 35 days. */
export const CONTINUOUS_MAX_DAYS = 35;

/**
 * The vault a policy writes to. A vault's key is fixed at creation, and cross-account copies
 * need a customer-managed key: without encryption.vaultKeyArn such a vault is not created.
 */
export function createVault(policy: Policy, region: string): { action: Action } | { blocked: string } {
  const needsCmk = policy.encryption.customerManagedKey || policy.copies.some((c) => c.account !== undefined);
  if (needsCmk && !policy.encryption.vaultKeyArn) {
    return {
      blocked: `set encryption.vaultKeyArn in policy ${policy.name}: vault ${policy.vaultName} needs a customer-managed key, which cannot be changed after creation`,
    };
  }
  return {
    action: {
      type: 'CreateBackupVault',
      region,
      vaultName: policy.vaultName,
      policy: policy.name,
      ...(policy.encryption.vaultKeyArn ? { encryptionKeyArn: policy.encryption.vaultKeyArn } : {}),
    },
  };
}

/** The policy's snapshot rule in a plan of `region` in `account`: its schedule, retention and copies. */
export function snapshotRule(policy: Policy, region: string, account: string): NewPlanRule {
  return {
    RuleName: 'backup-sentinel-snapshots',
    TargetBackupVaultName: policy.vaultName,
    ScheduleExpression: policy.scheduleExpression,
    Lifecycle: { DeleteAfterDays: policy.retentionDays },
    CopyActions: copyDestinations(policy, region, account).map((d) => ({
      DestinationBackupVaultArn: d.arn,
      Lifecycle: { DeleteAfterDays: d.retentionDays },
    })),
  };
}

/** The policy's continuous rule (point-in-time recovery): kept as long as AWS allows, no copies. */
export function continuousRule(policy: Policy): NewPlanRule {
  return {
    RuleName: 'backup-sentinel-continuous',
    TargetBackupVaultName: policy.vaultName,
    ScheduleExpression: 'cron(0 5 ? * * *)',
    Lifecycle: { DeleteAfterDays: Math.min(policy.retentionDays, CONTINUOUS_MAX_DAYS) },
    CopyActions: [],
    EnableContinuousBackup: true,
  };
}

/** The plan a policy needs: its snapshot rule (with its copies) and, if asked, a continuous rule. */
export function newBackupPlan(policy: Policy, region: string, account: string): NewBackupPlan {
  const rules = [
    snapshotRule(policy, region, account),
    ...(policy.continuous ? [continuousRule(policy)] : []),
  ];
  return {
    BackupPlanName: policy.planName,
    // A rule without copies is sent without CopyActions.
    Rules: rules.map(({ CopyActions, ...r }) => (CopyActions?.length ? { ...r, CopyActions } : r)),
  };
}

/** Hours AWS Backup has to start a scheduled restore test. */
export const RESTORE_START_WINDOW_HOURS = 24;

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

/**
 * The restore testing plan `name` of a policy in `region` of `account`: it tests the latest
 * snapshot in the policy's vault, as often as restoreTest.everyDays needs (7 days without one).
 */
export function newRestoreTestingPlan(
  policy: Policy,
  region: string,
  account: string,
  name: string,
): NewRestoreTestingPlan {
  const everyDays = policy.restoreTest?.everyDays ?? 7;
  return {
    RestoreTestingPlanName: name,
    ScheduleExpression: restoreSchedule(everyDays),
    StartWindowHours: RESTORE_START_WINDOW_HOURS,
    RecoveryPointSelection: {
      Algorithm: 'LATEST_WITHIN_WINDOW',
      IncludeVaults: [vaultArn(region, account, policy.vaultName)],
      RecoveryPointTypes: ['SNAPSHOT'],
      SelectionWindowDays: Math.min(365, Math.max(1, everyDays)),
    },
  };
}
