/**
 * Actions: what the remediator would change, as plain data. Every action is additive — it
 * creates, enables, adds or raises; nothing here deletes, shortens, disables or unlocks.
 */

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

export type Action =
  | {
      type: 'CreateBackupVault';
      region: string;
      vaultName: string;
      policy: string;
      encryptionKeyArn?: string;
    }
  | { type: 'CreateBackupPlan'; region: string; planName: string; policy: string }
  | {
      type: 'CreateBackupSelection';
      region: string;
      planName: string;
      selectionName: string;
      tagKey: string;
      tagValue: string;
      /** Resources tagged with this key = "false" are audit-only: the selection leaves them out. */
      auditOnlyTagKey: string;
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
      applyImmediately: boolean;
    }
  | {
      type: 'ModifyDBCluster';
      region: string;
      identifier: string;
      changes: DbChanges;
      applyImmediately: boolean;
    }
  | { type: 'CreateRestoreTestingPlan'; region: string; name: string; policy: string }
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

/** One line a person can read: what would change, where. */
export function describeAction(a: Action): string {
  switch (a.type) {
    case 'CreateBackupVault':
      return `create backup vault ${a.vaultName} in ${a.region} (policy ${a.policy}), encrypted with ${a.encryptionKeyArn ?? 'the AWS managed key aws/backup'}`;
    case 'CreateBackupPlan':
      return `create backup plan ${a.planName} in ${a.region} from policy ${a.policy}`;
    case 'CreateBackupSelection':
      return `assign resources tagged ${a.tagKey}=${a.tagValue} to plan ${a.planName} in ${a.region} (selection ${a.selectionName})`;
    case 'AddBackupPlanRule':
      return `add rule ${a.rule.RuleName} (${a.rule.ScheduleExpression}${a.rule.EnableContinuousBackup ? ', continuous' : ''}, keep ${a.rule.Lifecycle.DeleteAfterDays}d) to plan ${a.planName} in ${a.region}`;
    case 'RaiseRuleRetention':
      return `raise retention of rule ${a.ruleName} in plan ${a.planName} (${a.region}) to ${a.deleteAfterDays} days`;
    case 'AddCopyAction':
      return `add copy to ${a.destinationVaultArn} (keep ${a.deleteAfterDays}d) to rule ${a.ruleName} of plan ${a.planName} (${a.region})`;
    case 'RaiseCopyRetention':
      return `raise retention of the copy to ${a.destinationVaultArn} in rule ${a.ruleName} of plan ${a.planName} to ${a.deleteAfterDays} days`;
    case 'EnableResourceTypeOptIn':
      return `opt in resource type ${a.resourceType} for AWS Backup in ${a.region}`;
    case 'PutVaultNotifications':
      return `send vault ${a.vaultName} (${a.region}) events ${a.events.join(', ')} to ${a.snsTopicArn ?? 'the alert topic'}`;
    case 'AddVaultDeleteProtection':
      return `add a statement denying backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle and backup:PutBackupVaultAccessPolicy to everyone${a.exemptPrincipalArns?.length ? ` but ${a.exemptPrincipalArns.join(', ')}` : ''} to the access policy of vault ${a.vaultName} (${a.region}); its statements are kept`;
    case 'PutVaultLock':
      return `lock vault ${a.vaultName} (${a.region}) in ${a.changeableForDays === undefined ? 'governance' : 'compliance'} mode: min ${a.minRetentionDays}d${a.maxRetentionDays === undefined ? '' : `, max ${a.maxRetentionDays}d`}`;
    case 'EnableBucketVersioning':
      return `enable versioning on bucket ${a.bucket}`;
    case 'AddBucketLifecycleRule':
      return `add lifecycle rule ${a.ruleId} to bucket ${a.bucket}: expire noncurrent versions after ${a.noncurrentDays} days (existing rules kept)`;
    case 'ModifyDBInstance':
    case 'ModifyDBCluster':
      return `modify ${a.type === 'ModifyDBInstance' ? 'DB instance' : 'DB cluster'} ${a.identifier} (${a.region}): ${Object.entries(
        a.changes,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )}${a.applyImmediately ? '' : ' at the next maintenance window (turning automated backups on causes a brief outage)'}`;
    case 'CreateRestoreTestingPlan':
      return `create restore testing plan ${a.name} in ${a.region} (policy ${a.policy})`;
    case 'CreateRestoreTestingSelection':
      return `add ${a.resourceType} resources tagged ${a.tagKey}=${a.tagValue} to restore testing plan ${a.planName} (${a.region})${Object.keys(a.overrides).length ? ` with overrides ${Object.keys(a.overrides).join(', ')}` : ''}`;
  }
}
