/**
 * docs/dr-report.md shows the example account's table as `dr-report` prints it: this test fails
 * when the excerpt is stale; UPDATE_DOCS=1 rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { drReport } from '../../src/report/dr.js';
import { renderDrReport } from '../../src/report/index.js';

const DOC = 'docs/dr-report.md';
const BEGIN =
  '<!-- dr-report-example:begin (generated: UPDATE_DOCS=1 npx vitest run test/report/docs.test.ts) -->';
const END = '<!-- dr-report-example:end -->';

/** The table, its legend, two resources' evidence and the summary line. */
function excerpt(): string {
  const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
  const set = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
  const lines = renderDrReport(drReport(demo, set, { now: new Date(demo.capturedAt) }), 'table').split('\n');
  const tableEnd = lines.indexOf('', 2);
  const legendEnd = lines.indexOf('', tableEnd + 1);
  const block = (name: string) => {
    const from = lines.findIndex((l) => l.startsWith(`${name}  arn:`));
    return lines.slice(from, lines.indexOf('', from) + 1);
  };
  return [
    '',
    '```text',
    ...lines.slice(0, legendEnd + 1),
    ...block('payments-db'),
    ...block('ledger-cluster'),
    '…',
    '',
    lines.findLast((l) => l.startsWith('Summary: ')) ?? '',
    '```',
    '',
  ].join('\n');
}

describe('docs/dr-report.md', () => {
  it("shows the example account's table as dr-report prints it", () => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start, `${DOC} lacks the example markers`).toBeGreaterThan(0);
    const current = doc.slice(start + BEGIN.length, end);
    if (process.env.UPDATE_DOCS && current !== excerpt())
      writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}${excerpt()}${doc.slice(end)}`);
    else expect(current).toBe(excerpt());
  });
});
