/**
 * Alert delivery and the incident table against moto server: SNS to an SQS subscriber (the SNS
 * envelope, message attributes included), the DynamoDB store's optimistic concurrency and TTL
 * table, and the Slack webhook read from Secrets Manager.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { forgetSlackWebhook, publishAlert, slackWebhookFromSecret } from '../../src/alerts/deliver.js';
import { DynamoIncidentStore, INCIDENT_TABLE } from '../../src/alerts/store.js';
import type { IncidentRecord, RenderedAlert } from '../../src/alerts/types.js';
import { deployedAlertDeps, onBackupEvent } from '../../src/app/alerts.js';
import type { Aws } from '../../src/aws/clients.js';
import { parsePolicies } from '../../src/policy/index.js';
import { motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';
import { raw } from '../support/fixtures.js';

const REGION = 'eu-central-1';

/**
 * One SQS call in the JSON protocol (the repo has no SQS client: the tests only need three
 * calls). moto routes by the credential scope and does not check the signature.
 */
async function sqs<T>(action: string, input: Record<string, unknown>): Promise<T> {
  const res = await fetch(motoUrl(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20250101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(input),
  });
  if (!res.ok) throw new Error(`SQS ${action}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A topic with a queue subscribed to it (the SNS envelope delivered, not the raw message). */
async function topicWithQueue(aws: Aws, name: string) {
  const { TopicArn } = await aws.sns(REGION).send((sdk) => new sdk.CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: name });
  const { Attributes } = await sqs<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', {
    QueueUrl,
    AttributeNames: ['QueueArn'],
  });
  await aws.sns(REGION).send(
    (sdk) =>
      new sdk.SubscribeCommand({
        TopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes.QueueArn,
        Attributes: { RawMessageDelivery: 'false' },
      }),
  );
  const receive = async () => {
    const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
      QueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    });
    return Messages.map((m) => JSON.parse(m.Body) as SnsEnvelope);
  };
  return { topicArn: TopicArn ?? '', receive };
}

interface SnsEnvelope {
  Type: string;
  Message: string;
  Subject?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** A rendered alert as render.ts makes one: AWS chat-channel custom JSON by default, text by e-mail. */
function rendered(extra: Record<string, string> = {}): RenderedAlert {
  const chat = JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: {
      textType: 'client-markdown',
      title: ':red_circle: Backup failed: db-prod',
      description: 'The backup job of db-prod failed: *Insufficient privileges*.\nNo restore point today.',
      nextSteps: ['Check the backup role', 'Start an on-demand backup'],
    },
    metadata: { threadId: 'arn:aws:rds:eu-central-1:123456789012:db:db-prod|backup-failed' },
  });
  return {
    subject: 'CRITICAL backup failed: db-prod (rds, gold)',
    attributes: { severity: 'critical', kind: 'backup-failed', state: 'failing', policy: 'gold' },
    snsMessage: JSON.stringify({
      default: chat,
      email: 'Backup failed: db-prod\n\nThe backup job of db-prod failed: Insufficient privileges.',
      ...extra,
    }),
    slack: { text: 'Backup failed: db-prod' },
  };
}

describe('alert delivery against moto', () => {
  let aws: Aws;
  beforeAll(async () => {
    await resetMoto();
    aws = motoAws();
  });

  describe('publishAlert', () => {
    it('delivers the default message in the SNS envelope, with subject and attributes', async () => {
      // Prepare
      const { topicArn, receive } = await topicWithQueue(aws, 'alerts-default');
      const alert = rendered();
      // Act
      const messageId = await publishAlert(aws.sns(REGION), topicArn, alert);
      const messages = await receive();
      // Assess
      expect(messageId).not.toBe('');
      expect(messages).toHaveLength(1);
      const [envelope] = messages;
      expect(envelope?.Type).toBe('Notification');
      expect(envelope?.Message).toBe(JSON.parse(alert.snsMessage).default);
      expect(JSON.parse(envelope?.Message ?? '').content.title).toBe(':red_circle: Backup failed: db-prod');
      expect(envelope?.Subject).toBe(alert.subject);
      expect(envelope?.MessageAttributes).toEqual({
        severity: { Type: 'String', Value: 'critical' },
        kind: { Type: 'String', Value: 'backup-failed' },
        state: { Type: 'String', Value: 'failing' },
        policy: { Type: 'String', Value: 'gold' },
      });
    });

    it('delivers the sqs entry to an SQS subscriber when there is one', async () => {
      // Prepare
      const { topicArn, receive } = await topicWithQueue(aws, 'alerts-sqs');
      // Act
      await publishAlert(aws.sns(REGION), topicArn, rendered({ sqs: '{"for":"sqs"}' }));
      const [envelope] = await receive();
      // Assess
      expect(envelope?.Message).toBe('{"for":"sqs"}');
    });
  });

  describe('DynamoIncidentStore', () => {
    const record = (incident: string, over: Partial<IncidentRecord> = {}): IncidentRecord => ({
      incident,
      state: 'open',
      kind: 'backup-failed',
      severity: 'critical',
      title: `Backup failed: ${incident}`,
      openedAt: '2025-03-01T10:00:00.000Z',
      lastAlertAt: '2025-03-01T10:00:00.000Z',
      count: 1,
      expiresAt: 1_743_000_000,
      version: 1,
      ...over,
    });

    /** A table declared as INCIDENT_TABLE says, TTL on, and the store over it. */
    async function table(name: string) {
      const dynamodb = aws.dynamodb(REGION);
      await dynamodb.send(
        (sdk) =>
          new sdk.CreateTableCommand({
            TableName: name,
            KeySchema: INCIDENT_TABLE.keySchema,
            AttributeDefinitions: INCIDENT_TABLE.attributeDefinitions,
            BillingMode: 'PAY_PER_REQUEST',
          }),
      );
      await dynamodb.send(
        (sdk) =>
          new sdk.UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: INCIDENT_TABLE.ttlAttribute, Enabled: true },
          }),
      );
      return { dynamodb, store: new DynamoIncidentStore(dynamodb, name) };
    }

    it('has TTL on expiresAt', async () => {
      // Prepare
      const { dynamodb } = await table('incidents-ttl');
      // Act
      const { TimeToLiveDescription } = await dynamodb.send(
        (sdk) => new sdk.DescribeTimeToLiveCommand({ TableName: 'incidents-ttl' }),
      );
      // Assess
      expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    });

    it('writes version 1 when absent, then each next version, and refuses a stale write', async () => {
      // Prepare
      const { store } = await table('incidents-versions');
      const first = record('db-prod|backup-failed');
      const second = { ...first, count: 2, lastAlertAt: '2025-03-01T11:00:00.000Z', version: 2 };
      // Act
      const created = await store.put(first);
      const updated = await store.put(second);
      const stale = await store.put({ ...second, count: 99 });
      const again = await store.put({ ...first, title: 'a second creator' });
      // Assess
      expect([created, updated, stale, again]).toEqual([true, true, false, false]);
      expect(await store.get(first.incident)).toEqual(second);
      expect(await store.get('never|seen')).toBeUndefined();
    });

    it('lists open incidents oldest first, up to the limit', async () => {
      // Prepare
      const { store } = await table('incidents-open');
      await store.put(record('c|copy-failed', { kind: 'copy-failed', openedAt: '2025-03-03T00:00:00.000Z' }));
      await store.put(record('a|restore-failed', { openedAt: '2025-02-01T00:00:00.000Z' }));
      await store.put(record('b|vault-changed', { state: 'resolved', openedAt: '2025-01-01T00:00:00.000Z' }));
      await store.put(record('d|backup-failed', { openedAt: '2025-03-01T10:00:00.000Z' }));
      // Act
      const all = await store.open(10);
      const two = await store.open(2);
      // Assess
      expect(all.map((r) => r.incident)).toEqual(['a|restore-failed', 'd|backup-failed', 'c|copy-failed']);
      expect(two.map((r) => r.incident)).toEqual(['a|restore-failed', 'd|backup-failed']);
    });
  });

  describe('slackWebhookFromSecret', () => {
    const URL_ = 'https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    beforeEach(() => forgetSlackWebhook());

    it('reads a secret that is the URL, and one that is JSON {"url"}, once each', async () => {
      // Prepare
      const secrets = aws.secretsManager(REGION);
      await secrets.send(
        (sdk) => new sdk.CreateSecretCommand({ Name: 'slack-plain', SecretString: `${URL_}\n` }),
      );
      await secrets.send(
        (sdk) =>
          new sdk.CreateSecretCommand({ Name: 'slack-json', SecretString: JSON.stringify({ url: URL_ }) }),
      );
      const before = aws.calls.get('SecretsManager.GetSecretValue') ?? 0;
      // Act
      const plain = await slackWebhookFromSecret(secrets, 'slack-plain');
      const json = await slackWebhookFromSecret(secrets, 'slack-json');
      const cached = await slackWebhookFromSecret(secrets, 'slack-json');
      // Assess
      expect([plain, json, cached]).toEqual([URL_, URL_, URL_]);
      expect((aws.calls.get('SecretsManager.GetSecretValue') ?? 0) - before).toBe(2);
    });

    it('names a missing secret in its error', async () => {
      await expect(slackWebhookFromSecret(aws.secretsManager(REGION), 'slack-missing')).rejects.toThrow(
        /can't find the specified secret/,
      );
    });
  });
});

describe('alerts end to end against moto (real events, incident table, SNS to SQS)', () => {
  it('sends one alert for a failure seen three times and one recovery, with the chat format and attributes', async () => {
    // Prepare
    await resetMoto();
    const aws = motoAws();
    const dynamodb = aws.dynamodb(REGION);
    await dynamodb.send(
      (sdk) =>
        new sdk.CreateTableCommand({
          TableName: 'incidents-flow',
          KeySchema: INCIDENT_TABLE.keySchema,
          AttributeDefinitions: INCIDENT_TABLE.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
    );
    const { topicArn, receive } = await topicWithQueue(aws, 'alerts-flow');
    const settings = {
      incidentTable: 'incidents-flow',
      windowMinutes: 360,
      minSeverity: 'medium' as const,
      ttlDays: 30,
    };
    const policies = parsePolicies('policies:\n  gold: {}\n');
    const failed = raw('events/backup_job_state_change_failed.json') as { detail: Record<string, unknown> };
    const done = raw('events/backup_job_state_change_completed.json') as { detail: Record<string, unknown> };
    const completed = {
      ...done,
      time: '2020-07-30T20:15:00Z',
      detail: { ...done.detail, resourceArn: failed.detail.resourceArn },
    };
    const at = (iso: string) => deployedAlertDeps(aws, REGION, topicArn, settings, new Date(iso), () => {});
    // Act: three invocations see the failure (a retry, a duplicate delivery), one sees the next job succeed
    for (const iso of ['2020-07-29T20:16:00Z', '2020-07-29T20:16:30Z', '2020-07-29T21:00:00Z'])
      await onBackupEvent(failed, policies, [], at(iso));
    await onBackupEvent(completed, policies, [], at('2020-07-30T20:16:00Z'));
    const messages = await receive();
    // Assess
    expect(messages.map((m) => m.MessageAttributes?.state?.Value)).toEqual(['failing', 'recovered']);
    expect(messages[0]?.MessageAttributes?.severity?.Value).toBe('high');
    expect(messages[0]?.MessageAttributes?.eventType?.Value).toBe('Backup Job State Change');
    const chat = JSON.parse(messages[0]?.Message ?? '{}');
    expect(chat).toMatchObject({ version: '1.0', source: 'custom' });
    expect(chat.content.title.length).toBeGreaterThan(0);
    expect(chat.content.description).toContain('34176239-e96d-4e1d-9fad-529dbb3c3556');
    expect(chat.metadata.threadId).toBe(JSON.parse(messages[1]?.Message ?? '{}').metadata.threadId);
    expect((messages[0]?.Subject ?? '').length).toBeLessThanOrEqual(100);
  });
});
