/** Human and machine renderings of audit results, plans, the rule catalogue and key material runs. */
import type { AuditResult } from '../app/audit.js';
import type { FixResult } from '../app/live.js';
import { printable } from '../errors.js';
import type { MaterialStatus, RestoreResult } from '../keys/restore.js';
import type { KeyOutcome, Step } from '../keys/rotate.js';
import type { Fix, RemediationPlan } from '../remediation/planner.js';
import type { AnyRule, Finding, Severity, Status } from '../rules/types.js';

export const FORMATS = ['table', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const STATUS_LABEL: Record<Status, string> = {
  NON_COMPLIANT: 'FAIL',
  ERROR: 'ERROR',
  COMPLIANT: 'ok',
  NOT_APPLICABLE: 'n/a',
};

function groupByResource(findings: Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) out.set(f.resourceArn, [...(out.get(f.resourceArn) ?? []), f]);
  for (const list of out.values()) {
    list.sort(
      (a, b) =>
        statusRank(a.status) - statusRank(b.status) ||
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        a.ruleId.localeCompare(b.ruleId),
    );
  }
  return out;
}

const statusRank = (s: Status) => ['ERROR', 'NON_COMPLIANT', 'COMPLIANT', 'NOT_APPLICABLE'].indexOf(s);
const isProblem = (f: Finding) => f.status === 'NON_COMPLIANT' || f.status === 'ERROR';
/** A finding's message, with the AWS Config item it was read from when it was. */
const withSource = (f: Finding) =>
  f.source ? `${f.message} [read from AWS Config, captured ${f.source.capturedAt}]` : f.message;

export function summaryLine(r: AuditResult): string {
  const s = r.summary;
  const sev = (Object.entries(s.nonCompliantBySeverity) as [Severity, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return [
    `Summary: ${s.resources} resources and ${s.supporting} plans/vaults/keys audited`,
    `${s.findings} checks: ${s.byStatus.NON_COMPLIANT} non-compliant${sev ? ` (${sev})` : ''}, ${s.byStatus.ERROR} errors, ${s.byStatus.COMPLIANT} compliant, ${s.byStatus.NOT_APPLICABLE} not applicable`,
    `${s.optedOut} opted out, ${s.auditOnly} audit-only`,
  ].join(' · ');
}

/**
 * The audit as JSON, in pieces: the same text as JSON.stringify(r, null, 2), one finding at a
 * time, so that a large account's output is never one string in memory (the CLI writes each piece).
 */
export function* auditJsonChunks(r: AuditResult): Generator<string> {
  const field = (k: string, v: unknown) =>
    `  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replaceAll('\n', '\n  ')}`;
  yield `{\n${field('capturedAt', r.capturedAt)},\n${field('evaluatedAt', r.evaluatedAt)},\n${field('accountId', r.accountId)},\n`;
  if (r.findings.length === 0) yield '  "findings": [],\n';
  else {
    yield '  "findings": [\n';
    for (let i = 0; i < r.findings.length; i++)
      yield `    ${JSON.stringify(r.findings[i], null, 2).replaceAll('\n', '\n    ')}${i < r.findings.length - 1 ? ',' : ''}\n`;
    yield '  ],\n';
  }
  yield `${field('summary', r.summary)}\n}\n`;
}

export function renderAudit(r: AuditResult, format: Format, all = false): string {
  if (format === 'json') return [...auditJsonChunks(r)].join('');
  const groups = groupByResource(r.findings);
  const lines: string[] = [];
  const header = `backup-sentinel audit of account ${r.accountId} (inventory captured ${r.capturedAt}, evaluated at ${r.evaluatedAt})`;
  if (format === 'markdown') {
    lines.push(`# ${header}`, '');
    for (const [arn, list] of groups) {
      const shown = all ? list : list.filter(isProblem);
      if (shown.length === 0) continue;
      lines.push(
        `## \`${arn}\`${list[0]?.policy ? ` — policy \`${list[0].policy}\`` : ''}`,
        '',
        '| status | severity | rule | finding |',
        '| --- | --- | --- | --- |',
      );
      for (const f of shown)
        lines.push(
          `| ${STATUS_LABEL[f.status]} | ${f.severity} | \`${f.ruleId}\` | ${withSource(f).replace(/\|/g, '\\|')} |`,
        );
      lines.push('');
    }
    lines.push(`**${summaryLine(r)}**`, '');
    return lines.join('\n');
  }
  lines.push(header, '');
  for (const [arn, list] of groups) {
    const shown = all ? list : list.filter(isProblem);
    if (shown.length === 0) continue;
    const first = list[0];
    lines.push(
      `${arn}${first ? `  [${first.resourceType.replace('AWS::', '')}${first.policy ? `, policy ${first.policy}` : ''}${first.remediate ? '' : ', audit-only'}]` : ''}`,
    );
    const width = Math.max(...shown.map((f) => f.ruleId.length));
    for (const f of shown) {
      lines.push(
        `  ${STATUS_LABEL[f.status].padEnd(5)} ${f.severity.padEnd(8)} ${f.ruleId.padEnd(width)}  ${withSource(f)}`,
      );
    }
    lines.push('');
  }
  if (!r.findings.some(isProblem)) lines.push('No problems found.', '');
  lines.push(summaryLine(r), '');
  return lines.join('\n');
}

export function renderPlan(plan: RemediationPlan, format: Format): string {
  if (format === 'json') return `${JSON.stringify(plan, null, 2)}\n`;
  const lines: string[] = [];
  const bullet = format === 'markdown' ? '- ' : '  ';
  lines.push(
    format === 'markdown' ? '# Remediation plan (dry run)' : 'Remediation plan (dry run: nothing is changed)',
    '',
  );
  const width = String(plan.actions.length).length;
  plan.actions.forEach((a, i) => {
    lines.push(`${bullet}${String(i + 1).padStart(width)}. ${a.summary}`);
    lines.push(`${bullet}${' '.repeat(width + 2)}fixes ${describeFixes(a.fixes)}`);
  });
  if (plan.actions.length === 0) lines.push(`${bullet}nothing to change`);
  if (plan.skipped.length > 0) {
    lines.push('', 'Skipped:');
    for (const s of plan.skipped) lines.push(`${bullet}- ${s.summary}: ${s.reason}`);
  }
  lines.push('', `${plan.actions.length} changes planned, ${plan.skipped.length} skipped.`, '');
  return lines.join('\n');
}

/** "plan.frequency on backup-plan:…; s3.versioning on acme-prod-uploads (+2 more)" */
function describeFixes(fixes: Fix[]): string {
  const short = (arn: string) => arn.split(':').slice(5).join(':') || arn;
  const shown = fixes.slice(0, 3).map((f) => `${f.ruleId} on ${short(f.resourceArn)}`);
  return `${shown.join('; ')}${fixes.length > 3 ? ` (+${fixes.length - 3} more)` : ''}`;
}

export function renderRules(rules: readonly AnyRule[], format: Format): string {
  if (format === 'json') {
    return `${JSON.stringify(
      rules.map(({ evaluate: _evaluate, ...meta }) => meta),
      null,
      2,
    )}\n`;
  }
  if (format === 'markdown') {
    const lines = [
      '| id | area | severity | applies to | checks | example | fixes with |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    ];
    for (const r of rules) {
      const to = r.resourceTypes ? r.resourceTypes.map((t) => t.replace('AWS::', '')).join(', ') : r.subject;
      lines.push(
        `| \`${r.id}\` | ${r.area} | ${r.severity} | ${to} | ${r.title} | ${r.example} | ${r.permissions.remediate.length ? r.permissions.remediate.map((p) => `\`${p}\``).join(' ') : 'report only'} |`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
  const width = Math.max(...rules.map((r) => r.id.length));
  return `${rules.map((r) => `${r.id.padEnd(width)}  ${r.severity.padEnd(8)}  ${r.title}`).join('\n')}\n\n${rules.length} rules\n`;
}

const RESULT_LABEL = {
  applied: 'applied',
  'already-done': 'ok',
  'would-apply': 'dry-run',
  'over-cap': 'capped',
  failed: 'FAILED',
  refused: 'refused',
} as const;

const compact = (v: unknown) => {
  const text = JSON.stringify(v) ?? '';
  return text.length > 240 ? `${text.slice(0, 237)}...` : text;
};

export function renderFix(fix: FixResult, applied: boolean, format: Format): string {
  if (format === 'json')
    return `${JSON.stringify({ results: fix.results, skipped: fix.plan.skipped, summary: fix.audit.summary }, null, 2)}\n`;
  const lines = [
    applied ? 'Remediation (applying changes)' : 'Remediation (dry run: nothing is changed; pass --apply)',
    '',
  ];
  for (const r of fix.results) {
    lines.push(`  ${RESULT_LABEL[r.status].padEnd(8)} ${r.summary}`);
    if (r.status === 'failed') lines.push(`           ${r.error}`);
    else if (r.status === 'refused') lines.push(`           ${r.reason}`);
    else if (r.status !== 'already-done')
      lines.push(`           before ${compact(r.before)}`, `           after  ${compact(r.after)}`);
  }
  if (fix.results.length === 0) lines.push('  nothing to change');
  for (const s of fix.plan.skipped) lines.push(`  skipped  ${s.summary}: ${s.reason}`);
  const count = (status: keyof typeof RESULT_LABEL) => fix.results.filter((r) => r.status === status).length;
  lines.push(
    '',
    `${count('applied')} applied, ${count('already-done')} already done, ${count('would-apply')} to apply, ${count('over-cap')} over the cap, ${count('failed')} failed, ${count('refused')} refused, ${fix.plan.skipped.length} skipped.`,
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Key material (`keys rotate`, `keys restore`): status first, one line per key, step or material.
// What is shown comes from AWS (ARNs, error messages): one printable line each.

const cell = (text: string) => printable(text, false);

const KEY_LABEL: Record<KeyOutcome['status'], string> = {
  ok: 'ok',
  planned: 'planned',
  unchanged: 'unchanged',
  skipped: 'skipped',
  failed: 'FAILED',
};
const STEP_LABEL: Record<Step['status'], string> = { done: 'done', planned: 'planned', failed: 'FAILED' };

function stepLine(indent: string, s: Step): string {
  return `${indent}${STEP_LABEL[s.status].padEnd(8)} ${s.call} ${cell(s.target)}${s.detail ? `: ${cell(s.detail)}` : ''}`;
}

export function renderRotation(
  outcomes: readonly KeyOutcome[],
  applied: boolean,
  format: Format,
  optInTag: string,
): string {
  if (format === 'json') return `${JSON.stringify({ applied, keys: outcomes }, null, 2)}\n`;
  const lines = [
    applied
      ? 'Key material rotation (applying changes)'
      : 'Key material rotation (dry run: nothing is changed; pass --apply)',
    '',
  ];
  for (const o of outcomes) {
    lines.push(`  ${KEY_LABEL[o.status].padEnd(9)} ${cell(o.keyArn)}`);
    if (o.reason) lines.push(`            ${cell(o.reason)}`);
    for (const s of o.steps) lines.push(stepLine('    ', s));
  }
  if (outcomes.length === 0)
    lines.push(`  no managed keys (tagged ${cell(optInTag)}=escrow or listed under keyMaterial.keys)`);
  const count = (s: KeyOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  lines.push(
    '',
    `${outcomes.length} ${outcomes.length === 1 ? 'key' : 'keys'}: ${count('ok')} ok, ${count('planned')} planned, ${count('unchanged')} unchanged, ${count('skipped')} skipped, ${count('failed')} failed.`,
    '',
  );
  return lines.join('\n');
}

const MATERIAL_LABEL: Record<MaterialStatus, string> = {
  planned: 'planned',
  imported: 'imported',
  'already-imported': 'already-imported',
  unrecoverable: 'UNRECOVERABLE',
  failed: 'FAILED',
};

export function renderRestore(r: RestoreResult, format: Format): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  const lines = [
    `Key material restore of ${cell(r.keyArn)} ${r.applied ? '(applying changes)' : '(dry run: nothing is imported; pass --apply)'}`,
  ];
  if (r.keyState) lines.push(`Key state: ${r.keyState}${r.keyStateAfter ? ` -> ${r.keyStateAfter}` : ''}`);
  lines.push('');
  const width = Math.max(...Object.values(MATERIAL_LABEL).map((l) => l.length));
  const indent = ' '.repeat(width + 3);
  for (const m of r.materials) {
    const kcv = m.checkValue ?? 'no backup-sentinel check value';
    lines.push(
      `  ${MATERIAL_LABEL[m.status].padEnd(width)} ${cell(m.id)}  ${kcv}  ${m.state}, ${m.importState}`,
    );
    lines.push(`${indent}${cell(m.detail)}`);
    for (const s of m.steps) lines.push(stepLine(indent, s));
  }
  if (r.materials.length === 0)
    lines.push(`  ${r.status === 'failed' ? 'FAILED' : r.status}  ${cell(r.reason)}`);
  const count = (s: MaterialStatus) => r.materials.filter((m) => m.status === s).length;
  lines.push(
    '',
    r.materials.length
      ? `${count('imported')} imported, ${count('planned')} to import, ${count('already-imported')} already imported, ${count('unrecoverable')} unrecoverable, ${count('failed')} failed.`
      : `Nothing restored.`,
    '',
  );
  return lines.join('\n');
}
