import { describe, expect, it } from 'vitest';
import { formatHours, parseFrequency, scheduleMaxGapHours } from '../../src/policy/schedule.js';

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
    'cron(0 5 ? *)',
    'cron(0 5 15W * ? *)',
    'cron(0 5 ? * 6#3 *)',
    'cron(0 25 ? * * *)',
    'every day',
    '',
  ])('cannot read %s', (expression) => {
    // Act
    const gap = scheduleMaxGapHours(expression);
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
});

describe('formatHours', () => {
  it('shows hours below 48 hours', () => {
    expect([formatHours(2), formatHours(26.04), formatHours(47.5)]).toEqual(['2h', '26h', '47.5h']);
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
