/**
 * The Slack incoming-webhook payload (pure): Block Kit blocks and a `text` fallback for
 * notifications. Every piece of text is escaped (`&`, `<`, `>`: text.ts), so a bucket name or a
 * status message containing `<!channel>` or `<@U…>` is shown, never acted on. Lengths stay under
 * Block Kit's limits (https://api.slack.com/reference/block-kit/blocks): header 150, section text
 * 3000, field 2000 characters, 10 fields; a button URL 3000 characters.
 */
import { consoleName } from './console.js';
import type { View } from './render.js';
import { clip, oneLine, slackEscape } from './text.js';

/** Escaped, then clipped to `max` characters; an entity cut in half ("&am…") is dropped whole. */
function esc(s: string, max: number): string {
  const escaped = slackEscape(s);
  if (escaped.length <= max) return escaped;
  const cut = clip(escaped, max);
  const amp = cut.lastIndexOf('&');
  return amp >= 0 && !cut.slice(amp).includes(';') ? `${cut.slice(0, amp)}…` : cut;
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const section = (title: string, body: string) => ({ type: 'section', text: mrkdwn(`*${title}*\n${body}`) });

/** A console link Slack accepts as a button (https, at most 3000 characters). */
const buttonUrl = (url: string) => (url.startsWith('https://') && url.length <= 3000 ? url : undefined);

export function slackPayload(v: View): unknown {
  const s = v.signal;
  const title = `${v.stage ? `[${v.stage}] ` : ''}${v.headline}`;
  const url = buttonUrl(s.consoleUrl);
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: esc(oneLine(title), 150), emoji: true } },
    {
      type: 'section',
      fields: v.facts
        .slice(0, 10)
        .map(([label, value]) => mrkdwn(`*${label}*\n${esc(oneLine(value), 1900)}`)),
    },
  ];
  if (s.reason && !v.recovery) blocks.push(section('Reason (AWS)', esc(s.reason, 2900)));
  blocks.push(section(v.recovery ? 'What happened' : 'What it means', esc(s.meaning, 2900)));
  if (!v.recovery && s.nextSteps.length)
    blocks.push(section('Next steps', esc(s.nextSteps.map((step) => `• ${step}`).join('\n'), 2900)));
  if (url)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: `Open in the ${consoleName(url)}` },
          url,
          ...(v.recovery ? {} : { style: 'danger' }),
        },
      ],
    });
  blocks.push({
    type: 'context',
    elements: [mrkdwn(esc(`${v.history} Incident ${v.record.incident}`, 2900))],
  });
  const where = s.resourceArn ? ` (${s.resourceArn})` : '';
  return { text: esc(oneLine(`${title}${where}`), 3000), blocks };
}
