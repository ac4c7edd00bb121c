/**
 * Actions: what the remediator would change, as plain data. Every action is additive — it
 * creates, enables, adds or raises; nothing here deletes, shortens, disables or unlocks.
 * An action carries what the executor sends (a plan it creates, with its rules and copies):
 * the printed plan is the real one, and the executor needs no policy file to act on it.
 * How each is ordered, described and permitted: actions-catalogue.ts; how it is applied: handlers/.
 */

import type { Copies, SelectionKind } from './backup-roles.js';

export type DbChanges = {
  BackupRetentionPeriod?: number;
  DeletionProtection?: true;
  CopyTagsToSnapshot?: true;
};

export interface NewPlanRule {
  RuleName: string;
  TargetBackupVaultName: string;
  ScheduleExpression: string;
  Lifecycle: { DeleteAfterDays: number };
  EnableContinuousBackup?: true;
  CopyActions?: { DestinationBackupVaultArn: string; Lifecycle: { DeleteAfterDays: number } }[];
}

/** A backup plan as CreateBackupPlan receives it (BackupPlanInput). */
export interface NewBackupPlan {
  BackupPlanName: string;
  Rules: NewPlanRule[];
}

/** A restore testing plan as CreateRestoreTestingPlan receives it (RestoreTestingPlanForCreate). */
export interface NewRestoreTestingPlan {
  RestoreTestingPlanName: string;
  ScheduleExpression: string;
  StartWindowHours: number;
  RecoveryPointSelection: {
    Algorithm: 'LATEST_WITHIN_WINDOW';
    IncludeVaults: string[];
    RecoveryPointTypes: ('SNAPSHOT' | 'CONTINUOUS')[];
    SelectionWindowDays: number;
  };
}

/**
 * When RDS applies a database change. The executor always sends ApplyImmediately=false, which
 * would otherwise also apply whatever else the owner queued for the window (instance class, engine
 * upgrade): deletion protection, tag copying and a retention change N->M then apply at once
 * (`now`); turning automated backups on (retention 0->N) causes an outage, and waits for the
 * maintenance window.
 */
export type ApplyAt = 'now' | 'next-maintenance-window';

export type Action =
  | {
      type: 'CreateBackupVault';
      region: string;
      vaultName: string;
      policy: string;
      encryptionKeyArn?: string;
    }
  | { type: 'CreateBackupPlan'; region: string; plan: NewBackupPlan }
  | {
      type: 'CreateBackupSelection';
      region: string;
      planName: string;
      selectionName: string;
      tagKey: string;
      tagValue: string;
      /** Resources tagged with this key = "false" are audit-only: the selection leaves them out. */
      auditOnlyTagKey: string;
      /** What it picks: each kind gets its own selection, so that it can get its own role. */
      kind: SelectionKind;
      /** Where the plan copies to: the role of the selection must be allowed to copy there. */
      copies: Copies;
    }
  | { type: 'AddBackupPlanRule'; region: string; planName: string; rule: NewPlanRule }
  | {
      type: 'RaiseRuleRetention';
      region: string;
      planName: string;
      ruleName: string;
      deleteAfterDays: number;
    }
  | {
      type: 'AddCopyAction';
      region: string;
      planName: string;
      ruleName: string;
      destinationVaultArn: string;
      deleteAfterDays: number;
    }
  | {
      type: 'RaiseCopyRetention';
      region: string;
      planName: string;
      ruleName: string;
      destinationVaultArn: string;
      deleteAfterDays: number;
    }
  | { type: 'EnableResourceTypeOptIn'; region: string; resourceType: string }
  | {
      type: 'PutVaultNotifications';
      region: string;
      vaultName: string;
      events: string[];
      snsTopicArn?: string;
    }
  | {
      type: 'AddVaultDeleteProtection';
      region: string;
      vaultName: string;
      /** Principals the deny exempts (the policy's break-glass roles); none when absent. */
      exemptPrincipalArns?: string[];
    }
  | {
      type: 'PutVaultLock';
      region: string;
      vaultName: string;
      minRetentionDays: number;
      maxRetentionDays?: number;
      changeableForDays?: number;
    }
  | { type: 'EnableBucketVersioning'; region: string; bucket: string }
  | { type: 'AddBucketLifecycleRule'; region: string; bucket: string; ruleId: string; noncurrentDays: number }
  | {
      type: 'ModifyDBInstance';
      region: string;
      identifier: string;
      changes: DbChanges;
      applyAt: ApplyAt;
    }
  | {
      type: 'ModifyDBCluster';
      region: string;
      identifier: string;
      changes: DbChanges;
      applyAt: ApplyAt;
    }
  | { type: 'CreateRestoreTestingPlan'; region: string; plan: NewRestoreTestingPlan }
  | {
      type: 'CreateRestoreTestingSelection';
      region: string;
      planName: string;
      selectionName: string;
      resourceType: string;
      tagKey: string;
      tagValue: string;
      auditOnlyTagKey: string;
      overrides: Record<string, string>;
      /** Hours the restored resource is kept for a validation Lambda to check it (0 = deleted at once). */
      validationWindowHours: number;
    };

export type ActionType = Action['type'];

/** The action of one type. */
export type ActionOf<T extends ActionType> = Extract<Action, { type: T }>;

export { describeAction } from './actions-catalogue.js';
