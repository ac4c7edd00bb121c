/** One error base; subclasses name themselves and keep the cause. */
export class SentinelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SentinelError';
  }
}

/** How many problems an InvalidFileError lists before "... and N more". */
export const MAX_PROBLEMS = 20;
/** Longest problem line shown; longer ones (a 500 kB key) end in "…". */
const MAX_PROBLEM_CHARS = 300;

/**
 * A file (policy or inventory) that does not fit its schema: one line per problem, with its path.
 * `problems` is kept as given; the message shows each on one line, control characters escaped
 * and long lines cut, so text from a hostile file cannot reshape a terminal or a log.
 */
export class InvalidFileError extends SentinelError {
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file} is invalid:\n${problems.map((p) => `  - ${oneLine(p, MAX_PROBLEM_CHARS)}`).join('\n')}`,
      options,
    );
    this.name = 'InvalidFileError';
  }
}

/** The first MAX_PROBLEMS of `items` as lines, then "... and N more" when there are more. */
export function capProblems<T>(items: readonly T[], line: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_PROBLEMS).map(line);
  if (items.length > MAX_PROBLEMS) shown.push(`... and ${items.length - MAX_PROBLEMS} more`);
  return shown;
}

/**
 * `text` with control and bidirectional-override characters written as \uXXXX escapes; tabs
 * and (unless `keepNewlines` is false) newlines are kept.
 */
export function printable(text: string, keepNewlines = true): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const unsafe =
      (c < 0x20 && c !== 0x09 && (c !== 0x0a || !keepNewlines)) ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069);
    if (!unsafe) continue;
    out += `${text.slice(from, i)}\\u${c.toString(16).padStart(4, '0')}`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** `text` as one printable line of at most `max` characters. */
export function oneLine(text: string, max: number): string {
  const line = printable(text.length > max * 6 ? text.slice(0, max * 6) : text, false);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** "Name: message" of anything thrown (an AWS SDK error, an Error, a value), for results and logs. */
export function errorText(e: unknown): string {
  const err = e as Error | undefined;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}
