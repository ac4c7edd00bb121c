/**
 * The HTML DR report opened in a real browser: headless Chromium (Debian's chromium package;
 * scripts/ensure-chromium.sh installs it when it is missing) loads the example account's page,
 * which must render without a single console message — the page has no script, so anything on
 * the console is an error: an asset its Content-Security-Policy blocked, an SVG attribute the
 * browser rejected, markup that should have been text. Without a browser the test fails: a
 * skipped check would let a broken page through unseen.
 *
 * UPDATE_DOCS=1 also writes the screenshot to docs/dr-report.png.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInventory } from '../../src/inventory/index.js';
import { parsePolicies } from '../../src/policy/index.js';
import { drReport } from '../../src/report/dr.js';
import { renderDrReport } from '../../src/report/index.js';
import { bucket, hoursAgo, inventory, NOW, policies, vaultArnOf } from '../support/builders.js';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-dr-html-'));
let browser = '';

beforeAll(() => {
  const found = spawnSync('bash', ['scripts/ensure-chromium.sh'], { encoding: 'utf8', timeout: 900_000 });
  if (found.status !== 0)
    throw new Error(
      `no headless Chromium (scripts/ensure-chromium.sh exited ${found.status}): ${found.stderr}`,
    );
  browser = found.stdout.trim().split('\n').at(-1) ?? '';
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Chromium on one file, with its own profile; stdout and what it logged. */
function chromium(file: string, args: string[]) {
  const run = spawnSync(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--enable-logging=stderr',
      '--v=0',
      `--user-data-dir=${mkdtempSync(join(dir, 'profile-'))}`,
      ...args,
      `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
  expect(run.error, String(run.error)).toBeUndefined();
  expect(run.status, run.stderr).toBe(0);
  return { dom: run.stdout, log: run.stderr };
}

/** What the page said on the console ("INFO:CONSOLE(1)] ..."), and uncaught errors. */
const consoleOf = (log: string) => log.split('\n').filter((l) => /:CONSOLE[:(\]]|Uncaught/.test(l));

function page(name: string, html: string): string {
  const file = join(dir, name);
  writeFileSync(file, html);
  return file;
}

const demo = parseInventory(readFileSync('examples/demo-account.json', 'utf8'));
const demoHtml = renderDrReport(
  drReport(demo, parsePolicies(readFileSync('examples/policies.yml', 'utf8')), {
    now: new Date(demo.capturedAt),
  }),
  'html',
);

describe('the HTML DR report in headless Chromium', () => {
  it('the check sees errors: a page with a blocked asset and a bad SVG attribute logs them', () => {
    // Arrange
    const bad = page(
      'bad.html',
      `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><title>bad</title></head><body><img src="https://example.com/x.png"><svg width="10" height="10"><circle cx="NaN" r="2"/></svg></body></html>`,
    );
    // Act
    const { log } = chromium(bad, ['--dump-dom']);
    // Assess
    expect(consoleOf(log).join('\n')).toMatch(/Content Security Policy/);
    expect(consoleOf(log).join('\n')).toMatch(/<circle> attribute cx/);
  });

  it("renders the example account's page without a console message, with every section and timeline", () => {
    // Act
    const { dom, log } = chromium(page('dr-report.html', demoHtml), ['--dump-dom']);
    // Assess
    expect(consoleOf(log)).toEqual([]);
    expect(dom).toContain('<title>DR report of account 111111111111</title>');
    expect(dom.match(/<section class="resource"/g)).toHaveLength(18);
    expect(dom.match(/<svg class="timeline"/g)).toHaveLength(18);
    expect(dom.match(/<g class="rp rp-account">/g)?.length).toBeGreaterThan(10);
  });

  it('takes a screenshot of it (docs/dr-report.png with UPDATE_DOCS=1)', () => {
    // Act
    const shot = join(dir, 'dr-report.png');
    chromium(page('shot.html', demoHtml), [
      `--screenshot=${shot}`,
      '--window-size=1280,2000',
      '--hide-scrollbars',
    ]);
    // Assess: a PNG of that size, and not a blank page (which compresses to a few kB)
    const png = readFileSync(shot);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 2000]);
    expect(statSync(shot).size).toBeGreaterThan(100_000);
    if (process.env.UPDATE_DOCS) copyFileSync(shot, 'docs/dr-report.png');
  });

  it('shows hostile names and tags as text: no element, no console message', () => {
    // Arrange
    const name = '<script>console.error("x")</script><img src=x onerror=alert(1)>';
    const inv = inventory({
      listedSince: hoursAgo(48),
      resources: [
        bucket(name, {
          Tags: { 'backup:policy': 'gold', '<b onmouseover=alert(2)>': `"><script>alert(3)</script>` },
        }),
      ],
      recoveryPoints: [
        {
          RecoveryPointArn: `arn:aws:backup:eu-central-1:111111111111:recovery-point:${name}`,
          ResourceArn: `arn:aws:s3:::${name}`,
          BackupVaultArn: vaultArnOf('backup-sentinel-gold'),
          CreationDate: hoursAgo(3),
          Status: 'COMPLETED',
        },
      ],
    });
    const html = renderDrReport(drReport(inv, policies(), { now: NOW }), 'html');
    // Act
    const { dom, log } = chromium(page('hostile.html', html), ['--dump-dom']);
    // Assess
    expect(consoleOf(log)).toEqual([]);
    expect(dom).not.toMatch(/<(script|img|b)[\s>]/i);
    expect(dom).toContain(
      '&lt;script&gt;console.error("x")&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;',
    );
  });
});
