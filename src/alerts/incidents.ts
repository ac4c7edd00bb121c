/**
 * One alert per incident (pure): the first failing signal of an incident alerts; more failing
 * signals inside the window are counted, not sent; the first after the window is a reminder; a
 * signal more severe than the incident alerts at once. A recovered signal closes an open
 * incident with a recovery message; with nothing open it sends nothing (a successful job alone
 * is never news).
 *
 * Below `minSeverity`: recorded, not sent. The incident is kept open (the digest lists it) with
 * `lastAlertAt: ''` — never alerted — so its recovery resolves it silently: nobody is told
 * "recovered" about something they were never told about. If it later turns severe enough, the
 * first loud signal alerts at once.
 *
 * Out of order: EventBridge does not promise order, so a recovered signal older than the
 * incident's first failure (`openedAt`) is stale and changes nothing.
 *
 * Every record written is the stored version + 1 (IncidentStore.put's optimistic concurrency).
 */
import type { AlertSeverity, Decision, IncidentRecord, Signal } from './types.js';

export interface DecideOptions {
  now: Date;
  /** An open incident alerts again (a reminder) only this long after its last alert. */
  windowMinutes: number;
  /** How long DynamoDB keeps the record after this write (TTL). */
  ttlDays: number;
  /** Signals below this severity are recorded, not sent. */
  minSeverity: AlertSeverity;
}

const RANK: Readonly<Record<AlertSeverity, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The more severe of two severities. */
const worst = (a: AlertSeverity, b: AlertSeverity): AlertSeverity => (RANK[a] <= RANK[b] ? a : b);

/** `lastAlertAt` of an incident that was recorded but never alerted. */
export const NEVER_ALERTED = '';

/** What to do with `signal`, given the incident as stored (undefined: never seen). */
export function decide(signal: Signal, stored: IncidentRecord | undefined, o: DecideOptions): Decision {
  const now = o.now.toISOString();
  const common = {
    expiresAt: Math.floor(o.now.getTime() / 1000) + Math.round(o.ttlDays * 86_400),
    version: (stored?.version ?? 0) + 1,
  };
  const open = stored?.state === 'open' ? stored : undefined;
  const loud = (s: AlertSeverity) => RANK[s] <= RANK[o.minSeverity];
  if (signal.state === 'recovered') {
    if (!open) return { send: 'none', why: 'nothing open to recover: a success alone sends nothing' };
    if (Date.parse(signal.at) < Date.parse(open.openedAt))
      return {
        send: 'none',
        why: `stale: the success (${signal.at}) is older than the failure (${open.openedAt})`,
      };
    const alerted = open.lastAlertAt !== NEVER_ALERTED;
    const record: IncidentRecord = {
      ...open,
      ...common,
      state: 'resolved',
      lastAlertAt: alerted ? now : NEVER_ALERTED,
    };
    return alerted
      ? { send: 'recovery', record, signal }
      : {
          send: 'none',
          record,
          why: 'resolved without a message: it was never alerted (below minimum severity)',
        };
  }
  if (!open) {
    const record: IncidentRecord = {
      incident: signal.incident,
      state: 'open',
      kind: signal.kind,
      severity: signal.severity,
      title: signal.title,
      openedAt: Number.isFinite(Date.parse(signal.at)) ? signal.at : now,
      lastAlertAt: NEVER_ALERTED,
      count: 1,
      ...common,
    };
    if (!loud(signal.severity))
      return {
        send: 'none',
        record,
        why: `${signal.severity} is below ${o.minSeverity}: recorded, not sent`,
      };
    return { send: 'alert', record: { ...record, lastAlertAt: now }, signal };
  }
  const severity = worst(open.severity, signal.severity);
  const record: IncidentRecord = {
    ...open,
    ...common,
    kind: signal.kind,
    severity,
    title: signal.title,
    count: open.count + 1,
  };
  if (!loud(severity))
    return { send: 'none', record, why: `${severity} is below ${o.minSeverity}: recorded, not sent` };
  const last = Date.parse(open.lastAlertAt);
  const first = open.lastAlertAt === NEVER_ALERTED || !Number.isFinite(last);
  const escalated = RANK[signal.severity] < RANK[open.severity];
  if (first || escalated || o.now.getTime() - last >= o.windowMinutes * 60_000)
    return { send: 'alert', record: { ...record, lastAlertAt: now }, signal };
  return {
    send: 'none',
    record,
    why: `already alerted at ${open.lastAlertAt}, inside the ${o.windowMinutes}-minute window: counted (${record.count})`,
  };
}
