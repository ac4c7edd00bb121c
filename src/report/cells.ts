/**
 * The short texts every format of the DR report shares: a location, a scenario, a restore test,
 * the key verdict. Fine values are lower case, problems upper case (readable without colour).
 */
import { formatHours } from '../policy/schedule.js';
import type { DrReport, DrRow, KeyVerdict, Location, RestoreEvidence, RpoStatus, Scenario } from './dr.js';

export const STATUS_TEXT: Record<RpoStatus, string> = {
  met: 'met',
  missed: 'MISSED',
  'no-copy': 'NO COPY',
  'not-read': 'NOT READ',
};

export const KEY_TEXT: Record<KeyVerdict, string> = {
  recoverable: 'recoverable',
  'not-recoverable': 'NOT RECOVERABLE',
  unknown: 'UNKNOWN',
};

/** "5h", "OLD 3.1d" (older than the RPO), "NONE", "NOT READ", "-" (neither the policy nor the plan copies there). */
export function locationCell(l: Location): string {
  if (l.state === 'found' && l.newest) return `${l.withinRpo ? '' : 'OLD '}${formatHours(l.newest.ageHours)}`;
  if (l.state === 'none') return 'NONE';
  if (l.state === 'not-read') return 'NOT READ';
  return '-';
}

/** "met 5h", "MISSED 3.1d", "NO COPY", "NOT READ". */
export function scenarioCell(s: Scenario): string {
  const age = s.achievedHours !== undefined ? ` ${formatHours(s.achievedHours)}` : '';
  return s.status === 'no-copy' ? STATUS_TEXT[s.status] : `${STATUS_TEXT[s.status]}${age}`;
}

/**
 * "ok 42m", "FAILED", "INVALID 12m" (validation failed), "SLOW 95m" (over the target),
 * "UNVALIDATED 38m" (the policy requires validation, none was reported), "none", "NOT READ".
 */
export function restoreCell(t: RestoreEvidence): string {
  if (t.state === 'not-read') return 'NOT READ';
  const job = t.job;
  if (t.state === 'none' || !job) return 'none';
  const took = job.durationMinutes !== undefined ? ` ${job.durationMinutes}m` : '';
  if (job.status !== 'COMPLETED') return job.status.toUpperCase();
  if (job.validationStatus === 'FAILED') return `INVALID${took}`;
  if (t.targetMinutes !== undefined && (job.durationMinutes ?? 0) > t.targetMinutes) return `SLOW${took}`;
  if (t.requireValidation && job.validationStatus !== 'SUCCESSFUL')
    return `${job.validationStatus === 'VALIDATING' ? 'validating' : 'UNVALIDATED'}${took}`;
  return `ok${took}`;
}

export function keyCell(r: DrRow): string {
  return KEY_TEXT[r.keys.verdict];
}

/** What the columns' short values mean (under the table, in every format). */
export const LEGEND = [
  'source vault / other region / DR account: age of the newest usable recovery point there (OLD: older than the RPO); NONE: read, and none there; NOT READ: not read, so not known; -: neither the policy nor the plan copies there',
  'region lost / account lost: the age of the newest recovery point outside the region (any account) / outside the account, against the policy RPO; NO COPY: none exists there; NOT READ: a place a newer one could be was not read',
  'restore test: the newest restore (test) job and how long it took; INVALID: its validation failed; UNVALIDATED: the policy requires validation and none was reported; SLOW: over restoreTest.maxRestoreMinutes',
];

export function summaryLine(r: DrReport): string {
  const s = r.summary;
  const counts = (c: Record<RpoStatus, number>) =>
    `${c.met} met, ${c.missed} missed, ${c['no-copy']} no copy, ${c['not-read']} not read`;
  const skipped = s.skipped;
  return [
    `Summary: ${s.resources} resources under a policy`,
    `region lost: ${counts(s.regionLost)}`,
    `account lost: ${counts(s.accountLost)}`,
    `${s.rpoNotMet} not meeting the RPO for a lost region or account`,
    `key material: ${s.keys.recoverable} recoverable, ${s.keys['not-recoverable']} not recoverable, ${s.keys.unknown} unknown`,
    `not reported: ${skipped.optedOut} opted out, ${skipped.noPolicy} without a known policy, ${skipped.clusterMembers} Aurora members (judged at cluster level)`,
  ].join(' · ');
}

export function header(r: DrReport): string {
  return `backup-sentinel DR report of account ${r.accountId} (inventory captured ${r.capturedAt}, evaluated at ${r.evaluatedAt}; recovery points and jobs ${r.window.listed ? 'listed' : 'known'} since ${r.window.start})`;
}

/** The summary table's columns: the terminal's title, the document's title, the cell. */
export const SUMMARY_COLUMNS: { table: string; title: string; value: (r: DrRow) => string }[] = [
  { table: 'RESOURCE', title: 'Resource', value: (r) => r.resourceName },
  { table: 'TYPE', title: 'Type', value: (r) => r.backupResourceType },
  { table: 'POLICY', title: 'Policy', value: (r) => r.policy },
  { table: 'RPO', title: 'RPO', value: (r) => formatHours(r.rpoHours) },
  { table: 'SOURCE', title: 'Source vault', value: (r) => locationCell(r.locations.source) },
  { table: 'OTHER REGION', title: 'Other region', value: (r) => locationCell(r.locations.otherRegion) },
  { table: 'DR ACCOUNT', title: 'DR account', value: (r) => locationCell(r.locations.drAccount) },
  { table: 'REGION LOST', title: 'Region lost', value: (r) => scenarioCell(r.scenarios.regionLost) },
  { table: 'ACCOUNT LOST', title: 'Account lost', value: (r) => scenarioCell(r.scenarios.accountLost) },
  { table: 'RESTORE TEST', title: 'Last restore test', value: (r) => restoreCell(r.restoreTest) },
  { table: 'KEY MATERIAL', title: 'Key material', value: (r) => keyCell(r) },
];
