/**
 * npm run bench -- --week: a simulated week of alerts over the example account (issue 10).
 * Each day at 06:00Z: the day's AWS Backup events are replayed (every job COMPLETED), then the
 * daily sweep audits that day's inventory and alerts on its findings. The copy of one resource
 * stops arriving on day 2 and resumes on day 5. Asserted: that copy gives exactly one alert and
 * one recovery, no incident alerts twice, and successful jobs send nothing.
 */
import { readFileSync } from 'node:fs';
import type { RenderedAlert } from '../src/alerts/types.js';
import { type AlertDeps, onBackupEvent } from '../src/app/alerts.js';
import { auditInventory } from '../src/app/audit.js';
import { alertAfterSweep } from '../src/app/runtime.js';
import { parseInventory } from '../src/inventory/index.js';
import type { Inventory } from '../src/inventory/schema.js';
import { parsePolicies } from '../src/policy/index.js';
import { MemoryIncidentStore } from '../test/support/memory-store.js';

const DAY = 86_400_000;
const REGION = 'eu-central-1';
/** The resource whose copy stops arriving on day 2 and resumes on day 5. */
const CHOSEN = 'arn:aws:rds:eu-central-1:111111111111:db:orders-db';
const OTHERS = ['arn:aws:rds:eu-central-1:111111111111:db:billing-db', 'arn:aws:s3:::acme-prod-assets'];
const SOURCE_VAULT = 'arn:aws:backup:eu-central-1:111111111111:backup-vault:backup-sentinel-gold';
const DR_VAULT = 'arn:aws:backup:eu-central-1:222222222222:backup-vault:dr-vault';
const COPY_INCIDENT = `${CHOSEN}|copies.recent`;
const stopped = (day: number) => day >= 2 && day <= 4;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Every ISO timestamp in `x` moved by `ms`: the demo account as it looks `ms` later, all else equal. */
function shifted<T>(x: T, ms: number): T {
  return JSON.parse(JSON.stringify(x), (_k, v) =>
    typeof v === 'string' && ISO.test(v) ? new Date(Date.parse(v) + ms).toISOString() : v,
  ) as T;
}

/** Day `day`'s inventory: the demo replayed that day; while the copy is stopped, nothing new lands in the DR vault. */
function inventoryOf(demo: Inventory, day: number): Inventory {
  const inv = shifted(demo, (day - 1) * DAY);
  if (!stopped(day)) return inv;
  // The last copies that landed are day 1's: the demo's own, unshifted.
  const inDr = (p: { ResourceArn: string; BackupVaultArn: string }) =>
    p.ResourceArn === CHOSEN && p.BackupVaultArn === DR_VAULT;
  const toDr = (j: { ResourceArn: string; DestinationBackupVaultArn: string }) =>
    j.ResourceArn === CHOSEN && j.DestinationBackupVaultArn === DR_VAULT;
  return {
    ...inv,
    recoveryPoints: [...inv.recoveryPoints.filter((p) => !inDr(p)), ...demo.recoveryPoints.filter(inDr)],
    copyJobs: [...inv.copyJobs.filter((j) => !toDr(j)), ...demo.copyJobs.filter(toDr)],
  };
}

const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/real/events/${name}.json`, 'utf8')) as {
    time: string;
    account: string;
    region: string;
    detail: Record<string, unknown>;
  };

/** The day's successful jobs, as EventBridge delivers them. */
function eventsOf(day: Date, account: string, n: number): unknown[] {
  const at = (h: number) => new Date(day.getTime() - h * 3_600_000).toISOString();
  const out: unknown[] = [];
  for (const [i, arn] of [CHOSEN, ...OTHERS].entries()) {
    const backup = fixture('backup_job_state_change_completed');
    out.push({
      ...backup,
      account,
      region: REGION,
      time: at(5),
      detail: {
        ...backup.detail,
        backupJobId: `week-backup-${n}-${i}`,
        resourceArn: arn,
        backupVaultArn: SOURCE_VAULT,
        backupVaultName: 'backup-sentinel-gold',
        completionDate: at(5),
      },
    });
    if (arn === CHOSEN && stopped(n)) continue; // its copy stops arriving
    const copy = fixture('copy_job_state_change_completed');
    out.push({
      ...copy,
      account,
      region: REGION,
      time: at(4),
      detail: {
        ...copy.detail,
        copyJobId: `week-copy-${n}-${i}`,
        resourceArn: arn,
        sourceBackupVaultArn: SOURCE_VAULT,
        destinationBackupVaultArn: DR_VAULT,
        completionDate: at(4),
      },
    });
  }
  return out;
}

export interface WeekResult {
  messages: number;
  /** Incident key -> the states of the messages sent for it, in order. */
  byIncident: Record<string, string[]>;
  /** Messages whose incident was never failing (a success alone is never news): must be 0. */
  successfulJobMessages: number;
}

export async function simulateWeek(): Promise<WeekResult> {
  const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
  const policies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
  const store = new MemoryIncidentStore();
  const sent: { day: number; incident: string; state: string; kind: string; subject: string }[] = [];
  let day = 0;
  const start = Date.parse(demo.capturedAt);
  const deps = (now: Date): AlertDeps => ({
    store,
    settings: { windowMinutes: 360, minSeverity: 'medium', ttlDays: 30 },
    now,
    send: async (r: RenderedAlert) => {
      sent.push({
        day,
        incident: '', // named by tag() from the outcome
        state: r.attributes.state ?? '?',
        kind: r.attributes.kind ?? '?',
        subject: r.subject,
      });
    },
  });
  let eventMessages = 0;
  const rows: string[] = [];
  for (day = 1; day <= 7; day++) {
    const now = new Date(start + (day - 1) * DAY);
    const before = sent.length;
    const events = eventsOf(now, demo.accountId, day);
    for (const event of events) {
      const mark = sent.length;
      const out = await onBackupEvent(event, policies, [], deps(new Date((event as { time: string }).time)));
      eventMessages += out.filter((o) => o.sent !== 'none').length;
      tag(out, sent, mark);
    }
    const afterEvents = sent.length;
    const inventory = inventoryOf(demo, day);
    const result = auditInventory({ ...inventory, capturedAt: now.toISOString() }, policies, now);
    const copy = result.findings.find((f) => `${f.resourceArn}|${f.ruleId}` === COPY_INCIDENT);
    const out = await alertAfterSweep({ result, results: [], healed: new Set() }, deps(now));
    tag(out, sent, afterEvents);
    rows.push(
      `day ${day}  ${now.toISOString().slice(0, 10)}  ${events.length} events ${afterEvents - before} msg  sweep ${sent.length - afterEvents} msg  ${COPY_INCIDENT.split(':').pop()} ${copy?.status ?? 'none'}`,
    );
  }

  const byIncident: Record<string, string[]> = {};
  for (const m of sent) byIncident[m.incident] = [...(byIncident[m.incident] ?? []), m.state];
  const successfulJobMessages =
    eventMessages + Object.values(byIncident).filter((states) => !states.includes('failing')).length;

  console.log('week    simulated week over examples/demo-account.json (events then sweep, daily 06:00Z)');
  for (const r of rows) console.log(`week    ${r}`);
  const drift = sent.filter((m) => m.incident !== COPY_INCIDENT);
  const later = drift.filter((m) => m.day > 1);
  const byKind = new Map<string, number>();
  for (const m of drift) byKind.set(m.kind, (byKind.get(m.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(
    `week    pre-existing drift: ${drift.length} incidents alerted on day 1 (${kinds}), ${later.length} messages after day 1`,
  );
  for (const m of sent.filter((m) => m.incident === COPY_INCIDENT))
    console.log(`week    day ${m.day}  ${m.state.padEnd(9)} ${m.kind}  ${m.subject}`);
  console.log(
    `week    messages ${sent.length}  incidents ${Object.keys(byIncident).length}  per incident ${(sent.length / Math.max(1, Object.keys(byIncident).length)).toFixed(2)}  from successful jobs ${successfulJobMessages}`,
  );

  const copyStates = (byIncident[COPY_INCIDENT] ?? []).join(',');
  if (copyStates !== 'failing,recovered')
    throw new Error(`${COPY_INCIDENT}: expected failing,recovered, got [${copyStates}]`);
  const twice = Object.entries(byIncident).filter(([, s]) => s.filter((x) => x === 'failing').length > 1);
  if (twice.length) throw new Error(`alerted more than once: ${twice.map(([k]) => k).join(', ')}`);
  if (successfulJobMessages !== 0) throw new Error(`${successfulJobMessages} messages for successful jobs`);
  return { messages: sent.length, byIncident, successfulJobMessages };
}

/** Names the incident of each message sent since `from` (send sees only the rendered alert). */
function tag(out: { incident: string; sent: string }[], sent: { incident: string }[], from: number) {
  const incidents = out.filter((o) => o.sent !== 'none').map((o) => o.incident);
  for (const [i, incident] of incidents.entries()) {
    const m = sent[from + i];
    if (m) m.incident = incident;
  }
}
