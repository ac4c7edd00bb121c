import { describe, expect, it } from 'vitest';
import {
  formatHours,
  parseFrequency,
  scheduleMaxGapHours,
  unionMaxGapHours,
} from '../../src/policy/schedule.js';

describe('scheduleMaxGapHours', () => {
  it.each([
    ['cron(0 * ? * * *)', 1],
    ['cron(0 0/4 ? * * *)', 4],
    ['cron(0 5,17 ? * * *)', 12],
    ['cron(0 1,5 ? * * *)', 20],
    ['cron(0 5 ? * * *)', 24],
    ['cron(0 5 ? * SUN *)', 168],
    ['cron(0 5 ? * MON-FRI *)', 72],
    ['cron(0 5 ? * 2,4,6 *)', 72],
    ['cron(0 5 1 * ? *)', 31 * 24],
    ['cron(0 5 L * ? *)', 31 * 24],
    ['rate(12 hours)', 12],
    ['rate(1 day)', 24],
  ])('reads %s as a gap of %i hours', (expression, hours) => {
    // Act
    const gap = scheduleMaxGapHours(expression);
    // Assess
    expect(gap).toBe(hours);
  });

  it.each([
    // W: the weekday nearest the 15th; worst case 15 Mar 2025 (Sat) -> 14 Mar, 15 Apr (Tue) = 32 days
    ['cron(0 5 15W * ? *)', 32 * 24],
    // #: the third Friday; from 2025 the longest stretch is 5 weeks (e.g. 17 Jan -> 21 Feb 2025)
    ['cron(0 5 ? * 6#3 *)', 35 * 24],
    ['cron(0 5 ? * FRI#3 *)', 35 * 24],
    // the first Monday of the month
    ['cron(0 5 ? * 2#1 *)', 35 * 24],
    // L in day-of-week after a number: the last Thursday of the month
    ['cron(0 5 ? * 5L *)', 35 * 24],
    // L alone in day-of-week: Saturday
    ['cron(0 5 ? * L *)', 7 * 24],
    // LW: the last weekday of the month (31 Jan 2025 Fri -> 28 Feb Fri is 28 days; 30 May -> 30 Jun 31 days, ...)
    ['cron(0 5 LW * ? *)', 33 * 24],
    // L-2: two days before the last day of the month
    ['cron(0 5 L-2 * ? *)', 31 * 24],
    // names and ranges of names, lower case too
    ['cron(0 5 ? * mon-fri *)', 72],
    ['cron(0 5 1 JAN,JUL ? *)', 184 * 24],
    // steps in hours and minutes
    ['cron(0/30 * ? * * *)', 0.5],
    ['cron(15 1/6 ? * * *)', 6],
    ['cron(0 2-14/6 ? * * *)', 12],
    // 29 February: every four years
    ['cron(0 5 29 2 ? *)', 1461 * 24],
    // a day that never comes
    ['cron(0 5 30 2 ? *)', Number.POSITIVE_INFINITY],
    ['rate(90 minutes)', 1.5],
  ])('reads %s as a gap of %f hours', (expression, hours) => {
    // Act
    const gap = scheduleMaxGapHours(expression);
    // Assess
    expect(gap).toBe(hours);
  });

  it.each([
    'cron(0 5 ? *)',
    'cron(0 25 ? * * *)',
    'cron(60 5 ? * * *)',
    'cron(0 5 32 * ? *)',
    'cron(0 5 ? * 8 *)',
    'cron(0 5 ? * 2#6 *)',
    'cron(0 5 ? * 2/2 *)',
    'cron(0 5 ? * FOO *)',
    'cron(0 5 ? 13 * *)',
    'cron(0 5 ? * * 1969)',
    'cron(0 5 ? * * 2200)',
    'cron(0 5 * * * *)',
    'cron(0 5 ? * ? *)',
    'cron(0 5 1 * 2 *)',
    'cron(0 5-3 ? * * *)',
    'cron(0 5/0 ? * * *)',
    'cron(0 -1 ? * * *)',
    'cron(0 5 LX * ? *)',
    'cron(0 5 L-31 * ? *)',
    'cron(0 5,, ? * * *)',
    'cron(0 5 ? * 1#1,2#1 *)',
    'cron(((((((((',
    `cron(0 ${'1,'.repeat(200)}1 ? * * *)`,
    'every day',
    '',
  ])('cannot read %s', (expression) => {
    // Act
    const gap = scheduleMaxGapHours(expression);
    // Assess
    expect(gap).toBeUndefined();
  });

  it('never throws, whatever it is given', () => {
    // Prepare
    const inputs = [undefined, null, 42, {}, 'cron()', 'cron(      )', 'cron(\u0000 5 ? * * *)'];
    // Act
    const gaps = inputs.map((x) => scheduleMaxGapHours(x as unknown as string, { timezone: x as never }));
    // Assess
    expect(gaps.every((g) => g === undefined)).toBe(true);
  });

  it('counts a schedule whose year field has ended as never running again', () => {
    // Act
    const gap = scheduleMaxGapHours('cron(0 5 ? * * 2025)', { from: new Date('2026-11-25T06:00:00Z') });
    // Assess
    expect(gap).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts the wait until a schedule whose years start later first runs', () => {
    // Act
    const gap = scheduleMaxGapHours('cron(0 0 ? * * 2027-2199)', { from: new Date('2026-12-31T00:00:00Z') });
    // Assess
    expect(gap).toBe(24);
  });

  it('reads daily runs in a time zone with daylight saving as 25-hour gaps when clocks go back', () => {
    // Act
    const berlin = scheduleMaxGapHours('cron(0 5 ? * * *)', { timezone: 'Europe/Berlin' });
    const newYork = scheduleMaxGapHours('cron(0 5 ? * * *)', { timezone: 'America/New_York' });
    const tokyo = scheduleMaxGapHours('cron(0 5 ? * * *)', { timezone: 'Asia/Tokyo' });
    // Assess
    expect([berlin, newYork, tokyo]).toEqual([25, 25, 24]);
  });

  it('runs a time skipped when clocks go forward just after it, not a day later', () => {
    // Act: 02:30 does not exist in Berlin on the last Sunday of March
    const gap = scheduleMaxGapHours('cron(30 2 ? * * *)', { timezone: 'Europe/Berlin' });
    // Assess
    expect(gap).toBe(25);
  });

  it('cannot read a schedule in an unknown time zone', () => {
    // Act
    const gap = scheduleMaxGapHours('cron(0 5 ? * * *)', { timezone: 'Mars/Olympus_Mons' });
    // Assess
    expect(gap).toBeUndefined();
  });

  it('reads UTC and its aliases as UTC', () => {
    // Act
    const gaps = ['UTC', 'Etc/UTC', 'GMT'].map((tz) =>
      scheduleMaxGapHours('cron(0 5 ? * * *)', { timezone: tz }),
    );
    // Assess
    expect(gaps).toEqual([24, 24, 24]);
  });
});

describe('unionMaxGapHours', () => {
  it('reads two daily schedules 12 hours apart as a 12-hour gap', () => {
    // Act
    const gap = unionMaxGapHours([{ expression: 'cron(0 5 ? * * *)' }, { expression: 'cron(0 17 ? * * *)' }]);
    // Assess
    expect(gap).toBe(12);
  });

  it('reads weekday and weekend schedules together as daily', () => {
    // Act
    const gap = unionMaxGapHours([
      { expression: 'cron(0 5 ? * MON-FRI *)' },
      { expression: 'cron(0 5 ? * SAT,SUN *)' },
    ]);
    // Assess
    expect(gap).toBe(24);
  });

  it('puts schedules in different time zones on one clock', () => {
    // Act: 05:00 UTC and 17:00 Berlin (16:00 UTC in winter, 15:00 UTC in summer)
    const gap = unionMaxGapHours([
      { expression: 'cron(0 5 ? * * *)' },
      { expression: 'cron(0 17 ? * * *)', timezone: 'Europe/Berlin' },
    ]);
    // Assess: from 16:00 UTC to 05:00 UTC the next day
    expect(gap).toBe(14);
  });

  it('cannot read the union when one schedule cannot be read', () => {
    // Act
    const gap = unionMaxGapHours([{ expression: 'cron(0 5 ? * * *)' }, { expression: 'cron(nonsense)' }]);
    // Assess
    expect(gap).toBeUndefined();
  });
});

describe('parseFrequency', () => {
  it('turns shorthand into a gap and a schedule AWS Backup accepts', () => {
    // Act
    const results = ['1h', '6h', '12h', '5h', '1d', '7d', '30d', '31d'].map((f) => parseFrequency(f));
    // Assess
    expect(results).toEqual([
      { maxGapHours: 1, scheduleExpression: 'cron(0 * ? * * *)' },
      { maxGapHours: 6, scheduleExpression: 'cron(0 0/6 ? * * *)' },
      { maxGapHours: 12, scheduleExpression: 'cron(0 0/12 ? * * *)' },
      { maxGapHours: 5, scheduleExpression: 'cron(0 0/4 ? * * *)' },
      { maxGapHours: 24, scheduleExpression: 'cron(0 5 ? * * *)' },
      { maxGapHours: 168, scheduleExpression: 'cron(0 5 ? * SUN *)' },
      { maxGapHours: 720, scheduleExpression: 'cron(0 5 ? * SUN *)' },
      { maxGapHours: 744, scheduleExpression: 'cron(0 5 1 * ? *)' },
    ]);
    for (const r of results)
      expect(scheduleMaxGapHours(r?.scheduleExpression ?? '')).toBeLessThanOrEqual(r?.maxGapHours ?? 0);
  });

  it('keeps a cron expression as the schedule', () => {
    // Act
    const f = parseFrequency('cron(0 5,17 ? * * *)');
    // Assess
    expect(f).toEqual({ maxGapHours: 12, scheduleExpression: 'cron(0 5,17 ? * * *)' });
  });

  it.each(['0h', '1w', 'hourly', '-1d'])('rejects %s', (text) => {
    expect(parseFrequency(text)).toBeUndefined();
  });

  it.each([
    ['cron(0 5 30 2 ? *)', 'never runs'],
    ['cron(0 5 * * * *)', 'AWS rejects * in both day fields'],
    ['rate(12 hours)', 'AWS Backup schedules are cron expressions'],
  ])('rejects %s (%s)', (text) => {
    expect(parseFrequency(text)).toBeUndefined();
  });
});

describe('formatHours', () => {
  it('shows hours below 48 hours', () => {
    expect([formatHours(2), formatHours(26.04), formatHours(47.5)]).toEqual(['2h', '26h', '47.5h']);
  });

  it('shows "never" for a schedule that never runs', () => {
    expect(formatHours(Number.POSITIVE_INFINITY)).toBe('never');
  });

  it('shows days with one decimal from 48 hours on, dropping a trailing .0', () => {
    expect([formatHours(48), formatHours(72), formatHours(72.5), formatHours(74.4)]).toEqual([
      '2d',
      '3d',
      '3d',
      '3.1d',
    ]);
  });
});
