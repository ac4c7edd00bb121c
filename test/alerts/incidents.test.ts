/** One alert per incident: the window, reminders, recoveries, the minimum severity, versions. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecideOptions, decide, NEVER_ALERTED } from '../../src/alerts/incidents.js';
import type { AlertSeverity, IncidentRecord, Signal } from '../../src/alerts/types.js';

const T0 = new Date('2026-11-25T06:00:00Z');
const minutes = (m: number) => new Date(T0.getTime() + m * 60_000);
const opts = (now: Date, more: Partial<DecideOptions> = {}): DecideOptions => ({
  now,
  windowMinutes: 60,
  ttlDays: 30,
  minSeverity: 'medium',
  ...more,
});

const signal = (state: Signal['state'], more: Partial<Signal> = {}): Signal => ({
  kind: 'backup-failed',
  state,
  incident: 'backup-failed|111111111111|eu-central-1|arn:aws:rds:eu-central-1:111111111111:db:orders',
  severity: 'high',
  title: 'Backup failed: db:orders',
  account: '111111111111',
  region: 'eu-central-1',
  meaning: 'No recovery point.',
  nextSteps: [],
  consoleUrl: 'https://eu-central-1.console.aws.amazon.com/backup/home?region=eu-central-1#/',
  at: T0.toISOString(),
  ...more,
});

/** The record of the first alert of the incident. */
function opened(): IncidentRecord {
  const d = decide(signal('failing'), undefined, opts(T0));
  if (d.send !== 'alert') throw new Error('expected an alert');
  return d.record;
}

describe('decide', () => {
  it('alerts on the first failing signal and opens the incident at version 1', () => {
    // Act
    const d = decide(signal('failing'), undefined, opts(T0));
    // Assess
    expect(d.send).toBe('alert');
    expect(d.record).toEqual({
      incident: signal('failing').incident,
      state: 'open',
      kind: 'backup-failed',
      severity: 'high',
      title: 'Backup failed: db:orders',
      openedAt: T0.toISOString(),
      lastAlertAt: T0.toISOString(),
      count: 1,
      expiresAt: T0.getTime() / 1000 + 30 * 86_400,
      version: 1,
    });
  });

  it('counts a failing signal inside the window without sending', () => {
    const d = decide(signal('failing'), opened(), opts(minutes(59)));
    expect(d.send).toBe('none');
    expect(d.record).toMatchObject({ count: 2, version: 2, lastAlertAt: T0.toISOString(), state: 'open' });
    expect(d.send === 'none' && d.why).toContain('window');
  });

  it('sends a reminder for a failing signal after the window', () => {
    const d = decide(signal('failing'), { ...opened(), count: 5, version: 7 }, opts(minutes(60)));
    expect(d.send).toBe('alert');
    expect(d.record).toMatchObject({ count: 6, version: 8, lastAlertAt: minutes(60).toISOString() });
    expect(d.record?.openedAt).toBe(T0.toISOString());
  });

  it('alerts at once, inside the window, when the incident turns more severe', () => {
    const d = decide(signal('failing', { severity: 'critical' }), opened(), opts(minutes(5)));
    expect(d.send).toBe('alert');
    expect(d.record?.severity).toBe('critical');
  });

  it('keeps the worst severity seen', () => {
    const critical = { ...opened(), severity: 'critical' as const };
    const d = decide(signal('failing'), critical, opts(minutes(120)));
    expect(d.record?.severity).toBe('critical');
  });

  it('sends a recovery for an open incident and resolves it', () => {
    const d = decide(signal('recovered', { at: minutes(30).toISOString() }), opened(), opts(minutes(30)));
    expect(d.send).toBe('recovery');
    expect(d.record).toMatchObject({ state: 'resolved', version: 2, count: 1 });
  });

  it('sends nothing for a success with nothing open, and writes nothing', () => {
    expect(decide(signal('recovered'), undefined, opts(T0))).toEqual({
      send: 'none',
      why: 'nothing open to recover: a success alone sends nothing',
    });
    const resolved = { ...opened(), state: 'resolved' as const };
    expect(decide(signal('recovered'), resolved, opts(T0)).record).toBeUndefined();
  });

  it('ignores a success older than the failure it would close (events out of order)', () => {
    const late = signal('recovered', { at: minutes(-10).toISOString() });
    const d = decide(late, opened(), opts(minutes(1)));
    expect(d).toMatchObject({ send: 'none' });
    expect(d.record).toBeUndefined();
  });

  it('reopens a resolved incident with a new alert, one version later', () => {
    const resolved = { ...opened(), state: 'resolved' as const, count: 4, version: 3 };
    const d = decide(signal('failing', { at: minutes(600).toISOString() }), resolved, opts(minutes(600)));
    expect(d.send).toBe('alert');
    expect(d.record).toMatchObject({
      state: 'open',
      count: 1,
      version: 4,
      openedAt: minutes(600).toISOString(),
    });
  });

  it('records but does not send a signal below the minimum severity, and resolves it silently', () => {
    // Prepare
    const low = signal('failing', { severity: 'low' });
    // Act
    const first = decide(low, undefined, opts(T0));
    const recovery = decide(signal('recovered'), first.record, opts(minutes(1)));
    // Assess
    expect(first).toMatchObject({
      send: 'none',
      record: { state: 'open', lastAlertAt: NEVER_ALERTED, version: 1 },
    });
    expect(recovery).toMatchObject({ send: 'none', record: { state: 'resolved', version: 2 } });
  });

  it('alerts at once when a recorded, never alerted incident turns severe enough', () => {
    const first = decide(signal('failing', { severity: 'low' }), undefined, opts(T0));
    const d = decide(signal('failing'), first.record, opts(minutes(1)));
    expect(d).toMatchObject({ send: 'alert', record: { count: 2, version: 2, severity: 'high' } });
  });

  it('sends a reminder when the stored lastAlertAt is unreadable', () => {
    const d = decide(signal('failing'), { ...opened(), lastAlertAt: 'garbage' }, opts(minutes(1)));
    expect(d.send).toBe('alert');
  });
});

describe('decide over any sequence of signals (property)', () => {
  const step = fc.record({
    state: fc.constantFrom<Signal['state']>('failing', 'failing', 'recovered'),
    severity: fc.constantFrom<AlertSeverity>('critical', 'high', 'medium', 'low'),
    after: fc.integer({ min: 0, max: 180 }),
  });

  it('writes version+1, alerts once per window, recovers only what it alerted', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let stored: IncidentRecord | undefined;
        let now = T0.getTime();
        let lastAlert: number | undefined; // when the open incident last alerted
        let worst = 9;
        const rank = { critical: 0, high: 1, medium: 2, low: 3 };
        for (const s of steps) {
          now += s.after * 60_000;
          const at = new Date(now);
          const d = decide(signal(s.state, { severity: s.severity, at: at.toISOString() }), stored, opts(at));
          if (d.record) expect(d.record.version).toBe((stored?.version ?? 0) + 1);
          if (s.state === 'recovered') expect(d.send).not.toBe('alert');
          if (d.send === 'recovery') expect(lastAlert).toBeDefined();
          if (d.send === 'alert') {
            const escalated = rank[s.severity] < worst;
            if (lastAlert !== undefined && !escalated)
              expect(now - lastAlert).toBeGreaterThanOrEqual(60 * 60_000);
            expect(rank[d.record.severity]).toBeLessThanOrEqual(rank.medium);
            lastAlert = now;
          }
          if (d.record) stored = d.record;
          if (stored?.state !== 'open') {
            lastAlert = undefined;
            worst = 9;
          } else worst = rank[stored.severity];
        }
      }),
    );
  });
});
