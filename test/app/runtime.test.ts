import { readFileSync } from 'node:fs';
import { BackupClient, ListBackupJobsCommand } from '@aws-sdk/client-backup';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { auditInventory } from '../../src/app/audit.js';
import {
  countsByRule,
  digest,
  onResourceChange,
  reportSweep,
  type Settings,
  settingsFrom,
} from '../../src/app/runtime.js';
import { Aws } from '../../src/aws/clients.js';
import { iamActionOf } from '../../src/iam.js';
import { BackupStateCache } from '../../src/inventory/collect/index.js';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { mockAccountReads } from '../support/account-reads.js';

const demo = () => {
  const inventory = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
  return auditInventory(
    inventory,
    parsePolicies(readFileSync('examples/policies.yml', 'utf8')),
    new Date(inventory.capturedAt),
  );
};

describe('settingsFrom', () => {
  it('defaults to a dry run of at most 20 changes, and rejects an unknown mode', () => {
    expect(settingsFrom({ AWS_REGION: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
      mode: 'dry-run',
      keyRotationMode: 'on',
      maxChanges: 20,
      ownRoleArns: [],
    });
    expect(() => settingsFrom({ KEY_ROTATION_MODE: 'maybe' })).toThrow(
      'KEY_ROTATION_MODE must be off, dry-run or on (got "maybe")',
    );
    expect(
      settingsFrom({ OWN_ROLE_ARNS: 'arn:aws:iam::1:role/a,arn:aws:iam::1:role/b' }).ownRoleArns,
    ).toEqual(['arn:aws:iam::1:role/a', 'arn:aws:iam::1:role/b']);
    expect(
      settingsFrom({ REMEDIATION_MODE: 'on', MAX_CHANGES: '5', ALERT_TOPIC_ARN: 'arn:t' }),
    ).toMatchObject({ mode: 'on', maxChanges: 5, alertTopicArn: 'arn:t' });
    expect(() => settingsFrom({ REMEDIATION_MODE: 'yes' })).toThrow(
      'REMEDIATION_MODE must be off, dry-run or on (got "yes")',
    );
  });

  it('reads READ_FROM: auto or direct (absent: auto, downstream), and refuses anything else', () => {
    expect(settingsFrom({ READ_FROM: 'direct' }).readFrom).toBe('direct');
    expect(settingsFrom({ READ_FROM: 'auto' }).readFrom).toBe('auto');
    expect(settingsFrom({})).not.toHaveProperty('readFrom');
    expect(() => settingsFrom({ READ_FROM: 'config' })).toThrow(
      'READ_FROM must be auto or direct (got "config")',
    );
  });

  it('reads BACKUP_ROLES: template, or none (the default), and refuses anything else', () => {
    expect(settingsFrom({ BACKUP_ROLES: 'template' }).backupRoles).toBe('template');
    expect(settingsFrom({ BACKUP_ROLES: 'none' })).not.toHaveProperty('backupRoles');
    expect(settingsFrom({})).not.toHaveProperty('backupRoles');
    expect(() => settingsFrom({ BACKUP_ROLES: 'Template' })).toThrow(
      'BACKUP_ROLES must be none or template (got "Template")',
    );
  });
});

describe('reportSweep', () => {
  it('records counts per rule and the changes applied, and publishes the digest to the alert topic', async () => {
    // Prepare
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const recorded: string[] = [];
    const metrics = {
      addMetric: (name: string, _unit: 'Count', n: number) => recorded.push(`${name}=${n}`),
      singleMetric: () => {
        let rule = '';
        return {
          addDimension: (_: string, value: string) => {
            rule = value;
          },
          addMetric: (name: string, _unit: 'Count', n: number) => recorded.push(`${rule}:${name}=${n}`),
        };
      },
    };
    const settings = {
      ...settingsFrom({ AWS_REGION: 'eu-central-1' }),
      alertTopicArn: 'arn:aws:sns:eu-central-1:111111111111:t',
    };
    // Act
    const subject = await reportSweep(new Aws(), settings, { result: demo(), results: [] }, metrics);
    // Assess
    expect(recorded).toContain('s3.versioning:NON_COMPLIANT=2');
    expect(recorded).toContain('ChangesApplied=0');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: settings.alertTopicArn,
      Subject: subject,
    });
    sns.restore();
  });
});

describe('digest', () => {
  it('says by policy what fails, what is new and recovered since the last digest, and the oldest open incidents', () => {
    // Prepare
    const result = demo();
    const open = [
      {
        incident: 'arn:aws:rds:eu-central-1:111111111111:db:orders|copies.recent',
        state: 'open' as const,
        kind: 'copy-missing' as const,
        severity: 'high' as const,
        title: 'copies.recent on db:orders',
        openedAt: '2026-11-20T06:00:00.000Z',
        lastAlertAt: '2026-11-20T06:00:00.000Z',
        count: 4,
        expiresAt: 0,
        version: 4,
      },
    ];
    const sent = [
      { incident: 'a', sent: 'alert' as const, subject: 'HIGH: Copy missing: db:billing' },
      { incident: 'b', sent: 'recovery' as const, subject: 'Recovered: Backup failed: bucket:logs' },
      { incident: 'c', sent: 'none' as const },
    ];
    // Act
    const { message } = digest(result, [], 'dry-run', { sent, open });
    // Assess
    expect(message).toContain('By policy:');
    expect(message).toMatch(/ {2}gold: \d+ non-compliant, \d+ errors, \d+ compliant/);
    expect(message).toContain('New since the last digest: 1\n  HIGH: Copy missing: db:billing');
    expect(message).toContain('Recovered: 1\n  Recovered: Backup failed: bucket:logs');
    expect(message).toContain('Still open: 1 (oldest first)\n  copies.recent on db:orders — open');
  });

  it('counts findings by rule and status, and lists failing checks and changes', () => {
    // Prepare
    const result = demo();
    // Act
    const counts = countsByRule(result);
    const { subject, message } = digest(result, [], 'dry-run');
    // Assess
    expect(counts['s3.versioning']).toEqual({ NON_COMPLIANT: 2, ERROR: 1, COMPLIANT: 4 });
    expect(subject).toBe('backup-sentinel 111111111111: 72 non-compliant, 1 errors');
    expect(message).toContain('  s3.versioning: 2 non-compliant, 1 errors');
    expect(message).toContain('No changes made.');
  });
});

describe('iamActionOf', () => {
  it('names the IAM action of an SDK call, including the S3 ones named differently', () => {
    expect(
      [
        'S3.GetBucketLifecycleConfiguration',
        'ResourceGroupsTaggingAPI.GetResources',
        'Backup.ListBackupPlans',
        'ConfigService.PutEvaluations',
      ].map(iamActionOf),
    ).toEqual([
      's3:GetLifecycleConfiguration',
      'tag:GetResources',
      'backup:ListBackupPlans',
      'config:PutEvaluations',
    ]);
  });
});

describe('onResourceChange with the container cache', () => {
  const REGION = 'eu-central-1';
  const ACCOUNT = '111111111111';
  const BUCKET = 'arn:aws:s3:::orders-export';
  const sts = mockClient(STSClient);
  mockAccountReads();
  const s3 = mockClient(S3Client);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  const backup = mockClient(BackupClient);
  const kms = mockClient(KMSClient);
  const rds = mockClient(RDSClient);
  const mocks = [sts, s3, tagging, backup, kms, rds];
  const policies = parsePolicies('policies:\n  gold: {}\n');
  const tagChange = { 'detail-type': 'Tag Change on Resource', resources: [BUCKET] };
  const settings = (mode: Settings['mode']): Settings => ({
    region: REGION,
    mode,
    maxChanges: 20,
    ownRoleArns: [],
  });
  const aws = () => new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  /** Reads of the region's AWS Backup state: only the collector lists backup jobs (the executor never does). */
  const stateReads = () => backup.commandCalls(ListBackupJobsCommand).length;

  beforeEach(() => {
    for (const m of mocks) m.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
    // An unversioned bucket in Frankfurt, in an account with nothing in AWS Backup yet.
    s3.onAnyCommand().resolves({});
    s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: REGION });
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [{ ResourceARN: BUCKET, Tags: [{ Key: 'backup:policy', Value: 'gold' }] }],
    });
    backup.onAnyCommand().resolves({});
    kms.onAnyCommand().resolves({});
    rds.onAnyCommand().resolves({});
  });
  afterAll(() => {
    for (const m of mocks) m.restore();
  });

  it('reads the AWS Backup state of a region again after a fix was applied there', async () => {
    // Prepare
    const cache = new BackupStateCache();
    const now = new Date();
    // Act
    const first = await onResourceChange(aws(), tagChange, policies, settings('on'), now, cache);
    await onResourceChange(aws(), tagChange, policies, settings('on'), now, cache);
    // Assess
    const applied = first.kind === 'resources' ? first.outcomes.flatMap((o) => o.results) : [];
    expect(applied.some((r) => r.status === 'applied' && r.action.region === REGION)).toBe(true);
    expect(stateReads()).toBe(2);
  });

  it('with backupRoles=template, plans the S3 selection with the template role of this account and Region', async () => {
    // Act
    const outcome = await onResourceChange(
      aws(),
      tagChange,
      policies,
      { ...settings('dry-run'), backupRoles: 'template' },
      new Date(),
    );
    // Assess
    const results = outcome.kind === 'resources' ? outcome.outcomes.flatMap((o) => o.results) : [];
    const selection = results.find((r) => r.action.type === 'CreateBackupSelection');
    expect(selection).toMatchObject({
      status: 'would-apply',
      after: {
        SelectionName: 'backup-sentinel-gold-s3',
        IamRoleArn: `arn:aws:iam::${ACCOUNT}:role/backup-sentinel-backup-s3-regular-${REGION}`,
        Resources: ['arn:aws:s3:::*'],
      },
    });
  });

  it('serves the next event of the region from the cache when no fix was applied', async () => {
    // Prepare
    const cache = new BackupStateCache();
    const now = new Date();
    // Act
    const first = await onResourceChange(aws(), tagChange, policies, settings('dry-run'), now, cache);
    await onResourceChange(aws(), tagChange, policies, settings('dry-run'), now, cache);
    // Assess
    const results = first.kind === 'resources' ? first.outcomes.flatMap((o) => o.results) : [];
    expect(results.some((r) => r.status === 'would-apply')).toBe(true);
    expect(results.some((r) => r.status === 'applied')).toBe(false);
    expect(stateReads()).toBe(1);
  });
});
