/**
 * The deployable app: `serverless package` offline, the CloudFormation template through cfn-lint,
 * one role per function with exactly the derived actions, and the BUILT bundles invoked with real
 * events against moto server (the AWS SDK comes from node_modules, as the Lambda runtime provides it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, PutBucketTaggingCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, functionActions } from '../../src/iam.js';
import { motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';

const FUNCTIONS: FunctionName[] = ['onResourceChange', 'configRule', 'sweep'];
const SMOKE = join('.serverless', 'smoke');
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
let template: Template;

beforeAll(() => {
  rmSync('.serverless', { recursive: true, force: true });
  execFileSync('npx', ['serverless', 'package'], { stdio: 'pipe', timeout: 240_000 });
  template = JSON.parse(readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'));
}, 300_000);

describe('serverless package', () => {
  it('builds one zip per function within the 300 KB budget', () => {
    for (const fn of FUNCTIONS) {
      const size = statSync(`.serverless/${fn}.zip`).size;
      console.log(`[bench] ${fn}.zip ${(size / 1024).toFixed(0)} KB`);
      expect(size, fn).toBeLessThanOrEqual(300 * 1024);
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
        .filter((s) => !['Logs', 'FailedEvents'].includes(s.Sid))
        .flatMap((s) => s.Action);
      // Assess
      expect(role, fn).toBe(`${logical.replace('LambdaFunction', '')}Role`);
      expect([...granted].sort(), fn).toEqual(functionActions(fn));
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

async function load(fn: FunctionName): Promise<(event: unknown, context: unknown) => Promise<unknown>> {
  const dir = join(SMOKE, fn);
  mkdirSync(dir, { recursive: true });
  execFileSync('python3', ['-m', 'zipfile', '-e', `.serverless/${fn}.zip`, dir]);
  const path = { onResourceChange: 'on-resource-change', configRule: 'config-rule', sweep: 'sweep' }[fn];
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
      new CreateBucketCommand({
        Bucket: 'smoke-bucket',
        CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
      }),
    );
    await s3.send(
      new PutBucketTaggingCommand({
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
  });

  it('sweep returns the digest summary', async () => {
    const handler = await load('sweep');
    const summary = (await handler({}, context)) as { resources: number };
    expect(summary.resources).toBe(1);
  });
});
