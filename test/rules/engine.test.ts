import { describe, expect, it } from 'vitest';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { ActionType } from '../../src/remediation/actions.js';
import { singlePlan } from '../../src/rules/catalogue/coverage.js';
import { audit } from '../../src/rules/engine.js';
import { defineRule, type Rule } from '../../src/rules/types.js';
import {
  ACCOUNT,
  bucket,
  cluster,
  db,
  findings,
  inventory,
  NOW,
  plan,
  planRule,
  policies,
  REGION,
  scopeOf,
  selection,
  vault,
  vaultArnOf,
} from '../support/builders.js';

const dbArn = (id: string) => `arn:aws:rds:${REGION}:${ACCOUNT}:db:${id}`;
const PLAN_ARN = `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:backup-sentinel-gold-id`;
const VAULT_ARN = vaultArnOf('backup-sentinel-gold');
const regionSettings = [{ Region: REGION, ResourceTypeOptInPreference: { RDS: true } }];

/** A gold setup: the plan, its tag selection and its vault, with the given resources. */
function covered(resources: InventoryInput['resources'], over: Partial<InventoryInput> = {}) {
  return inventory({
    resources,
    backupPlans: [plan('backup-sentinel-gold', [planRule()])],
    backupSelections: [
      selection('backup-sentinel-gold', {
        ListOfTags: [{ ConditionKey: 'backup:policy', ConditionValue: 'gold' }],
      }),
    ],
    backupVaults: [vault('backup-sentinel-gold')],
    regionSettings,
    ...over,
  });
}

// Changed: rules are made with defineRule and name what they propose (their IAM is derived).
function throwingRule(failFor: string): Rule<'resource'> {
  return defineRule({
    id: 'test.throws',
    title: 'throws for one resource',
    area: 'coverage',
    severity: 'low',
    subject: 'resource',
    permissions: { collect: [] },
    proposes: [],
    example: '',
    evaluate({ arn }) {
      if (arn === failFor) throw new Error('boom');
      return { status: 'COMPLIANT', message: 'fine' };
    },
  });
}

/** Proposes versioning for every bucket, declaring `proposes`. */
function versioningRule(proposes: ActionType[]): Rule<'resource'> {
  return defineRule({
    id: 'test.proposes',
    title: 'proposes versioning everywhere',
    area: 's3',
    severity: 'low',
    subject: 'resource',
    permissions: { collect: [] },
    proposes,
    example: '',
    evaluate({ resource }) {
      return {
        status: 'NON_COMPLIANT',
        message: 'not versioned',
        actions: [{ type: 'EnableBucketVersioning', region: resource.Region, bucket: 'b' }],
      };
    },
  });
}

describe('audit', () => {
  describe('collection errors', () => {
    it('turns the finding of a rule that needs the failed action into ERROR for that subject', () => {
      // Prepare
      const inv = covered([db('a'), db('b')], {
        collectionErrors: [
          { Arn: dbArn('a'), Action: 'backup:DescribeRegionSettings', Code: 'AccessDenied', Message: 'no' },
        ],
      });
      // Act
      const failed = findings('coverage.resource-type-opt-in', inv, policies(), dbArn('a'));
      const other = findings('coverage.resource-type-opt-in', inv, policies(), dbArn('b'));
      // Assess
      expect(failed).toHaveLength(1);
      expect(failed[0]?.status).toBe('ERROR');
      expect(failed[0]?.message).toContain('backup:DescribeRegionSettings failed with AccessDenied (no)');
      expect(failed[0]?.actions).toEqual([]);
      expect(other.map((f) => f.status)).toEqual(['COMPLIANT']);
    });

    it('lets rules that do not need the failed action run on that subject', () => {
      // Prepare
      const inv = covered([db('a')], {
        collectionErrors: [{ Arn: dbArn('a'), Action: 'backup:ListRestoreJobs', Code: 'AccessDenied' }],
      });
      // Act
      const selected = findings('coverage.selected', inv, policies(), dbArn('a'));
      const declared = findings('coverage.policy-declared', inv, policies(), dbArn('a'));
      // Assess
      expect(selected.map((f) => f.status)).toEqual(['COMPLIANT']);
      expect(declared.map((f) => f.status)).toEqual(['COMPLIANT']);
    });

    it('turns every subject of the rule into ERROR when the whole call failed (*)', () => {
      // Prepare
      const inv = covered([db('a'), db('b')], {
        collectionErrors: [{ Arn: '*', Action: 'backup:GetBackupPlan', Code: 'ThrottlingException' }],
      });
      // Act
      const all = audit(inv, policies(), { now: NOW });
      // Assess
      const status = (ruleId: string, arn: string) =>
        all.filter((f) => f.ruleId === ruleId && f.resourceArn === arn).map((f) => f.status);
      expect(status('coverage.selected', dbArn('a'))).toEqual(['ERROR']);
      expect(status('coverage.selected', dbArn('b'))).toEqual(['ERROR']);
      expect(status('plan.frequency', PLAN_ARN)).toEqual(['ERROR']);
      expect(status('coverage.resource-type-opt-in', dbArn('a'))).toEqual(['COMPLIANT']);
      // "in one plan only" is a claim about every plan: unreadable plans make it unprovable
      expect(status('coverage.single-plan', dbArn('a'))).toEqual(['ERROR']);
    });

    it("turns a resource finding into ERROR when the policy's vault could not be read", () => {
      // Prepare
      const inv = covered([db('a')], {
        collectionErrors: [
          { Arn: VAULT_ARN, Action: 'backup:ListRecoveryPointsByBackupVault', Code: 'AccessDenied' },
        ],
      });
      // Act
      const list = findings('recency.recovery-point', inv, policies(), dbArn('a'));
      // Assess
      expect(list.map((f) => f.status)).toEqual(['ERROR']);
      expect(list[0]?.message).toContain(
        `cannot tell whether a recent recovery point exists: backup:ListRecoveryPointsByBackupVault failed on ${VAULT_ARN} with AccessDenied`,
      );
    });

    it('turns a resource finding into ERROR when a copy destination vault could not be read', () => {
      // Prepare
      const west = vaultArnOf('backup-sentinel-gold', 'eu-west-1');
      const inv = covered([db('a')], {
        backupPlans: [
          plan('backup-sentinel-gold', [
            planRule({
              CopyActions: [{ DestinationBackupVaultArn: west, Lifecycle: { DeleteAfterDays: 35 } }],
            }),
          ]),
        ],
        backupVaults: [
          vault('backup-sentinel-gold'),
          vault('backup-sentinel-gold', { BackupVaultArn: west }),
        ],
        copyJobs: [
          {
            CopyJobId: 'c1',
            ResourceArn: dbArn('a'),
            SourceBackupVaultArn: VAULT_ARN,
            DestinationBackupVaultArn: west,
            State: 'COMPLETED',
            CreationDate: NOW.toISOString(),
          },
        ],
        scope: scopeOf({ region: 'eu-west-1' }),
        collectionErrors: [
          { Arn: west, Action: 'backup:ListRecoveryPointsByBackupVault', Code: 'AccessDenied' },
        ],
      });
      // Act
      const list = findings(
        'copies.recent',
        inv,
        policies({ policies: { gold: { copies: [{ region: 'eu-west-1' }] } } }),
        dbArn('a'),
      );
      // Assess
      expect(list.map((f) => f.status)).toEqual(['ERROR']);
      expect(list[0]?.message).toContain(
        `backup:ListRecoveryPointsByBackupVault failed on ${west} with AccessDenied`,
      );
    });

    it('ignores an error for another subject', () => {
      // Prepare
      const inv = covered([db('a')], {
        collectionErrors: [
          { Arn: dbArn('zzz'), Action: 'backup:DescribeRegionSettings', Code: 'AccessDenied' },
        ],
      });
      // Act
      const list = findings('coverage.resource-type-opt-in', inv, policies(), dbArn('a'));
      // Assess
      expect(list.map((f) => f.status)).toEqual(['COMPLIANT']);
    });
  });

  describe('failing rules', () => {
    it('reports a rule that throws as ERROR and goes on with the audit', () => {
      // Prepare
      const inv = covered([db('a'), db('b')]);
      const rules = [throwingRule(dbArn('a')), singlePlan];
      // Act
      const all = audit(inv, policies(), { now: NOW, rules });
      // Assess
      const thrown = all.filter((f) => f.ruleId === 'test.throws');
      expect(thrown.map((f) => [f.resourceArn, f.status])).toEqual([
        [dbArn('a'), 'ERROR'],
        [dbArn('b'), 'COMPLIANT'],
      ]);
      expect(thrown[0]?.message).toContain('rule failed: boom');
      expect(all.filter((f) => f.ruleId === 'coverage.single-plan').map((f) => f.status)).toEqual([
        'COMPLIANT',
        'COMPLIANT',
      ]);
    });

    it('turns a proposal of an action the rule does not declare into ERROR: its role would be denied it', () => {
      // Prepare
      const inv = covered([db('a')]);
      // Act
      const [undeclared] = audit(inv, policies(), {
        now: NOW,
        rules: [versioningRule(['ModifyDBInstance'])],
      });
      const [declared] = audit(inv, policies(), {
        now: NOW,
        rules: [versioningRule(['EnableBucketVersioning'])],
      });
      // Assess
      expect(undeclared).toMatchObject({ status: 'ERROR', actions: [] });
      expect(undeclared?.message).toBe(
        'rule failed: it proposed EnableBucketVersioning, which it does not declare in proposes',
      );
      expect(declared).toMatchObject({
        status: 'NON_COMPLIANT',
        actions: [{ type: 'EnableBucketVersioning' }],
      });
    });
  });

  describe('plan and vault subjects', () => {
    it('evaluates a plan and its vault once per policy, whatever the number of resources', () => {
      // Prepare
      const inv = covered([db('a'), db('b'), db('c')]);
      // Act
      const all = audit(inv, policies(), { now: NOW });
      // Assess
      expect(all.filter((f) => f.ruleId === 'plan.frequency')).toHaveLength(1);
      expect(all.filter((f) => f.ruleId === 'plan.frequency')[0]).toMatchObject({
        resourceArn: PLAN_ARN,
        resourceType: 'AWS::Backup::BackupPlan',
        policy: 'gold',
      });
      const vaultFindings = all.filter((f) => f.resourceArn === VAULT_ARN);
      expect(vaultFindings.length).toBeGreaterThan(0);
      expect(new Set(vaultFindings.map((f) => f.ruleId)).size).toBe(vaultFindings.length);
    });

    it('evaluates the plan of each policy once, for that policy', () => {
      // Prepare: policies cannot share a plan, so each names its own
      const inv = inventory({
        resources: [
          db('a', { Tags: { 'backup:policy': 'gold' } }),
          db('b', { Tags: { 'backup:policy': 'silver' } }),
        ],
        backupPlans: [plan('gold-plan', [planRule()]), plan('silver-plan', [planRule()])],
      });
      const set = policies({ policies: { gold: { plan: 'gold-plan' }, silver: { plan: 'silver-plan' } } });
      // Act
      const list = findings('plan.frequency', inv, set);
      // Assess
      expect(list.map((f) => [f.policy, f.resourceArn]).sort()).toEqual([
        ['gold', `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:gold-plan-id`],
        ['silver', `arn:aws:backup:${REGION}:${ACCOUNT}:backup-plan:silver-plan-id`],
      ]);
    });

    it('evaluates the vaults the plan rules target and copy into, besides the policy vault', () => {
      // Prepare
      const other = vaultArnOf('team-vault');
      const copyTarget = vaultArnOf('team-copies', 'eu-west-1');
      const inv = covered([db('a')], {
        backupPlans: [
          plan('backup-sentinel-gold', [
            planRule({
              TargetBackupVaultName: 'team-vault',
              CopyActions: [{ DestinationBackupVaultArn: copyTarget, Lifecycle: { DeleteAfterDays: 35 } }],
            }),
          ]),
        ],
        backupVaults: [
          vault('backup-sentinel-gold'),
          vault('team-vault'),
          vault('team-copies', { BackupVaultArn: copyTarget }),
        ],
      });
      // Act
      const cmk = findings('vault.cmk', inv, policies());
      const notifications = findings('vault.notifications', inv, policies());
      // Assess
      expect(cmk.map((f) => f.resourceArn).sort()).toEqual([VAULT_ARN, copyTarget, other].sort());
      expect(notifications.find((f) => f.resourceArn === copyTarget)?.status).toBe('NOT_APPLICABLE');
      expect(notifications.find((f) => f.resourceArn === other)?.status).toBe('NON_COMPLIANT');
    });
  });

  describe('subjects in another account', () => {
    it('get findings without actions, telling to change them in their account', () => {
      // Prepare
      const drVault = vaultArnOf('dr-vault', REGION, '222222222222');
      const inv = covered([db('a')], {
        backupVaults: [vault('backup-sentinel-gold'), vault('dr-vault', { BackupVaultArn: drVault })],
      });
      const set = policies({
        policies: { gold: { copies: [{ account: '222222222222', vault: 'dr-vault' }] } },
      });
      // Act
      const [f] = findings('vault.delete-protection', inv, set, drVault);
      // Assess
      expect(f?.status).toBe('NON_COMPLIANT');
      expect(f?.message).toContain('(in account 222222222222: change it there)');
      expect(f?.actions).toEqual([]);
    });
  });

  describe('Aurora members', () => {
    it('gives a member instance no resource-rule findings', () => {
      // Prepare
      const inv = covered([db('member-1', { DBClusterIdentifier: 'aurora-1' }), cluster('aurora-1')]);
      // Act
      const all = audit(inv, policies(), { now: NOW });
      // Assess
      const member = all.filter((f) => f.resourceArn === dbArn('member-1'));
      expect(member.map((f) => [f.ruleId, f.status])).toEqual([
        ['coverage.policy-declared', 'NOT_APPLICABLE'],
      ]);
      expect(
        all.some(
          (f) =>
            f.resourceArn === `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:aurora-1` &&
            f.ruleId === 'coverage.selected',
        ),
      ).toBe(true);
    });
  });
});

describe('settings the collector skipped', () => {
  it('decide nothing later: ERROR (out of scope) unless the rule does not apply', () => {
    // Collected while no policy asked for Object Lock (the collector skipped its read).
    const inv = inventory({
      resources: [bucket('ledger', { NotRead: ['s3:GetBucketObjectLockConfiguration'] })],
    });
    const arn = 'arn:aws:s3:::ledger';
    const asked = policies({ policies: { gold: { s3: { objectLock: true } } } });
    const [f] = findings('s3.object-lock', inv, asked, arn);
    expect(f?.status).toBe('ERROR');
    expect(f?.outOfScope).toBe(true);
    expect(f?.message).toBe(
      'could not evaluate: s3:GetBucketObjectLockConfiguration was not read when this inventory was collected (no policy asked for it then); collect it again with these policies',
    );
    expect(findings('s3.object-lock', inv, policies(), arn)[0]?.status).toBe('NOT_APPLICABLE');
    // The other bucket rules read what was read.
    expect(findings('s3.noncurrent-expiration', inv, asked, arn)[0]?.status).not.toBe('ERROR');
  });
});
