/**
 * The DR report as CSV (RFC 4180: CRLF line ends, a header row, fields quoted where they hold a
 * comma, a quote or a line break, quotes doubled). One row per resource. The first columns are
 * named as AWS Backup Audit Manager names its report items (backup job, copy job and restore job
 * reports: Account ID, Region, Resource ARN, Resource Type, Backup Plan ARN, Backup Vault ARN,
 * Recovery Point ARN, Creation Date, Restore Job ID, Job Run Time ...), then ours.
 */
import type { DrReport, DrRow, Location, RestoreJobEvidence } from './dr.js';

type Column = [name: string, value: (r: DrRow, report: DrReport) => string | number | undefined];

const location = (prefix: string, pick: (r: DrRow) => Location, withVault = true): Column[] => [
  ...(withVault
    ? ([
        [`${prefix} Backup Vault ARN`, (r) => pick(r).newest?.backupVaultArn ?? pick(r).vaults.join(' ')],
      ] as Column[])
    : []),
  [`${prefix ? `${prefix} ` : ''}Recovery Point ARN`, (r) => pick(r).newest?.recoveryPointArn],
  [`${prefix ? `${prefix} ` : ''}Creation Date`, (r) => pick(r).newest?.dataTime],
  [`${prefix || 'Source'} Status`, (r) => pick(r).state],
  [`${prefix || 'Source'} Age Hours`, (r) => pick(r).newest?.ageHours],
  [`${prefix || 'Source'} Detail`, (r) => pick(r).detail],
];

/** "00:42:00", as Audit Manager writes a job's run time. */
function runTime(job: RestoreJobEvidence | undefined): string | undefined {
  if (!job?.completedAt) return undefined;
  const s = Math.max(0, Math.round((Date.parse(job.completedAt) - Date.parse(job.startedAt)) / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

export const CSV_COLUMNS: Column[] = [
  ['Report Time Period Start', (_, rep) => rep.window.start],
  ['Report Time Period End', (_, rep) => rep.window.end],
  ['Account ID', (r) => r.accountId],
  ['Region', (r) => r.region],
  ['Resource ARN', (r) => r.resourceArn],
  ['Resource Name', (r) => r.resourceName],
  ['Resource Type', (r) => r.backupResourceType],
  ['Backup Policy', (r) => r.policy],
  ['Backup Plan Name', (r) => r.backupPlan.name],
  ['Backup Plan ARN', (r) => r.backupPlan.arn],
  ['Backup Vault Name', (r) => r.sourceVault.name],
  ['Backup Vault ARN', (r) => r.sourceVault.arn],
  ['RPO Hours', (r) => r.rpoHours],
  ...location('', (r) => r.locations.source, false),
  ...location('Other Region', (r) => r.locations.otherRegion),
  ...location('DR Account', (r) => r.locations.drAccount),
  ['Region Lost Status', (r) => r.scenarios.regionLost.status],
  ['Region Lost RPO Hours', (r) => r.scenarios.regionLost.achievedHours],
  ['Region Lost Detail', (r) => r.scenarios.regionLost.detail],
  ['Account Lost Status', (r) => r.scenarios.accountLost.status],
  ['Account Lost RPO Hours', (r) => r.scenarios.accountLost.achievedHours],
  ['Account Lost Detail', (r) => r.scenarios.accountLost.detail],
  ['Restore Job ID', (r) => r.restoreTest.job?.restoreJobId],
  ['Restore Job Status', (r) => r.restoreTest.job?.status ?? r.restoreTest.state],
  ['Restore Job Creation Date', (r) => r.restoreTest.job?.startedAt],
  ['Restore Job Completion Date', (r) => r.restoreTest.job?.completedAt],
  ['Restore Job Run Time', (r) => runTime(r.restoreTest.job)],
  ['Restore Job Recovery Point ARN', (r) => r.restoreTest.job?.recoveryPointArn],
  ['Validation Status', (r) => r.restoreTest.job?.validationStatus],
  ['Restore Testing Plan ARN', (r) => r.restoreTest.job?.restoreTestingPlanArn],
  ['RTO Target Minutes', (r) => r.restoreTest.targetMinutes],
  ['Restore Detail', (r) => r.restoreTest.detail],
  ['Key Recoverability', (r) => r.keys.verdict],
  ['Key Recoverability Detail', (r) => r.keys.summary],
  ['KMS Key ARNs', (r) => r.keys.keys.map((k) => k.keyArn).join(' ')],
  ['Restore Command', (r) => r.restore.command],
];

/**
 * One field. A value a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
 * apostrophe: names and messages come from the inventory.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text) && text !== '-') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(report: DrReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => csvField(name)).join(',')];
  for (const r of report.rows)
    lines.push(CSV_COLUMNS.map(([, value]) => csvField(value(r, report))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
