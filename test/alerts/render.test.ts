/** Rendering: the SNS subject and attributes, the chat-channel custom format, e-mail text, Slack. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signalsFromEvent } from '../../src/alerts/classify.js';
import { decide } from '../../src/alerts/incidents.js';
import { render } from '../../src/alerts/render.js';
import type { Decision, IncidentRecord, Signal } from '../../src/alerts/types.js';
import { parsePolicies } from '../../src/policy/index.js';
import { type Json, raw } from '../support/fixtures.js';

const NOW = new Date('2020-07-29T20:16:00Z');
const policies = parsePolicies('policies:\n  gold: { vault: 9ab3e749-82c6-4342-9320-5edbf4918b86 }\n');
const settings = { now: NOW, windowMinutes: 60, ttlDays: 30, minSeverity: 'medium' as const };

/** The alert decision for the published FAILED backup job (optionally edited first). */
function failedBackup(edit: (e: Json) => void = () => {}): Decision & { send: 'alert' } {
  const e = raw('events/backup_job_state_change_failed.json');
  edit(e);
  const [signal] = signalsFromEvent(e, { policies });
  if (!signal) throw new Error('no signal');
  const d = decide(signal, undefined, settings);
  if (d.send !== 'alert') throw new Error('expected an alert');
  return d;
}

const message = (snsMessage: string): Record<string, string> => JSON.parse(snsMessage);
const chat = (snsMessage: string) => JSON.parse(message(snsMessage).default ?? '{}');

describe('render: SNS', () => {
  it('gives a one-line subject with severity, stage and title, and filterable attributes', () => {
    const r = render(failedBackup(), { stage: 'prod' });
    expect(r.subject).toBe('[prod] HIGH: Backup failed: resource-type/resource-id');
    expect(r.attributes).toEqual({
      severity: 'high',
      account: '1112233445566',
      region: 'us-west-2',
      policy: 'gold',
      eventType: 'Backup Job State Change',
      kind: 'backup-failed',
      state: 'failing',
    });
  });

  it('keeps subjects under 100 characters, on one line, for long and hostile titles', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.string({ maxLength: 60 }),
        (title, stage) => {
          const d = failedBackup();
          const r = render({ ...d, signal: { ...d.signal, title } }, { stage });
          expect(r.subject.length).toBeLessThanOrEqual(99);
          expect(r.subject).not.toMatch(/[\p{Cc}\p{Zl}\p{Zp}]/u);
        },
      ),
    );
    const d = failedBackup((e) => {
      e.detail.resourceArn = `arn:aws:s3:::${'b'.repeat(63)}`;
    });
    const r = render(d, { stage: 'production-eu-central-1' });
    expect(r.subject.length).toBeLessThanOrEqual(100);
    expect(r.subject.endsWith('…')).toBe(true);
  });

  it('says "none" for a signal outside every policy, and names the rule of a sweep signal', () => {
    const d = failedBackup();
    const sweep: Signal = { ...d.signal, policy: undefined, ruleId: 'copies.recent', eventType: undefined };
    expect(render({ ...d, signal: sweep }, {}).attributes).toMatchObject({
      policy: 'none',
      ruleId: 'copies.recent',
    });
  });

  it('carries the AWS chat-channel custom notification with its documented required fields', () => {
    // Prepare
    const d = failedBackup();
    // Act
    const m = message(render(d, {}).snsMessage);
    const n = JSON.parse(m.default ?? '{}');
    // Assess: every protocol value is a string (SNS MessageStructure json), chat JSON everywhere but e-mail and SMS
    expect(Object.values(m).every((v) => typeof v === 'string')).toBe(true);
    for (const protocol of ['https', 'http', 'sqs', 'lambda', 'firehose', 'email-json'])
      expect(m[protocol]).toBe(m.default);
    expect(n.version).toBe('1.0');
    expect(n.source).toBe('custom');
    expect(n.content.textType).toBe('client-markdown');
    expect(typeof n.content.title).toBe('string');
    expect(n.content.description.length).toBeGreaterThan(0);
    expect(n.content.nextSteps.length).toBeGreaterThan(0);
    expect(n.content.nextSteps.every((s: unknown) => typeof s === 'string')).toBe(true);
    expect(n.metadata.threadId).toBe(d.record.incident);
    expect(n.metadata.enableCustomActions).toBe(false);
    expect(n.metadata.relatedResources).toEqual([
      'arn:aws:service:us-west-2:1112233445566:resource-type/resource-id',
    ]);
    expect(Object.values(n.metadata.additionalContext).every((v) => typeof v === 'string')).toBe(true);
  });

  it('gives e-mail readable text with the facts, AWS reason, meaning, steps and console link', () => {
    const d = failedBackup();
    const text = message(render(d, {}).snsMessage).email ?? '';
    expect(text.startsWith('HIGH: Backup failed: resource-type/resource-id\n')).toBe(true);
    expect(text).toContain('Policy    gold');
    expect(text).toContain('Job       34176239-e96d-4e1d-9fad-529dbb3c3556');
    expect(text).toContain(`  ${d.signal.reason}`);
    expect(text).toContain('Next steps:\n  1. ');
    expect(text).toContain(`  ${d.signal.consoleUrl}`);
    expect(text).not.toContain('{');
  });
});

describe('render: user text is inert', () => {
  const hostile = failedBackup((e) => {
    e.detail.resourceArn = 'arn:aws:s3:::evil<!channel>&co';
    e.detail.statusMessage = 'Denied for <@U123ABC> & <!here> — see <https://evil.example|this>';
  });

  it('escapes &, < and > in every Slack text, so <!channel> and <@U…> neither mention nor link', () => {
    const slack = JSON.stringify(render(hostile, {}).slack);
    expect(slack).not.toContain('<');
    expect(slack).not.toContain('>');
    expect(slack).toContain('evil&lt;!channel&gt;&amp;co');
    expect(slack).toContain('Denied for &lt;@U123ABC&gt; &amp; &lt;!here&gt;');
  });

  it('defuses the same text in the chat-channel format and keeps e-mail verbatim', () => {
    const r = render(hostile, {});
    const n = JSON.stringify(chat(r.snsMessage));
    expect(n).not.toMatch(/[<>]/);
    expect(n).toContain('evil‹!channel›&co');
    expect(message(r.snsMessage).email).toContain('Denied for <@U123ABC> & <!here>');
  });

  it('never lets a "<" through to Slack or chat, whatever the strings (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (resource, reason, title) => {
        const d = failedBackup();
        const r = render(
          { ...d, signal: { ...d.signal, resourceArn: resource, reason, title } },
          { stage: title },
        );
        expect(JSON.stringify(r.slack)).not.toContain('<');
        expect(JSON.stringify(chat(r.snsMessage))).not.toContain('<');
      }),
    );
  });
});

describe('render: Slack layout and recoveries', () => {
  it('has a header, the facts, the reason, meaning, next steps, a console button and a fallback', () => {
    const d = failedBackup();
    const slack = render(d, {}).slack as { text: string; blocks: Json[] };
    const types = slack.blocks.map((b) => b.type);
    expect(types).toEqual(['header', 'section', 'section', 'section', 'section', 'actions', 'context']);
    expect(slack.blocks[0]?.text.text).toBe('HIGH: Backup failed: resource-type/resource-id');
    const fields = slack.blocks[1]?.fields.map((f: Json) => f.text.split('\n')[0]);
    expect(fields).toEqual([
      '*Resource*',
      '*Type*',
      '*Policy*',
      '*Account*',
      '*Region*',
      '*Job*',
      '*Event*',
      '*When*',
    ]);
    expect(slack.blocks[5]?.elements[0].url).toBe(d.signal.consoleUrl);
    expect(slack.text).toContain('HIGH: Backup failed');
  });

  it('renders a recovery as "Recovered: …" with no next steps', () => {
    // Prepare
    const alert = failedBackup();
    const completed = raw('events/backup_job_state_change_completed.json');
    completed.detail.resourceArn = alert.signal.resourceArn;
    completed.detail.backupVaultName = '9ab3e749-82c6-4342-9320-5edbf4918b86';
    completed.time = '2020-07-30T20:15:26Z';
    const [ok] = signalsFromEvent(completed, { policies });
    const d = decide(ok as Signal, alert.record as IncidentRecord, {
      ...settings,
      now: new Date('2020-07-30T20:16:00Z'),
    });
    if (d.send !== 'recovery') throw new Error('expected a recovery');
    // Act
    const r = render(d, {});
    // Assess
    expect(r.subject).toBe('Recovered: Backup failed: resource-type/resource-id');
    expect(r.attributes.state).toBe('recovered');
    expect(chat(r.snsMessage).content.nextSteps).toEqual([]);
    expect(message(r.snsMessage).email).not.toContain('Next steps');
    const slack = r.slack as { blocks: Json[] };
    expect(slack.blocks[0]?.text.text).toBe('Recovered: Backup failed: resource-type/resource-id');
    expect(JSON.stringify(slack)).not.toContain('Next steps');
  });
});
