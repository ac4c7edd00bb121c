/**
 * Each format of the DR report, on the example account (and on an inventory whose names and tags
 * are hostile): JSON parses with stable keys and ISO dates, CSV parses back (RFC 4180) with the
 * right column count, the Markdown table is well-formed, the HTML is well-formed and escapes
 * every user string, the table is printable.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { drReport } from '../../src/report/dr.js';
import { DR_FORMATS, renderDrReport } from '../../src/report/index.js';
import { CSV_COLUMNS } from '../../src/report/render-csv.js';
import { bucket, hoursAgo, inventory, NOW, policies, vaultArnOf } from '../support/builders.js';

const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
const demoPolicies = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
const report = drReport(demo, demoPolicies, { now: new Date(demo.capturedAt) });

const SCRIPT = '<script>alert(1)</script>';
const HOSTILE_TAG = '<img src=x onerror=alert(2)>';
const hostileNames = [SCRIPT, 'a,"b"\nc|d', '=HYPERLINK("http://evil")', 'esc\u001b[2Jape'];
const hostile = drReport(
  inventory({
    listedSince: hoursAgo(48),
    resources: hostileNames.map((name) =>
      bucket(name, { Tags: { 'backup:policy': 'gold', [HOSTILE_TAG]: `"q" & 'a' ${SCRIPT}` } }),
    ),
    recoveryPoints: hostileNames.map((name, i) => ({
      RecoveryPointArn: `arn:aws:backup:eu-central-1:111111111111:recovery-point:${name}-${i}`,
      ResourceArn: `arn:aws:s3:::${name}`,
      BackupVaultArn: vaultArnOf('backup-sentinel-gold'),
      CreationDate: hoursAgo(3 + i),
      Status: 'COMPLETED',
    })),
  }),
  policies(),
  { now: NOW },
);

/** RFC 4180 records: fields split on commas outside quotes, "" inside quotes is one quote. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') throw new Error(`a bare line break outside quotes at ${i}`);
    else field += c;
  }
  if (quoted) throw new Error('an unterminated quoted field');
  if (field !== '' || record.length > 0) throw new Error('the last record does not end with CRLF');
  return records;
}

const VOID = new Set(['meta', 'br', 'img', 'input', 'link', 'hr']);
const ALLOWED = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'header',
  'main',
  'footer',
  'section',
  'figure',
  'figcaption',
  'h1',
  'h2',
  'p',
  'strong',
  'a',
  'span',
  'br',
  'ul',
  'li',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'pre',
  'code',
  'svg',
  'g',
  'circle',
  'rect',
  'polygon',
  'line',
  'text',
]);

/** Every tag, in order: open tags closed in reverse order, only tags the renderer writes. */
function checkMarkup(page: string): string[] {
  const body = page.replace(/^<!DOCTYPE html>\n/, '');
  const problems: string[] = [];
  const stack: string[] = [];
  const inStyle = /<style>[\s\S]*?<\/style>/g;
  for (const m of body.replace(inStyle, '<style></style>').matchAll(/<(\/?)([a-zA-Z][\w-]*)([^<>]*)>|<|>/g)) {
    if (m[2] === undefined) {
      problems.push(`a bare "${m[0]}" at ${m.index}`);
      continue;
    }
    const name = m[2].toLowerCase();
    if (!ALLOWED.has(name)) problems.push(`<${m[1]}${name}> is not a tag the renderer writes`);
    if (m[1]) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open}>`);
    } else if (!VOID.has(name) && !(m[3] ?? '').endsWith('/')) stack.push(name);
  }
  if (stack.length) problems.push(`never closed: ${stack.join(', ')}`);
  return problems;
}

describe('dr-report JSON', () => {
  it('parses, with every row and its locations, stable keys and ISO dates', () => {
    // Act
    const text = renderDrReport(report, 'json');
    const json = JSON.parse(text);
    // Assess
    expect(text).toBe(
      renderDrReport(drReport(demo, demoPolicies, { now: new Date(demo.capturedAt) }), 'json'),
    );
    expect(json.reportVersion).toBe(1);
    expect(json.rows).toHaveLength(18);
    expect(Object.keys(json.rows[0])).toEqual([
      'resourceArn',
      'resourceName',
      'resourceType',
      'backupResourceType',
      'accountId',
      'region',
      'tags',
      'policy',
      'rpoHours',
      'backupPlan',
      'sourceVault',
      'locations',
      'scenarios',
      'restoreTest',
      'keys',
      'restore',
    ]);
    expect(Object.keys(json.rows[0].locations)).toEqual(['source', 'otherRegion', 'drAccount']);
    expect(Object.keys(json.rows[0].scenarios)).toEqual(['regionLost', 'accountLost']);
    const dates: string[] = [];
    const walk = (v: unknown, k = ''): void => {
      if (Array.isArray(v)) for (const x of v) walk(x, k);
      else if (v && typeof v === 'object') for (const [kk, vv] of Object.entries(v)) walk(vv, kk);
      else if (/(At|Time|Date|^start|^end|Since)$/.test(k) && typeof v === 'string') dates.push(v);
    };
    walk(json);
    expect(dates.length).toBeGreaterThan(100);
    for (const d of dates) expect(d).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe('dr-report CSV', () => {
  it('parses back: a header of the Audit Manager column names and ours, one record per resource, each as long', () => {
    // Act
    const records = parseCsv(renderDrReport(report, 'csv'));
    // Assess
    const [head, ...rows] = records;
    expect(head).toEqual(CSV_COLUMNS.map(([name]) => name));
    expect(head?.slice(0, 13)).toEqual([
      'Report Time Period Start',
      'Report Time Period End',
      'Account ID',
      'Region',
      'Resource ARN',
      'Resource Name',
      'Resource Type',
      'Backup Policy',
      'Backup Plan Name',
      'Backup Plan ARN',
      'Backup Vault Name',
      'Backup Vault ARN',
      'RPO Hours',
    ]);
    expect(head).toEqual(
      expect.arrayContaining([
        'Recovery Point ARN',
        'Creation Date',
        'Restore Job ID',
        'Restore Job Run Time',
      ]),
    );
    expect(rows).toHaveLength(18);
    for (const r of rows) expect(r).toHaveLength(head?.length ?? 0);
    const col = (name: string) => head?.indexOf(name) ?? -1;
    const orders = rows.find((r) => r[col('Resource Name')] === 'orders-db') ?? [];
    expect(orders[col('Account ID')]).toBe('111111111111');
    expect(orders[col('Recovery Point ARN')]).toBe(
      'arn:aws:rds:eu-central-1:111111111111:snapshot:awsbackup:job-00000001-5b1c-4d2e-9f3a-000000000001',
    );
    expect(orders[col('Region Lost Status')]).toBe('met');
    expect(orders[col('Restore Job Run Time')]).toBe('00:42:00');
    expect(orders[col('Restore Command')]).toMatch(/^backup-sentinel restore rds --db orders-db /);
    const payments = rows.find((r) => r[col('Resource Name')] === 'payments-db') ?? [];
    expect(payments[col('Account Lost Status')]).toBe('no-copy');
  });

  it('quotes commas, quotes and line breaks, and defuses what a spreadsheet would run as a formula', () => {
    const records = parseCsv(renderDrReport(hostile, 'csv'));
    const col = records[0]?.indexOf('Resource Name') ?? -1;
    expect(records.slice(1).map((r) => r[col])).toEqual([
      SCRIPT,
      'a,"b"\nc|d',
      `'=HYPERLINK("http://evil")`,
      'esc\u001b[2Jape',
    ]);
    for (const r of records) expect(r).toHaveLength(CSV_COLUMNS.length);
  });
});

describe('dr-report Markdown', () => {
  it('is a well-formed table: every row has as many cells as the header', () => {
    for (const r of [report, hostile]) {
      const rows = renderDrReport(r, 'markdown')
        .split('\n')
        .filter((l) => l.startsWith('|'));
      const cells = (line: string) => line.replace(/\\\\/g, '').match(/(?<!\\)\|/g)?.length ?? 0;
      expect(rows.length).toBe(r.rows.length + 2);
      expect(rows[1]).toMatch(/^\| --- (\| --- )+\|$/);
      for (const line of rows) expect(cells(line)).toBe(12);
    }
  });

  it('escapes names and tags: no HTML, no cell split', () => {
    const text = renderDrReport(hostile, 'markdown');
    // a fenced code block shows its text as it is; everywhere else nothing may become markup
    const blocks = [...text.matchAll(/^ {2}(`{3,})sh\n {2}(.*)\n {2}\1$/gm)].map((m) => m[2]);
    expect(blocks).toHaveLength(4);
    expect(blocks[0]).toBe(
      "backup-sentinel restore s3 --bucket '<script>alert(1)</script>' --to '<script>alert(1)</script>-restored' --restore-role-arn RESTORE_ROLE_ARN --recovery-point 'arn:aws:backup:eu-central-1:111111111111:recovery-point:<script>alert(1)</script>-0' --vault backup-sentinel-gold --region eu-central-1",
    );
    const prose = text.replace(/^ {2}(`{3,})sh\n.*\n {2}\1$/gm, '');
    expect(prose).not.toMatch(/(?<!\\)<\/?(script|img)/i);
    expect(prose).toContain('\\<script\\>alert\\(1\\)\\</script\\>');
    expect(prose).toContain('| a,"b" c\\|d |');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('esc\\\\u001b\\[2Jape');
  });
});

describe('dr-report HTML', () => {
  it('is one well-formed page with a section and a timeline per resource, and nothing external', () => {
    // Act
    const page = renderDrReport(report, 'html');
    // Assess
    expect(page.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')).toBe(true);
    expect(checkMarkup(page)).toEqual([]);
    expect(page.match(/<section class="resource"/g)).toHaveLength(18);
    expect(page.match(/<svg class="timeline"/g)).toHaveLength(18);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(|@import/i);
    expect([...page.matchAll(/https?:\/\/[^\s"'<]+/g)].map((m) => m[0])).toEqual(
      Array(19).fill('http://www.w3.org/2000/svg'),
    );
    // status is told by text, not colour alone
    expect(page).toContain('<span class="sym" aria-hidden="true">∅</span> NO COPY</span>');
  });

  it('escapes every user string: names, tags and ARNs never become markup', () => {
    const page = renderDrReport(hostile, 'html');
    expect(checkMarkup(page)).toEqual([]);
    expect(page).not.toMatch(/<script|<img/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain(
      '&lt;img src=x onerror=alert(2)&gt;=&quot;q&quot; &amp; &#39;a&#39; &lt;script&gt;',
    );
    expect(page).not.toContain('\u001b');
  });
});

describe('dr-report table', () => {
  it('has a header, one line per resource, the evidence of each and a summary', () => {
    const text = renderDrReport(report, 'table');
    const lines = text.split('\n');
    expect(lines[2]).toMatch(
      /^RESOURCE +TYPE +POLICY +RPO +SOURCE +OTHER REGION +DR ACCOUNT +REGION LOST +ACCOUNT LOST +RESTORE TEST +KEY MATERIAL$/,
    );
    expect(lines[3]).toMatch(/^orders-db +RDS +gold +24h +5h +5h +5h +met 5h +met 5h +ok 42m +recoverable$/);
    expect(lines[4]).toMatch(
      /^payments-db +RDS +gold +24h +5h +5h +NONE +met 5h +NO COPY +UNVALIDATED 38m +recoverable$/,
    );
    expect(text).toContain('  restore       backup-sentinel restore rds --db orders-db --recovery-point');
    expect(lines.at(-2)).toMatch(
      /^Summary: 18 resources under a policy · region lost: 7 met, 0 missed, 11 no copy, 0 not read/,
    );
  });

  it('prints control characters from the inventory as escapes', () => {
    const text = renderDrReport(hostile, 'table');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('esc\\u001b[2Jape');
  });

  it('every format renders an empty report', () => {
    const empty = drReport(inventory(), policies(), { now: NOW });
    for (const f of DR_FORMATS) expect(renderDrReport(empty, f).length).toBeGreaterThan(0);
    expect(parseCsv(renderDrReport(empty, 'csv'))).toHaveLength(1);
  });
});
