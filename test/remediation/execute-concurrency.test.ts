/**
 * The executor while other runs (the sweep, the event path, a CLI fix) and people in the console
 * change the same things: whole-document writes (backup plan, vault access policy, vault
 * notifications), creates another run makes first, and a lock that would reject copies from other
 * accounts. moto has no UpdateBackupPlan or PutBackupVaultAccessPolicy: AWS Backup is mocked here,
 * with the shapes of the published responses (the S3 lifecycle runs against moto, in
 * test/integration/concurrency.test.ts).
 */
import {
  AlreadyExistsException,
  BackupClient,
  ConflictException,
  CreateBackupPlanCommand,
  CreateBackupSelectionCommand,
  CreateBackupVaultCommand,
  CreateRestoreTestingPlanCommand,
  CreateRestoreTestingSelectionCommand,
  DescribeBackupVaultCommand,
  type DescribeBackupVaultOutput,
  GetBackupPlanCommand,
  type GetBackupPlanOutput,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  type GetBackupVaultNotificationsOutput,
  GetRestoreTestingSelectionCommand,
  ListBackupPlansCommand,
  type ListBackupPlansOutput,
  ListBackupSelectionsCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreTestingPlansCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  PutBackupVaultNotificationsCommand,
  ResourceNotFoundException,
  UpdateBackupPlanCommand,
  type UpdateBackupPlanInput,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { parsePolicies } from '../../src/policy/index.js';
import { type Action, describeAction } from '../../src/remediation/actions.js';
import { type ActionResult, executePlan } from '../../src/remediation/execute.js';
// Changed: the statement moved with its handler (src/remediation/execute.ts was split by action family).
import { DENY_DELETE_STATEMENT } from '../../src/remediation/handlers/vault.js';
import { newBackupPlan, newRestoreTestingPlan } from '../../src/rules/provision.js';
import { placebo, raw } from '../support/fixtures.js';

const REGION = 'us-east-1';
const ACCOUNT = '644160558196';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
const PLANS = placebo<ListBackupPlansOutput>('backup_ListBackupPlans_placebo.json');
const PLAN_ID = '14c4daac-b199-45ce-8644-c541734ebd14';
const GOT_PLAN = placebo<GetBackupPlanOutput>('backup_GetBackupPlan_placebo.json');
const VAULT = placebo<DescribeBackupVaultOutput>('backup_DescribeBackupVault_placebo.json');
const NOTIFICATIONS = raw(
  'api/backup_GetBackupVaultNotifications_docs.json',
) as GetBackupVaultNotificationsOutput;
const POLICIES = parsePolicies('policies:\n  gold: {}\n  silver: {}\n');
const CHANGING =
  'ConcurrentChangeError: changed by someone else on each of 3 reads; nothing written, re-run when the edits stop';

/** Changed: CreateBackupPlan and CreateRestoreTestingPlan carry their plan, built as the rules build it. */
const policy = (name: string) => {
  const p = POLICIES.policies[name];
  if (!p) throw new Error(`no policy ${name}`);
  return p;
};
const createPlan = (name: 'gold' | 'silver', region = REGION): Action => ({
  type: 'CreateBackupPlan',
  region,
  plan: newBackupPlan(policy(name), region, ACCOUNT),
});
const createRestoreTestingPlan = (name: string): Action => ({
  type: 'CreateRestoreTestingPlan',
  region: REGION,
  plan: newRestoreTestingPlan(policy('gold'), REGION, ACCOUNT, name),
});

const backup = mockClient(BackupClient);
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

async function runOne(action: Action): Promise<ActionResult> {
  const [result] = await executePlan(
    new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }),
    // Changed: an action and its summary only; no accountId or policies (the executor needs neither).
    [{ action, summary: describeAction(action) }],
    { apply: true, maxChanges: 10, backupRoleArn: ROLE },
  );
  return result as ActionResult;
}

/**
 * A document as AWS keeps it: `read` returns it as it is, then lets the owner edit it
 * (`afterRead`: the n-th read and the document, the edited document or undefined for none).
 */
function stored<T>(initial: T, afterRead: (n: number, doc: T) => T | undefined = () => undefined) {
  let current = initial;
  let reads = 0;
  return {
    read: async () => {
      const out = structuredClone(current);
      current = afterRead(++reads, current) ?? current;
      return out;
    },
    write: (change: (doc: T) => T) => {
      current = change(current);
    },
  };
}

beforeEach(() => {
  backup.reset();
});
afterAll(() => backup.restore());

describe('AddBackupPlanRule while the owner edits the plan', () => {
  const CONTINUOUS = {
    RuleName: 'backup-sentinel-continuous',
    TargetBackupVaultName: 'Default',
    ScheduleExpression: 'cron(0 5 ? * * *)',
    Lifecycle: { DeleteAfterDays: 35 },
    EnableContinuousBackup: true as const,
  };
  const ADD: Action = { type: 'AddBackupPlanRule', region: REGION, planName: 'test', rule: CONTINUOUS };
  /** The owner's new rule, as GetBackupPlan returns it (with its RuleId). */
  const hourly = (name = 'hourly') => ({
    RuleName: name,
    RuleId: `${name}-id`,
    TargetBackupVaultName: 'Default',
    ScheduleExpression: 'cron(0 * ? * * *)',
    StartWindowMinutes: 480,
    CompletionWindowMinutes: 10080,
    Lifecycle: { DeleteAfterDays: 7 },
  });
  const withRule = (p: GetBackupPlanOutput, rule: ReturnType<typeof hourly>, version: string) =>
    ({
      ...p,
      VersionId: version,
      BackupPlan: { ...p.BackupPlan, Rules: [...(p.BackupPlan?.Rules ?? []), rule] },
    }) as GetBackupPlanOutput;
  /** The plan "test" as AWS Backup keeps it; UpdateBackupPlan replaces its document. */
  function givenPlan(afterRead?: (n: number, p: GetBackupPlanOutput) => GetBackupPlanOutput | undefined) {
    const plan = stored(GOT_PLAN, afterRead);
    backup.on(ListBackupPlansCommand).resolves(PLANS);
    backup.on(GetBackupPlanCommand, { BackupPlanId: PLAN_ID }).callsFake(plan.read);
    backup.on(UpdateBackupPlanCommand).callsFake(async (input: UpdateBackupPlanInput) => {
      plan.write((p) => ({ ...p, VersionId: 'ours', BackupPlan: input.BackupPlan as never }));
      return { BackupPlanId: PLAN_ID, VersionId: 'ours' };
    });
    return plan;
  }
  const rulesSent = () =>
    backup
      .commandCalls(UpdateBackupPlanCommand)
      .map((c) => c.args[0].input.BackupPlan?.Rules?.map((r) => r.RuleName));

  it("keeps a rule the owner adds between the executor's read and its write, beside ours", async () => {
    // Prepare
    givenPlan((n, p) => (n === 1 ? withRule(p, hourly(), 'theirs') : undefined));

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(result.status).toBe('applied');
    expect(rulesSent()).toEqual([['dev', 'weekly-archive', 'hourly', 'backup-sentinel-continuous']]);
  });

  it('writes nothing while the plan changes on every read, and reports why', async () => {
    // Prepare
    givenPlan((n, p) => withRule(p, hourly(`edit-${n}`), `v${n}`));

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(result).toEqual({ summary: describeAction(ADD), action: ADD, status: 'failed', error: CHANGING });
    expect(backup.commandCalls(UpdateBackupPlanCommand)).toHaveLength(0);
  });

  it('reports failed, not applied, when the owner saves their older copy over ours right after our write', async () => {
    // Prepare
    const plan = givenPlan();
    backup.on(UpdateBackupPlanCommand).callsFake(async () => {
      plan.write((p) => withRule(p, hourly(), 'theirs'));
      return { BackupPlanId: PLAN_ID, VersionId: 'ours' };
    });

    // Act
    const result = await runOne(ADD);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      error:
        'ConcurrentChangeError: changed by someone else during the write: it no longer holds rule backup-sentinel-continuous keeping 35d; re-run',
    });
  });

  it('reports failed when the retention it raised is lowered again right after its write', async () => {
    // Prepare: ours is saved over at once by the owner's copy of the plan as it was
    givenPlan();
    backup.on(UpdateBackupPlanCommand).resolves({ BackupPlanId: PLAN_ID, VersionId: 'ours' });

    // Act
    const result = await runOne({
      type: 'RaiseRuleRetention',
      region: REGION,
      planName: 'test',
      ruleName: 'dev',
      deleteAfterDays: 35,
    });

    // Assess
    expect(result.error).toBe(
      'ConcurrentChangeError: changed by someone else during the write: it no longer holds rule dev keeping 35d; re-run',
    );
  });
});

describe('AddVaultDeleteProtection while the owner edits the vault access policy', () => {
  const PROTECT: Action = { type: 'AddVaultDeleteProtection', region: REGION, vaultName: 'Default' };
  const statement = (sid: string) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::222222222222:root' },
    Action: 'backup:CopyIntoBackupVault',
    Resource: '*',
  });
  const policyOf = (...sids: string[]) =>
    JSON.stringify({ Version: '2012-10-17', Statement: sids.map(statement) });
  /** The vault's policy as AWS Backup keeps it (GetBackupVaultAccessPolicy's shape). */
  function givenPolicy(afterRead?: (n: number, policy: string) => string | undefined) {
    const policy = stored(policyOf('AllowCopyFromProd'), afterRead);
    backup.on(GetBackupVaultAccessPolicyCommand).callsFake(async () => ({
      BackupVaultName: 'Default',
      BackupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:Default`,
      Policy: await policy.read(),
    }));
    backup.on(PutBackupVaultAccessPolicyCommand).callsFake(async (input: { Policy: string }) => {
      policy.write(() => input.Policy);
      return {};
    });
    return policy;
  }
  const sidsSent = () =>
    backup
      .commandCalls(PutBackupVaultAccessPolicyCommand)
      .map((c) => JSON.parse(c.args[0].input.Policy ?? '{}').Statement.map((s: { Sid: string }) => s.Sid));

  it("keeps a statement the owner adds between the executor's read and its write, beside ours", async () => {
    // Prepare
    givenPolicy((n) => (n === 1 ? policyOf('AllowCopyFromProd', 'AllowCopyFromStaging') : undefined));

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result.status).toBe('applied');
    expect(sidsSent()).toEqual([['AllowCopyFromProd', 'AllowCopyFromStaging', DENY_DELETE_STATEMENT.Sid]]);
  });

  it('writes nothing while the policy changes on every read, and reports why', async () => {
    // Prepare
    givenPolicy((n) => policyOf('AllowCopyFromProd', `Edit${n}`));

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result).toMatchObject({ status: 'failed', error: CHANGING });
    expect(backup.commandCalls(PutBackupVaultAccessPolicyCommand)).toHaveLength(0);
  });

  it('reports failed, not applied, when the owner saves their older copy over ours right after our write', async () => {
    // Prepare
    const policy = givenPolicy();
    backup.on(PutBackupVaultAccessPolicyCommand).callsFake(async () => {
      policy.write(() => policyOf('AllowCopyFromProd', 'AllowCopyFromStaging'));
      return {};
    });

    // Act
    const result = await runOne(PROTECT);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      error: `ConcurrentChangeError: changed by someone else during the write: it no longer holds statement ${DENY_DELETE_STATEMENT.Sid}; re-run`,
    });
  });
});

describe('PutVaultNotifications while the owner edits the notifications', () => {
  it("keeps an event the owner adds between the executor's read and its write", async () => {
    // Prepare
    const notifications = stored(NOTIFICATIONS, (n, doc) =>
      n === 1
        ? { ...doc, BackupVaultEvents: [...(doc.BackupVaultEvents ?? []), 'BACKUP_JOB_FAILED' as const] }
        : undefined,
    );
    backup.on(GetBackupVaultNotificationsCommand).callsFake(notifications.read);
    backup
      .on(PutBackupVaultNotificationsCommand)
      .callsFake(async (input: GetBackupVaultNotificationsOutput) => {
        notifications.write((doc) => ({ ...doc, ...input }));
        return {};
      });

    // Act
    const result = await runOne({
      type: 'PutVaultNotifications',
      region: REGION,
      vaultName: 'myVault',
      events: ['COPY_JOB_FAILED'],
    });

    // Assess
    expect(result.status).toBe('applied');
    expect(
      backup.commandCalls(PutBackupVaultNotificationsCommand).map((c) => c.args[0].input.BackupVaultEvents),
    ).toEqual([[...(NOTIFICATIONS.BackupVaultEvents ?? []), 'BACKUP_JOB_FAILED', 'COPY_JOB_FAILED']]);
  });
});

describe('creates another run makes first', () => {
  const exists = (message: string) =>
    new AlreadyExistsException({ message, $metadata: { httpStatusCode: 400 }, Arn: 'arn:aws:backup:…' });
  const SELECTION = {
    SelectionId: 'sel-1',
    SelectionName: 'backup-sentinel-gold-s3',
    BackupPlanId: PLAN_ID,
    IamRoleArn: ROLE,
  };
  const RT_PLAN = {
    RestoreTestingPlanName: 'backup_sentinel_gold',
    RestoreTestingPlanArn: `arn:aws:backup:${REGION}:${ACCOUNT}:restore-testing-plan:backup_sentinel_gold-abc`,
    ScheduleExpression: 'cron(0 7 ? * SAT *)',
    CreationTime: new Date('2026-01-01T00:00:00Z'),
  };
  const cases: {
    name: string;
    action: Action;
    create: Parameters<typeof backup.commandCalls>[0];
    given: () => void;
  }[] = [
    {
      name: 'a vault',
      action: { type: 'CreateBackupVault', region: REGION, vaultName: 'Default', policy: 'gold' },
      create: CreateBackupVaultCommand,
      given: () => {
        backup.on(DescribeBackupVaultCommand).rejectsOnce(notFound()).resolves(VAULT);
        backup.on(CreateBackupVaultCommand).rejects(exists('Backup vault with the same name already exists'));
      },
    },
    {
      name: 'a plan',
      action: createPlan('gold'),
      create: CreateBackupPlanCommand,
      given: () => {
        const listed = { BackupPlanName: 'backup-sentinel-gold', BackupPlanId: PLAN_ID, VersionId: 'v1' };
        backup
          .on(ListBackupPlansCommand)
          .resolvesOnce({ BackupPlansList: [] })
          .resolves({ BackupPlansList: [listed] });
        backup.on(GetBackupPlanCommand).resolves(GOT_PLAN);
        backup
          .on(CreateBackupPlanCommand)
          .rejects(exists('Backup plan with the same plan document already exists'));
      },
    },
    {
      name: 'a selection',
      action: {
        type: 'CreateBackupSelection',
        region: REGION,
        planName: 'test',
        selectionName: 'backup-sentinel-gold-s3',
        tagKey: 'backup:policy',
        tagValue: 'gold',
        auditOnlyTagKey: 'backup:remediate',
        kind: 's3',
        copies: { crossRegion: false, crossAccount: false },
      },
      create: CreateBackupSelectionCommand,
      given: () => {
        backup.on(ListBackupPlansCommand).resolves(PLANS);
        backup.on(GetBackupPlanCommand).resolves(GOT_PLAN);
        backup
          .on(ListBackupSelectionsCommand)
          .resolvesOnce({ BackupSelectionsList: [] })
          .resolves({ BackupSelectionsList: [SELECTION] });
        backup.on(CreateBackupSelectionCommand).rejects(exists('Backup selection already exists'));
      },
    },
    {
      name: 'a restore testing plan',
      action: createRestoreTestingPlan('backup_sentinel_gold'),
      create: CreateRestoreTestingPlanCommand,
      given: () => {
        backup
          .on(ListRestoreTestingPlansCommand)
          .resolvesOnce({ RestoreTestingPlans: [] })
          .resolves({ RestoreTestingPlans: [RT_PLAN] });
        backup.on(CreateRestoreTestingPlanCommand).rejects(exists('Restore testing plan already exists'));
      },
    },
    {
      name: 'a restore testing selection',
      action: {
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
      create: CreateRestoreTestingSelectionCommand,
      given: () => {
        backup
          .on(GetRestoreTestingSelectionCommand)
          .rejectsOnce(notFound())
          .resolves({
            RestoreTestingSelection: {
              RestoreTestingPlanName: 'backup_sentinel_gold',
              RestoreTestingSelectionName: 'backup_sentinel_gold_rds',
              ProtectedResourceType: 'RDS',
              IamRoleArn: ROLE,
              CreationTime: new Date('2026-01-01T00:00:00Z'),
            },
          });
        backup
          .on(CreateRestoreTestingSelectionCommand)
          .rejects(exists('Restore testing selection already exists'));
      },
    },
  ];

  it.each(cases)(
    'reports $name that AWS says exists, and a second read finds, as already done by another run',
    async ({ action, create, given }) => {
      // Prepare: the executor's first read finds nothing; another run creates it before our create
      given();

      // Act
      const result = await runOne(action);

      // Assess
      expect(result).toEqual({
        summary: describeAction(action),
        action,
        status: 'already-done',
        before: { exists: true, by: 'another run' },
      });
      expect(backup.commandCalls(create)).toHaveLength(1);
    },
  );

  it('takes a ConflictException on CreateRestoreTestingPlan for "exists" only when a second read finds the plan', async () => {
    // Prepare: another run's create is still being performed; the first time it shows up, the second not
    const conflict = new ConflictException({
      message: 'a previous action is still being performed',
      $metadata: {},
    });
    const action = createRestoreTestingPlan('backup_sentinel_gold');
    backup
      .on(ListRestoreTestingPlansCommand)
      .resolvesOnce({ RestoreTestingPlans: [] })
      .resolvesOnce({ RestoreTestingPlans: [RT_PLAN] })
      .resolves({ RestoreTestingPlans: [] });
    backup.on(CreateRestoreTestingPlanCommand).rejects(conflict);

    // Act
    const found = await runOne(action);
    const missing = await runOne(action);

    // Assess
    expect(found).toMatchObject({ status: 'already-done', before: { exists: true, by: 'another run' } });
    expect(missing).toMatchObject({
      status: 'failed',
      error: 'ConflictException: a previous action is still being performed',
    });
  });
});

describe('CreatorRequestId', () => {
  const create = (name: 'gold' | 'silver', region = REGION) => createPlan(name, region);
  const tokens = () =>
    backup.commandCalls(CreateBackupPlanCommand).map((c) => c.args[0].input.CreatorRequestId);

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T06:00:00Z'));
    backup.on(ListBackupPlansCommand).resolves({ BackupPlansList: [] });
    backup.on(CreateBackupPlanCommand).resolves({ BackupPlanId: PLAN_ID });
  });
  afterEach(() => vi.useRealTimers());

  it('is the same for two runs creating the same plan, so AWS Backup returns the first plan to the second', async () => {
    // Act
    await runOne(create('gold'));
    vi.setSystemTime(new Date('2026-11-25T23:59:00Z'));
    await runOne(create('gold'));

    // Assess: 1-50 characters of [A-Za-z0-9-_.]
    const [first, second] = tokens();
    expect(first).toMatch(/^[A-Za-z0-9\-_.]{1,50}$/);
    expect(second).toBe(first);
  });

  it('differs for another plan name, another region and another UTC day (a re-creation after a deletion)', async () => {
    // Act
    await runOne(create('gold'));
    await runOne(create('silver'));
    await runOne(create('gold', 'eu-west-1'));
    vi.setSystemTime(new Date('2026-11-26T00:01:00Z'));
    await runOne(create('gold'));

    // Assess
    const sent = tokens();
    expect(sent.every((t) => /^[A-Za-z0-9\-_.]{1,50}$/.test(t ?? ''))).toBe(true);
    expect(new Set(sent).size).toBe(4);
  });
});

describe('PutVaultLock on a vault other accounts copy into', () => {
  const DAY = 86_400_000;
  const PROD = 'arn:aws:backup:us-west-2:333333333333:backup-vault:prod';
  const STAGING = 'arn:aws:backup:eu-west-1:444444444444:backup-vault:staging';
  const LOCK: Action = {
    type: 'PutVaultLock',
    region: REGION,
    vaultName: 'Default',
    minRetentionDays: 35,
    maxRetentionDays: 365,
  };
  /** A recovery point copied in from `source`, as ListRecoveryPointsByBackupVault returns it. */
  const copied = (source: string, daysAgo: number, deleteAfterDays?: number) => ({
    RecoveryPointArn: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:${source.slice(-4)}-${daysAgo}`,
    BackupVaultName: 'Default',
    BackupVaultArn: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:Default`,
    SourceBackupVaultArn: source,
    ResourceArn: `arn:aws:rds:us-west-2:333333333333:db:orders`,
    ResourceType: 'RDS',
    Status: 'COMPLETED' as const,
    CreationDate: new Date(Date.now() - daysAgo * DAY),
    ...(deleteAfterDays === undefined ? {} : { Lifecycle: { DeleteAfterDays: deleteAfterDays } }),
  });

  beforeEach(() => {
    backup.on(DescribeBackupVaultCommand, { BackupVaultName: 'Default' }).resolves(VAULT);
  });

  it('refuses a minimum that would reject the copies another account makes, judging each source by its newest copy', async () => {
    // Prepare: prod's newest copy keeps 14 days; staging's older one 7, its newest 60
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({
      RecoveryPoints: [
        copied(PROD, 9, 60),
        copied(PROD, 2, 14),
        copied(STAGING, 20, 7),
        copied(STAGING, 1, 60),
      ],
    });

    // Act
    const result = await runOne(LOCK);

    // Assess
    expect(result).toMatchObject({
      status: 'refused',
      reason: `a lock with minimum 35d, maximum 365d would reject the copies into vault Default from ${PROD} (kept 14d): their copy jobs would fail`,
    });
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand)).toHaveLength(0);
    const asked = backup.commandCalls(ListRecoveryPointsByBackupVaultCommand)[0]?.args[0].input;
    expect(asked?.BackupVaultName).toBe('Default');
    expect(Math.round((Date.now() - (asked?.ByCreatedAfter?.getTime() ?? 0)) / DAY)).toBe(35);
  });

  it('refuses a maximum that would reject copies kept forever (no DeleteAfterDays)', async () => {
    // Prepare
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [copied(PROD, 1)] });

    // Act
    const result = await runOne(LOCK);

    // Assess
    expect(result.status).toBe('refused');
    expect(result.reason).toContain(`from ${PROD} (kept forever)`);
    expect(backup.commandCalls(PutBackupVaultLockConfigurationCommand)).toHaveLength(0);
  });
});
