/**
 * The DR report as Markdown (GitHub flavoured): a summary table, then each resource's evidence.
 * Text from the inventory is escaped: Markdown punctuation backslash-escaped (so `<script>` is
 * text, and a `|` does not split a cell), `&` as an entity, line breaks as spaces, control
 * characters as \u escapes. The restore commands are fenced code blocks, shown as they are.
 */
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

/** Inline Markdown text that renders as exactly `text`. */
export function md(text: string): string {
  return printable(text.replace(/[\r\n\u2028\u2029]+/g, ' '), false)
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_{}[\]<>()#+!|~]/g, '\\$&');
}

const tableRow = (cells: string[]) => `| ${cells.join(' | ')} |`;

export function renderMarkdown(report: DrReport): string {
  const lines = [`# ${md(header(report))}`, ''];
  if (report.rows.length === 0) lines.push('No resource is under a policy.', '');
  else {
    lines.push(
      tableRow(SUMMARY_COLUMNS.map((c) => c.title)),
      tableRow(SUMMARY_COLUMNS.map(() => '---')),
      ...report.rows.map((r) => tableRow(SUMMARY_COLUMNS.map((c) => md(c.value(r))))),
      '',
      ...LEGEND.map((l) => `- ${md(l)}`),
      '',
    );
    for (const r of report.rows) lines.push(...details(r), '');
  }
  lines.push(`**${md(summaryLine(report))}**`, '');
  return lines.join('\n');
}

function details(r: DrRow): string[] {
  const out = [
    `## ${md(r.resourceName)}`,
    '',
    `${md(r.resourceArn)} — ${md(r.backupResourceType)}, policy ${md(r.policy)}, RPO ${formatHours(r.rpoHours)}`,
    '',
  ];
  for (const kind of Object.keys(LOCATION_LABEL) as LocationKind[]) {
    const l = r.locations[kind];
    const point = l.newest ? `${md(l.newest.recoveryPointArn)}; ` : '';
    out.push(`- **${LOCATION_LABEL[kind]}**: ${md(locationCell(l))} — ${point}${md(l.detail)}`);
  }
  for (const kind of Object.keys(SCENARIO_LABEL) as ScenarioKind[]) {
    const s = r.scenarios[kind];
    out.push(`- **${SCENARIO_LABEL[kind]}**: ${md(STATUS_TEXT[s.status])} — ${md(s.detail)}`);
  }
  out.push(`- **restore test**: ${md(restoreCell(r.restoreTest))} — ${md(r.restoreTest.detail)}`);
  out.push(`- **key material**: ${md(r.keys.summary)}`);
  const command =
    r.restore.command && printable(r.restore.command.replace(/[\r\n\u2028\u2029]+/g, ' '), false);
  out.push(
    command
      ? `- **restore** (${md(r.restore.detail)}):\n\n  ${fence(command)}sh\n  ${command}\n  ${fence(command)}`
      : `- **restore**: ${md(r.restore.detail)}`,
  );
  return out;
}

/** A code fence longer than any run of backticks in `text`, so nothing in it can close the block. */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}
