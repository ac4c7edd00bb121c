/**
 * The deployable app: `serverless package` offline, the CloudFormation template through cfn-lint,
 * one role per function with exactly the derived actions, and the BUILT bundles invoked with real
 * events against moto server (the AWS SDK comes from node_modules, as the Lambda runtime provides it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BackupClientResolvedConfig } from '@aws-sdk/client-backup';
import {
  BackupClient,
  DescribeGlobalSettingsCommand,
  DescribeRegionSettingsCommand,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  GetBackupVaultAccessPolicyCommand,
  GetBackupVaultNotificationsCommand,
  ListBackupJobsCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
  ListCopyJobsCommand,
  ListProtectedResourcesCommand,
  ListRecoveryPointsByBackupVaultCommand,
  ListRestoreJobsCommand,
  ListRestoreTestingPlansCommand,
  ListTagsCommand,
} from '@aws-sdk/client-backup';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import type { MetadataBearer } from '@smithy/types';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DR_READ_ROLE, isRead, UNSCOPABLE_WRITES, VAULT_KEY_WRITES } from '../../resources/iam.js';
import { INCIDENT_TABLE } from '../../src/alerts/store.js';
import { type FunctionName, functionActions } from '../../src/iam.js';
import { EscrowStore } from '../../src/keys/escrow.js';
import { parsePolicies } from '../../src/policy/index.js';
import { BACKUP_ROLE_NAMES } from '../../src/remediation/backup-roles.js';
import { MOTO_ACCOUNT, motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';
import { mockSimulation } from '../support/iam-simulation.js';
import { KmsFake } from '../support/kms-fake.js';

const FUNCTIONS: FunctionName[] = [
  'onResourceChange',
  'configRule',
  'sweep',
  'onBackupEvent',
  'rotateKeyMaterial',
  'validateRestore',
];
const roleNameOf = (fn: FunctionName) => `${fn[0]?.toUpperCase()}${fn.slice(1)}Role`;
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let template: Template;

beforeAll(() => {
  rmSync('.serverless', { recursive: true, force: true });
  execFileSync('npx', ['serverless', 'package'], { stdio: 'pipe', timeout: 240_000 });
  template = JSON.parse(readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'));
}, 300_000);

type RoleStatement = { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown };
function statementsOf(template: Template, role: string): RoleStatement[] {
  const policies = template.Resources[role]?.Properties.Policies as {
    PolicyDocument: { Statement: RoleStatement[] };
  }[];
  return policies[0]?.PolicyDocument.Statement ?? [];
}
type Deployable = { Parameters: Record<string, unknown>; Conditions: Record<string, unknown> };
/** A value of the template as CloudFormation deploys it with these parameters (Fn::If resolved). */
function deployed(value: unknown, params: Record<string, string>): unknown {
  const { Conditions } = template as unknown as Deployable;
  const operand = (v: unknown) =>
    v && typeof v === 'object' && 'Ref' in v ? params[(v as { Ref: string }).Ref] : v;
  const holds = (c: unknown): boolean => {
    if (c && typeof c === 'object' && 'Fn::Equals' in c) {
      const [a, b] = (c as { 'Fn::Equals': [unknown, unknown] })['Fn::Equals'];
      return operand(a) === operand(b);
    }
    if (c && typeof c === 'object' && 'Fn::Not' in c)
      return !holds((c as { 'Fn::Not': [unknown] })['Fn::Not'][0]);
    throw new Error(`unexpected condition ${JSON.stringify(c)}`);
  };
  if (Array.isArray(value)) return value.map((v) => deployed(v, params));
  if (value && typeof value === 'object' && 'Fn::If' in value) {
    const [name, yes, no] = (value as { 'Fn::If': [string, unknown, unknown] })['Fn::If'];
    return deployed(holds(Conditions[name]) ? yes : no, params);
  }
  return value;
}

/** "*", or an ARN pattern whose resource part is only a wildcard (arn:aws:s3:::*, …:db:*). */
const everything = (resource: unknown): boolean => {
  const text = JSON.stringify(resource);
  return resource === '*' || /(:::|:db:|:cluster:|backup-plan:|key\/)\*"/.test(text);
};

describe('serverless package', () => {
  it('builds one zip per function within the 300 KB budget', () => {
    for (const fn of FUNCTIONS) {
      const size = statSync(`.serverless/${fn}.zip`).size;
      console.log(`[bench] ${fn}.zip ${(size / 1024).toFixed(0)} KB`);
      expect(size, fn).toBeLessThanOrEqual(300 * 1024);
    }
  });

  it('loads no AWS SDK package and no YAML parser when a bundle is imported: only import() on first use', () => {
    for (const fn of FUNCTIONS) {
      // Prepare
      const dir = join('.serverless', 'imports', fn);
      mkdirSync(dir, { recursive: true });
      execFileSync('python3', ['-m', 'zipfile', '-e', `.serverless/${fn}.zip`, dir]);
      const entry = spawnSync('find', [dir, '-name', 'handler.mjs'], { encoding: 'utf8' }).stdout.trim();
      const code = readFileSync(entry, 'utf8');
      // Assess: esbuild keeps external packages as `from"pkg"` / `require("pkg")`; import("pkg") is lazy
      expect(code.match(/from\s*"@aws-sdk\/[^"]+"|require\("@aws-sdk\/[^"]+"\)/g) ?? [], fn).toEqual([]);
      expect(code, fn).toContain('import("@aws-sdk/client-');
      expect(code, fn).not.toContain('yaml');
    }
  });

  it('produces a template cfn-lint finds no error in', () => {
    // Act
    const run = spawnSync('.venv/bin/cfn-lint', ['.serverless/cloudformation-template-update-stack.json'], {
      encoding: 'utf8',
    });
    // Assess: cfn-lint exit code bit 2 = errors (4 = warnings, 8 = informational)
    expect(run.status !== null && (run.status & 2) === 0, run.stdout).toBe(true);
  });

  it('gives each function its own role with exactly the actions its code path may call', () => {
    for (const fn of FUNCTIONS) {
      // Prepare
      const logical = `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`;
      const resource = (id: string) => template.Resources[id] ?? { Type: '', Properties: {} };
      const role = (resource(logical).Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '';
      type Policy = { PolicyDocument: { Statement: { Sid: string; Action: string[] }[] } };
      const statements = (resource(role).Properties.Policies as Policy[])[0]?.PolicyDocument.Statement ?? [];
      // Act
      const granted = statements
        .filter((s) => !['Logs', 'FailedEvents', 'AlertTopicKey'].includes(s.Sid))
        .flatMap((s) => s.Action);
      // Assess: policies.yml names no vault key, so no KMS write is granted at all.
      expect(role, fn).toBe(`${logical.replace('LambdaFunction', '')}Role`);
      expect([...new Set(granted)].sort(), fn).toEqual(
        functionActions(fn).filter((a) => !VAULT_KEY_WRITES.includes(a)),
      );
      expect(
        granted.some((a) => a.includes('*')),
        fn,
      ).toBe(false);
    }
    expect(
      functionActions('configRule').some(
        (a) => /:(Put|Create|Update|Modify)/.test(a) && a !== 'config:PutEvaluations',
      ),
    ).toBe(false);
  });

  it('alarms to the alert topic on failed events, function errors and throttles', () => {
    // Assess
    const alarms = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    const watched = alarms.map(([, r]) => `${r.Properties.Namespace}/${r.Properties.MetricName}`).sort();
    expect(watched).toEqual([
      ...Array(6).fill('AWS/Lambda/Errors'),
      ...Array(6).fill('AWS/Lambda/Throttles'),
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
    for (const [, r] of alarms) expect(r.Properties.AlarmActions).toEqual([{ Ref: 'AlertTopic' }]);
    const topicPolicy = JSON.stringify(template.Resources.AlertTopicPolicy?.Properties);
    expect(topicPolicy).toContain('cloudwatch.amazonaws.com');
  });

  it('grants no write on "*" but the documented unscopable ones, and every broad write under a condition', () => {
    const readme = readFileSync('resources/README.md', 'utf8');
    for (const fn of FUNCTIONS) {
      for (const s of statementsOf(template, roleNameOf(fn))) {
        for (const action of s.Action.filter((a) => !isRead(a))) {
          if (s.Resource === '*') {
            expect(Object.keys(UNSCOPABLE_WRITES), `${fn} ${action}`).toContain(action);
            expect(readme, `${action} documented in resources/README.md`).toContain(action);
          } else if (everything(s.Resource)) {
            expect(s.Condition, `${fn} ${action} on ${JSON.stringify(s.Resource)}`).toBeDefined();
          }
        }
      }
    }
  });

  it('scopes database writes to the policy tag, plan writes to owned plans, PassRole to the deployed backup roles', () => {
    // Prepare
    const statements = statementsOf(template, 'SweepRole');
    const sid = (id: string) => statements.find((s) => s.Sid === id);
    // Assess
    expect(sid('PolicyDatabases')?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/backup:policy': ['bronze', 'gold', 'silver'] },
      StringNotEqualsIgnoreCase: { 'aws:ResourceTag/backup:remediate': 'false' },
    });
    expect(sid('ChangeOwnPlans')?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/managed-by': 'backup-sentinel' },
    });
    expect(sid('CreateOwnPlans')?.Condition).toEqual({
      StringEquals: { 'aws:RequestTag/managed-by': 'backup-sentinel' },
    });
    expect(JSON.stringify(sid('ChangeOwnRestoreTesting')?.Resource)).toContain(
      'restore-testing-plan:backup_sentinel_*',
    );
    const pass = sid('PassBackupRole');
    expect(JSON.stringify(pass?.Resource)).toContain('role/service-role/AWSBackupDefaultServiceRole');
    expect(JSON.stringify(pass?.Resource)).not.toContain('backup-sentinel-*');
    expect(JSON.stringify(pass?.Condition)).toContain('restore-testing.backup.amazonaws.com');
    const env = template.Resources.SweepLambdaFunction?.Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    // Changed: PassRole follows BackupRoles (the one role, or the template's seven); the functions
    // are told the same parameter, so what they pass and what they may pass agree.
    const deploy = (params: Record<string, string>) => (v: unknown) => deployed(v, params);
    const none = deploy({ BackupRoles: 'none', BackupRoleArn: '' });
    const own = deploy({ BackupRoles: 'none', BackupRoleArn: 'arn:aws:iam::111111111111:role/mine' });
    const withTemplate = deploy({ BackupRoles: 'template', BackupRoleArn: '' });
    expect(none(pass?.Resource)).toEqual(none(env.Variables.BACKUP_ROLE_ARN));
    expect(none(pass?.Resource)).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/service-role/AWSBackupDefaultServiceRole`,
    });
    expect(own(pass?.Resource)).toEqual({ Ref: 'BackupRoleArn' });
    expect(own(env.Variables.BACKUP_ROLE_ARN)).toEqual({ Ref: 'BackupRoleArn' });
    expect(withTemplate(pass?.Resource)).toEqual(
      Object.values(BACKUP_ROLE_NAMES).map((name) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}-\${AWS::Region}`,
      })),
    );
    expect(env.Variables.BACKUP_ROLES).toEqual({ Ref: 'BackupRoles' });
    expect((template as unknown as Deployable).Parameters.BackupRoles).toMatchObject({
      Default: 'none',
      AllowedValues: ['none', 'template'],
    });
    expect(sid('ReadDrAccount')?.Resource).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:iam::222222222222:role/${DR_READ_ROLE}` },
    ]);
  });

  it('names the Config rules of this account in the invoke permission, and encrypts topic and queue', () => {
    // Assess
    const permission = template.Resources.ConfigRuleInvokePermission?.Properties;
    expect(JSON.stringify(permission?.SourceArn)).toContain(':config-rule/');
    const topic = template.Resources.AlertTopic?.Properties;
    expect(topic?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['AlertTopicKey', 'Arn'] });
    const keyPolicy = JSON.stringify(template.Resources.AlertTopicKey?.Properties.KeyPolicy);
    expect(keyPolicy).toContain('backup.amazonaws.com');
    expect(keyPolicy).toContain('cloudwatch.amazonaws.com');
    expect(template.Resources.FailedEventsQueue?.Properties.SqsManagedSseEnabled).toBe(true);
    const env = template.Resources.ConfigRuleLambdaFunction?.Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(env.Variables.CONFIG_RULE_NAME).toBe(
      template.Resources.BackupSentinelConfigRule?.Properties.ConfigRuleName,
    );
  });

  it('limits vault writes to the vaults policies.yml names, and PassRole to the backup roles', () => {
    // Prepare
    type Statement = { Sid: string; Action: string[]; Resource: unknown };
    const policy = template.Resources.SweepRole?.Properties.Policies as {
      PolicyDocument: { Statement: Statement[] };
    }[];
    const statements = policy[0]?.PolicyDocument.Statement ?? [];
    // Act
    const vaults = JSON.stringify(statements.find((x) => x.Sid === 'PolicyVaults')?.Resource);
    const passable = JSON.stringify(statements.find((x) => x.Sid === 'PassBackupRole')?.Resource);
    // Assess
    expect(vaults).toContain(':backup-vault:backup-sentinel-gold');
    expect(vaults).toContain(':backup-vault:backup-sentinel-bronze');
    expect(vaults).not.toContain('backup-vault:*');
    expect(statements.find((x) => x.Sid === 'Audit')?.Action).not.toContain(
      'backup:PutBackupVaultLockConfiguration',
    );
    expect(passable).toContain('role/service-role/AWSBackupDefaultServiceRole');
    expect(passable).not.toBe('"*"');
  });
});

/** A fresh copy of a built bundle (its settings are read from the environment when first imported). */
async function load(
  fn: FunctionName,
  copy = 'smoke',
): Promise<(event: unknown, context: unknown) => Promise<unknown>> {
  const dir = join('.serverless', copy, fn);
  mkdirSync(dir, { recursive: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', `.serverless/${fn}.zip`, dir]);
  const path = {
    onResourceChange: 'on-resource-change',
    configRule: 'config-rule',
    sweep: 'sweep',
    onBackupEvent: 'on-backup-event',
    rotateKeyMaterial: 'rotate-key-material',
    validateRestore: 'validate-restore',
  }[fn];
  const mod = (await import(
    pathToFileURL(join(process.cwd(), dir, 'functions', path, 'handler.mjs')).href
  )) as { handler: (e: unknown, c: unknown) => Promise<unknown> };
  return mod.handler;
}

const event = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/${name}`, 'utf8'));
const context = { awsRequestId: 'test', functionName: 'test', getRemainingTimeInMillis: () => 60_000 };

describe('the built bundles against moto', () => {
  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: 'eu-central-1',
      REMEDIATION_MODE: 'dry-run',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    await resetMoto();
    const s3 = motoAws().s3('eu-central-1');
    await s3.send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: 'smoke-bucket',
          CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
        }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket: 'smoke-bucket',
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'gold' }] },
        }),
    );
  });

  it('on-resource-change audits the bucket of a CloudTrail event and ignores what it does not watch', async () => {
    // Prepare
    const handler = await load('onResourceChange');
    const created = event('events/cloudtrail_s3_CreateBucket_custodian.json');
    created.detail.requestParameters.bucketName = 'smoke-bucket';
    // Act / Assess
    expect(await handler(created, context)).toBe('resources');
    expect(await handler(event('events/tag_change_on_resource_ec2_docs.json'), context)).toBe('ignored');
    expect(await handler(null, context)).toBe('ignored');
  });

  it('config-rule answers a scheduled notification and a change notification (TESTMODE: no PutEvaluations)', async () => {
    // Prepare
    const handler = await load('configRule');
    const scheduled = {
      ...event('config/config_rule_scheduled_notification_docs.json'),
      resultToken: 'TESTMODE',
      configRuleArn: 'arn:aws:config:eu-central-1:123456789012:config-rule/r',
    };
    const item = {
      ...event('config/config_item_s3_bucket_rdk.json'),
      ARN: 'arn:aws:s3:::smoke-bucket',
      awsRegion: 'eu-central-1',
      tags: { 'backup:policy': 'gold' },
    };
    const change = {
      invokingEvent: JSON.stringify({
        configurationItem: item,
        messageType: 'ConfigurationItemChangeNotification',
      }),
      resultToken: 'TESTMODE',
      configRuleArn: 'arn:aws:config:eu-central-1:123456789012:config-rule/r',
    };
    // Act
    const periodic = (await handler(scheduled, context)) as { ComplianceResourceId: string }[];
    const changed = (await handler(change, context)) as { ComplianceType: string }[];
    // Assess
    expect(periodic.map((e) => e.ComplianceResourceId)).toEqual(['smoke-bucket']);
    expect(changed[0]?.ComplianceType).toBe('NON_COMPLIANT');
    // An invocation that names no resource is logged and dropped, not retried as a Lambda error.
    expect(await handler({ invokingEvent: 'null', resultToken: 'TESTMODE' }, context)).toEqual([]);
  });

  it('config-rule answers only its own rule', async () => {
    // Prepare
    process.env.CONFIG_RULE_NAME = 'backup-sentinel-prod';
    const handler = await load('configRule', 'own-rule');
    delete process.env.CONFIG_RULE_NAME;
    const scheduled = {
      ...event('config/config_rule_scheduled_notification_docs.json'),
      resultToken: 'TESTMODE',
      configRuleArn: 'arn:aws:config:eu-central-1:123456789012:config-rule/config-rule-abc123',
    };
    // Act
    const foreign = await handler({ ...scheduled, configRuleName: 'someone-elses-rule' }, context);
    const ours = (await handler(
      { ...scheduled, configRuleName: 'backup-sentinel-prod' },
      context,
    )) as unknown[];
    // Assess
    expect(foreign).toEqual([]);
    expect(ours.length).toBe(1);
  });

  it('sweep returns the digest summary', async () => {
    const handler = await load('sweep');
    const summary = (await handler({}, context)) as { resources: number };
    expect(summary.resources).toBe(1);
  });

  it('onBackupEvent alerts once for a failed job delivered twice, recovers on the next success, ignores the rest', async () => {
    // Prepare: the incident table and the alert topic in moto, named in the function's environment
    const aws = motoAws();
    await aws.dynamodb('eu-central-1').send(
      (sdk) =>
        new sdk.CreateTableCommand({
          TableName: 'bundle-incidents',
          KeySchema: INCIDENT_TABLE.keySchema,
          AttributeDefinitions: INCIDENT_TABLE.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
    );
    const { TopicArn } = await aws
      .sns('eu-central-1')
      .send((sdk) => new sdk.CreateTopicCommand({ Name: 'bundle-alerts' }));
    Object.assign(process.env, { INCIDENT_TABLE: 'bundle-incidents', ALERT_TOPIC_ARN: TopicArn });
    const handler = await load('onBackupEvent', 'alerts');
    delete process.env.INCIDENT_TABLE;
    delete process.env.ALERT_TOPIC_ARN;
    const failed = event('events/backup_job_state_change_failed.json');
    const done = event('events/backup_job_state_change_completed.json');
    const completed = {
      ...done,
      time: new Date(Date.now() + 60_000).toISOString(),
      detail: { ...done.detail, resourceArn: failed.detail.resourceArn },
    };
    const sent = async (e: unknown) => ((await handler(e, context)) as { sent: string }[]).map((o) => o.sent);
    // Act
    const first = await sent({ ...failed, time: new Date().toISOString() });
    const again = await sent({ ...failed, time: new Date().toISOString() });
    const recovered = await sent(completed);
    const unrelated = await sent(event('events/tag_change_on_resource_ec2_docs.json'));
    // Assess
    // A COMPLETED job also clears "completed with issues", which was never open: nothing sent for it.
    expect([first, again, unrelated]).toEqual([['alert'], ['none'], []]);
    expect(recovered.filter((s) => s !== 'none')).toEqual(['recovery']);
  });

  it('validateRestore leaves a restore that is not COMPLETED alone, and with restoreValidation=off every restore', async () => {
    // Prepare
    process.env.RESTORE_VALIDATION = 'off';
    const off = await load('validateRestore', 'validate-off');
    delete process.env.RESTORE_VALIDATION;
    const on = await load('validateRestore');
    // Act
    const created = await on(event('events/restore_job_state_change_created.json'), context);
    const offCompleted = await off(event('events/restore_job_state_change_completed.json'), context);
    // Assess: neither reads the job (moto has no restore jobs: a read would fail the invocation).
    expect(created).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('CREATED') });
    expect(offCompleted).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('off') });
  });
});

/**
 * The deployed path over an account shaped like a user's: a silver bucket whose plan copies to
 * eu-west-1 (same account) and to the DR account 222222222222. S3, KMS, SNS/SQS and STS (two
 * accounts) are moto; AWS Backup, which moto lacks, is aws-sdk-client-mock in this process — the
 * bundles import the same @aws-sdk/client-backup from node_modules — answering per region and per
 * credentials, so a DR read is only answered when it is made with the DR role's credentials.
 */
describe('the built bundles over two regions and a DR account', () => {
  const SRC = MOTO_ACCOUNT;
  const DR = '222222222222';
  const HOME = 'eu-central-1';
  const WEST = 'eu-west-1';
  const DR_ROLE = `arn:aws:iam::{account}:role/${DR_READ_ROLE}`;
  const vaultArn = (region: string, account: string, name: string) =>
    `arn:aws:backup:${region}:${account}:backup-vault:${name}`;
  const SOURCE_VAULT = vaultArn(HOME, SRC, 'backup-sentinel-silver');
  const WEST_VAULT = vaultArn(WEST, SRC, 'backup-sentinel-silver');
  const DR_VAULT = vaultArn(HOME, DR, 'dr-vault');
  const BUCKET = 'prod-data';
  const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
  // Created when this block starts: the blocks above talk to moto's own AWS Backup.
  let backup: AwsStub<object, MetadataBearer, BackupClientResolvedConfig>;
  let organizations: AwsStub<object, MetadataBearer, object>;
  let simulation: ReturnType<typeof mockSimulation>;
  const keys = new Map<string, string>();
  /** What the DR account holds, per scenario. */
  const dr = { copyLanded: true, reads: [] as string[] };
  const silver = parsePolicies(readFileSync('policies.yml', 'utf8')).policies.silver;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  async function where(getClient: () => unknown) {
    const config = (getClient() as BackupClient).config;
    const credentials = await config.credentials();
    const account = credentials.accessKeyId === TEST_CREDENTIALS.accessKeyId ? SRC : DR;
    return { region: await config.region(), account };
  }

  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    const s3 = aws.s3(HOME);
    await s3.send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: BUCKET,
          CreateBucketConfiguration: { LocationConstraint: HOME },
        }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket: BUCKET,
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'silver' }] },
        }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketVersioningCommand({
          Bucket: BUCKET,
          VersioningConfiguration: { Status: 'Enabled' },
        }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketLifecycleConfigurationCommand({
          Bucket: BUCKET,
          LifecycleConfiguration: {
            Rules: [
              {
                ID: 'noncurrent',
                Status: 'Enabled',
                Filter: { Prefix: '' },
                NoncurrentVersionExpiration: { NoncurrentDays: 14 },
              },
            ],
          },
        }),
    );
    // The vaults' customer-managed keys, each in its own account and region.
    const drAws = aws.assume(DR_ROLE.replace('{account}', DR), HOME);
    for (const [k, client] of [
      [`${SRC}|${HOME}`, aws.kms(HOME)],
      [`${SRC}|${WEST}`, aws.kms(WEST)],
      [`${DR}|${HOME}`, drAws.kms(HOME)],
    ] as const) {
      const created = await client.send((sdk) => new sdk.CreateKeyCommand({ Description: `vault key ${k}` }));
      keys.set(k, created.KeyMetadata?.Arn ?? '');
    }
    const denyDelete = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyManualDelete',
          Effect: 'Deny',
          Principal: '*',
          Action: [
            'backup:DeleteRecoveryPoint',
            'backup:UpdateRecoveryPointLifecycle',
            'backup:PutBackupVaultAccessPolicy',
          ],
          Resource: '*',
        },
      ],
    });
    const vaults: Record<string, { name: string; arn: string }[]> = {
      [`${SRC}|${HOME}`]: [{ name: 'backup-sentinel-silver', arn: SOURCE_VAULT }],
      [`${SRC}|${WEST}`]: [{ name: 'backup-sentinel-silver', arn: WEST_VAULT }],
      [`${DR}|${HOME}`]: [{ name: 'dr-vault', arn: DR_VAULT }],
    };
    const point = (vault: string, id: string) => ({
      RecoveryPointArn: `${vault.replace(':backup-vault:', ':recovery-point:')}-${id}`,
      ResourceArn: BUCKET_ARN,
      ResourceType: 'S3',
      BackupVaultArn: vault,
      BackupVaultName: vault.split(':').pop(),
      CreationDate: hoursAgo(3),
      CompletionDate: hoursAgo(2),
      Status: 'COMPLETED',
    });
    const PLAN_ARN = `arn:aws:backup:${HOME}:${SRC}:backup-plan:silver-id`;
    const home = async (g: () => unknown) => {
      const w = await where(g);
      return w.region === HOME && w.account === SRC;
    };
    backup = mockClient(BackupClient);
    backup.on(ListBackupPlansCommand).callsFake(async (_, g) => ({
      BackupPlansList: (await home(g))
        ? [{ BackupPlanId: 'silver-id', BackupPlanArn: PLAN_ARN, BackupPlanName: 'backup-sentinel-silver' }]
        : [],
    }));
    backup.on(GetBackupPlanCommand).resolves({
      BackupPlanId: 'silver-id',
      BackupPlanArn: PLAN_ARN,
      VersionId: 'v1',
      BackupPlan: {
        BackupPlanName: 'backup-sentinel-silver',
        Rules: [
          {
            RuleName: 'daily',
            TargetBackupVaultName: 'backup-sentinel-silver',
            ScheduleExpression: 'cron(0 5 ? * * *)',
            Lifecycle: { DeleteAfterDays: 14 },
            CopyActions: [
              { DestinationBackupVaultArn: WEST_VAULT, Lifecycle: { DeleteAfterDays: 14 } },
              { DestinationBackupVaultArn: DR_VAULT, Lifecycle: { DeleteAfterDays: 30 } },
            ],
          },
        ],
      },
    });
    backup.on(ListTagsCommand).resolves({ Tags: {} });
    backup.on(ListBackupSelectionsCommand).resolves({
      BackupSelectionsList: [
        { SelectionId: 'sel-1', SelectionName: 'backup-sentinel-silver', BackupPlanId: 'silver-id' },
      ],
    });
    backup.on(GetBackupSelectionCommand).resolves({
      SelectionId: 'sel-1',
      BackupPlanId: 'silver-id',
      BackupSelection: {
        SelectionName: 'backup-sentinel-silver',
        IamRoleArn: `arn:aws:iam::${SRC}:role/service-role/AWSBackupDefaultServiceRole`,
        ListOfTags: [
          { ConditionType: 'STRINGEQUALS', ConditionKey: 'backup:policy', ConditionValue: 'silver' },
        ],
      },
    });
    backup.on(ListBackupVaultsCommand).callsFake(async (_, g) => {
      const w = await where(g);
      if (w.account === DR) dr.reads.push(`ListBackupVaults ${w.region}`);
      return {
        BackupVaultList: (vaults[`${w.account}|${w.region}`] ?? []).map((v) => ({
          BackupVaultName: v.name,
          BackupVaultArn: v.arn,
          EncryptionKeyArn: keys.get(`${w.account}|${w.region}`),
          Locked: false,
        })),
      };
    });
    // The DR vault admits copies from the source account (the policy AWS documents); the others only lock deletes.
    backup.on(GetBackupVaultAccessPolicyCommand).callsFake(async (_, g) => {
      const w = await where(g);
      if (w.account !== DR) return { Policy: denyDelete };
      const policy = JSON.parse(denyDelete);
      policy.Statement.push({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${SRC}:root` },
        Action: 'backup:CopyIntoBackupVault',
        Resource: '*',
      });
      return { Policy: JSON.stringify(policy) };
    });
    // DescribeGlobalSettings (moto lacks it): cross-account backup on for the organization.
    backup.on(DescribeGlobalSettingsCommand).resolves({
      GlobalSettings: { isCrossAccountBackupEnabled: 'true' },
      LastUpdateTime: new Date('2026-01-05T10:00:00Z'),
    });
    // SimulatePrincipalPolicy (moto lacks it): the backup role may do what a backup needs.
    simulation = mockSimulation();
    // Both accounts in one organization (moto cannot make 222222222222 a member): answered per credentials.
    organizations = mockClient(OrganizationsClient) as never;
    organizations.on(DescribeOrganizationCommand).callsFake(async () => ({
      Organization: {
        Id: 'o-exampleorgid',
        Arn: `arn:aws:organizations::${SRC}:organization/o-exampleorgid`,
        FeatureSet: 'ALL',
        MasterAccountId: SRC,
        MasterAccountArn: `arn:aws:organizations::${SRC}:account/o-exampleorgid/${SRC}`,
      },
    }));
    backup.on(GetBackupVaultNotificationsCommand).resolves({
      SNSTopicArn: `arn:aws:sns:${HOME}:${SRC}:alerts`,
      BackupVaultEvents: silver?.notifications.events ?? [],
    });
    backup.on(ListRecoveryPointsByBackupVaultCommand).callsFake(async (input, g) => {
      const w = await where(g);
      const arn = vaultArn(w.region, w.account, input.BackupVaultName ?? '');
      if (arn === DR_VAULT) dr.reads.push('ListRecoveryPointsByBackupVault dr-vault');
      const landed = arn !== DR_VAULT || dr.copyLanded;
      return { RecoveryPoints: landed ? [point(arn, 'rp')] : [] };
    });
    backup.on(ListBackupJobsCommand).callsFake(async (_, g) => ({
      BackupJobs: (await home(g))
        ? [
            {
              BackupJobId: 'job-1',
              BackupVaultArn: SOURCE_VAULT,
              ResourceArn: BUCKET_ARN,
              ResourceType: 'S3',
              RecoveryPointArn: point(SOURCE_VAULT, 'rp').RecoveryPointArn,
              State: 'COMPLETED',
              CreationDate: hoursAgo(3),
              CompletionDate: hoursAgo(2),
            },
          ]
        : [],
    }));
    backup.on(ListCopyJobsCommand).callsFake(async (_, g) => ({
      CopyJobs: (await home(g))
        ? [WEST_VAULT, DR_VAULT].map((destination, i) => ({
            CopyJobId: `copy-${i}`,
            ResourceArn: BUCKET_ARN,
            ResourceType: 'S3',
            SourceBackupVaultArn: SOURCE_VAULT,
            SourceRecoveryPointArn: point(SOURCE_VAULT, 'rp').RecoveryPointArn,
            DestinationBackupVaultArn: destination,
            State: 'COMPLETED',
            CreationDate: hoursAgo(2),
            CompletionDate: hoursAgo(1),
          }))
        : [],
    }));
    backup.on(DescribeRegionSettingsCommand).resolves({
      ResourceTypeOptInPreference: { S3: true, RDS: true, Aurora: true },
    });
    backup.on(ListRestoreJobsCommand).resolves({ RestoreJobs: [] });
    backup.on(ListProtectedResourcesCommand).resolves({ Results: [] });
    backup.on(ListRestoreTestingPlansCommand).resolves({ RestoreTestingPlans: [] });
  });
  afterAll(() => {
    backup.restore();
    organizations.restore();
    simulation.restore();
  });

  const scheduled = () => ({
    ...event('config/config_rule_scheduled_notification_docs.json'),
    resultToken: 'TESTMODE',
    configRuleArn: `arn:aws:config:${HOME}:${SRC}:config-rule/r`,
  });
  const evaluationOf = (evaluations: unknown) =>
    (evaluations as { ComplianceResourceId: string; ComplianceType: string; Annotation?: string }[]).find(
      (e) => e.ComplianceResourceId === BUCKET,
    );

  it('without a DR role: no false vault.exists, and the healthy bucket is COMPLIANT naming what was not checked', async () => {
    // Prepare
    Object.assign(process.env, { DR_ROLE_ARN: '', ALERT_TOPIC_ARN: '' });
    dr.reads.length = 0;
    const configRule = await load('configRule', 'scope-no-dr');
    const sweep = await load('sweep', 'scope-no-dr');
    // Act
    const evaluation = evaluationOf(await configRule(scheduled(), context));
    const summary = (await sweep({}, context)) as { byStatus: Record<string, number> };
    // Assess
    expect(evaluation?.ComplianceType, evaluation?.Annotation).toBe('COMPLIANT');
    expect(evaluation?.Annotation).toContain('not checked: copies.recent');
    expect(evaluation?.Annotation).toContain(`account ${DR} was not read`);
    expect(evaluation?.Annotation ?? '').not.toContain('vault.exists');
    expect(dr.reads).toEqual([]);
    // Only the DR-side checks are unread (ERROR, out of scope); nothing is non-compliant.
    expect(summary.byStatus.NON_COMPLIANT).toBe(0);
  });

  it('with the DR role (STS into the DR account): the DR vault is read there and a missing copy is NON_COMPLIANT', async () => {
    // Prepare
    Object.assign(process.env, { DR_ROLE_ARN: DR_ROLE });
    dr.reads.length = 0;
    dr.copyLanded = false;
    const configRule = await load('configRule', 'scope-dr');
    // Act
    const evaluation = evaluationOf(await configRule(scheduled(), context));
    // Assess
    expect(dr.reads).toEqual([`ListBackupVaults ${HOME}`, 'ListRecoveryPointsByBackupVault dr-vault']);
    expect(evaluation?.ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluation?.Annotation).toContain(`copies.recent: no completed copy in ${DR_VAULT}`);
    expect(evaluation?.Annotation ?? '').not.toContain('vault.exists');
    expect(evaluation?.Annotation ?? '').not.toContain('not checked');
  });

  it('with the DR role and the copy landed: COMPLIANT, nothing left unchecked', async () => {
    // Prepare
    dr.copyLanded = true;
    const configRule = await load('configRule', 'scope-dr-landed');
    // Act
    const evaluation = evaluationOf(await configRule(scheduled(), context));
    // Assess
    expect(evaluation?.ComplianceType, evaluation?.Annotation).toBe('COMPLIANT');
    expect(evaluation?.Annotation).toBeUndefined();
  });
});

/**
 * The built rotateKeyMaterial bundle over the account of policies.yml: escrow in the DR account
 * 222222222222 in two Regions through the writer roles (moto STS + Secrets Manager), KMS import
 * and rotation (not in moto) and the tagging API's KMS keys (not in moto) through
 * aws-sdk-client-mock in this process — the bundle imports the same SDK from node_modules.
 */
describe('the built rotateKeyMaterial bundle: escrow in the DR account, two Regions', () => {
  const HOME = 'eu-central-1';
  const DR = '222222222222';
  const key = (id: string) => `arn:aws:kms:${HOME}:${MOTO_ACCOUNT}:key/${id}`;
  const lambda = { ...context, invokedFunctionArn: `arn:aws:lambda:${HOME}:${MOTO_ACCOUNT}:function:rotate` };
  let kms: KmsFake;
  let tagging: AwsStub<object, MetadataBearer, object>;
  const tagged: string[] = [];

  beforeAll(async () => {
    await resetMoto();
    const aws = motoAws();
    await aws.dynamodb(HOME).send(
      (sdk) =>
        new sdk.CreateTableCommand({
          TableName: 'rotation-incidents',
          KeySchema: INCIDENT_TABLE.keySchema,
          AttributeDefinitions: INCIDENT_TABLE.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
    );
    const { TopicArn } = await aws
      .sns(HOME)
      .send((sdk) => new sdk.CreateTopicCommand({ Name: 'rotation-alerts' }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_REGION: HOME,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      INCIDENT_TABLE: 'rotation-incidents',
      ALERT_TOPIC_ARN: TopicArn,
      KEY_ROTATION_MODE: 'on',
    });
    kms = new KmsFake();
    tagging = mockClient(ResourceGroupsTaggingAPIClient) as never;
    tagging.on(GetResourcesCommand).callsFake((input: { ResourceTypeFilters?: string[] }) => ({
      ResourceTagMappingList: input.ResourceTypeFilters?.includes('kms:key')
        ? tagged.map((arn) => ({ ResourceARN: arn, Tags: [{ Key: 'backup:key-material', Value: 'escrow' }] }))
        : [],
    }));
  });
  afterAll(() => {
    kms.restore();
    tagging.restore();
    for (const v of ['INCIDENT_TABLE', 'ALERT_TOPIC_ARN', 'KEY_ROTATION_MODE']) delete process.env[v];
  });

  it('on its schedule: escrows the first material in both DR Regions, imports exactly those bytes, alerts nothing', async () => {
    // Prepare
    const arn = key('1234abcd-12ab-34cd-56ef-1234567890ab');
    kms.addKey(arn);
    tagged.push(arn);
    const handler = await load('rotateKeyMaterial', 'rotate');
    // Act
    const out = (await handler(event('events/scheduled_event_docs.json'), lambda)) as {
      outcomes: { keyArn: string; status: string; reason: string }[];
      alerts: { sent: string }[];
    };
    // Assess
    expect(out.outcomes).toEqual([
      { keyArn: arn, status: 'ok', reason: 'key is PendingImport: no material was ever imported' },
    ]);
    const imported = kms.current(arn)?.bytes ?? Buffer.alloc(0);
    for (const region of [HOME, 'eu-west-1']) {
      const dr = motoAws().assume(`arn:aws:iam::${DR}:role/backup-sentinel-escrow-reader-${region}`, region);
      const store = new EscrowStore(
        {
          account: DR,
          region,
          writerRoleArn: '',
          readerRoleArn: `arn:aws:iam::${DR}:role/backup-sentinel-escrow-reader-${region}`,
          kmsKeyId: '',
        },
        dr.secretsManager(region),
      );
      const [copy] = await store.list(arn);
      expect(copy?.secretArn).toContain(`:${region}:${DR}:secret:backup-sentinel/key-material/`);
      expect(Buffer.from(await store.read(copy?.secretArn ?? '')).equals(imported)).toBe(true);
    }
    expect(out.alerts.filter((a) => a.sent !== 'none')).toEqual([]);
  });

  it('logs each key at DEBUG level without the material, raw or encoded', async () => {
    // Prepare
    const arn = key('5a5a5a5a-1111-4222-8333-444455556666');
    kms.addKey(arn);
    tagged.push(arn);
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    const handler = await load('rotateKeyMaterial', 'rotate-debug');
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    // Act
    try {
      await handler(event('events/scheduled_event_docs.json'), lambda);
    } finally {
      process.stdout.write = write;
      process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    }
    // Assess
    const logged = lines.join('');
    expect(logged).toContain(arn);
    expect(kms.current(arn)?.bytes).toHaveLength(32);
    for (const k of kms.keys.values())
      for (const m of k.materials)
        for (const enc of ['hex', 'base64', 'base64url'] as const)
          expect(logged).not.toContain(m.bytes.toString(enc));
  });

  it('on a TagResource call: only that key; a destination key that is AWS managed -> nothing imported, one alert', async () => {
    // Prepare
    const arn = key('9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a');
    kms.addKey(arn);
    tagged.push(arn);
    kms.escrowKeyManager = 'AWS';
    const tagResource = {
      version: '0',
      id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.kms',
      account: MOTO_ACCOUNT,
      time: new Date().toISOString(),
      region: HOME,
      resources: [],
      detail: {
        eventSource: 'kms.amazonaws.com',
        eventName: 'TagResource',
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/platform/alice`,
        },
        requestParameters: { keyId: arn, tags: [{ tagKey: 'backup:key-material', tagValue: 'escrow' }] },
      },
    };
    const handler = await load('rotateKeyMaterial', 'rotate-tag');
    // Act
    const out = (await handler(tagResource, lambda)) as {
      outcomes: { keyArn: string; status: string; reason: string }[];
      alerts: { sent: string }[];
    };
    // Assess
    expect(out.outcomes.map((o) => [o.keyArn, o.status])).toEqual([[arn, 'failed']]);
    expect(out.outcomes[0]?.reason).toContain(
      'is an AWS managed key; the escrow needs a customer-managed key',
    );
    expect(kms.keys.get(arn)?.state).toBe('PendingImport');
    expect(out.alerts.map((a) => a.sent)).toEqual(['alert']);
    // 'alert' means SNS accepted it; the incident table keeps what was sent.
    const table = await motoAws()
      .dynamodb(HOME)
      .send((sdk) => new sdk.ScanCommand({ TableName: 'rotation-incidents' }));
    const bodies = JSON.stringify(table.Items);
    expect(bodies).toContain(`Key material rotation failed: key/${arn.split('/')[1]}`);
    // No material of any key anywhere in what was sent.
    for (const k of kms.keys.values())
      for (const m of k.materials)
        for (const enc of ['hex', 'base64'] as const) expect(bodies).not.toContain(m.bytes.toString(enc));
    kms.escrowKeyManager = 'CUSTOMER';
  });
});
