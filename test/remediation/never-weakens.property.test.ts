/**
 * Property: over generated plans, vaults, buckets and databases, no planned action lowers a
 * retention, removes a statement, disables a setting or unlocks a vault; and what the executor
 * would send for it, fed with the same state, keeps every rule, copy, statement and lock bound.
 */
import {
  BackupClient,
  DescribeBackupVaultCommand,
  GetBackupPlanCommand,
  GetBackupVaultAccessPolicyCommand,
  ListBackupPlansCommand,
  ListRecoveryPointsByBackupVaultCommand,
  PutBackupVaultAccessPolicyCommand,
  PutBackupVaultLockConfigurationCommand,
  ResourceNotFoundException,
  UpdateBackupPlanCommand,
  type UpdateBackupPlanInput,
} from '@aws-sdk/client-backup';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Aws } from '../../src/aws/clients.js';
import { parseArn, vaultArn } from '../../src/inventory/arn.js';
import type {
  BackupPlan,
  BackupVault,
  Inventory,
  InventoryInput,
  PlanRule,
} from '../../src/inventory/schema.js';
import type { PolicySet } from '../../src/policy/index.js';
import type { PolicyInput } from '../../src/policy/schema.js';
import { type Action, type ActionType, describeAction } from '../../src/remediation/actions.js';
import { executePlan } from '../../src/remediation/execute.js';
import { ACTION_ORDER, planRemediation } from '../../src/remediation/planner.js';
import { coldDays, copyKeepDays, keepDays } from '../../src/rules/catalogue/plan.js';
import { audit } from '../../src/rules/engine.js';
import {
  ACCOUNT,
  bucket,
  DR_ACCOUNT,
  db,
  inventory,
  NOW,
  plan,
  planRule,
  policies,
  REGION,
  selection,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const RUNS = 200;
const PLAN_NAME = 'backup-sentinel-gold';
const GOLD = vaultArnOf('backup-sentinel-gold');
const WEST = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
const DR = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
const DAY = 86_400_000;
/** Every action type the planner knows (each one additive: the reviewed list is in planner.test.ts). */
const ADDITIVE = new Set<ActionType>(ACTION_ORDER);

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

type RuleInput = Parameters<typeof planRule>[0];
type VaultInput = NonNullable<InventoryInput['backupVaults']>[number];

/** Mostly a number of days; sometimes AWS's -1 ("keep forever", "never move"), sometimes unset. */
const days = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.integer({ min, max }), weight: 6 },
    { arbitrary: fc.constant(-1), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
const lifecycle = fc.oneof(
  {
    arbitrary: fc.record({
      DeleteAfterDays: days(1, 150),
      MoveToColdStorageAfterDays: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 3 },
        { arbitrary: days(0, 60), weight: 1 },
      ),
    }),
    weight: 6,
  },
  { arbitrary: fc.constant(undefined), weight: 1 },
);
const schedule = fc.constantFrom(
  'cron(0 * ? * * *)',
  'cron(0 5 ? * * *)',
  'cron(0 17 ? * * *)',
  'cron(0 0/12 ? * * *)',
  'cron(0 5 ? * SUN *)',
  'cron(0 5 1 * ? *)',
  'cron(0 5 ? * 2#1 *)',
  'cron(0 5 ? * * 2025)',
);
const copyAction = fc.record({ DestinationBackupVaultArn: fc.constantFrom(WEST, DR), Lifecycle: lifecycle });

const rule = (name: string) =>
  fc.record({
    RuleName: fc.constant(name),
    TargetBackupVaultName: fc.constantFrom('backup-sentinel-gold', 'backup-sentinel-gold', 'legacy'),
    ScheduleExpression: schedule,
    ScheduleExpressionTimezone: fc.constantFrom(undefined, undefined, 'Europe/Berlin'),
    Lifecycle: lifecycle,
    EnableContinuousBackup: fc.constantFrom(undefined, undefined, true),
    CopyActions: fc.uniqueArray(copyAction, { maxLength: 2, selector: (c) => c.DestinationBackupVaultArn }),
  });

const rules = fc
  .tuple(rule('daily'), rule('hourly'), rule('weekly'), fc.integer({ min: 0, max: 3 }))
  .map(([a, b, c, n]) => [a, b, c].slice(0, n).map((r) => planRule(r as RuleInput)));

const ALL_ACTIONS = [
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:PutBackupVaultAccessPolicy',
];
const accessPolicy = fc.option(
  fc
    .record({
      actions: fc.subarray(ALL_ACTIONS, { minLength: 1 }),
      exempt: fc.constantFrom(
        undefined,
        { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/break-glass` } },
        { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      ),
      allow: fc.boolean(),
    })
    .map(({ actions, exempt, allow }) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          ...(allow
            ? [
                {
                  Sid: 'Copy',
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${DR_ACCOUNT}:root` },
                  Action: 'backup:CopyIntoBackupVault',
                  Resource: '*',
                },
              ]
            : []),
          {
            Sid: 'Theirs',
            Effect: 'Deny',
            Principal: '*',
            Action: actions,
            Resource: '*',
            ...(exempt ? { Condition: exempt } : {}),
          },
        ],
      }),
    ),
  { nil: undefined },
);

const lockState = fc.oneof(
  fc.constant({}),
  fc.record({
    Locked: fc.constant(true),
    MinRetentionDays: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    MaxRetentionDays: fc.option(fc.integer({ min: 100, max: 1000 }), { nil: undefined }),
    LockDate: fc.constantFrom(
      undefined,
      new Date(NOW.getTime() - 30 * DAY).toISOString(),
      new Date(NOW.getTime() + 2.5 * DAY).toISOString(),
      new Date(NOW.getTime() + 20 * DAY).toISOString(),
    ),
  }),
);

const vaultOf = (name: string, arn: string) =>
  fc
    .record({ present: fc.boolean(), lock: lockState, AccessPolicy: accessPolicy })
    .map(({ present, lock, AccessPolicy }) =>
      present
        ? [
            vault(name, {
              BackupVaultArn: arn,
              ...lock,
              ...(AccessPolicy ? { AccessPolicy } : {}),
            } as VaultInput),
          ]
        : [],
    );

const policy = fc
  .record({
    frequency: fc.constantFrom('1h', '12h', '1d', '1d', '7d', '7d'),
    retentionDays: fc.integer({ min: 7, max: 400 }),
    continuous: fc.boolean(),
    west: fc.option(fc.integer({ min: 7, max: 400 }), { nil: undefined }),
    dr: fc.option(fc.integer({ min: 7, max: 400 }), { nil: undefined }),
    useWest: fc.boolean(),
    useDr: fc.boolean(),
    lock: fc.option(
      fc.record({
        min: fc.integer({ min: 1, max: 7 }),
        max: fc.option(fc.integer({ min: 400, max: 1000 }), { nil: undefined }),
        compliance: fc.boolean(),
      }),
      { nil: undefined },
    ),
    rdsMin: fc.integer({ min: 0, max: 35 }),
  })
  .map(
    (p): PolicyInput => ({
      frequency: p.frequency,
      retentionDays: p.retentionDays,
      continuous: p.continuous,
      copies: [
        ...(p.useWest ? [{ region: 'eu-west-1', ...(p.west ? { retentionDays: p.west } : {}) }] : []),
        ...(p.useDr
          ? [{ account: DR_ACCOUNT, vault: 'dr-vault', ...(p.dr ? { retentionDays: p.dr } : {}) }]
          : []),
      ],
      ...(p.lock
        ? {
            vaultLock: {
              minRetentionDays: p.lock.min,
              ...(p.lock.max ? { maxRetentionDays: p.lock.max } : {}),
              mode: p.lock.compliance ? ('compliance' as const) : ('governance' as const),
            },
          }
        : {}),
      rds: { minRetentionDays: p.rdsMin },
    }),
  );

const resources = fc
  .record({
    retention: fc.integer({ min: 0, max: 35 }),
    deletionProtection: fc.boolean(),
    copyTags: fc.boolean(),
    versioning: fc.constantFrom(undefined, 'Enabled' as const, 'Suspended' as const),
    noncurrent: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  })
  .map((r) => [
    db('orders', {
      BackupRetentionPeriod: r.retention,
      DeletionProtection: r.deletionProtection,
      CopyTagsToSnapshot: r.copyTags,
    }),
    bucket('data', {
      Versioning: r.versioning ? { Status: r.versioning } : {},
      LifecycleRules: r.noncurrent
        ? [
            {
              ID: 'theirs',
              Status: 'Enabled' as const,
              Filter: { Prefix: 'x/' },
              NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrent },
            },
          ]
        : [],
    }),
  ]);

const world = fc
  .record({
    policy,
    rules,
    hasPlan: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    gold: vaultOf('backup-sentinel-gold', GOLD),
    dr: vaultOf('dr-vault', DR),
    west: vaultOf('backup-sentinel-gold', WEST),
    resources,
  })
  .map((w) => ({
    set: policies({ policies: { gold: w.policy } }),
    inv: inventory({
      regions: [REGION, 'eu-west-1'],
      resources: w.resources,
      backupPlans: w.hasPlan ? [plan(PLAN_NAME, w.rules)] : [],
      backupSelections: w.hasPlan ? [selection(PLAN_NAME, { Resources: ['*'] })] : [],
      backupVaults: [...w.gold, ...w.dr, ...w.west],
    }),
  }));

// ---------------------------------------------------------------------------------------------
// The before state, and what may be written into it
// ---------------------------------------------------------------------------------------------

const locked = (v: BackupVault | undefined) => (v?.Locked ? v : undefined);
const admits = (v: BackupVault | undefined, d: number) =>
  !locked(v) ||
  (d >= (v?.MinRetentionDays ?? 0) && (v?.MaxRetentionDays === undefined || d <= v.MaxRetentionDays));
const inGrace = (v: BackupVault | undefined) =>
  Boolean(v?.Locked && v.LockDate && Date.parse(v.LockDate) > NOW.getTime());
const immutable = (v: BackupVault | undefined) =>
  Boolean(v?.LockDate && Date.parse(v.LockDate) <= NOW.getTime());

function vaultsByArn(inv: Inventory) {
  return new Map(inv.backupVaults.map((v) => [v.BackupVaultArn, v]));
}

function ruleOf(inv: Inventory, planName: string, ruleName: string): { plan: BackupPlan; rule: PlanRule } {
  const p = inv.backupPlans.find((x) => x.BackupPlanName === planName);
  const r = p?.Rules.find((x) => x.RuleName === ruleName);
  expect(p && r, `${planName}/${ruleName} exists`).toBeTruthy();
  return { plan: p as BackupPlan, rule: r as PlanRule };
}

/** Asserts one planned action against the state it was planned from. */
function assertAdditive(a: Action, inv: Inventory, set: PolicySet): void {
  expect(ADDITIVE.has(a.type), a.type).toBe(true);
  const vaults = vaultsByArn(inv);
  const policyLock = set.policies.gold?.vaultLock;
  const lockAdmits = (arn: string, d: number) =>
    admits(vaults.get(arn), d) &&
    (!policyLock ||
      (d >= policyLock.minRetentionDays &&
        (policyLock.maxRetentionDays === undefined || d <= policyLock.maxRetentionDays)));
  const positive = (d: number) => expect(Number.isInteger(d) && d > 0, `${d} days`).toBe(true);
  switch (a.type) {
    case 'RaiseRuleRetention': {
      const { plan: p, rule: r } = ruleOf(inv, a.planName, a.ruleName);
      positive(a.deleteAfterDays);
      expect(keepDays(r.Lifecycle)).toBeLessThan(a.deleteAfterDays);
      const cold = coldDays(r.Lifecycle);
      if (cold !== undefined) expect(a.deleteAfterDays).toBeGreaterThanOrEqual(cold + 90);
      const account = parseArn(p.BackupPlanArn)?.account ?? '';
      expect(lockAdmits(vaultArn(REGION, account, r.TargetBackupVaultName), a.deleteAfterDays)).toBe(true);
      for (const c of r.CopyActions.filter((x) => x.Lifecycle?.DeleteAfterDays === undefined))
        expect(lockAdmits(c.DestinationBackupVaultArn, a.deleteAfterDays)).toBe(true);
      return;
    }
    case 'RaiseCopyRetention': {
      const { rule: r } = ruleOf(inv, a.planName, a.ruleName);
      const copy = r.CopyActions.find((c) => c.DestinationBackupVaultArn === a.destinationVaultArn);
      expect(copy).toBeDefined();
      positive(a.deleteAfterDays);
      expect(copyKeepDays(r, copy as PlanRule['CopyActions'][number])).toBeLessThan(a.deleteAfterDays);
      expect(lockAdmits(a.destinationVaultArn, a.deleteAfterDays)).toBe(true);
      return;
    }
    case 'AddCopyAction': {
      const { rule: r } = ruleOf(inv, a.planName, a.ruleName);
      expect(r.CopyActions.some((c) => c.DestinationBackupVaultArn === a.destinationVaultArn)).toBe(false);
      positive(a.deleteAfterDays);
      expect(lockAdmits(a.destinationVaultArn, a.deleteAfterDays)).toBe(true);
      return;
    }
    case 'AddBackupPlanRule': {
      const p = inv.backupPlans.find((x) => x.BackupPlanName === a.planName);
      expect(p?.Rules.some((r) => r.RuleName === a.rule.RuleName)).toBe(false);
      positive(a.rule.Lifecycle.DeleteAfterDays);
      expect(
        lockAdmits(vaultArn(REGION, ACCOUNT, a.rule.TargetBackupVaultName), a.rule.Lifecycle.DeleteAfterDays),
      ).toBe(true);
      for (const c of a.rule.CopyActions ?? []) {
        positive(c.Lifecycle.DeleteAfterDays);
        expect(lockAdmits(c.DestinationBackupVaultArn, c.Lifecycle.DeleteAfterDays)).toBe(true);
      }
      return;
    }
    case 'PutVaultLock': {
      const v = vaults.get(vaultArn(a.region, ACCOUNT, a.vaultName));
      expect(v).toBeDefined();
      expect(immutable(v)).toBe(false);
      if (v?.Locked) {
        expect(a.minRetentionDays).toBeGreaterThanOrEqual(v.MinRetentionDays ?? 0);
        if (v.MaxRetentionDays !== undefined)
          expect(a.maxRetentionDays).toBeLessThanOrEqual(v.MaxRetentionDays);
      }
      // Irreversible only when the policy asks for it, or when the vault already is (grace period).
      if (inGrace(v)) expect(a.changeableForDays).toBeGreaterThanOrEqual(3);
      else if (policyLock?.mode !== 'compliance') expect(a.changeableForDays).toBeUndefined();
      return;
    }
    case 'ModifyDBInstance':
    case 'ModifyDBCluster': {
      const r = inv.resources.find(
        (x) =>
          x.Type !== 'AWS::S3::Bucket' &&
          (x.Type === 'AWS::RDS::DBInstance' ? x.DBInstanceIdentifier : x.DBClusterIdentifier) ===
            a.identifier,
      );
      expect(r).toBeDefined();
      if (a.changes.BackupRetentionPeriod !== undefined && r && r.Type !== 'AWS::S3::Bucket')
        expect(a.changes.BackupRetentionPeriod).toBeGreaterThan(r.BackupRetentionPeriod);
      for (const flag of [a.changes.DeletionProtection, a.changes.CopyTagsToSnapshot])
        expect([undefined, true]).toContain(flag);
      return;
    }
    case 'AddBucketLifecycleRule': {
      positive(a.noncurrentDays);
      return;
    }
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// The executor, fed with the same state
// ---------------------------------------------------------------------------------------------

const backup = mockClient(BackupClient);
const aws = new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

function feed(inv: Inventory): void {
  backup.reset();
  backup.on(ListBackupPlansCommand).resolves({
    BackupPlansList: inv.backupPlans.map((p) => ({
      BackupPlanName: p.BackupPlanName,
      BackupPlanId: p.BackupPlanId,
    })),
  });
  // What the executor writes is what it reads next (it reads again after writing).
  const plans = new Map<string, unknown>();
  const policiesByVault = new Map<string, string>();
  for (const p of inv.backupPlans) {
    plans.set(p.BackupPlanId, {
      BackupPlanName: p.BackupPlanName,
      Rules: structuredClone(p.Rules).map((r) => ({ ...r, RuleId: `${r.RuleName}-id` })),
    });
    backup.on(GetBackupPlanCommand, { BackupPlanId: p.BackupPlanId }).callsFake(async () => ({
      BackupPlanId: p.BackupPlanId,
      BackupPlanArn: p.BackupPlanArn,
      BackupPlan: structuredClone(plans.get(p.BackupPlanId)),
    }));
  }
  backup.on(DescribeBackupVaultCommand).rejects(notFound());
  backup.on(GetBackupVaultAccessPolicyCommand).callsFake(async (input: { BackupVaultName: string }) => {
    const policy = policiesByVault.get(input.BackupVaultName);
    if (policy === undefined) throw notFound();
    return { Policy: policy };
  });
  for (const v of inv.backupVaults.filter((x) => parseArn(x.BackupVaultArn)?.account === ACCOUNT)) {
    const region = parseArn(v.BackupVaultArn)?.region;
    if (region !== REGION) continue; // the actions of this test run in the plan's region
    backup.on(DescribeBackupVaultCommand, { BackupVaultName: v.BackupVaultName }).resolves({
      BackupVaultName: v.BackupVaultName,
      BackupVaultArn: v.BackupVaultArn,
      Locked: v.Locked,
      MinRetentionDays: v.MinRetentionDays,
      MaxRetentionDays: v.MaxRetentionDays,
      LockDate: v.LockDate ? new Date(v.LockDate) : undefined,
    });
    if (v.AccessPolicy) policiesByVault.set(v.BackupVaultName, v.AccessPolicy);
  }
  backup.on(UpdateBackupPlanCommand).callsFake(async (input: UpdateBackupPlanInput) => {
    plans.set(input.BackupPlanId ?? '', input.BackupPlan);
    return {};
  });
  backup
    .on(PutBackupVaultAccessPolicyCommand)
    .callsFake(async (input: { BackupVaultName: string; Policy: string }) => {
      policiesByVault.set(input.BackupVaultName, input.Policy);
      return {};
    });
  backup.on(PutBackupVaultLockConfigurationCommand).resolves({});
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
}

/** Applies one action against the before state and checks what would be sent. */
async function assertSent(a: Action, inv: Inventory): Promise<void> {
  feed(inv);
  // Changed: an action and its summary only; no accountId or policies (the executor needs neither).
  const [result] = await executePlan(aws, [{ action: a, summary: describeAction(a) }], {
    apply: true,
    maxChanges: 10,
    backupRoleArn: `arn:aws:iam::${ACCOUNT}:role/b`,
  });
  expect(['applied', 'already-done', 'refused'], JSON.stringify(result)).toContain(result?.status);
  for (const call of backup.commandCalls(UpdateBackupPlanCommand)) {
    const sent = call.args[0].input.BackupPlan?.Rules ?? [];
    const before =
      inv.backupPlans.find((p) => p.BackupPlanName === call.args[0].input.BackupPlan?.BackupPlanName)
        ?.Rules ?? [];
    for (const r of before) {
      const after = sent.find((x) => x.RuleName === r.RuleName);
      expect(after, `rule ${r.RuleName} kept`).toBeDefined();
      expect(keepDays(after?.Lifecycle)).toBeGreaterThanOrEqual(keepDays(r.Lifecycle));
      expect(after?.Lifecycle?.MoveToColdStorageAfterDays).toBe(r.Lifecycle?.MoveToColdStorageAfterDays);
      expect(after?.ScheduleExpression).toBe(r.ScheduleExpression);
      for (const c of r.CopyActions) {
        const copy = after?.CopyActions?.find(
          (x) => x.DestinationBackupVaultArn === c.DestinationBackupVaultArn,
        );
        expect(copy, `copy to ${c.DestinationBackupVaultArn} kept`).toBeDefined();
        const keepBefore = copyKeepDays(r, c);
        const keepAfter =
          copy?.Lifecycle?.DeleteAfterDays !== undefined
            ? keepDays(copy.Lifecycle)
            : keepDays(after?.Lifecycle);
        expect(keepAfter).toBeGreaterThanOrEqual(keepBefore);
      }
    }
  }
  for (const call of backup.commandCalls(PutBackupVaultAccessPolicyCommand)) {
    const name = call.args[0].input.BackupVaultName;
    const beforeText = inv.backupVaults.find(
      (v) => v.BackupVaultName === name && parseArn(v.BackupVaultArn)?.region === REGION,
    )?.AccessPolicy;
    const beforeDoc = beforeText ? (JSON.parse(beforeText) as { Statement: unknown[] }) : { Statement: [] };
    const after = JSON.parse(call.args[0].input.Policy ?? '{}') as { Statement: unknown[] };
    expect(after.Statement.slice(0, beforeDoc.Statement.length)).toEqual(beforeDoc.Statement);
    expect(after.Statement.length).toBe(beforeDoc.Statement.length + 1);
  }
  for (const call of backup.commandCalls(PutBackupVaultLockConfigurationCommand)) {
    const input = call.args[0].input;
    const v = inv.backupVaults.find(
      (x) => x.BackupVaultName === input.BackupVaultName && parseArn(x.BackupVaultArn)?.region === REGION,
    );
    expect(immutable(v)).toBe(false);
    if (v?.Locked) {
      expect(input.MinRetentionDays ?? 0).toBeGreaterThanOrEqual(v.MinRetentionDays ?? 0);
      if (v.MaxRetentionDays !== undefined)
        expect(input.MaxRetentionDays).toBeLessThanOrEqual(v.MaxRetentionDays);
    }
    if (inGrace(v)) expect(input.ChangeableForDays).toBeGreaterThanOrEqual(3);
  }
}

const EXECUTED = new Set<ActionType>([
  'AddBackupPlanRule',
  'RaiseRuleRetention',
  'AddCopyAction',
  'RaiseCopyRetention',
  'AddVaultDeleteProtection',
  'PutVaultLock',
]);

beforeAll(() => {
  // The executor compares lock dates with the clock: run it at the audit's `now`.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => backup.reset());
afterAll(() => {
  vi.useRealTimers();
  backup.restore();
});

describe('remediation never weakens protection', () => {
  it(`holds for ${RUNS} generated accounts: planned actions only add or raise, and what is sent keeps what was there`, async () => {
    let planned = 0;
    const seen = new Set<ActionType>();
    await fc.assert(
      fc.asyncProperty(world, async ({ inv, set }) => {
        // Act
        const findings = audit(inv, set, { now: NOW });
        const { actions } = planRemediation(findings, {
          alertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:t`,
        });
        // Assess
        for (const { action } of actions) {
          planned++;
          seen.add(action.type);
          assertAdditive(action, inv, set);
          if (EXECUTED.has(action.type) && action.region === REGION) await assertSent(action, inv);
        }
      }),
      { numRuns: RUNS },
    );
    // The generated accounts do exercise the changes that could weaken something.
    expect(planned).toBeGreaterThan(RUNS);
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'AddBackupPlanRule',
        'AddCopyAction',
        'AddVaultDeleteProtection',
        'PutVaultLock',
        'RaiseCopyRetention',
        'RaiseRuleRetention',
      ]),
    );
  });
});
