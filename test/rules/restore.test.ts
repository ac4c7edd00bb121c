import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  daysAgo,
  db,
  hoursAgo,
  inventory,
  only,
  policies,
  REGION,
  vaultArnOf,
} from '../support/builders.js';

type PlanInput = NonNullable<InventoryInput['restoreTestingPlans']>[number];
type SelectionInput = NonNullable<InventoryInput['restoreTestingSelections']>[number];
type JobInput = NonNullable<InventoryInput['restoreJobs']>[number];

const PLAN_NAME = 'backup_sentinel_gold';
const ORDERS = db('orders');
const ORDERS_ARN = ORDERS.Arn;
const planArnOf = (name: string, region = REGION) =>
  `arn:aws:backup:${region}:${ACCOUNT}:restore-testing-plan:${name}-a1b2c3`;

function testingPlan(name = PLAN_NAME, region = REGION): PlanInput {
  return {
    RestoreTestingPlanName: name,
    RestoreTestingPlanArn: planArnOf(name, region),
    ScheduleExpression: 'cron(0 1 ? * SUN *)',
    RecoveryPointSelection: {
      Algorithm: 'LATEST_WITHIN_WINDOW',
      IncludeVaults: ['*'],
      RecoveryPointTypes: ['SNAPSHOT'],
    },
  };
}

function testingSelection(over: Partial<SelectionInput> = {}): SelectionInput {
  return {
    Region: REGION,
    RestoreTestingPlanName: PLAN_NAME,
    RestoreTestingSelectionName: 'gold_rds',
    ProtectedResourceType: 'RDS',
    ProtectedResourceArns: ['*'],
    RestoreMetadataOverrides: { dbSubnetGroupName: 'private-db' },
    ...over,
  };
}

let seq = 0;
/** A restore job started by the restore testing plan, 30 minutes long. */
function testJob(status: string, created: string, over: Partial<JobInput> = {}): JobInput {
  seq += 1;
  return {
    RestoreJobId: `restore-${seq}`,
    RecoveryPointArn: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:rp-${seq}`,
    SourceResourceArn: ORDERS_ARN,
    ResourceType: 'RDS',
    Status: status,
    CreationDate: created,
    CompletionDate: new Date(Date.parse(created) + 30 * 60_000).toISOString(),
    ValidationStatus: 'SUCCESSFUL',
    CreatedBy: { RestoreTestingPlanArn: planArnOf(PLAN_NAME) },
    ...over,
  };
}

const tested = (p: Partial<NonNullable<PolicyInput['restoreTest']>> = {}) =>
  policies({ policies: { gold: { restoreTest: { everyDays: 7, maxRestoreMinutes: 60, ...p } } } });
const untested = () => policies({ policies: { gold: {} } });

function covered(selection: Partial<SelectionInput> = {}, more: Partial<InventoryInput> = {}) {
  return inventory({
    resources: [ORDERS],
    restoreTestingPlans: [testingPlan()],
    restoreTestingSelections: [testingSelection(selection)],
    ...more,
  });
}

const withJobs = (restoreJobs: JobInput[], more: Partial<InventoryInput> = {}) =>
  covered({}, { restoreJobs, ...more });

const selectionAction = (over: Record<string, unknown> = {}) => ({
  type: 'CreateRestoreTestingSelection',
  region: REGION,
  planName: PLAN_NAME,
  selectionName: 'backup_sentinel_gold_rds',
  resourceType: 'RDS',
  tagKey: 'backup:policy',
  tagValue: 'gold',
  auditOnlyTagKey: 'backup:remediate',
  overrides: { dbSubnetGroupName: 'private-db' },
  validationWindowHours: 4,
  ...over,
});

describe('restore.covered', () => {
  it('is not applicable when the policy asks for no restore tests', () => {
    // Prepare
    const inv = inventory({ resources: [ORDERS] });
    // Act
    const f = only('restore.covered', inv, untested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('is covered by a selection of all resources (*)', () => {
    // Prepare
    const inv = covered();
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('backup_sentinel_gold/gold_rds');
  });

  it('is covered by a selection naming its ARN', () => {
    // Prepare
    const inv = covered({ ProtectedResourceArns: [ORDERS_ARN] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('is not covered by a selection naming another ARN', () => {
    // Prepare
    const inv = covered({ ProtectedResourceArns: [db('billing').Arn] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('is covered by a selection whose tag conditions match', () => {
    // Prepare
    const inv = covered({
      ProtectedResourceConditions: {
        StringEquals: [{ Key: 'aws:ResourceTag/backup:policy', Value: 'gold' }],
      },
    });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('is not covered when a tag condition excludes it', () => {
    // Prepare
    const inv = covered({
      ProtectedResourceConditions: {
        StringEquals: [{ Key: 'aws:ResourceTag/backup:policy', Value: 'gold' }],
        StringNotEquals: [{ Key: 'aws:ResourceTag/backup:policy', Value: 'gold' }],
      },
    });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('is not covered by a selection of another protected resource type', () => {
    // Prepare
    const inv = covered({ ProtectedResourceType: 'Aurora' });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('covers an Aurora cluster with an Aurora selection', () => {
    // Prepare
    const orders = cluster('orders');
    const inv = inventory({
      resources: [orders],
      restoreTestingPlans: [testingPlan()],
      restoreTestingSelections: [testingSelection({ ProtectedResourceType: 'Aurora' })],
    });
    // Act
    const f = only('restore.covered', inv, tested(), orders.Arn);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('is not covered by a plan in another region', () => {
    // Prepare
    const inv = covered({}, { restoreTestingPlans: [testingPlan(PLAN_NAME, 'eu-west-1')] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('is not covered by a selection of a same-named plan in another region', () => {
    // Prepare: restore testing plan names repeat across regions
    const inv = covered(
      { Region: 'eu-west-1' },
      { restoreTestingPlans: [testingPlan(), testingPlan(PLAN_NAME, 'eu-west-1')] },
    );
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it.each([
    ['its vault by ARN', [vaultArnOf('backup-sentinel-gold')]],
    ['a vault ARN pattern', ['arn:aws:backup:*:*:backup-vault:backup-sentinel-*']],
  ])('is covered by a plan that includes %s', (_, includeVaults) => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.IncludeVaults = includeVaults;
    const inv = covered({}, { restoreTestingPlans: [plan] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it("is not covered by a plan that does not include the policy's vault", () => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.IncludeVaults = [vaultArnOf('other-vault')];
    const inv = covered({}, { restoreTestingPlans: [plan] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([selectionAction()]);
  });

  it("is not covered by a plan that excludes the policy's vault", () => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.ExcludeVaults = [vaultArnOf('backup-sentinel-gold')];
    const inv = covered({}, { restoreTestingPlans: [plan] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('is not covered by a plan testing only continuous recovery points when the policy makes snapshots only', () => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.RecoveryPointTypes = ['CONTINUOUS'];
    const inv = covered({}, { restoreTestingPlans: [plan] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
  });

  it('is covered by a plan testing continuous recovery points when the policy is continuous', () => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.RecoveryPointTypes = ['CONTINUOUS'];
    const inv = covered({}, { restoreTestingPlans: [plan] });
    const set = policies({ policies: { gold: { continuous: true, restoreTest: { everyDays: 7 } } } });
    // Act
    const f = only('restore.covered', inv, set, ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('is covered by a plan that names no recovery point types', () => {
    // Prepare
    const plan = testingPlan();
    plan.RecoveryPointSelection.RecoveryPointTypes = [];
    const inv = covered({}, { restoreTestingPlans: [plan] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('proposes the subnet group of the policy over that of the database', () => {
    // Prepare
    const inv = inventory({ resources: [ORDERS], restoreTestingPlans: [testingPlan()] });
    // Act
    const f = only('restore.covered', inv, tested({ dbSubnetGroupName: 'restore-tests' }), ORDERS_ARN);
    // Assess
    expect(f.actions).toEqual([selectionAction({ overrides: { dbSubnetGroupName: 'restore-tests' } })]);
  });

  it('creates the restore testing plan and an RDS selection with the subnet group override', () => {
    // Prepare
    const inv = inventory({ resources: [ORDERS] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no restore testing selection covers it');
    expect(f.actions).toEqual([
      // Changed: the action carries the restore testing plan it creates (the executor built it).
      {
        type: 'CreateRestoreTestingPlan',
        region: REGION,
        plan: {
          RestoreTestingPlanName: PLAN_NAME,
          ScheduleExpression: 'cron(0 7 ? * WED,SAT *)',
          StartWindowHours: 24,
          RecoveryPointSelection: {
            Algorithm: 'LATEST_WITHIN_WINDOW',
            IncludeVaults: [vaultArnOf('backup-sentinel-gold')],
            RecoveryPointTypes: ['SNAPSHOT'],
            SelectionWindowDays: 7,
          },
        },
      },
      selectionAction(),
    ]);
  });

  it('creates only the selection when the plan backup_sentinel_<policy> exists', () => {
    // Prepare
    const inv = inventory({ resources: [ORDERS], restoreTestingPlans: [testingPlan()] });
    // Act
    const f = only('restore.covered', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.actions).toEqual([selectionAction()]);
  });

  it('creates an S3 selection without overrides for a bucket', () => {
    // Prepare
    const data = bucket('data');
    const inv = inventory({ resources: [data], restoreTestingPlans: [testingPlan()] });
    // Act
    const f = only('restore.covered', inv, tested(), data.Arn);
    // Assess
    expect(f.actions).toEqual([
      selectionAction({ selectionName: 'backup_sentinel_gold_s3', resourceType: 'S3', overrides: {} }),
    ]);
  });
});

describe('restore.rds-subnet-group', () => {
  it('is compliant with a dbSubnetGroupName override', () => {
    // Prepare
    const inv = covered();
    // Act
    const f = only('restore.rds-subnet-group', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('private-db');
  });

  it.each(['dbsubnetgroupname', 'DBSubnetGroupName'])(
    'matches the override key %s case-insensitively',
    (k) => {
      // Prepare
      const inv = covered({ RestoreMetadataOverrides: { [k]: 'private-db' } });
      // Act
      const f = only('restore.rds-subnet-group', inv, tested(), ORDERS_ARN);
      // Assess
      expect(f.status).toBe('COMPLIANT');
    },
  );

  it('flags a selection without the override', () => {
    // Prepare
    const inv = covered({ RestoreMetadataOverrides: {} });
    // Act
    const f = only('restore.rds-subnet-group', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no dbSubnetGroupName override');
    expect(f.expected).toBe('dbSubnetGroupName=private-db');
  });

  it('is not applicable when no selection covers the database', () => {
    // Prepare
    const inv = inventory({ resources: [ORDERS] });
    // Act
    const f = only('restore.rds-subnet-group', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('restore.recent-success', () => {
  it('flags a resource never restore-tested', () => {
    // Prepare
    const inv = withJobs([]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('never restore-tested');
  });

  it('flags a failed newest test with its reason', () => {
    // Prepare
    const inv = withJobs([
      testJob('COMPLETED', daysAgo(5)),
      testJob('FAILED', daysAgo(1), {
        RestoreJobId: 'restore-failed',
        StatusMessage: 'DB subnet group not found',
      }),
    ]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('last restore test FAILED: DB subnet group not found (job restore-failed)');
  });

  it('flags a newest test older than everyDays', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(10))]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('10.0 days old; policy asks every 7');
  });

  it('is compliant with a recent completed test', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(2))]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('links a test to the resource through its recovery point', () => {
    // Prepare
    const job = testJob('COMPLETED', daysAgo(2), { SourceResourceArn: undefined });
    const inv = withJobs([job], {
      recoveryPoints: [
        {
          RecoveryPointArn: job.RecoveryPointArn,
          ResourceArn: ORDERS_ARN,
          BackupVaultArn: vaultArnOf('backup-sentinel-gold'),
          CreationDate: daysAgo(3),
          Status: 'COMPLETED',
        },
      ],
    });
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('ignores manual restores (no CreatedBy.RestoreTestingPlanArn)', () => {
    // Prepare
    const inv = withJobs([
      testJob('FAILED', daysAgo(3), { StatusMessage: 'quota exceeded' }),
      testJob('COMPLETED', hoursAgo(2), { CreatedBy: undefined }),
    ]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('FAILED: quota exceeded');
  });

  it('does not count a manual restore as a test', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', hoursAgo(2), { CreatedBy: undefined })]);
    // Act
    const f = only('restore.recent-success', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.message).toContain('never restore-tested');
  });
});

describe('restore.validated', () => {
  it('is compliant when the newest test was validated', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1))]);
    // Act
    const f = only('restore.validated', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });

  it('flags a test without validation result', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1), { ValidationStatus: undefined })]);
    // Act
    const f = only('restore.validated', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not validated');
    expect(f.actual).toBe('none');
  });

  it('flags a failed validation with its message', () => {
    // Prepare
    const inv = withJobs([
      testJob('COMPLETED', daysAgo(1), {
        ValidationStatus: 'FAILED',
        ValidationStatusMessage: 'orders table is empty',
      }),
    ]);
    // Act
    const f = only('restore.validated', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('validation FAILED: orders table is empty');
  });

  it('is not applicable while the newest test is being validated', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1), { ValidationStatus: 'VALIDATING' })]);
    // Act
    const f = only('restore.validated', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toBe('newest restore test is being validated');
  });

  it('is not applicable when the policy does not require validation', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1), { ValidationStatus: undefined })]);
    // Act
    const f = only('restore.validated', inv, tested({ requireValidation: false }), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});

describe('restore.duration', () => {
  it('is compliant when the restore finished within the target', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1))]);
    // Act
    const f = only('restore.duration', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('restored in 30 min (target 60)');
  });

  it('flags a restore that took longer than the target', () => {
    // Prepare
    const created = daysAgo(1);
    const completed = new Date(Date.parse(created) + 95 * 60_000).toISOString();
    const inv = withJobs([testJob('COMPLETED', created, { CompletionDate: completed })]);
    // Act
    const f = only('restore.duration', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('restore took 95 min; target is 60');
  });

  it('is not applicable without maxRestoreMinutes', () => {
    // Prepare
    const inv = withJobs([testJob('COMPLETED', daysAgo(1))]);
    const set = policies({ policies: { gold: { restoreTest: { everyDays: 7 } } } });
    // Act
    const f = only('restore.duration', inv, set, ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('is not applicable while the newest test is still running', () => {
    // Prepare
    const inv = withJobs([testJob('RUNNING', hoursAgo(1), { CompletionDate: undefined })]);
    // Act
    const f = only('restore.duration', inv, tested(), ORDERS_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });
});
