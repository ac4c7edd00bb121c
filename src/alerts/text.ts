/**
 * Text for the channels (pure): one-line subjects, clipping, and making user-controlled text
 * (tag values, bucket names, AWS status messages, ARNs) inert in chat markup.
 */

/** Line breaks, control and invisible format characters (bidi overrides, zero-width) as spaces. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;

/** One line: no line breaks or control characters, runs of spaces folded, trimmed. */
export const oneLine = (s: string): string => s.replace(UNPRINTABLE, ' ').replace(/ {2,}/g, ' ').trim();

/**
 * At most `max` UTF-16 units, ending in "…" when cut; never splits a surrogate pair (an emoji in a
 * tag value stays whole or goes).
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = '';
  for (const ch of s) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * Slack's escaping (https://api.slack.com/reference/surfaces/formatting#escaping): `&`, `<`, `>`
 * as HTML entities. Slack reads control sequences (`<!channel>`, `<@U123>`, `<url|text>`) only
 * from a literal `<`, so escaped text can neither mention nor link.
 */
export const slackEscape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * User text for the AWS chat-channel format (client-markdown, rendered in Slack, Teams or Chime
 * markup): `<` `>` become the look-alikes ‹ › (no mention, link or HTML on any platform),
 * backticks become ', and it is set as inline code on one line (no bold, links or lists).
 */
export const chatCode = (s: string): string =>
  `\`${oneLine(s).replace(/</g, '‹').replace(/>/g, '›').replace(/`/g, "'")}\``;

/** User text in running chat prose: the same look-alikes, without the code span. */
export const chatText = (s: string): string => s.replace(/</g, '‹').replace(/>/g, '›');
