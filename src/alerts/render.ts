/**
 * A decision as messages (pure): the SNS Subject and message attributes, the SNS Message with
 * MessageStructure json (the AWS chat-channel custom notification for chat, readable text for
 * e-mail), and the Slack Block Kit payload (slack.ts).
 *
 * The chat format is the "custom notification" of Amazon Q Developer in chat applications
 * (formerly AWS Chatbot), https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html:
 * `version` "1.0" and `source` "custom" are required; `content` holds textType
 * ("client-markdown" is the only one), title, description, nextSteps and keywords; `metadata`
 * holds threadId (notifications with one threadId thread together: the incident key here),
 * summary, eventType, relatedResources, additionalContext and enableCustomActions.
 *
 * Protocols: Amazon Q subscribes to the topic over HTTPS and reads the custom JSON; `default`,
 * http(s), sqs, lambda, firehose and email-json (read by programs) get the same JSON; `email`
 * gets the text; `sms` the subject alone.
 */
import { consoleName } from './console.js';
import { slackPayload } from './slack.js';
import { chatCode, chatText, clip, oneLine } from './text.js';
import type { Decision, IncidentRecord, RenderedAlert, Signal } from './types.js';

export interface RenderOptions {
  /** The deployment stage, shown as "[stage]" in front of every subject. */
  stage?: string;
}

/** What every channel says, before its own formatting. User text is still raw here. */
export interface View {
  recovery: boolean;
  signal: Signal;
  record: IncidentRecord;
  /** The subject without the stage: "HIGH: Backup failed: db:orders" or "Recovered: …". */
  headline: string;
  stage?: string;
  facts: [label: string, value: string][];
  history: string;
}

/** SNS: "less than 100 characters", no line breaks or control characters (Publish, Subject). */
export const SUBJECT_MAX = 99;

export function view(d: Decision & { send: 'alert' | 'recovery' }, o: RenderOptions): View {
  const { signal, record } = d;
  const recovery = d.send === 'recovery';
  const headline = recovery
    ? `Recovered: ${record.title}`
    : `${signal.severity.toUpperCase()}: ${signal.title}`;
  const facts: [string, string | undefined][] = [
    ['Resource', signal.resourceArn],
    ['Type', signal.resourceType],
    ['Policy', signal.policy ?? 'none (outside every policy)'],
    ['Account', signal.account],
    ['Region', signal.region],
    ['Job', signal.jobId],
    [signal.ruleId ? 'Rule' : 'Event', signal.ruleId ?? signal.eventType],
    ['When', signal.at],
  ];
  const seen = `${record.count} failing signal${record.count === 1 ? '' : 's'} since ${record.openedAt}`;
  return {
    recovery,
    signal,
    record,
    headline,
    ...(o.stage ? { stage: o.stage } : {}),
    facts: facts.filter((f): f is [string, string] => f[1] !== undefined && f[1] !== ''),
    history: recovery
      ? `Closed after ${seen}.`
      : record.count > 1
        ? `Still failing: ${seen}.`
        : 'First alert.',
  };
}

/** The rendered alert for every channel. */
export function render(d: Decision & { send: 'alert' | 'recovery' }, o: RenderOptions): RenderedAlert {
  const v = view(d, o);
  const chat = JSON.stringify(chatNotification(v));
  const subject = subjectOf(v);
  const message: Record<string, string> = {
    default: chat,
    email: emailText(v),
    'email-json': chat,
    http: chat,
    https: chat,
    sqs: chat,
    lambda: chat,
    firehose: chat,
    sms: subject,
  };
  return {
    subject,
    attributes: attributesOf(v),
    snsMessage: JSON.stringify(message),
    slack: slackPayload(v),
  };
}

function subjectOf(v: View): string {
  return clip(oneLine(`${v.stage ? `[${v.stage}] ` : ''}${v.headline}`), SUBJECT_MAX);
}

/** For SNS subscription filter policies; every value non-empty. */
function attributesOf(v: View): Record<string, string> {
  const s = v.signal;
  const value = (x: string | undefined, fallback: string) =>
    x && x.trim() !== '' ? clip(oneLine(x), 256) : fallback;
  return {
    severity: v.recovery ? v.record.severity : s.severity,
    account: value(s.account, 'unknown'),
    region: value(s.region, 'unknown'),
    policy: value(s.policy, 'none'),
    ...(s.ruleId ? { ruleId: value(s.ruleId, 'none') } : { eventType: value(s.eventType, 'none') }),
    kind: s.kind,
    state: v.recovery ? 'recovered' : 'failing',
  };
}

/**
 * The custom notification (the schema above). Every string that can hold user text goes through
 * chatCode/chatText (look-alike brackets), identifiers too: the mapping is stable, so a threadId
 * still threads every message of its incident.
 */
export function chatNotification(v: View) {
  const s = v.signal;
  const lines = [
    ...(v.stage ? [`*Stage:* ${chatCode(v.stage)}`] : []),
    ...v.facts.map(([label, value]) => `*${label}:* ${chatCode(clip(value, 300))}`),
    ...(s.reason && !v.recovery ? [`*Reason (AWS):* ${chatCode(clip(s.reason, 1500))}`] : []),
    `*What it means:* ${chatText(s.meaning)}`,
    `*Console:* ${chatText(s.consoleUrl)}`,
    `_${chatText(v.history)}_`,
  ];
  return {
    version: '1.0',
    source: 'custom',
    id: chatText(`${v.record.incident}#${v.record.version}`),
    content: {
      textType: 'client-markdown',
      title: chatText(clip(oneLine(`${v.stage ? `[${v.stage}] ` : ''}${v.headline}`), 250)),
      description: lines.join('\n'),
      nextSteps: v.recovery ? [] : s.nextSteps.map(chatText),
      keywords: [v.recovery ? 'recovered' : s.severity, s.kind, s.policy ?? 'no-policy'].map((k) =>
        chatText(clip(oneLine(k), 64)),
      ),
    },
    metadata: {
      threadId: chatText(v.record.incident),
      summary: chatText(clip(oneLine(v.headline), 250)),
      eventType: s.kind,
      relatedResources: s.resourceArn ? [chatText(s.resourceArn)] : [],
      additionalContext: Object.fromEntries(
        v.facts.map(([label, value]) => [label, chatText(clip(value, 300))]),
      ),
      enableCustomActions: false,
    },
  };
}

/** Plain text for e-mail: nothing to escape, but every fact on its own single line. */
export function emailText(v: View): string {
  const s = v.signal;
  const width = Math.max(...v.facts.map(([label]) => label.length));
  const indent = (t: string) => t.split(/\r?\n/).map((l) => `  ${l}`);
  return [
    v.headline,
    ...(v.stage ? [`Stage: ${oneLine(v.stage)}`] : []),
    '',
    ...v.facts.map(([label, value]) => `${label.padEnd(width)}  ${oneLine(value)}`),
    ...(s.reason && !v.recovery ? ['', 'Reason (from AWS):', ...indent(s.reason)] : []),
    '',
    'What it means:',
    ...indent(s.meaning),
    ...(!v.recovery && s.nextSteps.length
      ? ['', 'Next steps:', ...s.nextSteps.map((step, i) => `  ${i + 1}. ${step}`)]
      : []),
    '',
    `${consoleName(s.consoleUrl)}:`,
    `  ${s.consoleUrl}`,
    '',
    v.history,
    `Incident: ${v.record.incident}`,
    '-- backup-sentinel',
  ].join('\n');
}
