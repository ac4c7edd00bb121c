/**
 * Delivery of a rendered alert: to the SNS alert topic always (e-mail, AWS chat channels, any
 * subscriber), then to a Slack incoming webhook when one is configured. Slack is best effort: its
 * failures are returned, never thrown, and never lose the SNS message. The webhook URL is a
 * credential (anyone holding it can post): it is never logged, returned or put in an error.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { SecretsManagerApi, SnsApi } from '../aws/clients.js';
import { SentinelError } from '../errors.js';
import type { RenderedAlert } from './types.js';

/** Attempts at the webhook, the first included. */
export const SLACK_MAX_ATTEMPTS = 4;
/** The longest Retry-After honoured; Slack asking for more is reported as a failure, not waited for. */
export const SLACK_MAX_RETRY_AFTER_SECONDS = 30;
/** Backoff after a 5xx or a network error: 0.5 s, 1 s, 2 s, … at most 8 s. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 8_000;
/** Time allowed for one POST to the webhook. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * Publishes the alert to the topic with MessageStructure=json (one message per protocol, from
 * `rendered.snsMessage`) and its attributes as String message attributes, for subscription
 * filter policies. Empty values are left out (SNS refuses them). Returns the MessageId; SNS
 * errors are thrown (the SDK has retried them already).
 */
export async function publishAlert(sns: SnsApi, topicArn: string, rendered: RenderedAlert): Promise<string> {
  const attributes = Object.entries(rendered.attributes).filter(([, value]) => value !== '');
  const out = await sns.send(
    (sdk) =>
      new sdk.PublishCommand({
        TopicArn: topicArn,
        MessageStructure: 'json',
        Message: rendered.snsMessage,
        Subject: rendered.subject,
        MessageAttributes: Object.fromEntries(
          attributes.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
  );
  return out.MessageId ?? '';
}

/** What became of a Slack post. `status` is the last HTTP status (none after a network error). */
export interface SlackResult {
  ok: boolean;
  status?: number;
  attempts: number;
  /** Why it failed, the webhook URL redacted. */
  error?: string;
}

export interface SlackOptions {
  fetch?: typeof fetch;
  /** Attempts, the first included (default SLACK_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** How to wait between attempts (tests pass one that does not). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * POSTs `payload` as JSON to a Slack incoming webhook. Retries a 429 after its Retry-After
 * (seconds, at most SLACK_MAX_RETRY_AFTER_SECONDS; more than that ends the tries), and a 5xx, a
 * timeout or a network error after an exponential backoff, up to `maxAttempts` in all. Another
 * 4xx (invalid_payload, channel_not_found, a revoked webhook) is final. Never throws.
 */
export async function postToSlack(
  webhookUrl: string,
  payload: unknown,
  o: SlackOptions = {},
): Promise<SlackResult> {
  const post = o.fetch ?? fetch;
  const sleep = o.sleep ?? ((ms: number) => wait(ms).then(() => undefined));
  const maxAttempts = Math.max(1, o.maxAttempts ?? SLACK_MAX_ATTEMPTS);
  let result: SlackResult = { ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let delayMs = Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_MAX_MS);
    try {
      const res = await post(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const body = (await res.text().catch(() => '')).slice(0, 200);
      if (res.ok) return { ok: true, status: res.status, attempts: attempt };
      result = {
        ok: false,
        status: res.status,
        attempts: attempt,
        error: `Slack answered ${res.status} ${body}`.trim(),
      };
      if (res.status === 429) {
        const seconds = retryAfterSeconds(res.headers.get('retry-after'));
        if (seconds !== undefined && seconds > SLACK_MAX_RETRY_AFTER_SECONDS) {
          result.error = `Slack rate limit: asked to retry after ${seconds} s (more than ${SLACK_MAX_RETRY_AFTER_SECONDS} s)`;
          break;
        }
        if (seconds !== undefined) delayMs = seconds * 1000;
      } else if (res.status < 500) break;
    } catch (error) {
      result = { ok: false, attempts: attempt, error: describe(error) };
    }
    if (attempt < maxAttempts) await sleep(delayMs);
  }
  return { ...result, ...(result.error ? { error: redact(result.error, webhookUrl) } : {}) };
}

/** Retry-After as whole seconds ≥ 0; undefined when absent or not a number of seconds. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Number(header);
}

/** An error's name, message and cause (fetch puts ECONNREFUSED and the like there). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** `text` without the webhook URL, its path (the secret part) or anything like a Slack webhook. */
export function redact(text: string, webhookUrl: string): string {
  let out = text;
  if (webhookUrl) out = out.split(webhookUrl).join('[webhook]');
  try {
    const { pathname } = new URL(webhookUrl);
    if (pathname.length > 1) out = out.split(pathname).join('/[redacted]');
  } catch {
    // not a URL: the whole string is already gone
  }
  return out.replace(/hooks\.slack\.com\/\S*/gi, 'hooks.slack.com/[redacted]');
}

/** Webhook URLs by secret id, for the life of the container. */
const webhooks = new Map<string, Promise<string>>();

/**
 * The Slack webhook URL kept in a Secrets Manager secret: SecretString is the URL itself or JSON
 * `{"url": "https://hooks.slack.com/services/…"}`. Read once per container and kept (a failed
 * read is not kept). Errors name the secret, never its value.
 */
export function slackWebhookFromSecret(secretsManager: SecretsManagerApi, secretId: string): Promise<string> {
  const cached = webhooks.get(secretId);
  if (cached) return cached;
  const read = readWebhook(secretsManager, secretId);
  webhooks.set(secretId, read);
  read.catch(() => webhooks.delete(secretId));
  return read;
}

/** Forgets the cached webhook of `secretId` (all when absent): read again on next use. */
export function forgetSlackWebhook(secretId?: string): void {
  if (secretId === undefined) webhooks.clear();
  else webhooks.delete(secretId);
}

async function readWebhook(secretsManager: SecretsManagerApi, secretId: string): Promise<string> {
  const { SecretString } = await secretsManager.send(
    (sdk) => new sdk.GetSecretValueCommand({ SecretId: secretId }),
  );
  const invalid = () =>
    new SentinelError(
      `secret ${secretId}: SecretString is neither an https URL nor JSON {"url": "https://…"}`,
    );
  let url = SecretString?.trim() ?? '';
  if (url.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(url);
      url =
        typeof parsed === 'object' && parsed && 'url' in parsed && typeof parsed.url === 'string'
          ? parsed.url.trim()
          : '';
    } catch {
      // the parser's message quotes the text: not passed on
      throw invalid();
    }
  }
  // https only: the URL is a credential, and Slack serves no other scheme
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') throw invalid();
  return url;
}

export interface DeliveryDeps {
  sns: SnsApi;
  /** The alert topic; absent: nothing is published (and `sns` in the result says so). */
  topicArn?: string;
  /** The secret holding the Slack webhook; absent: no Slack. */
  slack?: { secretId: string; secrets: SecretsManagerApi };
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryResult {
  sns: { messageId: string } | { skipped: 'no topic' };
  /** Absent when no Slack webhook is configured. */
  slack?: SlackResult;
}

/**
 * Delivers the alert: SNS first (an SNS failure is thrown, before Slack is tried, so a retried
 * invocation does not post to Slack twice), then Slack. A Slack failure (a bad secret, a 429
 * that lasts, an outage) is in `slack` of the result, for the caller to log; the URL is not in it.
 * A webhook Slack refuses for good (403, 404, 410) is forgotten, so a rotated secret is re-read.
 */
export async function deliver(rendered: RenderedAlert, deps: DeliveryDeps): Promise<DeliveryResult> {
  const sns: DeliveryResult['sns'] = deps.topicArn
    ? { messageId: await publishAlert(deps.sns, deps.topicArn, rendered) }
    : { skipped: 'no topic' };
  if (!deps.slack) return { sns };
  const { secretId, secrets } = deps.slack;
  let url: string;
  try {
    url = await slackWebhookFromSecret(secrets, secretId);
  } catch (error) {
    return { sns, slack: { ok: false, attempts: 0, error: `Slack webhook secret: ${describe(error)}` } };
  }
  const slack = await postToSlack(url, rendered.slack, {
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  if (slack.status === 403 || slack.status === 404 || slack.status === 410) forgetSlackWebhook(secretId);
  return { sns, slack };
}
