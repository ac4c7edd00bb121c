import {
  BackupClient,
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  CreateRestoreTestingPlanCommand,
  CreateRestoreTestingSelectionCommand,
  DescribeBackupVaultCommand,
  type DescribeBackupVaultOutput,
  DescribeRegionSettingsCommand,
  GetBackupPlanCommand,
  type GetBackupPlanOutput,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  type GetBackupVaultNotificationsOutput,
  GetRestoreTestingSelectionCommand,
  ListBackupPlansCommand,
  type ListBackupPlansOutput,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreTestingPlansCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  ResourceNotFoundException,
  UpdateBackupPlanCommand,
  type UpdateBackupPlanInput,
  UpdateRegionSettingsCommand,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Aws } from '../../src/aws/clients.js';
import { own } from '../../src/maps.js';
import type { Policy } from '../../src/policy/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { scheduleMaxGapHours } from '../../src/policy/schedule.js';
import { type Action, describeAction, type NewPlanRule } from '../../src/remediation/actions.js';
import { type ActionResult, type ExecuteOptions, executePlan } from '../../src/remediation/execute.js';
// Changed: the statement moved with its handler (src/remediation/execute.ts was split by action family).
import { DENY_DELETE_STATEMENT } from '../../src/remediation/handlers/vault.js';
import { newBackupPlan, newRestoreTestingPlan } from '../../src/rules/provision.js';
import { placebo, raw as rawFixture } from '../support/fixtures.js';

// ---------------------------------------------------------------------------------------------
// Real payloads, converted to what the SDK hands back (Date objects, no ResponseMetadata)
// ---------------------------------------------------------------------------------------------

const raw = (name: string) => rawFixture(`api/${name}`);

const notFound = (message = 'not found') => new ResourceNotFoundException({ message, $metadata: {} });

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

// ---------------------------------------------------------------------------------------------
// The account: the region and account of the fixtures, whose plan is "test" with rules
// "dev" (21 days, recovery point tags) and "weekly-archive" (cold after 90, deleted after 180)
// ---------------------------------------------------------------------------------------------

const REGION = 'us-east-1';
const ACCOUNT = '644160558196';
const DR_ACCOUNT = '222222222222';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:backup-sentinel-alerts`;
const vaultArn = (name: string, region = REGION, account = ACCOUNT) =>
  `arn:aws:backup:${region}:${account}:backup-vault:${name}`;

const PLANS = placebo<ListBackupPlansOutput>('backup_ListBackupPlans_placebo.json');
const PLAN_ID = '14c4daac-b199-45ce-8644-c541734ebd14';
const GOT_PLAN = placebo<GetBackupPlanOutput>('backup_GetBackupPlan_placebo.json');
type FixtureRule = NonNullable<NonNullable<GetBackupPlanOutput['BackupPlan']>['Rules']>[number];
const FIXTURE_RULES = GOT_PLAN.BackupPlan?.Rules as FixtureRule[];
const VAULT = placebo<DescribeBackupVaultOutput>('backup_DescribeBackupVault_placebo.json');
const NOTIFICATIONS = raw(
  'backup_GetBackupVaultNotifications_docs.json',
) as GetBackupVaultNotificationsOutput;

/** The fixture's rules as UpdateBackupPlan must send them back: as read, RuleId left out. */
const DEV = {
  RuleName: 'dev',
  TargetBackupVaultName: 'Default',
  ScheduleExpression: 'cron(0 5 ? * * *)',
  StartWindowMinutes: 480,
  CompletionWindowMinutes: 10080,
  Lifecycle: { DeleteAfterDays: 21 },
  RecoveryPointTags: { CostCenter: 'Backup' },
};
const ARCHIVE = {
  RuleName: 'weekly-archive',
  TargetBackupVaultName: 'Default',
  ScheduleExpression: 'cron(0 5 ? * 7 *)',
  StartWindowMinutes: 480,
  CompletionWindowMinutes: 10080,
  Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 180 },
};

const DR_VAULT = vaultArn('dr-vault', 'us-west-2');
const DR_ACCOUNT_VAULT = vaultArn('dr-vault', REGION, DR_ACCOUNT);

/** The fixture plan with its rules changed (each keeps a RuleId, as GetBackupPlan returns). */
function planWith(
  change: (rules: FixtureRule[]) => FixtureRule[],
  extra: Partial<NonNullable<GetBackupPlanOutput['BackupPlan']>> = {},
): GetBackupPlanOutput {
  return {
    ...GOT_PLAN,
    BackupPlan: {
      BackupPlanName: 'test',
      Rules: change(structuredClone(FIXTURE_RULES)),
      ...extra,
    },
  };
}

const POLICIES = parsePolicies(
  stringify({
    policies: {
      gold: {
        plan: 'test',
        vault: 'Default',
        frequency: '12h',
        retentionDays: 60,
        continuous: true,
        copies: [
          { region: 'us-west-2', vault: 'dr-vault', retentionDays: 90 },
          { account: DR_ACCOUNT, vault: 'dr-vault' },
          // same region, same account: not a disaster-recovery copy, left out of the plan
          { region: REGION, vault: 'local-copy' },
        ],
        restoreTest: { everyDays: 7 },
      },
      bronze: {},
      monthly: { restoreTest: { everyDays: 60 } },
      fourweekly: { restoreTest: { everyDays: 28 } },
    },
  }),
);

const policyOf = (name: string): Policy => {
  const p = own(POLICIES.policies, name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
};

/**
 * Changed: CreateBackupPlan and CreateRestoreTestingPlan carry the plan they create (the executor
 * reads no policy file): these build it from the policy as the rules do, so the assertions on
 * what is sent stay as they were.
 */
const createPlan = (policy: string, planName: string): Action => ({
  type: 'CreateBackupPlan',
  region: REGION,
  plan: { ...newBackupPlan(policyOf(policy), REGION, ACCOUNT), BackupPlanName: planName },
});
const createRestoreTestingPlan = (policy: string, name: string): Action => ({
  type: 'CreateRestoreTestingPlan',
  region: REGION,
  plan: newRestoreTestingPlan(policyOf(policy), REGION, ACCOUNT, name),
});

const backup = mockClient(BackupClient);

/** The commands that change something; everything else the executor sends only reads. */
const WRITES = new Set<string>(
  [
    CreateBackupPlanCommand,
    CreateBackupSelectionCommand,
    CreateBackupVaultCommand,
    CreateRestoreTestingPlanCommand,
    CreateRestoreTestingSelectionCommand,
    PutBackupVaultAccessPolicyCommand,
    PutBackupVaultLockConfigurationCommand,
    PutBackupVaultNotificationsCommand,
    UpdateBackupPlanCommand,
    UpdateRegionSettingsCommand,
  ].map((c) => c.name),
);

const commandsSent = () => backup.calls().map((c) => (c.args[0] as object).constructor.name);
const writesSent = () => commandsSent().filter((name) => WRITES.has(name)).length;

// Changed: the executor takes an action and its summary only (no `fixes`).
const planned = (action: Action) => ({ action, summary: describeAction(action) });

function run(actions: Action[], over: Partial<ExecuteOptions> = {}): Promise<ActionResult[]> {
  return executePlan(
    new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    actions.map(planned),
    {
      apply: true,
      maxChanges: 50,
      // Changed: no accountId or policies: the executor needs neither.
      backupRoleArn: ROLE,
      ...over,
    },
  );
}

async function runOne(action: Action, over: Partial<ExecuteOptions> = {}): Promise<ActionResult> {
  const [result] = await run([action], over);
  return result as ActionResult;
}

/** The fixture plan "test" is listed and returns `plan`, then what UpdateBackupPlan made it. */
function givenPlan(plan: GetBackupPlanOutput = GOT_PLAN): void {
  let current = plan;
  backup.on(ListBackupPlansCommand).resolves(PLANS);
  backup.on(GetBackupPlanCommand, { BackupPlanId: PLAN_ID }).callsFake(async () => structuredClone(current));
  backup.on(UpdateBackupPlanCommand).callsFake(async (input: UpdateBackupPlanInput) => {
    current = { ...current, BackupPlan: input.BackupPlan as GetBackupPlanOutput['BackupPlan'] };
    return { BackupPlanId: PLAN_ID };
  });
}

/** The vault access policy reads as `policy` (none: not found), then as PutBackupVaultAccessPolicy left it. */
function givenPolicy(policy?: object): void {
  let current = policy && JSON.stringify(policy);
  backup.on(GetBackupVaultAccessPolicyCommand).callsFake(async () => {
    if (!current) throw notFound();
    return { BackupVaultName: 'Default', Policy: current };
  });
  backup.on(PutBackupVaultAccessPolicyCommand).callsFake(async (input: { Policy?: string }) => {
    current = input.Policy;
    return {};
  });
}

/** The vault notifications read as `got` (none: not found), then as PutBackupVaultNotifications left them. */
function givenNotifications(got?: GetBackupVaultNotificationsOutput): void {
  let current = got;
  backup.on(GetBackupVaultNotificationsCommand).callsFake(async () => {
    if (!current) throw notFound();
    return structuredClone(current);
  });
  backup
    .on(PutBackupVaultNotificationsCommand)
    .callsFake(async (input: GetBackupVaultNotificationsOutput) => {
      current = { ...current, ...input };
      return {};
    });
}

/** A CreatorRequestId as the executor makes them. */
const TOKEN = expect.stringMatching(/^backup-sentinel-[0-9a-f]{32}$/);

const updateSent = () => backup.commandCalls(UpdateBackupPlanCommand)[0]?.args[0].input;

beforeEach(() => {
  backup.reset();
  // No recovery points copied in lately, unless a test says otherwise (PutVaultLock reads them).
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
});

afterAll(() => {
  backup.restore();
});

// ---------------------------------------------------------------------------------------------

describe('the fixtures', () => {
  it('are the plan and rules the expectations are written against', () => {
    // Assess
    expect(PLANS.BackupPlansList?.map((p) => [p.BackupPlanName, p.BackupPlanId])).toEqual([
      ['test', PLAN_ID],
    ]);
    expect(FIXTURE_RULES.map(({ RuleId: _, ...r }) => r)).toEqual([DEV, ARCHIVE]);
    expect(PLANS.BackupPlansList?.[0]?.CreationDate).toEqual(new Date('2019-01-17T06:01:58.667Z'));
  });
});

describe('AddBackupPlanRule', () => {
  const RULE: NewPlanRule = {
    RuleName: 'backup-sentinel-continuous',
    TargetBackupVaultName: 'Default',
    ScheduleExpression: 'cron(0 5 ? * * *)',
    Lifecycle: { DeleteAfterDays: 35 },
    EnableContinuousBackup: true,
  };
  const ADD: Action = { type: 'AddBackupPlanRule', region: REGION, planName: 'test', rule: RULE };

  it('sends every existing rule back as read, without its RuleId, plus the new rule', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(updateSent()).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlan: { BackupPlanName: 'test', Rules: [DEV, ARCHIVE, RULE] },
    });
    expect(result).toEqual({
      summary: describeAction(ADD),
      action: ADD,
      status: 'applied',
      before: [DEV, ARCHIVE],
      after: [DEV, ARCHIVE, RULE],
    });
    expect(backup.commandCalls(GetBackupPlanCommand)[0]?.args[0].input).toEqual({ BackupPlanId: PLAN_ID });
    expect(writesSent()).toBe(1);
  });

  it('sends nothing when the plan already has a rule of that name', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne({ ...ADD, rule: { ...RULE, RuleName: 'dev' } });

    // Assess
    expect(result.status).toBe('already-done');
    expect(result.before).toEqual([DEV, ARCHIVE]);
    expect(writesSent()).toBe(0);
  });

  it('finds the plan on a later page of ListBackupPlans', async () => {
    // Prepare
    const other = { ...PLANS.BackupPlansList?.[0], BackupPlanId: 'other-id', BackupPlanName: 'other' };
    givenPlan();
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [other], NextToken: 'page-2' });
    backup.on(ListBackupPlansCommand, { NextToken: 'page-2' }).resolves(PLANS);

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(result.status).toBe('applied');
    expect(backup.commandCalls(ListBackupPlansCommand)).toHaveLength(2);
    // Changed: the plan is read again by its id just before the write and after it.
    expect(backup.commandCalls(GetBackupPlanCommand).map((c) => c.args[0].input)).toEqual([
      { BackupPlanId: PLAN_ID },
      { BackupPlanId: PLAN_ID },
      { BackupPlanId: PLAN_ID },
    ]);
    expect(updateSent()?.BackupPlanId).toBe(PLAN_ID);
  });

  it('fails, sending nothing, when the plan does not exist', async () => {
    // Prepare
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(result).toEqual({
      summary: describeAction(ADD),
      action: ADD,
      status: 'failed',
      error: 'Error: plan test does not exist in us-east-1',
    });
    expect(writesSent()).toBe(0);
  });

  it('keeps the AdvancedBackupSettings of the plan', async () => {
    // Prepare
    const advanced = [{ ResourceType: 'EC2', BackupOptions: { WindowsVSS: 'enabled' } }];
    givenPlan(planWith((rules) => rules, { AdvancedBackupSettings: advanced }));

    // Act
    await runOne(ADD);

    // Assess
    expect(updateSent()).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlan: { BackupPlanName: 'test', Rules: [DEV, ARCHIVE, RULE], AdvancedBackupSettings: advanced },
    });
  });
});

describe('RaiseRuleRetention', () => {
  const raise = (ruleName: string, deleteAfterDays: number): Action => ({
    type: 'RaiseRuleRetention',
    region: REGION,
    planName: 'test',
    ruleName,
    deleteAfterDays,
  });

  it('raises only the named rule, keeping its other settings and every other rule', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(raise('dev', 35));

    // Assess
    const raised = { ...DEV, Lifecycle: { DeleteAfterDays: 35 } };
    expect(updateSent()).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlan: { BackupPlanName: 'test', Rules: [raised, ARCHIVE] },
    });
    expect(result).toMatchObject({ status: 'applied', before: [DEV, ARCHIVE], after: [raised, ARCHIVE] });
  });

  it('keeps the cold-storage transition of the rule it raises', async () => {
    // Prepare
    givenPlan();

    // Act
    await runOne(raise('weekly-archive', 365));

    // Assess
    expect(updateSent()?.BackupPlan?.Rules).toEqual([
      DEV,
      { ...ARCHIVE, Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 365 } },
    ]);
  });

  it('never lowers: a rule already keeping more days is already done', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(raise('weekly-archive', 35));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('is already done when the rule keeps exactly the days asked', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(raise('dev', 21));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('leaves a rule without DeleteAfterDays (kept forever) untouched', async () => {
    // Prepare
    givenPlan(
      planWith((rules) => rules.map((r) => (r.RuleName === 'dev' ? { ...r, Lifecycle: undefined } : r))),
    );

    // Act
    const result = await runOne(raise('dev', 35));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('leaves a rule kept forever with DeleteAfterDays -1 untouched', async () => {
    // Prepare
    givenPlan(
      planWith((rules) =>
        rules.map((r) => (r.RuleName === 'dev' ? { ...r, Lifecycle: { DeleteAfterDays: -1 } } : r)),
      ),
    );

    // Act
    const result = await runOne(raise('dev', 35));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('raises to at least cold storage + 90 days when the rule moves to cold storage now', async () => {
    // Prepare: since the audit, the owner made the rule move to cold storage after 30 days
    givenPlan(
      planWith((rules) =>
        rules.map((r) =>
          r.RuleName === 'dev'
            ? { ...r, Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 21 } }
            : r,
        ),
      ),
    );

    // Act
    await runOne(raise('dev', 35));

    // Assess
    expect(updateSent()?.BackupPlan?.Rules?.[0]?.Lifecycle).toEqual({
      MoveToColdStorageAfterDays: 30,
      DeleteAfterDays: 120,
    });
  });

  it('fails with a clear error when the rule is no longer in the plan', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(raise('nightly', 35));

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe('Error: rule nightly is no longer in plan test');
    expect(writesSent()).toBe(0);
  });
});

describe('AddCopyAction', () => {
  const addCopy = (ruleName: string, destinationVaultArn: string, deleteAfterDays: number): Action => ({
    type: 'AddCopyAction',
    region: REGION,
    planName: 'test',
    ruleName,
    destinationVaultArn,
    deleteAfterDays,
  });

  it('adds the copy to a rule that has none', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(addCopy('dev', DR_VAULT, 90));

    // Assess
    const withCopy = {
      ...DEV,
      CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 90 } }],
    };
    expect(updateSent()).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlan: { BackupPlanName: 'test', Rules: [withCopy, ARCHIVE] },
    });
    expect(result).toMatchObject({ status: 'applied', before: [DEV, ARCHIVE], after: [withCopy, ARCHIVE] });
  });

  it('appends the copy after the copies the rule already has', async () => {
    // Prepare
    const existing = { DestinationBackupVaultArn: DR_ACCOUNT_VAULT, Lifecycle: { DeleteAfterDays: 60 } };
    givenPlan(
      planWith((rules) => rules.map((r) => (r.RuleName === 'dev' ? { ...r, CopyActions: [existing] } : r))),
    );

    // Act
    await runOne(addCopy('dev', DR_VAULT, 90));

    // Assess
    expect(updateSent()?.BackupPlan?.Rules).toEqual([
      {
        ...DEV,
        CopyActions: [existing, { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 90 } }],
      },
      ARCHIVE,
    ]);
  });

  it('sends nothing when the rule already copies to that vault', async () => {
    // Prepare
    const existing = { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 90 } };
    givenPlan(
      planWith((rules) => rules.map((r) => (r.RuleName === 'dev' ? { ...r, CopyActions: [existing] } : r))),
    );

    // Act
    const result = await runOne(addCopy('dev', DR_VAULT, 90));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('fails with a clear error when the rule is no longer in the plan', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(addCopy('hourly', DR_VAULT, 90));

    // Assess
    expect(result).toMatchObject({ status: 'failed', error: 'Error: rule hourly is no longer in plan test' });
    expect(writesSent()).toBe(0);
  });
});

describe('RaiseCopyRetention', () => {
  const raiseCopy = (ruleName: string, deleteAfterDays: number): Action => ({
    type: 'RaiseCopyRetention',
    region: REGION,
    planName: 'test',
    ruleName,
    destinationVaultArn: DR_VAULT,
    deleteAfterDays,
  });
  const withCopies = (ruleName: string, copies: FixtureRule['CopyActions']) =>
    planWith((rules) => rules.map((r) => (r.RuleName === ruleName ? { ...r, CopyActions: copies } : r)));
  const OTHER_COPY = { DestinationBackupVaultArn: DR_ACCOUNT_VAULT, Lifecycle: { DeleteAfterDays: 14 } };

  it('raises only the copy to that vault, keeping its cold-storage transition', async () => {
    // Prepare
    givenPlan(
      withCopies('weekly-archive', [
        OTHER_COPY,
        {
          DestinationBackupVaultArn: DR_VAULT,
          Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 180 },
        },
      ]),
    );

    // Act
    const result = await runOne(raiseCopy('weekly-archive', 365));

    // Assess
    expect(result.status).toBe('applied');
    expect(updateSent()).toEqual({
      BackupPlanId: PLAN_ID,
      BackupPlan: {
        BackupPlanName: 'test',
        Rules: [
          DEV,
          {
            ...ARCHIVE,
            CopyActions: [
              OTHER_COPY,
              {
                DestinationBackupVaultArn: DR_VAULT,
                Lifecycle: { MoveToColdStorageAfterDays: 90, DeleteAfterDays: 365 },
              },
            ],
          },
        ],
      },
    });
  });

  it('gives a copy without a lifecycle one when its rule keeps fewer days than asked', async () => {
    // Prepare
    givenPlan(withCopies('dev', [{ DestinationBackupVaultArn: DR_VAULT }]));

    // Act
    await runOne(raiseCopy('dev', 35));

    // Assess
    expect(updateSent()?.BackupPlan?.Rules).toEqual([
      { ...DEV, CopyActions: [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 35 } }] },
      ARCHIVE,
    ]);
  });

  it('leaves a copy without a lifecycle alone when its rule already keeps more days', async () => {
    // Prepare
    givenPlan(withCopies('weekly-archive', [{ DestinationBackupVaultArn: DR_VAULT }]));

    // Act
    const result = await runOne(raiseCopy('weekly-archive', 35));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('leaves a copy kept forever with DeleteAfterDays -1 untouched, whatever its rule keeps', async () => {
    // Prepare
    givenPlan(
      withCopies('dev', [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: -1 } }]),
    );

    // Act
    const result = await runOne(raiseCopy('dev', 90));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('leaves a copy without a lifecycle alone when its rule keeps forever (-1)', async () => {
    // Prepare
    givenPlan(
      planWith((rules) =>
        rules.map((r) =>
          r.RuleName === 'dev'
            ? {
                ...r,
                Lifecycle: { DeleteAfterDays: -1 },
                CopyActions: [{ DestinationBackupVaultArn: DR_VAULT }],
              }
            : r,
        ),
      ),
    );

    // Act
    const result = await runOne(raiseCopy('dev', 90));

    // Assess
    expect(result.status).toBe('already-done');
  });

  it('raises a copy to at least its cold storage + 90 days', async () => {
    // Prepare
    givenPlan(
      withCopies('dev', [
        {
          DestinationBackupVaultArn: DR_VAULT,
          Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 40 },
        },
      ]),
    );

    // Act
    await runOne(raiseCopy('dev', 60));

    // Assess
    expect(updateSent()?.BackupPlan?.Rules?.[0]?.CopyActions).toEqual([
      {
        DestinationBackupVaultArn: DR_VAULT,
        Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 120 },
      },
    ]);
  });

  it('never lowers: a copy already keeping more days is already done', async () => {
    // Prepare
    givenPlan(
      withCopies('dev', [{ DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 120 } }]),
    );

    // Act
    const result = await runOne(raiseCopy('dev', 90));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('fails with a clear error when the rule is no longer in the plan', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(raiseCopy('monthly', 90));

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      error: 'Error: rule monthly is no longer in plan test',
    });
    expect(writesSent()).toBe(0);
  });
});

describe('CreateBackupVault', () => {
  const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const create = (encryptionKeyArn?: string): Action => ({
    type: 'CreateBackupVault',
    region: REGION,
    vaultName: 'backup-sentinel-gold',
    policy: 'gold',
    ...(encryptionKeyArn ? { encryptionKeyArn } : {}),
  });

  it('creates a missing vault with the customer-managed key and our tag', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).rejects(notFound());

    // Act
    const result = await runOne(create(KEY));

    // Assess
    expect(backup.commandCalls(DescribeBackupVaultCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: 'backup-sentinel-gold',
    });
    expect(backup.commandCalls(CreateBackupVaultCommand).map((c) => c.args[0].input)).toEqual([
      {
        BackupVaultName: 'backup-sentinel-gold',
        EncryptionKeyArn: KEY,
        BackupVaultTags: { 'managed-by': 'backup-sentinel' },
        CreatorRequestId: TOKEN,
      },
    ]);
    expect(result).toMatchObject({
      status: 'applied',
      before: { exists: false },
      after: { exists: true, EncryptionKeyArn: KEY },
    });
  });

  it('creates a missing vault without EncryptionKeyArn when no key is given (AWS managed key)', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).rejects(notFound());

    // Act
    const result = await runOne(create());

    // Assess
    expect(backup.commandCalls(CreateBackupVaultCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: 'backup-sentinel-gold',
      BackupVaultTags: { 'managed-by': 'backup-sentinel' },
      CreatorRequestId: TOKEN,
    });
    expect(result.after).toEqual({ exists: true, EncryptionKeyArn: 'aws/backup' });
  });

  it('is already done when the vault exists', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves(VAULT);

    // Act
    const result = await runOne(create(KEY));

    // Assess
    expect(result).toMatchObject({
      status: 'already-done',
      before: { exists: true, EncryptionKeyArn: VAULT.EncryptionKeyArn },
    });
    expect(writesSent()).toBe(0);
  });

  it('creates the vault when DescribeBackupVault answers AccessDenied for a vault that is not listed', async () => {
    // Prepare: AWS Backup answers AccessDenied, not not-found, for vaults that do not exist
    backup.on(DescribeBackupVaultCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    backup.on(ListBackupVaultsCommand).resolves({ BackupVaultList: [{ BackupVaultName: 'another-vault' }] });
    backup.on(CreateBackupVaultCommand).resolves({});

    // Act
    const result = await runOne(create(KEY));

    // Assess
    expect(result.status).toBe('applied');
    expect(backup.commandCalls(CreateBackupVaultCommand)).toHaveLength(1);
  });

  it('fails, creating nothing, when the vault exists but cannot be read', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    backup
      .on(ListBackupVaultsCommand)
      .resolves({ BackupVaultList: [{ BackupVaultName: 'backup-sentinel-gold' }] });

    // Act
    const result = await runOne(create(KEY));

    // Assess
    expect(result).toMatchObject({ status: 'failed', error: 'AccessDeniedException: not authorized' });
    expect(writesSent()).toBe(0);
  });
});

describe('CreateBackupPlan', () => {
  const create = createPlan;

  it('creates the plan of the policy: schedule, retention, disaster-recovery copies and a continuous rule', async () => {
    // Prepare
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });

    // Act
    const result = await runOne(create('gold', 'test'));

    // Assess
    const plan = {
      BackupPlanName: 'test',
      Rules: [
        {
          RuleName: 'backup-sentinel-snapshots',
          TargetBackupVaultName: 'Default',
          ScheduleExpression: 'cron(0 0/12 ? * * *)',
          Lifecycle: { DeleteAfterDays: 60 },
          CopyActions: [
            { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 90 } },
            { DestinationBackupVaultArn: DR_ACCOUNT_VAULT, Lifecycle: { DeleteAfterDays: 60 } },
          ],
        },
        {
          RuleName: 'backup-sentinel-continuous',
          TargetBackupVaultName: 'Default',
          ScheduleExpression: 'cron(0 5 ? * * *)',
          Lifecycle: { DeleteAfterDays: 35 },
          EnableContinuousBackup: true,
        },
      ],
    };
    expect(backup.commandCalls(CreateBackupPlanCommand).map((c) => c.args[0].input)).toEqual([
      { BackupPlan: plan, BackupPlanTags: { 'managed-by': 'backup-sentinel' }, CreatorRequestId: TOKEN },
    ]);
    expect(result).toMatchObject({ status: 'applied', before: { exists: false }, after: plan });
  });

  it('creates a single snapshot rule without copies for a policy that asks for neither', async () => {
    // Prepare
    backup.on(ListBackupPlansCommand).resolves(PLANS);

    // Act
    await runOne(create('bronze', 'backup-sentinel-bronze'));

    // Assess
    expect(backup.commandCalls(CreateBackupPlanCommand)[0]?.args[0].input).toEqual({
      BackupPlan: {
        BackupPlanName: 'backup-sentinel-bronze',
        Rules: [
          {
            RuleName: 'backup-sentinel-snapshots',
            TargetBackupVaultName: 'backup-sentinel-bronze',
            ScheduleExpression: 'cron(0 5 ? * * *)',
            Lifecycle: { DeleteAfterDays: 35 },
          },
        ],
      },
      BackupPlanTags: { 'managed-by': 'backup-sentinel' },
      CreatorRequestId: TOKEN,
    });
  });

  it('is already done when a plan of that name exists', async () => {
    // Prepare
    givenPlan();

    // Act
    const result = await runOne(create('gold', 'test'));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  // Changed: replaces "fails when the policy is not in the policy file": the executor no longer
  // reads one, so that failure cannot happen; it sends the plan the action carries, whatever it is.
  it('sends the plan the action carries, with no policy file', async () => {
    // Prepare
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });
    const plan = {
      BackupPlanName: 'backup-sentinel-platinum',
      Rules: [
        {
          RuleName: 'hourly',
          TargetBackupVaultName: 'platinum',
          ScheduleExpression: 'cron(0 * ? * * *)',
          Lifecycle: { DeleteAfterDays: 3 },
        },
      ],
    };

    // Act
    const result = await runOne({ type: 'CreateBackupPlan', region: REGION, plan });

    // Assess
    expect(backup.commandCalls(CreateBackupPlanCommand).map((c) => c.args[0].input.BackupPlan)).toEqual([
      plan,
    ]);
    expect(result).toMatchObject({ status: 'applied', after: plan });
  });
});

describe('CreateBackupSelection', () => {
  const NO_COPIES = { crossRegion: false, crossAccount: false };
  // Changed: one selection per kind (S3 here), named for it, picking only its kind's resources.
  const select = (
    kind: 's3' | 'rds' = 's3',
    copies = NO_COPIES,
  ): Extract<Action, { type: 'CreateBackupSelection' }> => ({
    type: 'CreateBackupSelection',
    region: REGION,
    planName: 'test',
    selectionName: `backup-sentinel-gold-${kind}`,
    tagKey: 'backup:policy',
    tagValue: 'gold',
    auditOnlyTagKey: 'backup:remediate',
    kind,
    copies,
  });
  const SELECT: Action = select();
  const CONDITIONS = {
    StringEquals: [{ ConditionKey: 'aws:ResourceTag/backup:policy', ConditionValue: 'gold' }],
    StringNotEquals: [{ ConditionKey: 'aws:ResourceTag/backup:remediate', ConditionValue: 'false' }],
  };
  const SELECTION = {
    SelectionName: 'backup-sentinel-gold-s3',
    IamRoleArn: ROLE,
    Resources: ['arn:aws:s3:::*'],
    Conditions: CONDITIONS,
  };
  const RDS_SELECTION = {
    SelectionName: 'backup-sentinel-gold-rds',
    IamRoleArn: ROLE,
    Resources: ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:*:*:cluster:*'],
    Conditions: CONDITIONS,
  };
  const templateRole = (name: string) =>
    `arn:aws:iam::${ACCOUNT}:role/backup-sentinel-backup-${name}-${REGION}`;
  const TEMPLATE = { backupRoles: 'template', accountId: ACCOUNT } as const;
  const sentSelections = () =>
    backup.commandCalls(CreateBackupSelectionCommand).map((c) => c.args[0].input.BackupSelection);

  it('assigns the tagged resources, less the audit-only ones, to the plan with the backup role', async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });

    // Act
    const result = await runOne(SELECT);

    // Assess
    expect(backup.commandCalls(ListBackupSelectionsCommand)[0]?.args[0].input).toMatchObject({
      BackupPlanId: PLAN_ID,
    });
    expect(backup.commandCalls(CreateBackupSelectionCommand).map((c) => c.args[0].input)).toEqual([
      { BackupPlanId: PLAN_ID, BackupSelection: SELECTION, CreatorRequestId: TOKEN },
    ]);
    expect(result).toMatchObject({ status: 'applied', after: SELECTION });
  });

  it('is already done when the plan has a selection of that name', async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({
      BackupSelectionsList: [
        {
          SelectionId: 'sel-1',
          SelectionName: 'backup-sentinel-gold-s3',
          BackupPlanId: PLAN_ID,
          IamRoleArn: ROLE,
          CreationDate: new Date('2024-01-01T00:00:00Z'),
        },
      ],
    });

    // Act
    const result = await runOne(SELECT);

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('fails, sending nothing, when the plan does not exist', async () => {
    // Prepare
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });

    // Act
    const result = await runOne(SELECT);

    // Assess
    expect(result).toMatchObject({ status: 'failed', error: 'Error: plan test does not exist in us-east-1' });
    expect(writesSent()).toBe(0);
  });

  it('attaches to a plan created earlier in the same run', async () => {
    // Prepare
    backup
      .on(ListBackupPlansCommand)
      .resolvesOnce({ BackupPlansList: [] })
      .resolvesOnce({ BackupPlansList: [] })
      .resolves(PLANS);
    backup.on(GetBackupPlanCommand, { BackupPlanId: PLAN_ID }).resolves(GOT_PLAN);
    backup.on(CreateBackupPlanCommand).resolves({ BackupPlanId: PLAN_ID });

    // Act
    const results = await run([createPlan('gold', 'test'), SELECT]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(results[1]?.before).toEqual({ exists: false, plan: 'to be created earlier in this run' });
    expect(backup.commandCalls(CreateBackupSelectionCommand).map((c) => c.args[0].input)).toEqual([
      { BackupPlanId: PLAN_ID, BackupSelection: SELECTION, CreatorRequestId: TOKEN },
    ]);
  });

  it('without the template: an RDS selection picks instances and clusters only, with the one backup role', async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });

    // Act: even a policy copying cross-account passes the one role
    const result = await runOne(select('rds', { crossRegion: false, crossAccount: true }));

    // Assess
    expect(sentSelections()).toEqual([RDS_SELECTION]);
    expect(result).toMatchObject({ status: 'applied', after: RDS_SELECTION });
  });

  it("with the template: each kind passes the role made for it, never the other kind's", async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
    const copies = (crossRegion: boolean, crossAccount: boolean) => ({ crossRegion, crossAccount });

    // Act: one run per selection (each checks by name whether it exists)
    for (const action of [
      select('s3'),
      select('s3', copies(true, false)),
      select('rds'),
      select('rds', copies(true, false)),
      select('rds', copies(false, true)),
      select('rds', copies(true, true)),
    ])
      await runOne(action, TEMPLATE);

    // Assess
    const RDS = RDS_SELECTION.Resources;
    expect(sentSelections().map((s) => [s?.SelectionName, s?.Resources, s?.IamRoleArn])).toEqual([
      ['backup-sentinel-gold-s3', ['arn:aws:s3:::*'], templateRole('s3-regular')],
      ['backup-sentinel-gold-s3', ['arn:aws:s3:::*'], templateRole('s3-copy')],
      ['backup-sentinel-gold-rds', RDS, templateRole('rds-regular')],
      ['backup-sentinel-gold-rds', RDS, templateRole('rds-copy-region')],
      ['backup-sentinel-gold-rds', RDS, templateRole('rds-copy-account')],
      // AWS Backup cannot copy an RDS point both ways (copies.rds-single-hop): the account copy wins
      ['backup-sentinel-gold-rds', RDS, templateRole('rds-copy-account')],
    ]);
  });

  it('shows in the dry run the role and resources the write then sends', async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });
    const action = select('rds', { crossRegion: true, crossAccount: false });

    // Act
    const dry = await runOne(action, { ...TEMPLATE, apply: false });
    const writesInDryRun = writesSent();
    const applied = await runOne(action, TEMPLATE);

    // Assess
    expect(writesInDryRun).toBe(0);
    expect(dry).toMatchObject({
      status: 'would-apply',
      after: { IamRoleArn: templateRole('rds-copy-region'), Resources: RDS_SELECTION.Resources },
    });
    expect(sentSelections()).toEqual([dry.after]);
    expect(applied.after).toEqual(dry.after);
  });

  it('fails, sending nothing, when the template is used without the account of the run', async () => {
    // Prepare
    givenPlan();
    backup.on(ListBackupSelectionsCommand).resolves({ BackupSelectionsList: [] });

    // Act
    const result = await runOne(SELECT, { backupRoles: 'template' });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toContain('backupRoles=template needs the account id of the run');
    expect(writesSent()).toBe(0);
  });
});

describe('EnableResourceTypeOptIn', () => {
  const OPT_IN: Action = { type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'Aurora' };

  it('opts in only that resource type', async () => {
    // Prepare
    backup.on(DescribeRegionSettingsCommand).resolves({
      ResourceTypeOptInPreference: { Aurora: false, RDS: true, S3: false },
    });

    // Act
    const result = await runOne(OPT_IN);

    // Assess
    expect(backup.commandCalls(UpdateRegionSettingsCommand).map((c) => c.args[0].input)).toEqual([
      { ResourceTypeOptInPreference: { Aurora: true } },
    ]);
    expect(result).toMatchObject({ status: 'applied', before: { Aurora: false }, after: { Aurora: true } });
  });

  it('is already done when the type is opted in', async () => {
    // Prepare
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: true } });

    // Act
    const result = await runOne(OPT_IN);

    // Assess
    expect(result).toMatchObject({ status: 'already-done', before: { Aurora: true } });
    expect(writesSent()).toBe(0);
  });
});

describe('PutVaultNotifications', () => {
  const notify = (events: string[], snsTopicArn?: string): Action => ({
    type: 'PutVaultNotifications',
    region: REGION,
    vaultName: 'myVault',
    events,
    ...(snsTopicArn ? { snsTopicArn } : {}),
  });

  it('adds the missing events to the existing ones and keeps the existing topic', async () => {
    // Prepare
    givenNotifications(NOTIFICATIONS);

    // Act
    const result = await runOne(
      notify(['BACKUP_JOB_COMPLETED', 'RESTORE_JOB_COMPLETED', 'COPY_JOB_FAILED'], TOPIC),
    );

    // Assess
    const merged = [
      'RESTORE_JOB_STARTED',
      'RESTORE_JOB_COMPLETED',
      'RECOVERY_POINT_MODIFIED',
      'BACKUP_JOB_COMPLETED',
      'COPY_JOB_FAILED',
    ];
    expect(backup.commandCalls(PutBackupVaultNotificationsCommand).map((c) => c.args[0].input)).toEqual([
      {
        BackupVaultName: 'myVault',
        SNSTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic',
        BackupVaultEvents: merged,
      },
    ]);
    expect(result).toMatchObject({
      status: 'applied',
      before: {
        SNSTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic',
        BackupVaultEvents: NOTIFICATIONS.BackupVaultEvents,
      },
      after: { SNSTopicArn: 'arn:aws:sns:region:account-id:myBackupTopic', BackupVaultEvents: merged },
    });
  });

  it('is already done when every event is already sent to a topic', async () => {
    // Prepare
    backup.on(GetBackupVaultNotificationsCommand).resolves(NOTIFICATIONS);

    // Act
    const result = await runOne(notify(['RESTORE_JOB_COMPLETED'], TOPIC));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('sends the events to the given topic when the vault has no notifications', async () => {
    // Prepare
    givenNotifications();

    // Act
    const result = await runOne(notify(['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'], TOPIC));

    // Assess
    expect(backup.commandCalls(PutBackupVaultNotificationsCommand)[0]?.args[0].input).toEqual({
      BackupVaultName: 'myVault',
      SNSTopicArn: TOPIC,
      BackupVaultEvents: ['BACKUP_JOB_COMPLETED', 'COPY_JOB_FAILED'],
    });
    expect(result.before).toEqual({ SNSTopicArn: undefined, BackupVaultEvents: [] });
  });

  it('fails, sending nothing, when neither the vault nor the action has a topic', async () => {
    // Prepare
    backup.on(GetBackupVaultNotificationsCommand).rejects(notFound());

    // Act
    const result = await runOne(notify(['BACKUP_JOB_COMPLETED']));

    // Assess
    expect(result).toMatchObject({ status: 'failed', error: 'Error: no SNS topic to send vault events to' });
    expect(writesSent()).toBe(0);
  });
});

describe('AddVaultDeleteProtection', () => {
  const PROTECT: Action = { type: 'AddVaultDeleteProtection', region: REGION, vaultName: 'Default' };
  const USER_STATEMENT = {
    Sid: 'AllowCrossAccountCopy',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${DR_ACCOUNT}:root` },
    Action: 'backup:CopyIntoBackupVault',
    Resource: '*',
  };
  const policySent = () => {
    const input = backup.commandCalls(PutBackupVaultAccessPolicyCommand)[0]?.args[0].input;
    return { ...input, Policy: JSON.parse(input?.Policy ?? 'null') };
  };

  it('adds the deny statement to the existing policy, keeping its statements', async () => {
    // Prepare
    givenPolicy({ Version: '2012-10-17', Id: 'user-policy', Statement: [USER_STATEMENT] });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    const after = {
      Version: '2012-10-17',
      Id: 'user-policy',
      Statement: [USER_STATEMENT, DENY_DELETE_STATEMENT],
    };
    expect(policySent()).toEqual({ BackupVaultName: 'Default', Policy: after });
    expect(result).toMatchObject({ status: 'applied', after });
  });

  it('turns a single-object Statement into a list holding it and the deny statement', async () => {
    // Prepare
    givenPolicy({ Version: '2012-10-17', Statement: USER_STATEMENT });

    // Act
    await runOne(PROTECT);

    // Assess
    expect(policySent().Policy).toEqual({
      Version: '2012-10-17',
      Statement: [USER_STATEMENT, DENY_DELETE_STATEMENT],
    });
  });

  // Changed: the statement used to deny backup:DeleteRecoveryPoint only; AWS's managed Config rule
  // backup-recovery-point-manual-deletion-disabled asks for a Deny of all three actions (and a new
  // Sid, so that it never collides with the old statement on vaults that already have it).
  it('writes a new policy when the vault has none', async () => {
    // Prepare
    givenPolicy();

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(policySent()).toEqual({
      BackupVaultName: 'Default',
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'BackupSentinelDenyRecoveryPointChanges',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: [
              'backup:DeleteRecoveryPoint',
              'backup:UpdateRecoveryPointLifecycle',
              'backup:PutBackupVaultAccessPolicy',
            ],
            Resource: '*',
          },
        ],
      },
    });
    expect(result.status).toBe('applied');
  });

  it('exempts the principals the action names', async () => {
    // Prepare
    const breakGlass = `arn:aws:iam::${ACCOUNT}:role/break-glass`;
    givenPolicy();

    // Act
    await runOne({ ...PROTECT, exemptPrincipalArns: [breakGlass] } as Action);

    // Assess
    expect(policySent().Policy.Statement).toEqual([
      { ...DENY_DELETE_STATEMENT, Condition: { ArnNotEquals: { 'aws:PrincipalArn': [breakGlass] } } },
    ]);
  });

  it('keeps the old backup-sentinel statement and adds the full one beside it', async () => {
    // Prepare: written by an earlier version, it denies DeleteRecoveryPoint only
    const old = {
      Sid: 'BackupSentinelDenyDeleteRecoveryPoint',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'backup:DeleteRecoveryPoint',
      Resource: '*',
    };
    givenPolicy({ Version: '2012-10-17', Statement: [USER_STATEMENT, old] });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result.status).toBe('applied');
    expect(policySent().Policy.Statement).toEqual([USER_STATEMENT, old, DENY_DELETE_STATEMENT]);
  });

  it('gives its statement a Sid no other statement uses', async () => {
    // Prepare
    const taken = {
      Sid: DENY_DELETE_STATEMENT.Sid,
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'backup:DescribeBackupVault',
      Resource: '*',
    };
    givenPolicy({ Version: '2012-10-17', Statement: [taken] });

    // Act
    await runOne(PROTECT);

    // Assess
    expect(policySent().Policy.Statement).toEqual([
      taken,
      { ...DENY_DELETE_STATEMENT, Sid: `${DENY_DELETE_STATEMENT.Sid}2` },
    ]);
  });

  it("is already done when the owner's own statement denies the three actions", async () => {
    // Prepare
    const theirs = {
      ...DENY_DELETE_STATEMENT,
      Sid: 'TheirDeny',
      Action: [...DENY_DELETE_STATEMENT.Action].reverse(),
    };
    backup.on(GetBackupVaultAccessPolicyCommand).resolves({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }),
    });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  it('refuses, sending nothing, to add a deny for everyone beside a statement exempting a principal in a way it cannot check', async () => {
    // Prepare: the owner's break-glass exemption by tag would be overridden by a deny for everyone
    const theirs = {
      Sid: 'BreakGlass',
      Effect: 'Deny',
      Principal: '*',
      Action: 'backup:DeleteRecoveryPoint',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalTag/break-glass': 'true' } },
    };
    backup.on(GetBackupVaultAccessPolicyCommand).resolves({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [theirs] }),
    });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result.status).toBe('refused');
    expect(result.reason).toContain('statement BreakGlass');
    expect(writesSent()).toBe(0);
  });

  it('is already done when the deny statement is there', async () => {
    // Prepare
    backup.on(GetBackupVaultAccessPolicyCommand).resolves({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [USER_STATEMENT, DENY_DELETE_STATEMENT] }),
    });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });
});

describe('PutVaultLock', () => {
  const DAY = 86_400_000;
  const lock = (over: Partial<Extract<Action, { type: 'PutVaultLock' }>> = {}): Action => ({
    type: 'PutVaultLock',
    region: REGION,
    vaultName: 'Default',
    minRetentionDays: 35,
    maxRetentionDays: 365,
    ...over,
  });
  const lockSent = () =>
    backup.commandCalls(PutBackupVaultLockConfigurationCommand).map((c) => c.args[0].input);

  it('locks an unlocked vault in governance mode: no ChangeableForDays', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'Default' }).resolves(VAULT);

    // Act
    const result = await runOne(lock());

    // Assess
    expect(lockSent()).toEqual([{ BackupVaultName: 'Default', MinRetentionDays: 35, MaxRetentionDays: 365 }]);
    expect(result).toMatchObject({
      status: 'applied',
      before: {
        Locked: false,
        MinRetentionDays: undefined,
        MaxRetentionDays: undefined,
        LockDate: undefined,
      },
    });
  });

  it('locks in compliance mode with a 3-day grace period', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves(VAULT);

    // Act
    await runOne(lock({ maxRetentionDays: undefined, changeableForDays: 3 }));

    // Assess
    expect(lockSent()).toEqual([{ BackupVaultName: 'Default', MinRetentionDays: 35, ChangeableForDays: 3 }]);
  });

  it('never lowers the minimum retention of an existing lock', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({ ...VAULT, Locked: true, MinRetentionDays: 60 });

    // Act
    await runOne(lock());

    // Assess
    expect(lockSent()).toEqual([{ BackupVaultName: 'Default', MinRetentionDays: 60, MaxRetentionDays: 365 }]);
  });

  it('is already done when the governance lock already satisfies the action', async () => {
    // Prepare
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ ...VAULT, Locked: true, MinRetentionDays: 60, MaxRetentionDays: 300 });

    // Act
    const result = await runOne(lock());

    // Assess
    expect(result).toMatchObject({
      status: 'already-done',
      before: { Locked: true, MinRetentionDays: 60, MaxRetentionDays: 300 },
    });
    expect(writesSent()).toBe(0);
  });

  it('turns a governance lock into a compliance lock when compliance is asked', async () => {
    // Prepare
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ ...VAULT, Locked: true, MinRetentionDays: 35, MaxRetentionDays: 365 });

    // Act
    await runOne(lock({ changeableForDays: 3 }));

    // Assess
    expect(lockSent()).toEqual([
      { BackupVaultName: 'Default', MinRetentionDays: 35, MaxRetentionDays: 365, ChangeableForDays: 3 },
    ]);
  });

  it('is already done when a compliance lock still in its grace period satisfies the action', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({
      ...VAULT,
      Locked: true,
      MinRetentionDays: 35,
      MaxRetentionDays: 365,
      LockDate: new Date(Date.now() + 2 * DAY),
    });

    // Act
    const result = await runOne(lock({ changeableForDays: 3 }));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });

  // Changed: reported as refused (a safety stop: nothing went wrong), not as a failed change.
  it('refuses, sending nothing, when a compliance lock in force would have to change', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({
      ...VAULT,
      Locked: true,
      MinRetentionDays: 14,
      LockDate: new Date(Date.now() - DAY),
    });

    // Act
    const result = await runOne(lock({ changeableForDays: 3 }));

    // Assess
    expect(result).toMatchObject({
      status: 'refused',
      reason: 'the compliance-mode lock is in force and cannot be changed',
    });
    expect(result.error).toBeUndefined();
    expect(writesSent()).toBe(0);
  });

  it('refuses to replace a compliance-mode lock in its grace period by a governance lock', async () => {
    // Prepare
    const lockDate = new Date(Date.now() + 2 * DAY);
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ ...VAULT, Locked: true, MinRetentionDays: 7, LockDate: lockDate });

    // Act
    const result = await runOne(lock());

    // Assess
    expect(result.status).toBe('refused');
    expect(result.reason).toBe(
      `vault Default has a compliance-mode lock in its grace period (until ${lockDate.toISOString()}): a lock without ChangeableForDays would turn it into a removable governance lock`,
    );
    expect(writesSent()).toBe(0);
  });

  it('keeps a compliance-mode lock in its grace period in compliance mode, its lock date no later than AWS requires', async () => {
    // Prepare: 10.5 days of grace left
    backup.on(DescribeBackupVaultCommand).resolves({
      ...VAULT,
      Locked: true,
      MinRetentionDays: 7,
      MaxRetentionDays: 400,
      LockDate: new Date(Date.now() + 10.5 * DAY),
    });

    // Act
    const result = await runOne(lock({ changeableForDays: 3 }));

    // Assess
    expect(result.status).toBe('applied');
    expect(lockSent()).toEqual([
      { BackupVaultName: 'Default', MinRetentionDays: 35, MaxRetentionDays: 365, ChangeableForDays: 10 },
    ]);
  });

  it('never raises the maximum retention of an existing lock', async () => {
    // Prepare
    backup
      .on(DescribeBackupVaultCommand)
      .resolves({ ...VAULT, Locked: true, MinRetentionDays: 7, MaxRetentionDays: 200 });

    // Act
    await runOne(lock());

    // Assess
    expect(lockSent()).toEqual([{ BackupVaultName: 'Default', MinRetentionDays: 35, MaxRetentionDays: 200 }]);
  });

  // Re-running the very action that set the lock, once its grace period is over, is a no-op.
  it('is already done when a compliance lock in force already satisfies the action', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({
      ...VAULT,
      Locked: true,
      MinRetentionDays: 35,
      MaxRetentionDays: 365,
      LockDate: new Date(Date.now() - DAY),
    });

    // Act
    const result = await runOne(lock({ changeableForDays: 3 }));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });
});

describe('CreateRestoreTestingPlan', () => {
  const create = (policy: string, name = `backup-sentinel-${policy}`) =>
    createRestoreTestingPlan(policy, name);
  const planSent = () => backup.commandCalls(CreateRestoreTestingPlanCommand).map((c) => c.args[0].input);

  it('creates a twice-weekly plan (gap plus start window within 7 days) testing the latest snapshot in the policy vault', async () => {
    // Prepare
    backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });

    // Act
    const result = await runOne(create('gold'));

    // Assess
    const plan = {
      RestoreTestingPlanName: 'backup-sentinel-gold',
      ScheduleExpression: 'cron(0 7 ? * WED,SAT *)',
      StartWindowHours: 24,
      RecoveryPointSelection: {
        Algorithm: 'LATEST_WITHIN_WINDOW',
        IncludeVaults: [vaultArn('Default')],
        RecoveryPointTypes: ['SNAPSHOT'],
        SelectionWindowDays: 7,
      },
    };
    expect(planSent()).toEqual([
      { RestoreTestingPlan: plan, Tags: { 'managed-by': 'backup-sentinel' }, CreatorRequestId: TOKEN },
    ]);
    expect(result).toMatchObject({ status: 'applied', before: { exists: false }, after: plan });
  });

  it('tests twice a week over a 7-day window for a policy without restoreTest settings', async () => {
    // Prepare
    backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });

    // Act
    await runOne(create('bronze'));

    // Assess
    expect(planSent()[0]?.RestoreTestingPlan).toMatchObject({
      ScheduleExpression: 'cron(0 7 ? * WED,SAT *)',
      RecoveryPointSelection: { IncludeVaults: [vaultArn('backup-sentinel-bronze')], SelectionWindowDays: 7 },
    });
  });

  it('tests monthly when the policy asks for a test every 60 days', async () => {
    // Prepare
    backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });

    // Act
    await runOne(create('monthly'));

    // Assess
    expect(planSent()[0]?.RestoreTestingPlan).toMatchObject({
      ScheduleExpression: 'cron(0 7 1 * ? *)',
      RecoveryPointSelection: { SelectionWindowDays: 60 },
    });
  });

  it('schedules tests at least as often as the policy asks (every 28 days)', async () => {
    // Prepare
    backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });

    // Act
    await runOne(create('fourweekly'));

    // Assess
    const gap = scheduleMaxGapHours(planSent()[0]?.RestoreTestingPlan?.ScheduleExpression ?? '');
    expect(gap).toBeDefined();
    expect((gap ?? 0) + 24).toBeLessThanOrEqual(28 * 24);
  });

  it('is already done when a restore testing plan of that name exists', async () => {
    // Prepare
    backup.on(ListRestoreTestingPlansCommand).resolves({
      RestoreTestingPlans: [
        {
          RestoreTestingPlanName: 'backup-sentinel-gold',
          RestoreTestingPlanArn: `arn:aws:backup:${REGION}:${ACCOUNT}:restore-testing-plan:backup-sentinel-gold-abc`,
          ScheduleExpression: 'cron(0 7 ? * SAT *)',
          CreationTime: new Date('2024-01-01T00:00:00Z'),
        },
      ],
    });

    // Act
    const result = await runOne(create('gold'));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });
});

describe('CreateRestoreTestingSelection', () => {
  const select = (overrides: Record<string, string>): Action => ({
    type: 'CreateRestoreTestingSelection',
    region: REGION,
    planName: 'backup-sentinel-gold',
    selectionName: 'backup_sentinel_gold_rds',
    resourceType: 'RDS',
    tagKey: 'backup:policy',
    tagValue: 'gold',
    auditOnlyTagKey: 'backup:remediate',
    overrides,
    validationWindowHours: 0,
  });
  const SELECTION = {
    RestoreTestingSelectionName: 'backup_sentinel_gold_rds',
    ProtectedResourceType: 'RDS',
    IamRoleArn: ROLE,
    ProtectedResourceArns: ['*'],
    ProtectedResourceConditions: {
      StringEquals: [{ Key: 'aws:ResourceTag/backup:policy', Value: 'gold' }],
      StringNotEquals: [{ Key: 'aws:ResourceTag/backup:remediate', Value: 'false' }],
    },
  };

  it('selects the tagged resources, less the audit-only ones, with the restore overrides', async () => {
    // Prepare
    backup.on(GetRestoreTestingSelectionCommand).rejects(notFound());

    // Act
    const result = await runOne(select({ dbsubnetgroupname: 'restore-tests' }));

    // Assess
    expect(backup.commandCalls(GetRestoreTestingSelectionCommand)[0]?.args[0].input).toEqual({
      RestoreTestingPlanName: 'backup-sentinel-gold',
      RestoreTestingSelectionName: 'backup_sentinel_gold_rds',
    });
    const selection = { ...SELECTION, RestoreMetadataOverrides: { dbsubnetgroupname: 'restore-tests' } };
    expect(backup.commandCalls(CreateRestoreTestingSelectionCommand).map((c) => c.args[0].input)).toEqual([
      {
        RestoreTestingPlanName: 'backup-sentinel-gold',
        RestoreTestingSelection: selection,
        CreatorRequestId: TOKEN,
      },
    ]);
    expect(result).toMatchObject({ status: 'applied', before: { exists: false }, after: selection });
  });

  it('sends no RestoreMetadataOverrides when there are none', async () => {
    // Prepare
    backup.on(GetRestoreTestingSelectionCommand).rejects(notFound());

    // Act
    await runOne(select({}));

    // Assess
    expect(backup.commandCalls(CreateRestoreTestingSelectionCommand)[0]?.args[0].input).toEqual({
      RestoreTestingPlanName: 'backup-sentinel-gold',
      RestoreTestingSelection: SELECTION,
      CreatorRequestId: TOKEN,
    });
  });

  it('with the template: RDS restore tests pass restore-testing, S3 ones s3-restore', async () => {
    // Prepare
    backup.on(GetRestoreTestingSelectionCommand).rejects(notFound());
    const template = { backupRoles: 'template', accountId: ACCOUNT } as const;
    const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/backup-sentinel-backup-${name}-${REGION}`;
    const s3: Action = {
      type: 'CreateRestoreTestingSelection',
      region: REGION,
      planName: 'backup-sentinel-gold',
      selectionName: 'backup_sentinel_gold_s3',
      resourceType: 'S3',
      tagKey: 'backup:policy',
      tagValue: 'gold',
      auditOnlyTagKey: 'backup:remediate',
      overrides: {},
      validationWindowHours: 0,
    };

    // Act
    const dry = await runOne(select({}), { ...template, apply: false });
    await runOne(select({}), template);
    await runOne(s3, template);

    // Assess
    expect(dry.after).toMatchObject({ IamRoleArn: role('restore-testing') });
    expect(
      backup
        .commandCalls(CreateRestoreTestingSelectionCommand)
        .map((c) => [
          c.args[0].input.RestoreTestingSelection?.ProtectedResourceType,
          c.args[0].input.RestoreTestingSelection?.IamRoleArn,
        ]),
    ).toEqual([
      ['RDS', role('restore-testing')],
      ['S3', role('s3-restore')],
    ]);
  });

  it('is already done when the selection exists', async () => {
    // Prepare
    backup.on(GetRestoreTestingSelectionCommand).resolves({
      RestoreTestingSelection: {
        ...SELECTION,
        RestoreTestingPlanName: 'backup-sentinel-gold',
        CreationTime: new Date('2024-01-01T00:00:00Z'),
      },
    });

    // Act
    const result = await runOne(select({}));

    // Assess
    expect(result.status).toBe('already-done');
    expect(writesSent()).toBe(0);
  });
});

describe('executePlan', () => {
  const RAISE_DEV: Action = {
    type: 'RaiseRuleRetention',
    region: REGION,
    planName: 'test',
    ruleName: 'dev',
    deleteAfterDays: 35,
  };
  const OPT_IN: Action = { type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'Aurora' };
  const VAULT_ACTION: Action = {
    type: 'CreateBackupVault',
    region: REGION,
    vaultName: 'Default',
    policy: 'gold',
  };
  const PROTECT: Action = { type: 'AddVaultDeleteProtection', region: REGION, vaultName: 'Default' };

  it('dry-run sends no write but reports what would change, with before and after', async () => {
    // Prepare
    givenPlan();
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: false } });
    backup.on(DescribeBackupVaultCommand).rejects(notFound());
    backup.on(GetBackupVaultAccessPolicyCommand).rejects(notFound());

    // Act
    const results = await run([OPT_IN, VAULT_ACTION, RAISE_DEV, PROTECT], { apply: false, maxChanges: 10 });

    // Assess
    expect(writesSent()).toBe(0);
    expect(commandsSent()).toEqual([
      'DescribeRegionSettingsCommand',
      'DescribeBackupVaultCommand',
      'ListBackupPlansCommand',
      'GetBackupPlanCommand',
      'GetBackupVaultAccessPolicyCommand',
    ]);
    expect(results).toEqual([
      {
        summary: describeAction(OPT_IN),
        action: OPT_IN,
        status: 'would-apply',
        before: { Aurora: false },
        after: { Aurora: true },
      },
      {
        summary: describeAction(VAULT_ACTION),
        action: VAULT_ACTION,
        status: 'would-apply',
        before: { exists: false },
        after: { exists: true, EncryptionKeyArn: 'aws/backup' },
      },
      {
        summary: describeAction(RAISE_DEV),
        action: RAISE_DEV,
        status: 'would-apply',
        before: [DEV, ARCHIVE],
        after: [{ ...DEV, Lifecycle: { DeleteAfterDays: 35 } }, ARCHIVE],
      },
      {
        summary: describeAction(PROTECT),
        action: PROTECT,
        status: 'would-apply',
        before: { Version: '2012-10-17', Statement: [] },
        after: { Version: '2012-10-17', Statement: [DENY_DELETE_STATEMENT] },
      },
    ]);
  });

  it('stops at the cap: past maxChanges writes, actions are over-cap and neither read nor written', async () => {
    // Prepare
    givenPlan();
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: true } });
    backup.on(DescribeBackupVaultCommand).rejects(notFound());
    backup.on(GetBackupVaultAccessPolicyCommand).rejects(notFound());

    // Act
    const results = await run([OPT_IN, VAULT_ACTION, RAISE_DEV, PROTECT], { maxChanges: 1 });

    // Assess
    expect(results.map((r) => r.status)).toEqual(['already-done', 'applied', 'over-cap', 'over-cap']);
    expect(results[2]).toEqual({ summary: describeAction(RAISE_DEV), action: RAISE_DEV, status: 'over-cap' });
    expect(backup.commandCalls(CreateBackupVaultCommand)).toHaveLength(1);
    expect(backup.commandCalls(UpdateBackupPlanCommand)).toHaveLength(0);
    expect(backup.commandCalls(PutBackupVaultAccessPolicyCommand)).toHaveLength(0);
    expect(backup.commandCalls(ListBackupPlansCommand)).toHaveLength(0);
  });

  it('bounds a dry run by the same cap: what the apply run would do, and past it nothing is read', async () => {
    // Prepare
    givenPlan();
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: true } });
    backup.on(DescribeBackupVaultCommand).rejects(notFound());
    backup.on(GetBackupVaultAccessPolicyCommand).rejects(notFound());

    // Act
    const results = await run([OPT_IN, VAULT_ACTION, RAISE_DEV, PROTECT], { apply: false, maxChanges: 1 });

    // Assess: the apply run's statuses (above), with would-apply for applied; RAISE_DEV not read
    expect(results.map((r) => r.status)).toEqual(['already-done', 'would-apply', 'over-cap', 'over-cap']);
    expect(writesSent()).toBe(0);
    expect(backup.commandCalls(ListBackupPlansCommand)).toHaveLength(0);
  });

  it('reports a failing action as failed and goes on with the next, calling onResult for each', async () => {
    // Prepare
    givenPlan();
    backup
      .on(DescribeBackupVaultCommand)
      .rejects(awsError('AccessDeniedException', 'no backup:DescribeBackupVault'));
    backup
      .on(ListBackupVaultsCommand)
      .rejects(awsError('AccessDeniedException', 'no backup:ListBackupVaults'));
    backup.on(UpdateBackupPlanCommand).rejects(awsError('ConflictException', 'plan is being updated'));
    givenPolicy();
    const seen: ActionResult[] = [];

    // Act
    const results = await run([VAULT_ACTION, RAISE_DEV, PROTECT], { onResult: (r) => seen.push(r) });

    // Assess
    expect(results.map((r) => [r.status, r.error])).toEqual([
      ['failed', 'AccessDeniedException: no backup:DescribeBackupVault'],
      ['failed', 'ConflictException: plan is being updated'],
      ['applied', undefined],
    ]);
    expect(seen).toEqual(results);
    expect(backup.commandCalls(PutBackupVaultAccessPolicyCommand)).toHaveLength(1);
  });

  it('reports a safety refusal as refused with its reason, writes nothing, and does not count it against the cap', async () => {
    // Prepare
    backup.on(DescribeBackupVaultCommand).resolves({
      ...VAULT,
      Locked: true,
      MinRetentionDays: 1,
      LockDate: new Date(Date.now() - 86_400_000),
    });
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: false } });
    const lockAction: Action = {
      type: 'PutVaultLock',
      region: REGION,
      vaultName: 'Default',
      minRetentionDays: 7,
    };
    const seen: string[] = [];

    // Act
    const results = await run([lockAction, OPT_IN], { maxChanges: 1, onResult: (r) => seen.push(r.status) });

    // Assess
    expect(results[0]).toEqual({
      summary: describeAction(lockAction),
      action: lockAction,
      status: 'refused',
      before: { Locked: true, MinRetentionDays: 1, MaxRetentionDays: undefined, LockDate: expect.any(Date) },
      reason: 'the compliance-mode lock is in force and cannot be changed',
    });
    expect(results[1]?.status).toBe('applied');
    expect(seen).toEqual(['refused', 'applied']);
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand)).toHaveLength(0);
  });

  it('calls onResult for over-cap actions too', async () => {
    // Prepare
    backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeOptInPreference: { Aurora: false } });
    backup.on(DescribeBackupVaultCommand).rejects(notFound());
    const seen: string[] = [];

    // Act
    await run([OPT_IN, VAULT_ACTION], {
      maxChanges: 1,
      onResult: (r) => seen.push(`${r.action.type} ${r.status}`),
    });

    // Assess
    expect(seen).toEqual(['EnableResourceTypeOptIn applied', 'CreateBackupVault over-cap']);
    expect(backup.commandCalls(CreateBackupVaultCommand)).toHaveLength(0);
  });
});

describe('PutVaultLock keeps what the owner set', () => {
  it("keeps the vault's own maximum when the policy sets none, and refuses a maximum below the minimum", async () => {
    // Prepare
    backup
      .on(DescribeBackupVaultCommand, { BackupVaultName: 'Default' })
      .resolves({ ...VAULT, Locked: true, MinRetentionDays: 1, MaxRetentionDays: 200 });
    const lock = (max?: number): Action => ({
      type: 'PutVaultLock',
      region: REGION,
      vaultName: 'Default',
      minRetentionDays: 7,
      ...(max === undefined ? {} : { maxRetentionDays: max }),
    });
    // Act
    const kept = await runOne(lock());
    const refused = await runOne({ ...lock(5) } as Action);
    // Assess
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { BackupVaultName: 'Default', MinRetentionDays: 7, MaxRetentionDays: 200 },
    ]);
    expect(kept.status).toBe('applied');
    // Changed: a safety refusal is reported as refused with its reason, not as a failed change.
    expect(refused).toMatchObject({
      status: 'refused',
      reason: 'maximum retention 5d would be below the minimum 7d',
    });
  });
});
