import { describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  bucket,
  cluster,
  db,
  findings,
  inventory,
  only,
  plan,
  planRule,
  policies,
  REGION,
  selection,
  vault,
} from '../support/builders.js';

const DB_ARN = `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders`;
const BUCKET_ARN = 'arn:aws:s3:::b1';
const byPolicyTag = { ListOfTags: [{ ConditionKey: 'backup:policy', ConditionValue: 'gold' }] };
/** Changed: the action carries the plan it creates (the executor built it from the policy): gold's defaults. */
const createGoldPlan = {
  type: 'CreateBackupPlan',
  region: REGION,
  plan: {
    BackupPlanName: 'backup-sentinel-gold',
    Rules: [
      {
        RuleName: 'backup-sentinel-snapshots',
        TargetBackupVaultName: 'backup-sentinel-gold',
        ScheduleExpression: 'cron(0 5 ? * * *)',
        Lifecycle: { DeleteAfterDays: 35 },
      },
    ],
  },
};
/** Changed: one selection per kind, named for it, carrying what its role depends on (the copies). */
const selectionAction = (
  kind: 's3' | 'rds',
  copies = { crossRegion: false, crossAccount: false },
  planName = 'backup-sentinel-gold',
) => ({
  type: 'CreateBackupSelection',
  region: REGION,
  planName,
  selectionName: `backup-sentinel-gold-${kind}`,
  tagKey: 'backup:policy',
  tagValue: 'gold',
  auditOnlyTagKey: 'backup:remediate',
  kind,
  copies,
});

describe('coverage.policy-declared', () => {
  it('accepts a resource that names a known policy', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1')] });
    // Act
    const f = only('coverage.policy-declared', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.policy).toBe('gold');
    expect(f.message).toContain('declares policy gold');
  });

  it('accepts an explicit opt-out with none', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1', { Tags: { 'backup:policy': 'none' } })] });
    // Act
    const f = only('coverage.policy-declared', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('explicit opt-out');
  });

  it('flags a resource without the policy tag', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1', { Tags: { team: 'data' } })] });
    // Act
    const f = only('coverage.policy-declared', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('tag backup:policy is missing');
    expect(f.actual).toBe('no tag');
    expect(f.actions).toEqual([]);
  });

  it('flags an unknown policy name and suggests the closest known one', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1', { Tags: { 'backup:policy': 'glod' } })] });
    const set = policies({ policies: { gold: {}, bronze: {} } });
    // Act
    const f = only('coverage.policy-declared', inv, set, BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('unknown policy "glod"');
    expect(f.message).toContain('did you mean "gold"?');
    expect(f.message).toContain('known policies: bronze, gold');
    expect(f.actual).toBe('glod');
  });

  it('judges an Aurora member instance at cluster level', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders', { DBClusterIdentifier: 'aurora-1', Tags: {} })] });
    // Act
    const f = only('coverage.policy-declared', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
    expect(f.message).toContain('judged at cluster level');
    expect(f.message).toContain('aurora-1');
  });

  it('reads the policy from a custom tagKey', () => {
    // Prepare
    const inv = inventory({
      resources: [
        bucket('b1', { Tags: { 'dr:tier': 'gold' } }),
        bucket('b2', { Tags: { 'backup:policy': 'gold' } }),
      ],
    });
    const set = policies({ tagKey: 'dr:tier', policies: { gold: {} } });
    // Act
    const ok = only('coverage.policy-declared', inv, set, BUCKET_ARN);
    const missing = only('coverage.policy-declared', inv, set, 'arn:aws:s3:::b2');
    // Assess
    expect(ok.status).toBe('COMPLIANT');
    expect(missing.status).toBe('NON_COMPLIANT');
    expect(missing.message).toContain('tag dr:tier is missing');
  });
});

describe('coverage.selected', () => {
  it('creates the vault, the plan and the selection when the plan is missing', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('backup plan backup-sentinel-gold does not exist');
    expect(f.actions).toEqual([
      { type: 'CreateBackupVault', region: REGION, vaultName: 'backup-sentinel-gold', policy: 'gold' },
      createGoldPlan,
      selectionAction('rds'),
    ]);
  });

  it('does not create the vault when it exists already', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')], backupVaults: [vault('backup-sentinel-gold')] });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([createGoldPlan, selectionAction('rds')]);
  });

  it('creates the vault with the key the policy names', () => {
    // Prepare
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/vault-key`;
    const inv = inventory({ resources: [db('orders')] });
    const set = policies({
      policies: { gold: { encryption: { customerManagedKey: true, vaultKeyArn: keyArn } } },
    });
    // Act
    const f = only('coverage.selected', inv, set, DB_ARN);
    // Assess
    expect(f.actions).toEqual([
      {
        type: 'CreateBackupVault',
        region: REGION,
        vaultName: 'backup-sentinel-gold',
        policy: 'gold',
        encryptionKeyArn: keyArn,
      },
      createGoldPlan,
      selectionAction('rds'),
    ]);
  });

  it.each([
    ['a customer-managed key', { encryption: { customerManagedKey: true } }],
    ['a cross-account copy', { copies: [{ account: '222222222222' }] }],
  ])('proposes nothing when the missing vault needs %s and the policy names no vaultKeyArn', (_, gold) => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('coverage.selected', inv, policies({ policies: { gold } }), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('; not created: set encryption.vaultKeyArn in policy gold');
    expect(f.actions).toEqual([]);
  });

  it('accepts a resource selected by the plan of its policy', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', byPolicyTag)],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('in plan backup-sentinel-gold');
    expect(f.actions).toEqual([]);
  });

  it('adds a selection when the plan does not select the resource', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [
        selection('backup-sentinel-gold', { ListOfTags: [{ ConditionKey: 'team', ConditionValue: 'x' }] }),
      ],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not selected by plan backup-sentinel-gold');
    expect(f.actions).toEqual([selectionAction('rds')]);
  });

  it('adds a selection when the plan has no selections', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('the plan has no selections');
    expect(f.actions).toEqual([selectionAction('rds')]);
  });

  it('flags a resource excluded by NotResources without any action', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', { ...byPolicyTag, NotResources: [DB_ARN] })],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('explicitly excluded');
    expect(f.actions).toEqual([]);
  });

  it('proposes no selection when only the opt-in keeps the resource out', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', byPolicyTag)],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { S3: false } }],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('not opted in');
    expect(f.actions).toEqual([]);
  });

  it('uses the custom tag keys in the selection it proposes', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1', { Tags: { 'dr:tier': 'gold' } })],
      backupVaults: [vault('backup-sentinel-gold')],
    });
    const set = policies({ tagKey: 'dr:tier', remediateTagKey: 'dr:heal', policies: { gold: {} } });
    // Act
    const f = only('coverage.selected', inv, set, BUCKET_ARN);
    // Assess
    expect(f.actions).toContainEqual({
      ...selectionAction('s3'),
      tagKey: 'dr:tier',
      auditOnlyTagKey: 'dr:heal',
    });
  });

  it('proposes a selection of its own kind for a bucket and for a database of one policy', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1'), db('orders'), cluster('ledger')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
    });
    const clusterArn = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:ledger`;
    // Act
    const actions = [BUCKET_ARN, DB_ARN, clusterArn].map(
      (arn) => only('coverage.selected', inv, policies(), arn).actions,
    );
    // Assess
    expect(actions).toEqual([[selectionAction('s3')], [selectionAction('rds')], [selectionAction('rds')]]);
  });

  it.each([
    ['another Region', [{ region: 'eu-west-1' }], { crossRegion: true, crossAccount: false }],
    [
      'another account',
      [{ account: '222222222222', vault: 'dr-vault' }],
      { crossRegion: false, crossAccount: true },
    ],
    [
      'another account in another Region',
      [{ account: '222222222222', region: 'eu-west-1', vault: 'dr-vault' }],
      { crossRegion: true, crossAccount: true },
    ],
    [
      'a vault of its own Region and account',
      [{ region: REGION, vault: 'local-copy' }],
      { crossRegion: false, crossAccount: false },
    ],
  ])(
    'says the policy copies to %s, so that the selection gets a role that may copy',
    (_, copies, expected) => {
      // Prepare
      const inv = inventory({
        resources: [db('orders')],
        backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      });
      const set = policies({ policies: { gold: { copies } } });
      // Act
      const f = only('coverage.selected', inv, set, DB_ARN);
      // Assess
      expect(f.actions).toEqual([selectionAction('rds', expected)]);
    },
  );

  it("counts the plan's own copies too: the selection's role must make them", () => {
    // Prepare
    const drVault = `arn:aws:backup:${REGION}:222222222222:backup-vault:dr-vault`;
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [
        plan('backup-sentinel-gold', [
          planRule({
            CopyActions: [{ DestinationBackupVaultArn: drVault, Lifecycle: { DeleteAfterDays: 35 } }],
          }),
        ]),
      ],
    });
    // Act
    const f = only('coverage.selected', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.actions).toEqual([selectionAction('s3', { crossRegion: false, crossAccount: true })]);
  });

  it('still counts a selection that picks every kind with one role (made before selections were per kind)', () => {
    // Prepare
    const combined = selection('backup-sentinel-gold', {
      SelectionName: 'backup-sentinel-gold',
      Resources: ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:*:*:cluster:*', 'arn:aws:s3:::*'],
      Conditions: {
        StringEquals: [{ ConditionKey: 'aws:ResourceTag/backup:policy', ConditionValue: 'gold' }],
        StringNotEquals: [{ ConditionKey: 'aws:ResourceTag/backup:remediate', ConditionValue: 'false' }],
      },
    });
    const inv = inventory({
      resources: [bucket('b1'), db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [combined],
    });
    // Act
    const found = [BUCKET_ARN, DB_ARN].map((arn) => only('coverage.selected', inv, policies(), arn));
    // Assess
    expect(found.map((f) => [f.status, f.actions])).toEqual([
      ['COMPLIANT', []],
      ['COMPLIANT', []],
    ]);
  });

  it('keeps the selection name within the 50 characters AWS Backup allows', () => {
    // Prepare
    const name = 'a'.repeat(34);
    const inv = inventory({
      resources: [db('orders', { Tags: { 'backup:policy': name } })],
      backupPlans: [plan(`backup-sentinel-${name}`, [planRule()])],
    });
    // Act
    const f = only('coverage.selected', inv, policies({ policies: { [name]: {} } }), DB_ARN);
    // Assess
    const [action] = f.actions as { selectionName: string }[];
    expect(action?.selectionName.length).toBeLessThanOrEqual(50);
    expect(action?.selectionName).toMatch(/^backup-sentinel-a+_[0-9a-f]{8}$/);
  });
});

describe('coverage.single-plan', () => {
  it('accepts a resource in one plan', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', byPolicyTag)],
    });
    // Act
    const f = only('coverage.single-plan', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('only in plan backup-sentinel-gold');
  });

  it('flags a resource selected by two plans', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()]), plan('legacy-daily', [planRule()])],
      backupSelections: [
        selection('backup-sentinel-gold', byPolicyTag),
        selection('legacy-daily', { Resources: ['arn:aws:s3:::*'] }),
      ],
    });
    // Act
    const f = only('coverage.single-plan', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('selected by 2 plans');
    expect(f.message).toContain('legacy-daily/legacy-daily-sel');
    expect(f.actual).toBe('2 plans');
    expect(f.actions).toEqual([]);
  });

  it('ignores plans in another region', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      backupPlans: [
        plan('backup-sentinel-gold', [planRule()]),
        plan('west', [planRule()], {
          BackupPlanArn: `arn:aws:backup:eu-west-1:${ACCOUNT}:backup-plan:west-id`,
        }),
      ],
      backupSelections: [
        selection('backup-sentinel-gold', byPolicyTag),
        selection('west', { Resources: ['*'] }),
      ],
    });
    // Act
    const f = only('coverage.single-plan', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
  });
});

describe('coverage.resource-type-opt-in', () => {
  it('enables the opt-in when the resource type is opted out', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1')],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { S3: false, RDS: true } }],
    });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), BUCKET_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([{ type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'S3' }]);
  });

  it('checks Aurora clusters against the Aurora opt-in', () => {
    // Prepare
    const arn = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:aurora-1`;
    const inv = inventory({
      resources: [cluster('aurora-1')],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { Aurora: false, RDS: true } }],
    });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([{ type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'Aurora' }]);
  });

  it('accepts an opted-out resource type that a plan selects by a resource-type pattern', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', { Resources: ['arn:aws:rds:*:*:db:*'] })],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { RDS: false } }],
    });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain(
      'RDS is opted out in eu-central-1, but plan backup-sentinel-gold names the resource type',
    );
    expect(f.actions).toEqual([]);
  });

  it('still enables the opt-in when the plan selects the opted-out type only by tag', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      backupPlans: [plan('backup-sentinel-gold', [planRule()])],
      backupSelections: [selection('backup-sentinel-gold', byPolicyTag)],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { RDS: false } }],
    });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actions).toEqual([{ type: 'EnableResourceTypeOptIn', region: REGION, resourceType: 'RDS' }]);
  });

  it('accepts an opted-in resource type', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders')],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { RDS: true } }],
    });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('RDS is opted in');
  });

  it('is not applicable without region settings', () => {
    // Prepare
    const inv = inventory({ resources: [db('orders')] });
    // Act
    const f = only('coverage.resource-type-opt-in', inv, policies(), DB_ARN);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('does not judge a resource that opted out of backups', () => {
    // Prepare
    const inv = inventory({
      resources: [bucket('b1', { Tags: { 'backup:policy': 'none' } })],
      regionSettings: [{ Region: REGION, ResourceTypeOptInPreference: { S3: false } }],
    });
    // Act
    const list = findings('coverage.resource-type-opt-in', inv, policies(), BUCKET_ARN);
    // Assess
    expect(list).toEqual([]);
  });
});

describe('coverage.discovery', () => {
  it('is compliant when the account-wide reads succeeded', () => {
    // Prepare
    const inv = inventory({ resources: [bucket('b1')] });
    // Act
    const f = only('coverage.discovery', inv, policies());
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.resourceType).toBe('AWS::::Account');
  });

  it('reports ERROR when discovery failed, even though no resource could be judged', () => {
    // Prepare
    const inv = inventory({
      collectionErrors: [
        { Arn: '*', Action: 'tag:GetResources', Code: 'AccessDeniedException', Message: 'denied' },
      ],
    });
    // Act
    const f = only('coverage.discovery', inv, policies());
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toBe('could not evaluate: tag:GetResources failed with AccessDeniedException (denied)');
  });
});
