/**
 * Hostile input files: each is exit 2 with a short, capped, printable message, in bounded time,
 * never a stack trace (exit 3 is for bugs).
 */
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, run } from './built-cli.js';
import { runMain } from './run-main.js';

const dir = mkdtempSync(join(tmpdir(), 'sentinel-hostile-'));
const at = (name: string) => join(dir, name);

async function cli(...argv: string[]) {
  const started = Date.now();
  const result = await runMain(argv);
  return { ...result, ms: Date.now() - started };
}

/** Lines of `chunk(i)` until the text reaches `bytes`. */
function filled(head: string, bytes: number, chunk: (i: number) => string): string {
  const parts = [head];
  let size = head.length;
  for (let i = 0; size < bytes; i++) {
    const c = chunk(i);
    parts.push(c);
    size += c.length;
  }
  return parts.join('');
}

function billionLaughs(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\npolicies:\n  gold:\n    frequency: *a9\n`;
}

beforeAll(() => {
  const files: Record<string, string | Buffer> = {
    'laughs.yml': billionLaughs(),
    'unresolved.yml': 'policies:\n  gold: *nope\n',
    'cycle.yml': 'policies: &p\n  gold:\n    copies: [*p]\n',
    'errors-10m.yml': filled('policies:\n', 10 * 1024 * 1024, (i) => `  p${i}:\n    retention: 3\n`),
    'errors-300k.yml': filled(
      'policies:\n',
      300 * 1024,
      (i) => `  p${i}:\n    retention: 3\n    frequency: 2x\n`,
    ),
    'keys-1m.yml': filled('policies:\n  gold: {}\n', 1000 * 1024, (i) => `k${i}: 1\n`),
    'dups-1m.yml': filled('policies:\n  gold: {}\n', 1000 * 1024, () => 'k: 1\n'),
    'syntax-1m.yml': filled('policies:\n  gold: {}\n', 1000 * 1024, (i) => `x${i}: }\n`),
    'deep-flow.yml': `policies: ${'['.repeat(500_000)}\n`,
    'deep-block.yml': `${'- '.repeat(200_000)}x\n`,
    'long-key.yml': `policies:\n  gold: { "${'x'.repeat(200_000)}": 1 }\n`,
    'terminal.yml': 'policies:\n  gold:\n    "\\e[2J\\e]0;owned\\a\\u202e": 1\n',
    'two-docs.yml': 'policies:\n  gold: {}\n---\npolicies:\n  silver: {}\n',
    'binary.yml': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'latin1.yml': Buffer.from('policies:\n  caf\xe9: {}\n', 'latin1'),
    'utf16.yml': Buffer.from('\ufeffpolicies:\n  gold: {}\n', 'utf16le'),
    'ok-bom.yml': '\ufeffpolicies:\n  gold: {}\n',
    'inventory-garbage.json': '{"version": 1, \u001b[31m',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(at(name), text);
  mkdirSync(at('a-directory'));
  // a sparse 300 MiB inventory: larger than the cap without using the disk
  const fd = openSync(at('inventory-300m.json'), 'w');
  ftruncateSync(fd, 300 * 1024 * 1024);
  closeSync(fd);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function expectClean(result: { code: number; stderr: string; stdout: string }) {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.startsWith('error: ')).toBe(true);
  expect(result.stderr).not.toContain('unexpected failure');
  expect(result.stderr).not.toMatch(/\n {4}at /);
  for (const c of ['\u001b', '\u0007', '\u202e']) expect(result.stderr).not.toContain(c);
  const problems = result.stderr.split('\n').filter((l) => l.startsWith('  - '));
  expect(problems.length).toBeLessThanOrEqual(21);
  for (const line of result.stderr.split('\n')) expect(line.length).toBeLessThanOrEqual(400);
}

describe('policies validate on hostile files', () => {
  it.each<[string, RegExp]>([
    ['laughs.yml', /^ {2}- aliases \(\*name\) would copy more than 100 nodes: an alias bomb\?$/m],
    ['unresolved.yml', /^ {2}- line 2, column 9: unresolved alias \*nope \(define &nope before it\)$/m],
    ['cycle.yml', /^ {2}- line 3, column 14: alias \*p is inside the node it names \(a cycle\)$/m],
    ['errors-10m.yml', /: larger than 1 MiB \(10\.0 MiB\)\n/],
    ['deep-flow.yml', /^ {2}- line 1, column 75: nested more than 64 levels deep$/m],
    ['deep-block.yml', /^ {2}- line 1, column 129: nested more than 64 levels deep$/m],
    ['long-key.yml', /^ {2}- policies\.gold: unknown field "x{200,}…$/m],
    ['terminal.yml', /unknown field "\\u001b\[2J\\u001b\]0;owned\\u0007\\u202e"/],
    [
      'two-docs.yml',
      /^ {2}- line 3, column 1: a second YAML document \("---"\): a policy file is one document$/m,
    ],
    ['binary.yml', /: not a text file \(a NUL byte at offset 0\)\n/],
    ['latin1.yml', /: not a text file \(not valid UTF-8\)\n/],
    ['utf16.yml', /: not a text file \(a NUL byte at offset 3\)\n/],
    ['a-directory', /: is a directory\n/],
    ['missing.yml', /: no such file\n/],
  ])('%s', async (name, message) => {
    // Act
    const result = await cli('policies', 'validate', at(name));
    // Assess
    expectClean(result);
    expect(result.stderr).toMatch(message);
    expect(result.ms).toBeLessThan(10_000);
  });

  it.each<[string, RegExp]>([
    [
      'errors-300k.yml',
      /^ {2}- policies\.p0\.frequency: must be like "1h".*\n(?: {2}- .*\n){19} {2}- \.\.\. and \d{5} more$/m,
    ],
    [
      'syntax-1m.yml',
      /^ {2}- too many syntax errors: stopped reading at line \d+\n(?: {2}- line .*\n){19} {2}- \.\.\. and \d+ more$/m,
    ],
    ['keys-1m.yml', /^ {2}- \(top level\): unknown field "k0", .*"k9" and \d{6} more$/m],
    [
      'dups-1m.yml',
      /^ {2}- line 4, column 1: Map keys must be unique\n(?: {2}- line \d+, column 1: Map keys must be unique\n){19} {2}- \.\.\. and \d{6} more$/m,
    ],
  ])(
    '%s is capped at 20 problems and parsed in linear time',
    async (name, message) => {
      // Act
      const result = await cli('policies', 'validate', at(name));
      // Assess
      expectClean(result);
      expect(result.stderr).toMatch(message);
      // quadratic duplicate-key checks took minutes here; linear parsing takes a few seconds
      expect(result.ms).toBeLessThan(20_000);
    },
    30_000,
  );

  it('reads a byte-order mark as nothing', async () => {
    expect((await cli('policies', 'validate', at('ok-bom.yml'))).code).toBe(0);
  });

  it('treats --policies and --inventory the same way', async () => {
    // Act
    const policies = await cli(
      'audit',
      '--inventory',
      'examples/demo-account.json',
      '--policies',
      at('laughs.yml'),
    );
    const big = await cli(
      'audit',
      '--inventory',
      at('inventory-300m.json'),
      '--policies',
      'examples/policies.yml',
    );
    const garbage = await cli(
      'plan',
      '--inventory',
      at('inventory-garbage.json'),
      '--policies',
      'examples/policies.yml',
    );
    const folder = await cli(
      'audit',
      '--inventory',
      at('a-directory'),
      '--policies',
      'examples/policies.yml',
    );
    // Assess
    for (const r of [policies, big, garbage, folder]) expectClean(r);
    expect(policies.stderr).toContain('an alias bomb?');
    expect(big.stderr).toMatch(
      /^error: cannot read inventory .*inventory-300m\.json: larger than 256 MiB \(300 MiB\)\n/,
    );
    expect(garbage.stderr).toMatch(/^error: .*inventory-garbage\.json is invalid:\n {2}- not valid JSON: /);
    expect(folder.stderr).toMatch(/^error: cannot read inventory .*a-directory: is a directory\n/);
  });
});

describe('the built CLI on devices and large files', () => {
  let bundle = '';
  beforeAll(() => {
    bundle = buildCli();
  }, 60_000);

  it.each<[string, string, RegExp]>([
    [
      'policies',
      '/dev/zero',
      /^error: cannot read policy file \/dev\/zero: not a regular file \(a character device\)\n/,
    ],
    [
      'policies',
      '/dev/urandom',
      /^error: cannot read policy file \/dev\/urandom: not a regular file \(a character device\)\n/,
    ],
    [
      'inventory',
      '/dev/zero',
      /^error: cannot read inventory \/dev\/zero: not a regular file \(a character device\)\n/,
    ],
    ['policies', at('errors-10m.yml'), /: larger than 1 MiB \(10\.0 MiB\)\n/],
    ['policies', at('a-directory'), /: is a directory\n/],
  ])(
    '--%s %s exits 2 at once',
    async (flag, file, message) => {
      // Act
      const result = await run(
        bundle,
        [
          'audit',
          '--inventory',
          flag === 'inventory' ? file : 'examples/demo-account.json',
          '--policies',
          flag === 'policies' ? file : 'examples/policies.yml',
        ],
        { timeoutMs: 20_000 },
      );
      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.ms).toBeLessThan(15_000);
    },
    30_000,
  );
});
