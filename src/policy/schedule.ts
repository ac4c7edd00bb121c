/**
 * Schedules: the policy's `frequency` ("1h", "12h", "1d", "7d" or an AWS `cron(...)`), and the
 * largest gap between two runs of an AWS Backup `ScheduleExpression`. Pure; no clock.
 *
 * AWS cron has six fields: minutes hours day-of-month month day-of-week year. The gap is found by
 * walking a fixed 400-day window hour by hour, which handles lists, ranges, steps, `L` and names
 * without special cases. Tokens we cannot interpret (`W`, `#`) give `undefined`: "cannot tell".
 */

const HOUR_MS = 3_600_000;
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export interface Frequency {
  /** Largest allowed gap between two recovery points, in hours. */
  maxGapHours: number;
  /** The AWS Backup schedule that meets it (used when a plan rule must be added). */
  scheduleExpression: string;
}

/** Parses "1h" | "12h" | "1d" | "7d" | "cron(...)"; undefined when it is none of those. */
export function parseFrequency(text: string): Frequency | undefined {
  const simple = /^(\d+)\s*([hd])$/.exec(text.trim());
  if (simple) {
    const n = Number(simple[1]);
    const hours = simple[2] === 'h' ? n : n * 24;
    if (hours < 1) return undefined;
    return { maxGapHours: hours, scheduleExpression: cronForHours(hours) };
  }
  const gap = scheduleMaxGapHours(text);
  return gap === undefined ? undefined : { maxGapHours: gap, scheduleExpression: text.trim() };
}

/** A cron that runs at least every `hours` hours (AWS Backup's default start is 05:00 UTC). */
function cronForHours(hours: number): string {
  if (hours < 24) {
    const step = largestDivisorOf24AtMost(hours);
    return step === 1 ? 'cron(0 * ? * * *)' : `cron(0 0/${step} ? * * *)`;
  }
  if (hours < 24 * 7) return 'cron(0 5 ? * * *)';
  if (hours < 24 * 31) return 'cron(0 5 ? * SUN *)';
  return 'cron(0 5 1 * ? *)';
}

function largestDivisorOf24AtMost(hours: number): number {
  for (let d = Math.floor(hours); d >= 1; d--) if (24 % d === 0) return d;
  return 1;
}

/** Largest gap in hours between two runs of an AWS Backup schedule, or undefined if unreadable. */
export function scheduleMaxGapHours(expression: string): number | undefined {
  const rate = /^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$/i.exec(expression.trim());
  if (rate) return Number(rate[1]) * (rate[2]?.toLowerCase().startsWith('day') ? 24 : 1);
  const m = /^cron\((.*)\)$/i.exec(expression.trim());
  if (!m?.[1]) return undefined;
  const fields = m[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [, hourF, domF, monthF, dowF] = fields as [string, string, string, string, string, string];
  const hours = expandField(hourF, 0, 23, []);
  const months = expandField(monthF, 1, 12, MONTH_NAMES, 1);
  const dows = dowF === '?' || dowF === '*' ? 'any' : expandField(dowF, 1, 7, DOW_NAMES, 1);
  const domAny = domF === '?' || domF === '*';
  const lastDay = domF === 'L';
  const doms = domAny || lastDay ? 'any' : expandField(domF, 1, 31, []);
  if (!hours || !months || !dows || !doms) return undefined;

  const start = Date.UTC(2025, 0, 1);
  const fires: number[] = [];
  for (let h = 0; h < 400 * 24; h++) {
    const t = new Date(start + h * HOUR_MS);
    if (!hours.has(t.getUTCHours()) || !months.has(t.getUTCMonth() + 1)) continue;
    if (dows !== 'any' && !dows.has(t.getUTCDay() + 1)) continue;
    if (lastDay && new Date(start + (h + 24) * HOUR_MS).getUTCDate() !== 1) continue;
    if (doms !== 'any' && !doms.has(t.getUTCDate())) continue;
    fires.push(h);
  }
  if (fires.length < 2) return fires.length === 1 ? 365 * 24 : undefined;
  let gap = 0;
  for (let i = 1; i < fires.length; i++) gap = Math.max(gap, (fires[i] ?? 0) - (fires[i - 1] ?? 0));
  return gap;
}

function expandField(
  field: string,
  min: number,
  max: number,
  names: string[],
  nameBase = 0,
): Set<number> | undefined {
  const out = new Set<number>();
  const value = (s: string): number => {
    const i = names.indexOf(s.toUpperCase());
    return i >= 0 ? i + nameBase : Number(s);
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max || lo > hi)
      return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** "36h" / "3.1d": hours below two days, days from there on. */
export function formatHours(hours: number): string {
  if (hours >= 48) return `${(hours / 24).toFixed(1).replace(/\.0$/, '')}d`;
  return `${Math.round(hours * 10) / 10}h`;
}
