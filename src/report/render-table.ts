/** The DR report for a terminal: one padded line per resource, then each resource's evidence. */
import { printable } from '../errors.js';
import { formatHours } from '../policy/schedule.js';
import {
  header,
  LEGEND,
  locationCell,
  restoreCell,
  STATUS_TEXT,
  SUMMARY_COLUMNS,
  summaryLine,
} from './cells.js';
import {
  type DrReport,
  type DrRow,
  LOCATION_LABEL,
  type LocationKind,
  SCENARIO_LABEL,
  type ScenarioKind,
} from './dr.js';

/** What comes from the inventory is shown on one printable line (no control characters). */
const cell = (text: string) => printable(text, false);

export function renderTable(report: DrReport): string {
  const lines = [cell(header(report)), ''];
  if (report.rows.length === 0) {
    lines.push('No resource is under a policy.', '', summaryLine(report), '');
    return lines.join('\n');
  }
  const grid = [
    SUMMARY_COLUMNS.map((c) => c.table),
    ...report.rows.map((r) => SUMMARY_COLUMNS.map((c) => cell(c.value(r)))),
  ];
  const widths = SUMMARY_COLUMNS.map((_, i) => Math.max(...grid.map((g) => (g[i] ?? '').length)));
  for (const g of grid)
    lines.push(
      g
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  lines.push('', ...LEGEND.map((l) => `  ${l}`), '');
  for (const r of report.rows) lines.push(...details(r), '');
  lines.push(summaryLine(report), '');
  return lines.join('\n');
}

const LABEL_WIDTH = 13;
const line = (label: string, text: string) => `  ${label.padEnd(LABEL_WIDTH)} ${cell(text)}`;

function details(r: DrRow): string[] {
  const out = [
    cell(
      `${r.resourceName}  ${r.resourceArn}  [${r.backupResourceType}, policy ${r.policy}, RPO ${formatHours(r.rpoHours)}]`,
    ),
  ];
  for (const kind of Object.keys(LOCATION_LABEL) as LocationKind[]) {
    const l = r.locations[kind];
    const point = l.newest ? `${l.newest.recoveryPointArn}; ` : '';
    out.push(line(LOCATION_LABEL[kind], `${locationCell(l)}  ${point}${l.detail}`));
  }
  for (const kind of Object.keys(SCENARIO_LABEL) as ScenarioKind[]) {
    const s = r.scenarios[kind];
    out.push(line(SCENARIO_LABEL[kind], `${STATUS_TEXT[s.status]}: ${s.detail}`));
  }
  out.push(line('restore test', `${restoreCell(r.restoreTest)}  ${r.restoreTest.detail}`));
  out.push(line('key material', r.keys.summary));
  out.push(
    line('restore', r.restore.command ? `${r.restore.command}  (${r.restore.detail})` : r.restore.detail),
  );
  return out;
}
