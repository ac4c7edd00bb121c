/**
 * Concurrent runs and concurrent humans, against moto server: someone edits the bucket's lifecycle
 * configuration, or creates the vault or plan, between the executor's read and its write. moto
 * has no UpdateBackupPlan or PutBackupVaultAccessPolicy: those are in
 * test/remediation/execute-concurrency.test.ts, with client mocks.
 */
import type { LifecycleRule } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Aws } from '../../src/aws/clients.js';
import { parsePolicies } from '../../src/policy/index.js';
import { type Action, describeAction } from '../../src/remediation/actions.js';
import { type ActionResult, executePlan } from '../../src/remediation/execute.js';
import { newBackupPlan } from '../../src/rules/provision.js';
import { MOTO_ACCOUNT, motoAws, resetMoto } from '../support/aws.js';

const REGION = 'eu-central-1';
const BUCKET = 'shared-bucket';
const OURS = 'backup-sentinel-noncurrent-expiration';
const policies = parsePolicies('policies:\n  gold: {}\n');

const rule = (id: string, prefix: string): LifecycleRule => ({
  ID: id,
  Filter: { Prefix: prefix },
  Status: 'Enabled',
  Expiration: { Days: 3 },
});
/** The owner's rule before the run, and the one they add while it runs. */
const THEIRS = rule('expire-tmp', 'tmp/');
const ADDED = rule('expire-logs', 'logs/');

const ADD_RULE: Action = {
  type: 'AddBucketLifecycleRule',
  region: REGION,
  bucket: BUCKET,
  ruleId: OURS,
  noncurrentDays: 30,
};

/** Runs `edit` (as another client: the human in the console) after each `command` the executor sends. */
async function editAfter(
  aws: Aws,
  client: 's3' | 'backup',
  command: string,
  edit: (n: number) => Promise<unknown>,
) {
  let n = 0;
  const sdkClient = (await aws[client](REGION).client()) as unknown as {
    middlewareStack: { add: (mw: unknown, opts: unknown) => void };
  };
  sdkClient.middlewareStack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        try {
          return await next(args);
        } finally {
          if (context.commandName === command) await edit(++n);
        }
      },
    { step: 'initialize', name: 'concurrentEdit' },
  );
}

async function fix(aws: Aws, action: Action): Promise<ActionResult> {
  // Changed: the executor takes an action and its summary only; no account id or policy file.
  const [result] = await executePlan(aws, [{ action, summary: describeAction(action) }], {
    apply: true,
    maxChanges: 10,
    backupRoleArn: `arn:aws:iam::${MOTO_ACCOUNT}:role/backup`,
  });
  return result as ActionResult;
}

const putRules = (aws: Aws, rules: LifecycleRule[]) =>
  aws.s3(REGION).send(
    (sdk) =>
      new sdk.PutBucketLifecycleConfigurationCommand({
        Bucket: BUCKET,
        LifecycleConfiguration: { Rules: rules },
      }),
  );

const ruleIds = async (aws: Aws) =>
  (
    (await aws.s3(REGION).send((sdk) => new sdk.GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET })))
      .Rules ?? []
  ).map((r) => r.ID);

beforeEach(async () => {
  await resetMoto();
  const s3 = motoAws().s3(REGION);
  await s3.send(
    (sdk) =>
      new sdk.CreateBucketCommand({
        Bucket: BUCKET,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
  );
  await s3.send(
    (sdk) =>
      new sdk.PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
  );
  await putRules(motoAws(), [THEIRS]);
});

describe('AddBucketLifecycleRule while the owner edits the lifecycle configuration', () => {
  it("keeps the rule the owner adds between the executor's read and its write, beside ours", async () => {
    // Prepare
    const executor = motoAws();
    const human = motoAws();
    await editAfter(executor, 's3', 'GetBucketLifecycleConfigurationCommand', async (n) => {
      if (n === 1) await putRules(human, [THEIRS, ADDED]);
    });

    // Act
    const result = await fix(executor, ADD_RULE);

    // Assess
    expect(result.status).toBe('applied');
    expect(await ruleIds(human)).toEqual([THEIRS.ID, ADDED.ID, OURS]);
    expect(executor.calls.get('S3.PutBucketLifecycleConfiguration')).toBe(1);
  });

  it("writes nothing while the configuration changes on every read, and the owner's rules stay", async () => {
    // Prepare
    const executor = motoAws();
    const human = motoAws();
    await editAfter(executor, 's3', 'GetBucketLifecycleConfigurationCommand', (n) =>
      putRules(human, [THEIRS, rule(`edit-${n}`, `edit-${n}/`)]),
    );

    // Act
    const result = await fix(executor, ADD_RULE);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      error:
        'ConcurrentChangeError: changed by someone else on each of 3 reads; nothing written, re-run when the edits stop',
    });
    expect(executor.calls.get('S3.PutBucketLifecycleConfiguration')).toBeUndefined();
    expect(await ruleIds(human)).toEqual([THEIRS.ID, 'edit-6']);
  });

  it('reports failed, not applied, when someone else writes over ours right after our write', async () => {
    // Prepare: the owner saves the configuration they loaded before our write
    const executor = motoAws();
    const human = motoAws();
    await editAfter(executor, 's3', 'PutBucketLifecycleConfigurationCommand', () =>
      putRules(human, [THEIRS, ADDED]),
    );

    // Act
    const result = await fix(executor, ADD_RULE);

    // Assess
    expect(result).toMatchObject({
      status: 'failed',
      error: `ConcurrentChangeError: changed by someone else during the write: it no longer holds rule ${OURS}; re-run`,
    });
  });
});

describe('creates that another run makes first', () => {
  it('reports a vault created by another run after our read as already done', async () => {
    // Prepare
    const executor = motoAws();
    const other = motoAws();
    await editAfter(executor, 'backup', 'DescribeBackupVaultCommand', async (n) => {
      if (n === 1)
        await other
          .backup(REGION)
          .send((sdk) => new sdk.CreateBackupVaultCommand({ BackupVaultName: 'backup-sentinel-gold' }));
    });

    // Act
    const result = await fix(executor, {
      type: 'CreateBackupVault',
      region: REGION,
      vaultName: 'backup-sentinel-gold',
      policy: 'gold',
    });

    // Assess
    expect(result).toMatchObject({ status: 'already-done', before: { exists: true, by: 'another run' } });
    expect(executor.calls.get('Backup.CreateBackupVault')).toBe(1);
  });

  it('reports a plan created by another run after our read as already done', async () => {
    // Prepare
    const executor = motoAws();
    const other = motoAws();
    await editAfter(executor, 'backup', 'ListBackupPlansCommand', async (n) => {
      if (n === 1)
        await other.backup(REGION).send(
          (sdk) =>
            new sdk.CreateBackupPlanCommand({
              BackupPlan: {
                BackupPlanName: 'backup-sentinel-gold',
                Rules: [{ RuleName: 'theirs', TargetBackupVaultName: 'backup-sentinel-gold' }],
              },
            }),
        );
    });

    // Act
    // Changed: the action carries the plan it creates, built from the policy as the rules build it.
    const gold = policies.policies.gold;
    if (!gold) throw new Error('no policy gold');
    const result = await fix(executor, {
      type: 'CreateBackupPlan',
      region: REGION,
      plan: newBackupPlan(gold, REGION, MOTO_ACCOUNT),
    });

    // Assess
    expect(result).toMatchObject({ status: 'already-done', before: { exists: true, by: 'another run' } });
    expect(executor.calls.get('Backup.CreateBackupPlan')).toBe(1);
  });
});
