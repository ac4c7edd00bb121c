import { describe, expect, it } from 'vitest';
import { resourceName } from '../../src/inventory/index.js';
import type { Action, ActionType } from '../../src/remediation/actions.js';
import { planRemediation } from '../../src/remediation/planner.js';
import { audit } from '../../src/rules/engine.js';
import type { Finding } from '../../src/rules/types.js';
import { enableVersioning, optIn, vaultNotifications } from '../support/actions.js';
import {
  bucket,
  cluster,
  DR_ACCOUNT,
  daysAgo,
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

const TOPIC = `arn:aws:sns:${REGION}:111111111111:backup-sentinel-alerts`;
const BACKUP_PLAN = {
  BackupPlanName: 'p',
  Rules: [
    {
      RuleName: 'r',
      TargetBackupVaultName: 'v',
      ScheduleExpression: 'cron(0 5 ? * * *)',
      Lifecycle: { DeleteAfterDays: 7 },
    },
  ],
};
const RESTORE_TESTING_PLAN = {
  RestoreTestingPlanName: 'p',
  ScheduleExpression: 'cron(0 7 ? * SAT *)',
  StartWindowHours: 24,
  RecoveryPointSelection: {
    Algorithm: 'LATEST_WITHIN_WINDOW' as const,
    IncludeVaults: [vaultArnOf('v')],
    RecoveryPointTypes: ['SNAPSHOT' as const],
    SelectionWindowDays: 7,
  },
};

function finding(resourceArn: string, actions: Action[], over: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'test.rule',
    resourceArn,
    resourceType: 'AWS::RDS::DBInstance',
    region: REGION,
    policy: 'gold',
    status: 'NON_COMPLIANT',
    severity: 'high',
    message: 'drifted',
    actions,
    remediate: true,
    ...over,
  };
}

const optInAurora = optIn('Aurora');
const versioning = (name: string) => enableVersioning(name);
const notifications = vaultNotifications;

describe('planRemediation', () => {
  it('turns identical actions from many resources into one listing all fixes', () => {
    // Prepare
    const findings = [
      finding('arn:aws:rds:eu-central-1:111111111111:cluster:a', [optInAurora], {
        ruleId: 'coverage.opt-in',
      }),
      finding('arn:aws:rds:eu-central-1:111111111111:cluster:b', [optInAurora], {
        ruleId: 'coverage.opt-in',
      }),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    // Changed: a planned action lists what it fixes as data ({ruleId, resourceArn}), not strings.
    expect(result.actions).toEqual([
      {
        action: optInAurora,
        summary: 'opt in resource type Aurora for AWS Backup in eu-central-1',
        fixes: [
          { ruleId: 'coverage.opt-in', resourceArn: 'arn:aws:rds:eu-central-1:111111111111:cluster:a' },
          { ruleId: 'coverage.opt-in', resourceArn: 'arn:aws:rds:eu-central-1:111111111111:cluster:b' },
        ],
      },
    ]);
    expect(result.skipped).toEqual([]);
  });

  it('merges the changes to one database into one ModifyDBInstance', () => {
    // Prepare
    const orders = db('orders', {
      BackupRetentionPeriod: 1,
      DeletionProtection: false,
      CopyTagsToSnapshot: false,
    });
    const findings = audit(inventory({ resources: [orders] }), policies(), { now: NOW });
    // Act
    const result = planRemediation(findings);
    // Assess
    const modify = result.actions.filter((a) => a.action.type === 'ModifyDBInstance');
    expect(modify.map((a) => a.action)).toEqual([
      {
        type: 'ModifyDBInstance',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 7, DeletionProtection: true, CopyTagsToSnapshot: true },
        applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
      },
    ]);
    expect(modify[0]?.fixes.map((f) => f.ruleId).sort()).toEqual([
      'rds.backup-retention',
      'rds.copy-tags-to-snapshot',
      'rds.deletion-protection',
    ]);
    expect(modify[0]?.fixes.every((f) => f.resourceArn === orders.Arn)).toBe(true);
  });

  it('keeps the larger retention when two changes to one database both set it', () => {
    // Prepare
    const arn = 'arn:aws:rds:eu-central-1:111111111111:db:orders';
    const change = (days: number): Action => ({
      type: 'ModifyDBInstance',
      region: REGION,
      identifier: 'orders',
      changes: { BackupRetentionPeriod: days },
      applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
    });
    // Act
    const result = planRemediation([
      finding(arn, [change(14)], { ruleId: 'a' }),
      finding(arn, [change(7)], { ruleId: 'b' }),
    ]);
    // Assess
    expect(result.actions.map((a) => a.action)).toEqual([change(14)]);
  });

  it('applies merged database changes at the maintenance window when one of them must wait', () => {
    // Prepare
    const orders = db('orders', { BackupRetentionPeriod: 0, DeletionProtection: false });
    const findings = audit(inventory({ resources: [orders] }), policies(), { now: NOW });
    // Act
    const result = planRemediation(findings);
    // Assess
    const modify = result.actions.filter((a) => a.action.type === 'ModifyDBInstance');
    expect(modify.map((a) => a.action)).toEqual([
      {
        type: 'ModifyDBInstance',
        region: REGION,
        identifier: 'orders',
        changes: { BackupRetentionPeriod: 7, DeletionProtection: true },
        applyAt: 'next-maintenance-window', // Changed: was applyImmediately: false
      },
    ]);
    expect(modify[0]?.summary).toContain('at the next maintenance window');
  });

  it('skips conflicting proposals for the same named thing, saying what they conflict on', () => {
    // Prepare
    const testSelection = (group: string): Action => ({
      type: 'CreateRestoreTestingSelection',
      region: REGION,
      planName: 'p',
      selectionName: 's',
      resourceType: 'RDS',
      tagKey: 'k',
      tagValue: 'v',
      auditOnlyTagKey: 'r',
      overrides: { dbSubnetGroupName: group },
      validationWindowHours: 0,
    });
    const findings = [
      finding('arn:1', [testSelection('private-a'), versioning('data')], { ruleId: 'restore.covered' }),
      finding('arn:2', [testSelection('private-b')], { ruleId: 'restore.covered' }),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result.actions.map((a) => a.action)).toEqual([versioning('data')]);
    expect(result.skipped.map((s) => s.action)).toEqual([
      testSelection('private-a'),
      testSelection('private-b'),
    ]);
    for (const s of result.skipped) {
      expect(s.reason).toBe(
        `conflicts with 1 other proposal(s) for restore testing selection s (${REGION}); resolve by hand`,
      );
    }
    expect(result.skipped.map((s) => s.fixes)).toEqual([
      [{ ruleId: 'restore.covered', resourceArn: 'arn:1' }],
      [{ ruleId: 'restore.covered', resourceArn: 'arn:2' }],
    ]);
  });

  it('skips the actions of audit-only resources with a reason', () => {
    // Prepare
    const data = bucket('data', {
      Tags: { 'backup:policy': 'gold', 'backup:remediate': 'false' },
      Versioning: {},
    });
    const findings = audit(inventory({ resources: [data] }), policies(), { now: NOW });
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result.actions.map((a) => a.action)).not.toContainEqual(versioning('data'));
    const skipped = result.skipped.find((s) => s.action.type === 'EnableBucketVersioning');
    expect(skipped?.action).toEqual(versioning('data'));
    expect(skipped?.fixes).toEqual([{ ruleId: 's3.versioning', resourceArn: data.Arn }]);
    expect(skipped?.reason).toContain('audit-only');
    expect(skipped?.reason).toContain(data.Arn);
  });

  it('plans an action an audit-only finding shares with a remediable one, and does not skip it', () => {
    // Prepare
    const findings = [
      finding('arn:aws:rds:eu-central-1:111111111111:cluster:audit-only', [optInAurora], {
        remediate: false,
      }),
      finding('arn:aws:rds:eu-central-1:111111111111:cluster:healable', [optInAurora]),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result.actions.map((a) => a.action)).toEqual([optInAurora]);
    expect(result.skipped).toEqual([]);
  });

  it('skips vault notifications without a topic when no alert topic is given', () => {
    // Prepare
    const findings = [
      finding(vaultArnOf('backup-sentinel-gold'), [notifications()], { ruleId: 'vault.notifications' }),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result.actions).toEqual([]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]?.action).toEqual(notifications());
    expect(result.skipped[0]?.reason).toContain('--alert-topic-arn');
  });

  it('sends vault notifications without a topic to the alert topic when given', () => {
    // Prepare
    const findings = [
      finding(vaultArnOf('backup-sentinel-gold'), [notifications()], { ruleId: 'vault.notifications' }),
    ];
    // Act
    const result = planRemediation(findings, { alertTopicArn: TOPIC });
    // Assess
    expect(result.actions.map((a) => a.action)).toEqual([notifications({ snsTopicArn: TOPIC })]);
    expect(result.actions[0]?.summary).toContain(TOPIC);
    expect(result.skipped).toEqual([]);
  });

  it('keeps the existing topic of vault notifications', () => {
    // Prepare
    const own = `arn:aws:sns:${REGION}:111111111111:team-topic`;
    const findings = [finding(vaultArnOf('backup-sentinel-gold'), [notifications({ snsTopicArn: own })])];
    // Act
    const result = planRemediation(findings, { alertTopicArn: TOPIC });
    // Assess
    expect(result.actions.map((a) => a.action)).toEqual([notifications({ snsTopicArn: own })]);
  });

  it('orders actions creation-first', () => {
    // Prepare
    const findings = [
      finding('arn:1', [
        {
          type: 'ModifyDBInstance',
          region: REGION,
          identifier: 'orders',
          changes: { DeletionProtection: true },
          applyAt: 'now', // Changed: was applyImmediately: true, which the executor never sent
        },
      ]),
      finding('arn:2', [
        {
          type: 'CreateRestoreTestingSelection',
          region: REGION,
          planName: 'p',
          selectionName: 's',
          resourceType: 'RDS',
          tagKey: 'k',
          tagValue: 'v',
          auditOnlyTagKey: 'r',
          overrides: {},
          validationWindowHours: 0,
        },
      ]),
      finding('arn:3', [versioning('data')]),
      // Changed: the plan creations carry the plan they create.
      finding('arn:4', [{ type: 'CreateRestoreTestingPlan', region: REGION, plan: RESTORE_TESTING_PLAN }]),
      finding('arn:5', [
        {
          type: 'CreateBackupSelection',
          region: REGION,
          planName: 'p',
          selectionName: 's',
          tagKey: 'k',
          tagValue: 'v',
          auditOnlyTagKey: 'r',
          kind: 'rds',
          copies: { crossRegion: false, crossAccount: false },
        },
      ]),
      finding('arn:6', [{ type: 'CreateBackupPlan', region: REGION, plan: BACKUP_PLAN }]),
      finding('arn:7', [{ type: 'CreateBackupVault', region: REGION, vaultName: 'v', policy: 'gold' }]),
      finding('arn:8', [optInAurora]),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result.actions.map((a) => a.action.type)).toEqual([
      'EnableResourceTypeOptIn',
      'CreateBackupVault',
      'CreateBackupPlan',
      'CreateBackupSelection',
      'EnableBucketVersioning',
      'ModifyDBInstance',
      'CreateRestoreTestingPlan',
      'CreateRestoreTestingSelection',
    ]);
  });

  it('merges two raises of one retention into the larger one', () => {
    // Prepare
    const raise = (days: number): Action => ({
      type: 'RaiseRuleRetention',
      region: REGION,
      planName: 'backup-sentinel-gold',
      ruleName: 'daily',
      deleteAfterDays: days,
    });
    const findings = [
      finding('arn:a', [raise(35)], { ruleId: 'plan.retention' }),
      finding('arn:b', [raise(120)], { ruleId: 'plan.retention' }),
    ];
    // Act
    const { actions } = planRemediation(findings);
    // Assess
    expect(actions.map((a) => a.action)).toEqual([raise(120)]);
    expect(actions[0]?.fixes).toEqual([
      { ruleId: 'plan.retention', resourceArn: 'arn:a' },
      { ruleId: 'plan.retention', resourceArn: 'arn:b' },
    ]);
  });

  it.each([-1, 0, 1.5, Number.NaN])(
    'never writes %d as a number of days (AWS reads -1 as keep forever)',
    (days) => {
      // Prepare
      const copy: Action = {
        type: 'AddCopyAction',
        region: REGION,
        planName: 'backup-sentinel-gold',
        ruleName: 'daily',
        destinationVaultArn: vaultArnOf('dr-vault', REGION, DR_ACCOUNT),
        deleteAfterDays: days,
      };
      // Act
      const plan = planRemediation([finding('arn:a', [copy], { ruleId: 'copies.configured' })]);
      // Assess
      expect(plan.actions).toEqual([]);
      expect(plan.skipped[0]?.reason).toContain('as a number of days');
    },
  );

  it('takes nothing from compliant, not applicable or error findings', () => {
    // Prepare
    const findings = [
      finding('arn:1', [versioning('a')], { status: 'COMPLIANT' }),
      finding('arn:2', [versioning('b')], { status: 'NOT_APPLICABLE' }),
      finding('arn:3', [versioning('c')], { status: 'ERROR' }),
    ];
    // Act
    const result = planRemediation(findings);
    // Assess
    expect(result).toEqual({ actions: [], skipped: [] });
  });
});

describe('remediation safety', () => {
  /** Every action type in src/remediation/actions.ts: each creates, enables, adds or raises. */
  const ADDITIVE: ActionType[] = [
    'CreateBackupVault',
    'CreateBackupPlan',
    'CreateBackupSelection',
    'AddBackupPlanRule',
    'RaiseRuleRetention',
    'AddCopyAction',
    'RaiseCopyRetention',
    'EnableResourceTypeOptIn',
    'PutVaultNotifications',
    'AddVaultDeleteProtection',
    'PutVaultLock',
    'EnableBucketVersioning',
    'AddBucketLifecycleRule',
    'ModifyDBInstance',
    'ModifyDBCluster',
    'CreateRestoreTestingPlan',
    'CreateRestoreTestingSelection',
  ];
  const DR_VAULT = vaultArnOf('dr-vault', REGION, DR_ACCOUNT);
  const WEST_VAULT = vaultArnOf('backup-sentinel-gold', 'eu-west-1');

  /** Everything wrong at once: short and endless retentions, short copies, unlocked vaults, unprotected databases. */
  function drifted() {
    return inventory({
      resources: [
        db('orders', { BackupRetentionPeriod: 0, DeletionProtection: false, CopyTagsToSnapshot: false }),
        db('billing', { BackupRetentionPeriod: 30, Tags: { 'backup:policy': 'silver' } }),
        cluster('ledger', { BackupRetentionPeriod: 1, DeletionProtection: false }),
        bucket('data', { Versioning: { Status: 'Suspended' } }),
        bucket('logs', {
          Tags: { 'backup:policy': 'silver' },
          LifecycleRules: [
            { ID: 'short', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 3 } },
          ],
        }),
      ],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule({
            RuleName: 'hourly',
            ScheduleExpression: 'cron(0 * ? * * *)',
            Lifecycle: { DeleteAfterDays: 14 },
            CopyActions: [
              { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 10 } },
              { DestinationBackupVaultArn: WEST_VAULT, Lifecycle: { DeleteAfterDays: 400 } },
            ],
          }),
          planRule({
            RuleName: 'weekly',
            ScheduleExpression: 'cron(0 5 ? * 1 *)',
            Lifecycle: { DeleteAfterDays: 20, MoveToColdStorageAfterDays: 10 },
          }),
        ]),
        plan('backup-sentinel-silver', [
          planRule({
            RuleName: 'daily',
            TargetBackupVaultName: 'backup-sentinel-silver',
            Lifecycle: { DeleteAfterDays: 500 },
          }),
        ]),
      ],
      backupSelections: [selection('backup-sentinel-gold', { Resources: ['*'] })],
      backupVaults: [
        vault('backup-sentinel-gold', { Locked: true, MinRetentionDays: 10, MaxRetentionDays: 1000 }),
        vault('backup-sentinel-silver', { Locked: true, MinRetentionDays: 1, LockDate: daysAgo(30) }),
        vault('dr-vault', { BackupVaultArn: DR_VAULT }),
      ],
      kmsKeys: [],
    });
  }

  const set = policies({
    policies: {
      gold: {
        frequency: '1h',
        retentionDays: 90,
        continuous: true,
        copies: [
          { account: DR_ACCOUNT, vault: 'dr-vault', retentionDays: 180 },
          { region: 'eu-west-1', retentionDays: 35 },
        ],
        vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 },
        restoreTest: { everyDays: 7 },
        rds: { minRetentionDays: 14 },
      },
      silver: {
        retentionDays: 35,
        vaultLock: { minRetentionDays: 7 },
        s3: { noncurrentVersionExpirationDays: 30 },
      },
    },
  });

  const proposed = () => audit(drifted(), set, { now: NOW }).flatMap((f) => f.actions);

  it('proposes only additive action types', () => {
    // Prepare
    const actions = proposed();
    // Act
    const types = new Set(actions.map((a) => a.type));
    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect([...types].filter((t) => !ADDITIVE.includes(t))).toEqual([]);
  });

  it('never lowers an existing rule or copy retention', () => {
    // Prepare
    const inv = drifted();
    const rules = inv.backupPlans.flatMap((p) => p.Rules.map((r) => ({ plan: p.BackupPlanName, rule: r })));
    // Act
    const raises = proposed().filter(
      (a) => a.type === 'RaiseRuleRetention' || a.type === 'RaiseCopyRetention',
    );
    // Assess
    expect(raises.map((a) => a.type).sort()).toEqual(['RaiseCopyRetention', 'RaiseRuleRetention']);
    for (const a of raises) {
      const found = rules.find((r) => r.plan === a.planName && r.rule.RuleName === a.ruleName)?.rule;
      const lifecycle =
        a.type === 'RaiseRuleRetention'
          ? found?.Lifecycle
          : found?.CopyActions.find((c) => c.DestinationBackupVaultArn === a.destinationVaultArn)?.Lifecycle;
      expect(lifecycle?.DeleteAfterDays).toBeDefined();
      expect(a.deleteAfterDays).toBeGreaterThan(lifecycle?.DeleteAfterDays ?? Number.POSITIVE_INFINITY);
    }
  });

  it('never lowers database retention or a vault lock minimum, and never changes a lock in force', () => {
    // Prepare
    const inv = drifted();
    const retention = new Map(
      inv.resources.flatMap((r) =>
        r.Type === 'AWS::S3::Bucket' ? [] : [[resourceName(r), r.BackupRetentionPeriod] as const],
      ),
    );
    // Act
    const actions = proposed();
    // Assess
    for (const a of actions) {
      if (
        (a.type === 'ModifyDBInstance' || a.type === 'ModifyDBCluster') &&
        a.changes.BackupRetentionPeriod !== undefined
      ) {
        expect(a.changes.BackupRetentionPeriod).toBeGreaterThan(
          retention.get(a.identifier) ?? Number.POSITIVE_INFINITY,
        );
      }
      if (a.type === 'PutVaultLock') {
        const current = inv.backupVaults.find((v) => v.BackupVaultName === a.vaultName);
        expect(a.minRetentionDays).toBeGreaterThanOrEqual(current?.MinRetentionDays ?? 0);
        expect(current?.LockDate).toBeUndefined();
      }
    }
    expect(actions.filter((a) => a.type === 'PutVaultLock').length).toBeGreaterThan(0);
  });

  it('proposes no change to a vault in another account (actions carry no account)', () => {
    // Prepare
    const findings = audit(drifted(), set, { now: NOW });
    // Act
    const actions = findings.filter((f) => f.resourceArn === DR_VAULT).flatMap((f) => f.actions);
    // Assess
    expect(actions).toEqual([]);
  });
});
