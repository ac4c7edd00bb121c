/**
 * Alerts, end to end: signals (from an AWS Backup event or the sweep's findings) -> one decision
 * per incident against the incident table -> the rendered message -> SNS (and Slack). The
 * incident is claimed in the table before anything is sent, so two invocations never both send
 * it; a send that fails gives the claim back and rethrows (the invocation is retried, then lands
 * in the failed-events queue), so an alert is never lost to a claim.
 */

import { signalsFromEvent } from '../alerts/classify.js';
import { type DeliveryResult, deliver } from '../alerts/deliver.js';
import { decide } from '../alerts/incidents.js';
import { render } from '../alerts/render.js';
import { DynamoIncidentStore } from '../alerts/store.js';
import type { AlertSeverity, IncidentRecord, IncidentStore, RenderedAlert, Signal } from '../alerts/types.js';
import { isSnsEvent, signalsFromVaultNotifications } from '../alerts/vault-notifications.js';
import type { Aws } from '../aws/clients.js';
import type { PolicySet } from '../policy/index.js';
import { callerRoleOf } from './events.js';

export interface AlertSettings {
  /** Within this many minutes an open incident sends no second alert (a reminder after). */
  windowMinutes: number;
  /** Signals below this severity are recorded, not sent. */
  minSeverity: AlertSeverity;
  /** How long a resolved or quiet incident is kept (DynamoDB TTL). */
  ttlDays: number;
  stage?: string;
}

export interface AlertDeps {
  store: IncidentStore;
  /** Sends one rendered alert (SNS first, then Slack); throws only when SNS failed. */
  send: (rendered: RenderedAlert) => Promise<unknown>;
  settings: AlertSettings;
  now: Date;
}

export interface AlertOutcome {
  incident: string;
  sent: 'alert' | 'recovery' | 'none';
  why?: string;
  subject?: string;
}

/**
 * What an AWS Backup event (EventBridge) or a vault notification (SNS) asks to be told. Events our
 * own roles caused (a fix) tell nothing.
 */
export async function onBackupEvent(
  event: unknown,
  policies: PolicySet,
  ownRoleArns: readonly string[],
  deps: AlertDeps,
): Promise<AlertOutcome[]> {
  const caller = callerRoleOf(event);
  if (caller && ownRoleArns.includes(caller)) return [];
  const signals = isSnsEvent(event)
    ? signalsFromVaultNotifications(event)
    : signalsFromEvent(event, { policies });
  return alertOn(signals, deps);
}

/** Each signal decided against its incident and, when it says so, sent. */
export async function alertOn(signals: Signal[], deps: AlertDeps): Promise<AlertOutcome[]> {
  const out: AlertOutcome[] = [];
  for (const signal of signals) out.push(await alertOne(signal, deps));
  return out;
}

const ATTEMPTS = 3;

async function alertOne(signal: Signal, deps: AlertDeps): Promise<AlertOutcome> {
  const { store, settings, now } = deps;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const stored = await store.get(signal.incident);
    const d = decide(signal, stored, { now, ...settings });
    if (d.send === 'none') {
      if (d.record && !(await store.put(d.record))) continue; // someone else wrote: decide again
      return { incident: signal.incident, sent: 'none', why: d.why };
    }
    if (!(await store.put(d.record))) continue;
    const rendered = render(d, settings.stage ? { stage: settings.stage } : {});
    try {
      await deps.send(rendered);
    } catch (e) {
      await giveBack(store, d.record, stored);
      throw e;
    }
    return { incident: signal.incident, sent: d.send, subject: rendered.subject };
  }
  return { incident: signal.incident, sent: 'none', why: `incident changed under ${ATTEMPTS} attempts` };
}

/** A claim whose message was not sent: the stored record as it was, one version later. */
async function giveBack(store: IncidentStore, claimed: IncidentRecord, before: IncidentRecord | undefined) {
  const restored: IncidentRecord = before
    ? { ...before, version: claimed.version + 1 }
    : { ...claimed, state: 'resolved', count: 0, version: claimed.version + 1 };
  await store.put(restored).catch(() => false);
}

/** The incident table and the deliveries of the deployed functions (settings from the environment). */
export function deployedAlertDeps(
  aws: Aws,
  region: string,
  alertTopicArn: string | undefined,
  settings: AlertSettings & { incidentTable: string; slackSecretId?: string },
  now: Date,
  log: (result: DeliveryResult) => void,
): AlertDeps {
  const store = new DynamoIncidentStore(aws.dynamodb(region), settings.incidentTable);
  const send = async (rendered: RenderedAlert) => {
    const result = await deliver(rendered, {
      sns: aws.sns(region),
      ...(alertTopicArn ? { topicArn: alertTopicArn } : {}),
      ...(settings.slackSecretId
        ? { slack: { secretId: settings.slackSecretId, secrets: aws.secretsManager(region) } }
        : {}),
    });
    log(result);
    return result;
  };
  return { store, send, settings, now };
}
