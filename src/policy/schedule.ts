/**
 * Schedules: the policy's `frequency` ("1h", "12h", "1d", "7d" or an AWS `cron(...)`), and the
 * largest gap between two runs of AWS Backup `ScheduleExpression`s. Pure; no clock (the start of
 * the window is an argument).
 *
 * AWS cron has six fields, `cron(minutes hours day-of-month month day-of-week year)`
 * (eb-cron-expressions): lists, ranges and steps everywhere but in day-of-week (no steps); names
 * (JAN-DEC, SUN-SAT, SUN = 1); `?` in exactly one of the two day fields; `L` (last day of the
 * month, `L-3`, last weekday `LW`), `W` (nearest weekday, `15W`) in day-of-month; `L` (Saturday),
 * `5L` (last Thursday) and `#` (`2#1`, the first Monday) in day-of-week; years 1970-2199. Times are
 * wall-clock times in the rule's `ScheduleExpressionTimezone` (IANA name, default UTC), so a daily
 * run across a daylight-saving change leaves a 23h or a 25h gap.
 *
 * The gap is measured minute by minute over a fixed window (8 years: two leap-year cycles, so a
 * schedule on 29 February shows its 4-year gap), counting the stretch from the window's start to
 * the first run and from the last run to its end: a schedule whose year field ends inside the
 * window leaves a gap to the end. Work is linear in the window, and each answer is remembered (a
 * bounded cache, keyed by the window's start); nothing here throws — what cannot be read gives
 * `undefined`.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WINDOW_DAYS = 8 * 366;
const WINDOW_MINUTES = WINDOW_DAYS * 1440;
/** Longest expression and time zone name read; longer ones are unreadable (and not remembered). */
const MAX_EXPRESSION_CHARS = 256;
const MAX_ZONE_CHARS = 64;
/** Where the window starts when the caller gives no date (keeps policy validation reproducible). */
const DEFAULT_FROM = Date.UTC(2025, 0, 1);
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export interface Frequency {
  /** Largest allowed gap between two recovery points, in hours. */
  maxGapHours: number;
  /** The AWS Backup schedule that meets it (used when a plan rule must be added). */
  scheduleExpression: string;
}

/** One schedule: the expression and the IANA time zone it is written in (default UTC). */
export interface Schedule {
  expression: string;
  timezone?: string | undefined;
}

export interface ScheduleOptions {
  /** IANA time zone of the expression (AWS Backup's ScheduleExpressionTimezone); default UTC. */
  timezone?: string | undefined;
  /** Start of the window the gaps are measured over; default 2025-01-01T00:00Z. */
  from?: Date | undefined;
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
  if (!/^cron\(/i.test(text.trim())) return undefined;
  const gap = scheduleMaxGapHours(text);
  return gap === undefined || !Number.isFinite(gap)
    ? undefined
    : { maxGapHours: gap, scheduleExpression: text.trim() };
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

/**
 * Largest gap in hours between two runs of an AWS Backup schedule: undefined if the expression
 * (or its time zone) cannot be read, Infinity if it never runs in the window.
 */
export function scheduleMaxGapHours(expression: string, options: ScheduleOptions = {}): number | undefined {
  return unionMaxGapHours([{ expression, timezone: options.timezone }], options.from);
}

/**
 * Largest gap in hours when all the schedules run together (the union of their run times): two
 * daily rules 12 hours apart leave a 12-hour gap. Undefined if any schedule cannot be read.
 */
export function unionMaxGapHours(schedules: Schedule[], from?: Date): number | undefined {
  const start = from?.getTime() ?? DEFAULT_FROM;
  if (schedules.length === 0 || !Number.isFinite(start)) return undefined;
  const minute = Math.floor(start / MINUTE_MS) * MINUTE_MS;
  // Every plan rule of every audit asks, most of them more than once: remembered per window start.
  const key = memoKey(schedules, minute);
  if (key === undefined) return unionGap(schedules, minute);
  if (memo.has(key)) return memo.get(key);
  return remember(memo, key, unionGap(schedules, minute), 512);
}

const memo = new Map<string, number | undefined>();

/** The memo key (the union does not depend on order); undefined for what is not remembered. */
function memoKey(schedules: Schedule[], minute: number): string | undefined {
  const parts: string[] = [];
  for (const { expression, timezone } of schedules) {
    if (typeof expression !== 'string' || expression.length > MAX_EXPRESSION_CHARS) return undefined;
    if (timezone !== undefined && (typeof timezone !== 'string' || timezone.length > MAX_ZONE_CHARS))
      return undefined;
    parts.push(`${expression}\u0000${timezone ?? ''}`);
  }
  return `${minute}\u0001${parts.sort().join('\u0001')}`;
}

/** Stores a value in a bounded cache, dropping the oldest entry when it is full. */
function remember<V>(cache: Map<string, V>, key: string, value: V, limit: number): V {
  if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
  return value;
}

/** One byte per minute of the window, 1 where a schedule runs; reused between calls. */
let window: Uint8Array | undefined;

function unionGap(schedules: Schedule[], from: number): number | undefined {
  let rateGap = Number.POSITIVE_INFINITY;
  const crons: { cron: Cron; zone: Zone }[] = [];
  for (const s of schedules) {
    const text = typeof s.expression === 'string' ? s.expression.trim() : '';
    if (text.length > MAX_EXPRESSION_CHARS) return undefined;
    const rate = /^rate\(\s*(\d{1,6})\s+(minutes?|hours?|days?)\s*\)$/i.exec(text);
    if (rate) {
      const n = Number(rate[1]);
      const unit = (rate[2] ?? '').toLowerCase();
      if (n < 1) return undefined;
      // A rate has no fixed phase: the union cannot gap more than its own period.
      rateGap = Math.min(rateGap, unit.startsWith('day') ? n * 24 : unit.startsWith('hour') ? n : n / 60);
      continue;
    }
    const cron = parseCron(text);
    const zone = cron && zoneOf(s.timezone, from);
    if (!cron || !zone) return undefined;
    crons.push({ cron, zone });
  }
  if (crons.length === 0) return rateGap;
  window ??= new Uint8Array(WINDOW_MINUTES);
  const fires = window;
  fires.fill(0);
  let any = false;
  for (const { cron, zone } of crons) any = mark(cron, zone, from, fires) || any;
  if (!any) return rateGap;
  let last = 0;
  let gap = 0;
  for (let i = fires.indexOf(1); i >= 0; i = fires.indexOf(1, i + 1)) {
    if (i - last > gap) gap = i - last;
    last = i;
  }
  gap = Math.max(gap, WINDOW_MINUTES - last);
  return Math.min(rateGap, gap / 60);
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

type DayOfMonth =
  | { kind: 'days'; days: Set<number> }
  | { kind: 'last'; before: number }
  | { kind: 'last-weekday' }
  | { kind: 'nearest-weekday'; day: number };

type DayOfWeek =
  | { kind: 'days'; days: Set<number> }
  | { kind: 'last-of-month'; dow: number }
  | { kind: 'nth'; dow: number; n: number };

interface Cron {
  minutes: number[];
  hours: number[];
  months: Set<number>;
  years: Set<number>;
  /** Exactly one of the two day fields is `?`; the other decides. */
  day: { dom: DayOfMonth } | { dow: DayOfWeek };
}

function parseCron(text: string): Cron | undefined {
  const m = /^cron\((.*)\)$/i.exec(text);
  if (!m?.[1]) return undefined;
  const fields = m[1].trim().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minF, hourF, domF, monthF, dowF, yearF] = fields as [string, string, string, string, string, string];
  const minutes = list(minF, 0, 59, [], 0, true);
  const hours = list(hourF, 0, 23, [], 0, true);
  const months = list(monthF, 1, 12, MONTH_NAMES, 1, true);
  const years = list(yearF, 1970, 2199, [], 0, true);
  if (!minutes || !hours || !months || !years) return undefined;
  // AWS: a value (or *) in one day field needs ? in the other.
  if ((domF === '?') === (dowF === '?')) return undefined;
  const day =
    domF === '?'
      ? ((dow) => (dow ? { dow } : undefined))(dayOfWeek(dowF))
      : ((dom) => (dom ? { dom } : undefined))(dayOfMonth(domF));
  if (!day) return undefined;
  return { minutes, hours, months: new Set(months), years: new Set(years), day };
}

function dayOfMonth(field: string): DayOfMonth | undefined {
  const f = field.toUpperCase();
  if (f === 'L') return { kind: 'last', before: 0 };
  if (f === 'LW') return { kind: 'last-weekday' };
  const before = /^L-(\d{1,2})$/.exec(f);
  if (before) return Number(before[1]) <= 30 ? { kind: 'last', before: Number(before[1]) } : undefined;
  const weekday = /^(\d{1,2})W$/.exec(f);
  if (weekday) {
    const day = Number(weekday[1]);
    return day >= 1 && day <= 31 ? { kind: 'nearest-weekday', day } : undefined;
  }
  const days = list(f, 1, 31, [], 0, true);
  return days ? { kind: 'days', days: new Set(days) } : undefined;
}

function dayOfWeek(field: string): DayOfWeek | undefined {
  const f = field.toUpperCase();
  if (f === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([A-Z]{3}|\d)L$/.exec(f);
  if (last) {
    const dow = value(last[1] ?? '', DOW_NAMES, 1);
    return dow >= 1 && dow <= 7 ? { kind: 'last-of-month', dow } : undefined;
  }
  const nth = /^([A-Z]{3}|\d)#(\d)$/.exec(f);
  if (nth) {
    const dow = value(nth[1] ?? '', DOW_NAMES, 1);
    const n = Number(nth[2]);
    return dow >= 1 && dow <= 7 && n >= 1 && n <= 5 ? { kind: 'nth', dow, n } : undefined;
  }
  const days = list(f, 1, 7, DOW_NAMES, 1, false);
  return days ? { kind: 'days', days: new Set(days) } : undefined;
}

/** A number or a name ("MON" -> 2 with base 1); NaN when it is neither. */
function value(s: string, names: string[], nameBase: number): number {
  if (/^\d{1,4}$/.test(s)) return Number(s);
  const i = names.indexOf(s.toUpperCase());
  return i >= 0 ? i + nameBase : Number.NaN;
}

/** `*`, `a`, `a-b`, `a/s`, `a-b/s`, `*\/s`, comma-separated; sorted values, or undefined. */
function list(
  field: string,
  min: number,
  max: number,
  names: string[],
  nameBase: number,
  steps: boolean,
): number[] | undefined {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const pieces = part.split('/');
    if (pieces.length > 2 || (pieces.length === 2 && !steps)) return undefined;
    const [range = '', stepText] = pieces;
    const step = stepText === undefined ? 1 : /^\d{1,4}$/.test(stepText) ? Number(stepText) : Number.NaN;
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const bounds = range.split('-');
      if (bounds.length !== 2) return undefined;
      lo = value(bounds[0] ?? '', names, nameBase);
      hi = value(bounds[1] ?? '', names, nameBase);
    } else {
      lo = value(range, names, nameBase);
      hi = stepText === undefined ? lo : max;
    }
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max || lo > hi)
      return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Run times
// ---------------------------------------------------------------------------------------------

/** Marks every run of `cron` inside the window; true when there is at least one. */
function mark(cron: Cron, zone: Zone, from: number, fires: Uint8Array): boolean {
  const end = from + WINDOW_MINUTES * MINUTE_MS;
  // Local calendar days covering the window, one day of slack on each side.
  const firstDay = Math.floor((from + zone.offsetAt(from)) / DAY_MS) - 1;
  const lastDay = Math.floor((end + zone.offsetAt(end)) / DAY_MS) + 1;
  let any = false;
  for (let day = firstDay; day <= lastDay; day++) {
    const date = new Date(day * DAY_MS);
    const year = date.getUTCFullYear();
    const month = date.getUTCMonth() + 1;
    if (!cron.years.has(year) || !cron.months.has(month) || !dayMatches(cron, date)) continue;
    const midnight = day * DAY_MS;
    // The same offset all day unless a daylight-saving change is near.
    const steady = zone.offsetAt(midnight - 2 * DAY_MS) === zone.offsetAt(midnight + 2 * DAY_MS);
    const offset = zone.offsetAt(midnight);
    for (const h of cron.hours) {
      for (const m of cron.minutes) {
        const local = midnight + (h * 60 + m) * MINUTE_MS;
        const at = steady ? local - offset : zone.toUtc(local);
        const i = (at - from) / MINUTE_MS;
        if (i >= 0 && i < WINDOW_MINUTES) {
          fires[i] = 1;
          any = true;
        }
      }
    }
  }
  return any;
}

function dayMatches(cron: Cron, date: Date): boolean {
  const d = date.getUTCDate();
  const last = daysInMonth(date.getUTCFullYear(), date.getUTCMonth());
  const dow = date.getUTCDay() + 1; // SUN = 1
  if ('dom' in cron.day) {
    const dom = cron.day.dom;
    switch (dom.kind) {
      case 'days':
        return dom.days.has(d);
      case 'last':
        return d === last - dom.before;
      case 'last-weekday':
        return d === nearestWeekday(date, last, last);
      case 'nearest-weekday':
        return dom.day <= last && d === nearestWeekday(date, dom.day, last);
    }
  }
  const w = cron.day.dow;
  switch (w.kind) {
    case 'days':
      return w.days.has(dow);
    case 'last-of-month':
      return dow === w.dow && d + 7 > last;
    case 'nth':
      return dow === w.dow && Math.ceil(d / 7) === w.n;
  }
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The weekday nearest to `target` in the month of `date`, never crossing into another month. */
function nearestWeekday(date: Date, target: number, last: number): number {
  const dow = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), target)).getUTCDay();
  if (dow === 6) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (dow === 0) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

interface Zone {
  /** Offset (local - UTC) in ms at an instant. */
  offsetAt(utc: number): number;
  /** The instant of a local wall-clock time; a time skipped by a clock change runs just after it. */
  toUtc(local: number): number;
}

const UTC_ZONE: Zone = { offsetAt: () => 0, toUtc: (local) => local };
const zones = new Map<string, Zone | undefined>();

function zoneOf(name: string | undefined, from: number): Zone | undefined {
  if (name === undefined || name === '') return UTC_ZONE;
  if (typeof name !== 'string' || name.length > MAX_ZONE_CHARS) return undefined;
  if (/^(Etc\/)?(UTC|GMT|UCT|Zulu|Universal)$/i.test(name)) return UTC_ZONE;
  const key = `${name}\u0000${from}`;
  if (zones.has(key)) return zones.get(key);
  let zone: Zone | undefined;
  try {
    zone = buildZone(name, from - 3 * DAY_MS, from + (WINDOW_DAYS + 3) * DAY_MS);
  } catch {
    zone = undefined; // not an IANA zone this runtime knows
  }
  return remember(zones, key, zone, 64);
}

/** The zone's offset changes between two instants, found week by week and then to the minute. */
function buildZone(name: string, start: number, end: number): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const probe = (t: number): number => {
    const p: Record<string, number> = {};
    for (const part of format.formatToParts(t))
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    const local = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0);
    return local - Math.floor(t / MINUTE_MS) * MINUTE_MS;
  };
  const changes: { at: number; offset: number }[] = [{ at: Number.NEGATIVE_INFINITY, offset: probe(start) }];
  let before = changes[0]?.offset ?? 0;
  const stride = 7 * DAY_MS; // clock changes are months apart
  for (let t = start + stride; t <= end + stride; t += stride) {
    const now = probe(t);
    if (now === before) continue;
    let lo = t - stride;
    let hi = t;
    while (hi - lo > MINUTE_MS) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
      if (probe(mid) === before) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi, offset: now });
    before = now;
  }
  const offsetAt = (utc: number): number => {
    let lo = 0;
    let hi = changes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((changes[mid]?.at ?? 0) <= utc) lo = mid;
      else hi = mid - 1;
    }
    return changes[lo]?.offset ?? 0;
  };
  const toUtc = (local: number): number => {
    const guess = offsetAt(local);
    const first = offsetAt(local - guess);
    if (first === guess) return local - guess;
    if (offsetAt(local - first) === first) return local - first;
    return local - Math.min(guess, first); // skipped by a clock change: runs as if not skipped, an hour on
  };
  return { offsetAt, toUtc };
}

/** "36h" / "3.1d": hours below two days, days from there on; "never" for no run at all. */
export function formatHours(hours: number): string {
  if (!Number.isFinite(hours)) return 'never';
  if (hours >= 48) return `${(hours / 24).toFixed(1).replace(/\.0$/, '')}d`;
  return `${Math.round(hours * 10) / 10}h`;
}
