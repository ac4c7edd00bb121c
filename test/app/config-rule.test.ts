/** The AWS Config custom rule with real Config invocations (test/fixtures/real/config) and mocked AWS. */
import { readFileSync } from 'node:fs';
import { BackupClient, ListBackupJobsCommand } from '@aws-sdk/client-backup';
import {
  ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
} from '@aws-sdk/client-config-service';
import { KMSClient } from '@aws-sdk/client-kms';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { GetBucketLocationCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ConfigRuleEvent,
  evaluateConfigEvent,
  InvalidConfigEventError,
  putEvaluations,
} from '../../src/app/config-rule.js';
import { Aws } from '../../src/aws/clients.js';
import { BackupStateCache } from '../../src/inventory/collect/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { mockAccountReads } from '../support/account-reads.js';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/real/config/${name}`, 'utf8'));
const config = mockClient(ConfigServiceClient);
const sts = mockClient(STSClient);
mockAccountReads();
const backup = mockClient(BackupClient);
const kms = mockClient(KMSClient);
const rds = mockClient(RDSClient);
const s3 = mockClient(S3Client);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const mocks = [config, sts, backup, kms, rds, s3, tagging];
const policies = parsePolicies('policies:\n  gold: {}\n');
const NOW = new Date('2026-11-25T06:00:00Z');
const aws = () => new Aws({ credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const RULE = 'arn:aws:config:us-east-1:644160558196:config-rule/config-rule-abc';

function changeEvent(item: unknown, extra: Partial<ConfigRuleEvent> = {}): ConfigRuleEvent {
  return {
    invokingEvent: JSON.stringify({
      configurationItem: item,
      messageType: 'ConfigurationItemChangeNotification',
    }),
    ruleParameters: '{}',
    resultToken: 'token',
    eventLeftScope: false,
    configRuleArn: RULE,
    ...extra,
  };
}

beforeEach(() => {
  for (const m of mocks) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '644160558196' });
  // An account with nothing in AWS Backup yet: every list answers empty.
  backup.onAnyCommand().resolves({});
  kms.onAnyCommand().resolves({});
  rds.onAnyCommand().resolves({});
  tagging.onAnyCommand().resolves({});
});
afterAll(() => {
  for (const m of mocks) m.restore();
});

describe('evaluateConfigEvent', () => {
  it('judges an RDS instance from its configuration item, dated at capture time, with an annotation of at most 256 characters', async () => {
    // Prepare
    const item = { ...fixture('config_item_rds_dbinstance_rdk.json'), tags: { 'backup:policy': 'gold' } };
    // Config items come from the account the rule runs in.
    sts.on(GetCallerIdentityCommand).resolves({ Account: item.accountId });
    // Act
    const [evaluation] = await evaluateConfigEvent(aws(), changeEvent(item), { policies, now: NOW });
    // Assess
    expect(evaluation).toMatchObject({
      ComplianceResourceType: 'AWS::RDS::DBInstance',
      ComplianceResourceId: item.resourceId,
      ComplianceType: 'NON_COMPLIANT',
      OrderingTimestamp: new Date(item.configurationItemCaptureTime),
    });
    expect(evaluation?.Annotation).toMatch(
      /^\d+ failing: coverage\.selected: backup plan backup-sentinel-gold does not exist/,
    );
    expect(evaluation?.Annotation?.length).toBeLessThanOrEqual(256);
  });

  it('says which policy tag is missing for an untagged bucket from a rule event', async () => {
    // Act
    const [evaluation] = await evaluateConfigEvent(
      aws(),
      {
        ...fixture('config_rule_change_notification_s3_bucket_custodian.json'),
        resultToken: 't',
        configRuleArn: RULE,
      },
      { policies, now: NOW },
    );
    // Assess
    expect(evaluation).toMatchObject({
      ComplianceResourceType: 'AWS::S3::Bucket',
      ComplianceResourceId: 'c7n-fire-logs',
      ComplianceType: 'NON_COMPLIANT',
    });
    expect(evaluation?.Annotation).toContain(
      'coverage.policy-declared: no backup policy: tag backup:policy is missing',
    );
  });

  it('fetches an oversized item with GetResourceConfigHistory', async () => {
    // Prepare
    const cluster = {
      ...fixture('batch_get_resource_config_rds_dbcluster_custodian.json').configurationItems[0],
      tags: { 'backup:policy': 'gold' },
    };
    config.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [cluster] });
    const event = fixture('config_rule_oversized_change_notification_docs.json');
    const invoking = JSON.parse(event.invokingEvent);
    invoking.configurationItemSummary = {
      ...invoking.configurationItemSummary,
      resourceType: 'AWS::RDS::DBCluster',
      resourceId: cluster.resourceId,
    };
    // Act
    const [evaluation] = await evaluateConfigEvent(
      aws(),
      { ...event, invokingEvent: JSON.stringify(invoking), configRuleArn: RULE },
      { policies, now: NOW },
    );
    // Assess
    expect(config.commandCalls(GetResourceConfigHistoryCommand)[0]?.args[0].input).toEqual({
      resourceType: 'AWS::RDS::DBCluster',
      resourceId: cluster.resourceId,
      limit: 1,
    });
    expect(evaluation).toMatchObject({
      ComplianceResourceType: 'AWS::RDS::DBCluster',
      ComplianceType: 'NON_COMPLIANT',
    });
  });

  it('answers NOT_APPLICABLE for a deleted resource, a resource out of scope, another type and an opt-out', async () => {
    // Prepare
    const deleted = JSON.parse(
      fixture('sns_config_item_change_s3_bucket_resource_deleted_custodian.json').Message,
    ).configurationItem;
    const rds = fixture('config_item_rds_dbinstance_rdk.json');
    const ec2 = JSON.parse(
      fixture('config_rule_change_notification_ec2_docs.json').invokingEvent,
    ).configurationItem;
    // Act
    const results = await Promise.all([
      evaluateConfigEvent(aws(), changeEvent(deleted), { policies, now: NOW }),
      evaluateConfigEvent(aws(), changeEvent(rds, { eventLeftScope: true }), { policies, now: NOW }),
      evaluateConfigEvent(aws(), changeEvent(ec2), { policies, now: NOW }),
      evaluateConfigEvent(aws(), changeEvent({ ...rds, tags: { 'backup:policy': 'none' } }), {
        policies,
        now: NOW,
      }),
    ]);
    // Assess
    expect(results.map((r) => r[0]?.ComplianceType)).toEqual([
      'NOT_APPLICABLE',
      'NOT_APPLICABLE',
      'NOT_APPLICABLE',
      'NOT_APPLICABLE',
    ]);
    expect(results[3]?.[0]?.Annotation).toBe('explicit opt-out');
  });

  it('reads the AWS Backup state of the region once for two items when given the container cache', async () => {
    // Prepare
    const item = { ...fixture('config_item_rds_dbinstance_rdk.json'), tags: { 'backup:policy': 'gold' } };
    sts.on(GetCallerIdentityCommand).resolves({ Account: item.accountId });
    const cache = new BackupStateCache();
    // Act
    const first = await evaluateConfigEvent(aws(), changeEvent(item), { policies, now: NOW, cache });
    const second = await evaluateConfigEvent(aws(), changeEvent(item), { policies, now: NOW, cache });
    // Assess
    expect(second).toEqual(first);
    expect(backup.commandCalls(ListBackupJobsCommand)).toHaveLength(1);
  });

  it('still answers, NON_COMPLIANT with the reason (Config refuses INSUFFICIENT_DATA from rules), when reading fails', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const item = { ...fixture('config_item_rds_dbinstance_rdk.json'), tags: { 'backup:policy': 'gold' } };
    // Act
    const [evaluation] = await evaluateConfigEvent(aws(), changeEvent(item), { policies, now: NOW });
    // Assess
    expect(evaluation).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: 'could not evaluate: ThrottlingException: throttled',
    });
  });

  it('evaluates every tagged resource on a scheduled notification', async () => {
    // Prepare
    const buckets = Array.from({ length: 150 }, (_, i) => ({
      ResourceARN: `arn:aws:s3:::sched-${i}`,
      Tags: [{ Key: 'backup:policy', Value: 'gold' }],
    }));
    tagging.reset();
    tagging.onAnyCommand().resolves({ ResourceTagMappingList: buckets });
    s3.on(GetBucketLocationCommand).resolves({});
    s3.onAnyCommand().resolves({});
    s3.on(GetBucketLocationCommand).resolves({});
    const event = { ...fixture('config_rule_scheduled_notification_docs.json'), configRuleArn: RULE };
    // Act
    const evaluations = await evaluateConfigEvent(aws(), event, { policies, now: NOW });
    // Assess
    expect(evaluations).toHaveLength(150);
    expect(evaluations[0]).toMatchObject({
      ComplianceResourceType: 'AWS::S3::Bucket',
      ComplianceResourceId: 'sched-0',
      OrderingTimestamp: new Date('2016-07-13T21:50:00.373Z'),
    });
  });

  it('identifies databases by their Config resourceId (DbiResourceId) on a scheduled notification', async () => {
    // Prepare
    rds.reset();
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'orders',
          DBInstanceArn: 'arn:aws:rds:us-east-1:644160558196:db:orders',
          DbiResourceId: 'db-ABCDEFGHIJKLMNOP',
          Engine: 'postgres',
          BackupRetentionPeriod: 7,
          TagList: [{ Key: 'backup:policy', Value: 'gold' }],
        },
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({});
    const event = { ...fixture('config_rule_scheduled_notification_docs.json'), configRuleArn: RULE };
    // Act
    const evaluations = await evaluateConfigEvent(aws(), event, { policies, now: NOW });
    // Assess
    expect(evaluations.map((e) => [e.ComplianceResourceType, e.ComplianceResourceId])).toEqual([
      ['AWS::RDS::DBInstance', 'db-ABCDEFGHIJKLMNOP'],
    ]);
  });

  it('answers NOT_APPLICABLE when an oversized item has no recorded history, dated from the summary', async () => {
    // Prepare
    config.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [] });
    const event = { ...fixture('config_rule_oversized_change_notification_docs.json'), configRuleArn: RULE };
    // Act
    const [evaluation] = await evaluateConfigEvent(aws(), event, { policies, now: NOW });
    // Assess
    expect(evaluation).toMatchObject({
      ComplianceResourceType: 'AWS::EC2::Instance',
      ComplianceResourceId: 'i-00000000',
      ComplianceType: 'NOT_APPLICABLE',
      OrderingTimestamp: new Date('2016-10-06T16:46:16.261Z'),
    });
  });

  it('rejects an invokingEvent that is not JSON or of an unknown type', async () => {
    await expect(
      evaluateConfigEvent(aws(), { invokingEvent: '{', resultToken: 't' }, { policies, now: NOW }),
    ).rejects.toBeInstanceOf(InvalidConfigEventError);
    await expect(
      evaluateConfigEvent(
        aws(),
        { invokingEvent: '{"messageType":"Nope"}', resultToken: 't' },
        { policies, now: NOW },
      ),
    ).rejects.toThrow('unknown messageType Nope');
  });

  it('rejects "null", and a change notification that names no resource, as invalid (never an empty id)', async () => {
    // Prepare
    const item = fixture('config_item_s3_bucket_rdk.json');
    const { resourceId: _, ...noId } = item;
    // Act / Assess
    for (const invokingEvent of [
      'null',
      '[]',
      JSON.stringify({ messageType: 'ConfigurationItemChangeNotification', configurationItem: noId }),
      JSON.stringify({ messageType: 'ConfigurationItemChangeNotification', configurationItem: 'x' }),
    ]) {
      await expect(
        evaluateConfigEvent(aws(), { invokingEvent, resultToken: 't' }, { policies, now: NOW }),
      ).rejects.toBeInstanceOf(InvalidConfigEventError);
    }
  });

  it('dates answers by real instants only, and takes only a boolean true as "left scope"', async () => {
    // Prepare
    const item = {
      ...fixture('config_item_s3_bucket_rdk.json'),
      configurationItemCaptureTime: '2026-02-30T99:00:00Z',
      tags: { 'backup:policy': 'gold' },
    };
    const scheduled = {
      invokingEvent: JSON.stringify({
        messageType: 'ScheduledNotification',
        notificationCreationTime: 'soon',
      }),
      resultToken: 'TESTMODE',
      configRuleArn: RULE,
    };
    // Act
    const [changed] = await evaluateConfigEvent(
      aws(),
      changeEvent(item, { eventLeftScope: 'false' as unknown as boolean }),
      { policies, now: NOW },
    );
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:s3:::b1', Tags: [{ Key: 'backup:policy', Value: 'gold' }] },
      ],
    });
    s3.on(GetBucketLocationCommand).resolves({});
    const periodic = await evaluateConfigEvent(aws(), scheduled, { policies, now: NOW });
    // Assess
    expect(changed?.ComplianceType).not.toBe('NOT_APPLICABLE');
    expect(changed?.OrderingTimestamp?.getTime()).not.toBeNaN();
    expect(periodic.length).toBeGreaterThan(0);
    for (const e of periodic) expect(e.OrderingTimestamp).toEqual(NOW);
  });
});

describe('putEvaluations', () => {
  const evaluations = Array.from({ length: 250 }, (_, i) => ({
    ComplianceResourceType: 'AWS::S3::Bucket',
    ComplianceResourceId: `b${i}`,
    ComplianceType: 'COMPLIANT' as const,
    OrderingTimestamp: NOW,
  }));

  it('sends chunks of 100', async () => {
    // Prepare
    config.on(PutEvaluationsCommand).resolves({});
    // Act
    const calls = await putEvaluations(aws(), 'us-east-1', 'token', evaluations);
    // Assess
    expect(calls).toBe(3);
    expect(
      config.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input.Evaluations?.length),
    ).toEqual([100, 100, 50]);
    expect(config.commandCalls(PutEvaluationsCommand)[0]?.args[0].input.ResultToken).toBe('token');
  });

  it('sends nothing for the TESTMODE token', async () => {
    expect(await putEvaluations(aws(), 'us-east-1', 'TESTMODE', evaluations)).toBe(0);
    expect(config.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });
});
