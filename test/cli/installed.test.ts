/**
 * The CLI as users get it: packed with npm, installed globally into a temporary prefix, started
 * through the bin link npm creates (the same link npx and npm link create).
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, run } from './built-cli.js';

const DEMO = [
  '--inventory',
  resolve('examples/demo-account.json'),
  '--policies',
  resolve('examples/policies.yml'),
];

const tmp = mkdtempSync(join(tmpdir(), 'sentinel-installed-'));
const prefix = join(tmp, 'prefix');
const bin = join(prefix, 'bin', 'backup-sentinel');
// the shebang is "#!/usr/bin/env node": the node running the tests must be the one found
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
let packedFiles: string[] = [];

describe('the installed CLI', () => {
  beforeAll(() => {
    // Prepare: the package as published (its manifest, less what a tarball built from a bundled
    // CLI does not need: the bundle is self-contained, so dependencies are left out to prove it
    // and to let npm install offline)
    const pkg = join(tmp, 'package');
    mkdirSync(pkg);
    const {
      dependencies: _d,
      devDependencies: _dd,
      scripts: _s,
      ...manifest
    } = JSON.parse(readFileSync('package.json', 'utf8'));
    writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2));
    buildCli(join(pkg, 'dist', 'cli.mjs'));
    const npm = (args: string[], cwd: string) =>
      execFileSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd,
        env,
        encoding: 'utf8',
      });
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], pkg)) as {
      filename: string;
      files: { path: string }[];
    }[];
    packedFiles = (packed?.files ?? []).map((f) => f.path).sort();
    npm(['install', '--global', '--prefix', prefix, join(tmp, packed?.filename ?? '')], tmp);
  }, 120_000);

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('packs only the manifest and the bundle, and installs a bin link', () => {
    expect(packedFiles).toEqual(['dist/cli.mjs', 'package.json']);
    expect(lstatSync(bin).isSymbolicLink()).toBe(true);
  });

  it('audits through the bin link: exit 1 with --fail-on non-compliant, 0 with never', async () => {
    // Act
    const failing = await run(bin, ['audit', ...DEMO, '--fail-on', 'non-compliant'], { env });
    const passing = await run(bin, ['audit', ...DEMO, '--fail-on', 'never'], { env });
    // Assess
    expect(failing.stderr).toBe('');
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^Summary: 25 resources and \d+ plans\/vaults\/keys audited/m);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('Summary: 25 resources');
  });

  it('exits 2 with the command usage on a bad flag', async () => {
    const bad = await run(bin, ['audit', '--apply'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: Unknown option '--apply' for audit/);
    expect(bad.stderr).toContain('  backup-sentinel audit    (--inventory FILE | LIVE)');
  });

  it('runs through a link of any name, and prints its version', async () => {
    // Prepare
    const other = join(tmp, 'sentinel');
    symlinkSync(bin, other);
    // Act
    const version = await run(other, ['--version'], { env });
    const rules = await run(other, ['rules', '--format', 'json'], { env });
    // Assess
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    expect(JSON.parse(rules.stdout).length).toBeGreaterThan(10);
  });
});
