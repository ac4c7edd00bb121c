/**
 * Each handler calls only the IAM actions its spec declares (src/remediation/actions-catalogue.ts),
 * so the roles derived from them (src/iam.ts) cannot lack one: every action type is applied once,
 * through its write, with the owned-plans check on, and the calls it made are compared.
 */
import {
  BackupClient,
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
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreTestingPlansCommand,
  ListTagsCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  ResourceNotFoundException,
  UpdateBackupPlanCommand,
  UpdateRegionSettingsCommand,
} from '@aws-sdk/client-backup';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { iamActionOf } from '../../src/iam.js';
import type { Action, ActionOf, ActionType } from '../../src/remediation/actions.js';
import { ACTION_SPECS, describeAction } from '../../src/remediation/actions-catalogue.js';
import { executePlan } from '../../src/remediation/execute.js';

const REGION = 'eu-central-1';
const ACCOUNT = '111111111111';
const PLAN_ID = 'plan-id';
const PLAN_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:${PLAN_ID}`;
const COPY_VAULT = `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-vault:dr`;
const RULE = {
  RuleName: 'daily',
  TargetBackupVaultName: 'gold',
  ScheduleExpression: 'cron(0 5 ? * * *)',
  Lifecycle: { DeleteAfterDays: 7 },
  CopyActions: [{ DestinationBackupVaultArn: COPY_VAULT, Lifecycle: { DeleteAfterDays: 7 } }],
};

const backup = mockClient(BackupClient);
const s3 = mockClient(S3Client);
const rds = mockClient(RDSClient);
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

/** What an AWS document reads as: nothing at first, then what was last written. */
function stored<T>(initial?: T) {
  let doc = initial;
  return {
    read: async () => {
      if (doc === undefined) throw notFound();
      return doc;
    },
    write: (next: T) => {
      doc = next;
      return {};
    },
  };
}

/** An account where every action has something to do. */
function givenDrift(): void {
  backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: false } });
  backup.on(UpdateRegionSettingsCommand).resolves({});
  // DescribeBackupVault answers a missing vault with AccessDenied: the handler then lists vaults.
  backup
    .on(DescribeBackupVaultCommand, { BackupVaultName: 'new' })
    .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
  backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'gold' }).resolves({ Locked: false });
  backup.on(ListBackupVaultsCommand).resolves({ BackupVaultList: [] });
  backup.on(CreateBackupVaultCommand).resolves({});
  backup.on(ListBackupPlansCommand).resolves({
    BackupPlansList: [{ BackupPlanName: 'gold', BackupPlanId: PLAN_ID }],
  });
  let plan = { BackupPlanName: 'gold', Rules: [RULE] };
  backup.on(GetBackupPlanCommand).callsFake(async () => ({
    BackupPlanId: PLAN_ID,
    BackupPlanArn: PLAN_ARN,
    BackupPlan: structuredClone(plan),
  }));
  backup.on(UpdateBackupPlanCommand).callsFake(async (input) => {
    plan = input.BackupPlan;
    return {};
  });
  backup.on(CreateBackupPlanCommand).resolves({});
  backup.on(ListTagsCommand).resolves({ Tags: { 'managed-by': 'backup-sentinel' } });
  backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
  backup.on(CreateBackupSelectionCommand).resolves({});
  const notifications = stored<object>();
  backup.on(GetBackupVaultNotificationsCommand).callsFake(notifications.read);
  backup.on(PutBackupVaultNotificationsCommand).callsFake(notifications.write);
  const policy = stored<{ Policy: string }>();
  backup.on(GetBackupVaultAccessPolicyCommand).callsFake(policy.read);
  backup
    .on(PutBackupVaultAccessPolicyCommand)
    .callsFake((input: { Policy: string }) => policy.write({ Policy: input.Policy }));
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
  backup.on(PutBackupVaultLockConfigurationCommand).resolves({});
  backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });
  backup.on(CreateRestoreTestingPlanCommand).resolves({});
  backup.on(GetRestoreTestingSelectionCommand).rejects(notFound());
  backup.on(CreateRestoreTestingSelectionCommand).resolves({});
  s3.on(GetBucketVersioningCommand).resolves({});
  s3.on(PutBucketVersioningCommand).resolves({});
  const lifecycle = stored<object>();
  s3.on(GetBucketLifecycleConfigurationCommand).callsFake(async () =>
    lifecycle.read().catch(() => {
      throw Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration' });
    }),
  );
  s3.on(PutBucketLifecycleConfigurationCommand).callsFake((input) =>
    lifecycle.write(input.LifecycleConfiguration),
  );
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [{ BackupRetentionPeriod: 1 }] });
  rds.on(ModifyDBInstanceCommand).resolves({});
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ BackupRetentionPeriod: 1 }] });
  rds.on(ModifyDBClusterCommand).resolves({});
}

/** One action of every type, each with something to change in the account above. */
const SAMPLES: { [T in ActionType]: ActionOf<T> } = {
  EnableResourceTypeOptIn: { type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'Aurora' },
  CreateBackupVault: { type: 'CreateBackupVault', region: REGION, vaultName: 'new', policy: 'gold' },
  CreateBackupPlan: {
    type: 'CreateBackupPlan',
    region: REGION,
    plan: { BackupPlanName: 'new', Rules: [RULE] },
  },
  CreateBackupSelection: {
    type: 'CreateBackupSelection',
    region: REGION,
    planName: 'gold',
    selectionName: 'backup-sentinel-gold-s3',
    tagKey: 'backup:policy',
    tagValue: 'gold',
    auditOnlyTagKey: 'backup:remediate',
    kind: 's3',
    copies: { crossRegion: false, crossAccount: false },
  },
  AddBackupPlanRule: {
    type: 'AddBackupPlanRule',
    region: REGION,
    planName: 'gold',
    rule: { ...RULE, RuleName: 'hourly', ScheduleExpression: 'cron(0 * ? * * *)' },
  },
  RaiseRuleRetention: {
    type: 'RaiseRuleRetention',
    region: REGION,
    planName: 'gold',
    ruleName: 'daily',
    deleteAfterDays: 35,
  },
  AddCopyAction: {
    type: 'AddCopyAction',
    region: REGION,
    planName: 'gold',
    ruleName: 'daily',
    destinationVaultArn: `arn:aws:backup:eu-west-2:${ACCOUNT}:backup-vault:dr`,
    deleteAfterDays: 7,
  },
  RaiseCopyRetention: {
    type: 'RaiseCopyRetention',
    region: REGION,
    planName: 'gold',
    ruleName: 'daily',
    destinationVaultArn: COPY_VAULT,
    deleteAfterDays: 35,
  },
  PutVaultNotifications: {
    type: 'PutVaultNotifications',
    region: REGION,
    vaultName: 'gold',
    events: ['BACKUP_JOB_COMPLETED'],
    snsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
  },
  AddVaultDeleteProtection: { type: 'AddVaultDeleteProtection', region: REGION, vaultName: 'gold' },
  PutVaultLock: { type: 'PutVaultLock', region: REGION, vaultName: 'gold', minRetentionDays: 7 },
  EnableBucketVersioning: { type: 'EnableBucketVersioning', region: REGION, bucket: 'data' },
  AddBucketLifecycleRule: {
    type: 'AddBucketLifecycleRule',
    region: REGION,
    bucket: 'data',
    ruleId: 'backup-sentinel-noncurrent-expiration',
    noncurrentDays: 14,
  },
  ModifyDBInstance: {
    type: 'ModifyDBInstance',
    region: REGION,
    identifier: 'db',
    changes: { BackupRetentionPeriod: 7 },
    applyAt: 'now',
  },
  ModifyDBCluster: {
    type: 'ModifyDBCluster',
    region: REGION,
    identifier: 'cluster',
    changes: { BackupRetentionPeriod: 7 },
    applyAt: 'now',
  },
  CreateRestoreTestingPlan: {
    type: 'CreateRestoreTestingPlan',
    region: REGION,
    plan: {
      RestoreTestingPlanName: 'backup_sentinel_gold',
      ScheduleExpression: 'cron(0 7 ? * SAT *)',
      StartWindowHours: 24,
      RecoveryPointSelection: {
        Algorithm: 'LATEST_WITHIN_WINDOW',
        IncludeVaults: [`arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:gold`],
        RecoveryPointTypes: ['SNAPSHOT'],
        SelectionWindowDays: 7,
      },
    },
  },
  CreateRestoreTestingSelection: {
    type: 'CreateRestoreTestingSelection',
    region: REGION,
    planName: 'backup_sentinel_gold',
    selectionName: 'backup_sentinel_gold_rds',
    resourceType: 'RDS',
    tagKey: 'backup:policy',
    tagValue: 'gold',
    auditOnlyTagKey: 'backup:remediate',
    overrides: {},
    validationWindowHours: 0,
  },
};

beforeEach(() => {
  backup.reset();
  s3.reset();
  rds.reset();
  givenDrift();
});

afterAll(() => {
  backup.restore();
  s3.restore();
  rds.restore();
});

describe('handler permissions', () => {
  it.each(Object.values(SAMPLES) as Action[])(
    '$type calls only the IAM actions its spec declares',
    async (action) => {
      // Prepare
      const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
      // Act
      const [result] = await executePlan(aws, [{ action, summary: describeAction(action) }], {
        apply: true,
        maxChanges: 1,
        backupRoleArn: `arn:aws:iam::${ACCOUNT}:role/backup`,
        ownedPlansOnly: true,
      });
      // Assess: the write ran, and every call it took is declared
      expect(result?.status, JSON.stringify(result)).toBe('applied');
      const called = [...aws.calls.keys()].map(iamActionOf);
      expect(called.filter((a) => !ACTION_SPECS[action.type].iam.includes(a))).toEqual([]);
    },
  );

  it('gives every action type a unique place in a plan', () => {
    const orders = Object.values(ACTION_SPECS).map((s) => s.order);
    expect(new Set(orders).size).toBe(orders.length);
  });
});
