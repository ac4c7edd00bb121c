/** Delivery: Slack's webhook stood in for by a local HTTP server, SNS and Secrets Manager mocked. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { InternalErrorException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  deliver,
  forgetSlackWebhook,
  postToSlack,
  publishAlert,
  SLACK_MAX_ATTEMPTS,
  slackWebhookFromSecret,
} from '../../src/alerts/deliver.js';
import type { RenderedAlert } from '../../src/alerts/types.js';
import { Aws } from '../../src/aws/clients.js';

const WEBHOOK_PATH = '/services/T0000000/B0000000/s3cr3tT0k3nXYZ';
const HTTPS_WEBHOOK = `https://hooks.slack.com${WEBHOOK_PATH}`;
const TOPIC = 'arn:aws:sns:eu-central-1:123456789012:backup-sentinel-alerts';

const RENDERED: RenderedAlert = {
  subject: 'CRITICAL backup failed: db-prod (rds)',
  attributes: { severity: 'critical', kind: 'backup-failed', policy: '' },
  snsMessage: JSON.stringify({ default: '{"version":"1.0"}', email: 'Backup failed.' }),
  slack: {
    text: 'Backup failed: db-prod',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*db-prod*' } }],
  },
};

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** A local webhook: answers in turn (the last one repeats) and keeps what it was sent. */
async function webhook(...answers: Answer[]) {
  const received: { method?: string; contentType?: string; body: string }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ method: req.method, contentType: req.headers['content-type'], body });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)] ?? { status: 200 };
      res.writeHead(answer.status, answer.headers).end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A sleep that records what it was asked to wait and returns at once. */
function noWait() {
  const waited: number[] = [];
  return { waited, sleep: async (ms: number) => void waited.push(ms) };
}

describe('postToSlack', () => {
  it('waits the Retry-After of a 429, then posts the payload as JSON', async () => {
    // Prepare
    const hook = await webhook(
      { status: 429, headers: { 'Retry-After': '1' }, body: 'rate_limited' },
      { status: 200 },
    );
    const { waited, sleep } = noWait();
    // Act
    const result = await postToSlack(hook.url, RENDERED.slack, { sleep });
    // Assess
    expect(result).toEqual({ ok: true, status: 200, attempts: 2 });
    expect(waited).toEqual([1000]);
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]?.method).toBe('POST');
    expect(hook.received[1]?.contentType).toBe('application/json');
    expect(JSON.parse(hook.received[1]?.body ?? '')).toEqual(RENDERED.slack);
  });

  it('gives up on a 500 after the bounded attempts, backing off, without throwing', async () => {
    // Prepare
    const hook = await webhook({ status: 500, body: 'internal error' });
    const { waited, sleep } = noWait();
    // Act
    const result = await postToSlack(hook.url, RENDERED.slack, { sleep });
    // Assess
    expect(result).toMatchObject({ ok: false, status: 500, attempts: SLACK_MAX_ATTEMPTS });
    expect(result.error).toContain('500');
    expect(hook.received).toHaveLength(SLACK_MAX_ATTEMPTS);
    expect(waited).toEqual([500, 1000, 2000]);
  });

  it('honours maxAttempts', async () => {
    // Prepare
    const hook = await webhook({ status: 503 });
    // Act
    const result = await postToSlack(hook.url, {}, { sleep: noWait().sleep, maxAttempts: 2 });
    // Assess
    expect(result).toMatchObject({ ok: false, status: 503, attempts: 2 });
    expect(hook.received).toHaveLength(2);
  });

  it('does not wait out a Retry-After longer than the cap', async () => {
    // Prepare
    const hook = await webhook({ status: 429, headers: { 'Retry-After': '120' } });
    const { waited, sleep } = noWait();
    // Act
    const result = await postToSlack(hook.url, {}, { sleep });
    // Assess
    expect(result).toMatchObject({ ok: false, status: 429, attempts: 1 });
    expect(result.error).toMatch(/retry after 120 s/);
    expect(waited).toEqual([]);
  });

  it('backs off on a 429 without Retry-After, then succeeds', async () => {
    // Prepare
    const hook = await webhook({ status: 429 }, { status: 200 });
    const { waited, sleep } = noWait();
    // Act
    const result = await postToSlack(hook.url, {}, { sleep });
    // Assess
    expect(result).toEqual({ ok: true, status: 200, attempts: 2 });
    expect(waited).toEqual([500]);
  });

  it('does not retry a 4xx other than 429', async () => {
    // Prepare
    const hook = await webhook({ status: 404, body: 'no_service' });
    // Act
    const result = await postToSlack(hook.url, {}, { sleep: noWait().sleep });
    // Assess
    expect(result).toEqual({ ok: false, status: 404, attempts: 1, error: 'Slack answered 404 no_service' });
  });

  it('reports a fetch that throws, with the webhook URL redacted', async () => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>(async (input) => {
      throw new TypeError(`Failed to parse URL from ${String(input)}`, {
        cause: new Error(`getaddrinfo ENOTFOUND for ${WEBHOOK_PATH}`),
      });
    });
    // Act
    const result = await postToSlack(HTTPS_WEBHOOK, {}, { fetch, sleep: noWait().sleep, maxAttempts: 3 });
    // Assess
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result.status).toBeUndefined();
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(result.error).toContain('TypeError: Failed to parse URL from [webhook]');
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it('reports a refused connection without the URL', async () => {
    // Prepare: a port that was listening and is closed
    const hook = await webhook({ status: 200 });
    await new Promise((resolve) => servers.pop()?.close(resolve));
    // Act
    const result = await postToSlack(hook.url, {}, { sleep: noWait().sleep, maxAttempts: 2 });
    // Assess
    expect(result).toMatchObject({ ok: false, attempts: 2 });
    expect(result.error).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_PATH);
  });

  it('never puts the URL in the result, whatever the server answers', async () => {
    // Prepare: a server that echoes the path it was called on
    const hook = await webhook({ status: 400, body: `invalid_payload at ${WEBHOOK_PATH}` });
    // Act
    const result = await postToSlack(hook.url, {}, { sleep: noWait().sleep });
    // Assess
    expect(result.error).toBe('Slack answered 400 invalid_payload at /[redacted]');
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });
});

describe('publishAlert', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes the per-protocol message with its String attributes, empty ones left out', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // Act
    const id = await publishAlert(new Aws().sns('eu-west-1'), TOPIC, RENDERED);
    // Assess
    expect(id).toBe('m-1');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Message: RENDERED.snsMessage,
      Subject: RENDERED.subject,
      MessageAttributes: {
        severity: { DataType: 'String', StringValue: 'critical' },
        kind: { DataType: 'String', StringValue: 'backup-failed' },
      },
    });
  });
});

describe('slackWebhookFromSecret', () => {
  const secrets = mockClient(SecretsManagerClient);
  beforeEach(() => {
    secrets.reset();
    forgetSlackWebhook();
  });

  it('reads the secret once per container', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: HTTPS_WEBHOOK }) });
    const client = new Aws().secretsManager('eu-west-1');
    // Act
    const first = await slackWebhookFromSecret(client, 'slack');
    const second = await slackWebhookFromSecret(client, 'slack');
    // Assess
    expect([first, second]).toEqual([HTTPS_WEBHOOK, HTTPS_WEBHOOK]);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('does not keep a failed read', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: HTTPS_WEBHOOK });
    const client = new Aws().secretsManager('eu-west-1');
    // Act
    const first = slackWebhookFromSecret(client, 'slack');
    await expect(first).rejects.toThrow(ResourceNotFoundException);
    const second = await slackWebhookFromSecret(client, 'slack');
    // Assess
    expect(second).toBe(HTTPS_WEBHOOK);
  });

  it.each([
    ['a JSON object without url', '{"webhook":"https://hooks.slack.com/services/T/B/s3cr3t"}'],
    ['JSON that does not parse', '{"url": "https://hooks.slack.com/services/T/B/s3cr3t"'],
    ['an http URL', 'http://hooks.slack.com/services/T/B/s3cr3t'],
    ['text', 's3cr3t'],
  ])('refuses %s without quoting the value', async (_, value) => {
    // Prepare
    secrets.on(GetSecretValueCommand).resolves({ SecretString: value });
    // Act
    const read = slackWebhookFromSecret(new Aws().secretsManager('eu-west-1'), 'slack');
    // Assess
    await expect(read).rejects.toThrow(/^secret slack: SecretString is neither an https URL/);
    await expect(read).rejects.not.toThrow(/s3cr3t/);
  });
});

describe('deliver', () => {
  const sns = mockClient(SNSClient);
  const secrets = mockClient(SecretsManagerClient);
  beforeEach(() => {
    sns.reset();
    secrets.reset();
    forgetSlackWebhook();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: HTTPS_WEBHOOK });
  });
  const deps = (fetch: typeof globalThis.fetch) => ({
    sns: new Aws().sns('eu-west-1'),
    topicArn: TOPIC,
    slack: { secretId: 'slack', secrets: new Aws().secretsManager('eu-west-1') },
    fetch,
    sleep: noWait().sleep,
  });

  it('publishes to SNS, then posts the Slack payload', async () => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response('ok', { status: 200 }));
    // Act
    const result = await deliver(RENDERED, deps(fetch));
    // Assess
    expect(result).toEqual({ sns: { messageId: 'm-1' }, slack: { ok: true, status: 200, attempts: 1 } });
    expect(fetch).toHaveBeenCalledWith(HTTPS_WEBHOOK, expect.objectContaining({ method: 'POST' }));
    expect(JSON.parse(String(fetch.mock.calls[0]?.[1]?.body))).toEqual(RENDERED.slack);
  });

  it('publishes to SNS even when Slack fails, and reports the failure without the URL', async () => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>(async () => {
      throw new TypeError(`fetch failed: ${HTTPS_WEBHOOK}`);
    });
    // Act
    const result = await deliver(RENDERED, deps(fetch));
    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(result.sns).toEqual({ messageId: 'm-1' });
    expect(result.slack).toMatchObject({ ok: false, attempts: SLACK_MAX_ATTEMPTS });
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
  });

  it('publishes to SNS when the Slack secret cannot be read', async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const fetch = vi.fn<typeof globalThis.fetch>();
    // Act
    const result = await deliver(RENDERED, deps(fetch));
    // Assess
    expect(result.sns).toEqual({ messageId: 'm-1' });
    expect(result.slack).toEqual({
      ok: false,
      attempts: 0,
      error: 'Slack webhook secret: ResourceNotFoundException: gone',
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('throws when SNS fails, before trying Slack', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(new InternalErrorException({ message: 'boom', $metadata: {} }));
    const fetch = vi.fn<typeof globalThis.fetch>();
    // Act
    const delivering = deliver(RENDERED, deps(fetch));
    // Assess
    await expect(delivering).rejects.toThrow(InternalErrorException);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('forgets a webhook Slack refuses for good, so the secret is read again', async () => {
    // Prepare
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response('no_service', { status: 404 }));
    // Act
    await deliver(RENDERED, deps(fetch));
    await deliver(RENDERED, deps(fetch));
    // Assess
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('skips SNS without a topic and Slack without a secret', async () => {
    // Act
    const result = await deliver(RENDERED, { sns: new Aws().sns('eu-west-1') });
    // Assess
    expect(result).toEqual({ sns: { skipped: 'no topic' } });
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
