/**
 * `backup-sentinel dr-report`: every format on the example account, --fail-on rpo exit codes
 * (an RPO missed, a DR account not read, everything met), --out, and bad usage (exit 2 with the
 * command's usage). Runs main() in this process, and the built bundle once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Io, main } from '../../src/cli/main.js';
import { readTextFile } from '../../src/files.js';
import { bucket, DR_ACCOUNT, hoursAgo, inventory, scopeOf, vault, vaultArnOf } from '../support/builders.js';
import { buildCli, run } from './built-cli.js';
import { runMain } from './run-main.js';

const DEMO = ['--inventory', 'examples/demo-account.json', '--policies', 'examples/policies.yml'];
const USAGE = '  backup-sentinel dr-report (--inventory FILE | LIVE) [--policies FILE] [--out FILE]\n';

const SOURCE = vaultArnOf('backup-sentinel-gold');
const point = (vaultArn: string, hours: number, id: string) => ({
  RecoveryPointArn: `arn:aws:backup:${vaultArn.split(':')[3]}:${vaultArn.split(':')[4]}:recovery-point:${id}`,
  ResourceArn: 'arn:aws:s3:::app',
  BackupVaultArn: vaultArn,
  CreationDate: hoursAgo(hours),
  Status: 'COMPLETED',
});
/** A bucket copied to another region of the DR account: one copy survives both losses. */
const DR_WEST = vaultArnOf('dr-vault', 'eu-west-1', DR_ACCOUNT);
const world = (drHours: number, drRead = true) =>
  JSON.stringify(
    inventory({
      listedSince: hoursAgo(24 * 30),
      resources: [bucket('app')],
      backupVaults: [vault('backup-sentinel-gold'), vault('dr-vault', { BackupVaultArn: DR_WEST })],
      // not read: what is there is not known
      recoveryPoints: [point(SOURCE, 2, 'src'), ...(drRead ? [point(DR_WEST, drHours, 'dr')] : [])],
      copyJobs: [
        {
          CopyJobId: 'c-1',
          SourceBackupVaultArn: SOURCE,
          DestinationBackupVaultArn: DR_WEST,
          ResourceArn: 'arn:aws:s3:::app',
          State: 'COMPLETED',
          CreationDate: hoursAgo(3),
        },
      ],
      scope: drRead ? scopeOf({ account: DR_ACCOUNT, region: 'eu-west-1' }) : scopeOf(),
    }),
  );

const FILES: Record<string, string> = {
  'gold.yml': stringify({
    policies: {
      gold: {
        frequency: '12h',
        rpoHours: 24,
        copies: [{ account: DR_ACCOUNT, region: 'eu-west-1', vault: 'dr-vault' }],
      },
    },
  }),
  'met.json': world(5),
  'missed.json': world(30),
  'unread.json': world(5, false),
};

const cli = (...argv: string[]) => runMain(argv, (p, maxBytes) => FILES[p] ?? readTextFile(p, maxBytes));
const small = (file: string, ...more: string[]) =>
  cli('dr-report', '--inventory', file, '--policies', 'gold.yml', ...more);

describe('backup-sentinel dr-report', () => {
  it('prints the table of the example account as of its capturedAt, exit 0 by default', async () => {
    // Act
    const { code, stdout, stderr } = await cli('dr-report', ...DEMO);
    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(
      /^backup-sentinel DR report of account 111111111111 \(inventory captured 2026-11-25T06:00:00.000Z, evaluated at 2026-11-25T06:00:00.000Z;/,
    );
    expect(stdout).toMatch(/^orders-db +RDS +gold +24h +5h +5h +5h +met 5h +met 5h +ok 42m +recoverable$/m);
    expect(stdout).toMatch(/^Summary: 18 resources under a policy/m);
  });

  it.each([
    ['json', (out: string) => expect(JSON.parse(out).rows).toHaveLength(18)],
    ['csv', (out: string) => expect(out.split('\r\n')).toHaveLength(20)],
    ['markdown', (out: string) => expect(out).toMatch(/^\| Resource \| Type \| Policy \|/m)],
    ['html', (out: string) => expect(out).toMatch(/^<!DOCTYPE html>\n[\s\S]*<\/html>\n$/)],
    ['table', (out: string) => expect(out).toContain('RESOURCE ')],
  ])('--format %s', async (format, check) => {
    const { code, stdout } = await cli('dr-report', ...DEMO, '--format', format);
    expect(code).toBe(0);
    check(stdout);
  });

  it('--now judges the snapshot at another time', async () => {
    const { stdout } = await cli('dr-report', ...DEMO, '--now', '2026-11-26T06:00:00Z', '--format', 'json');
    const orders = JSON.parse(stdout).rows[0];
    expect(orders.locations.source.newest.ageHours).toBe(29);
    expect(orders.scenarios.regionLost.status).toBe('missed');
  });

  it('--fail-on rpo: exit 1 when an RPO is missed or not known to be met (not read), 0 when all are met', async () => {
    expect((await small('met.json', '--fail-on', 'rpo')).code).toBe(0);
    expect((await small('missed.json', '--fail-on', 'rpo')).code).toBe(1);
    const unread = await small('unread.json', '--fail-on', 'rpo');
    expect(unread.code).toBe(1);
    expect(unread.stdout).toMatch(/^app +S3 +gold +24h +2h +- +NOT READ +NOT READ +NOT READ /m);
    expect((await small('missed.json')).code).toBe(0);
    expect((await small('missed.json', '--fail-on', 'never')).code).toBe(0);
    expect((await cli('dr-report', ...DEMO, '--fail-on', 'rpo')).code).toBe(1);
  });

  it('--out writes the report to a file and says so on stderr', async () => {
    // Arrange
    const written: Record<string, string> = {};
    let stdout = '';
    let stderr = '';
    const io: Io = {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readFile: readTextFile,
      writeFile: (p, t) => {
        written[p] = t;
      },
      now: () => new Date('2026-11-25T07:00:00Z'),
      env: {},
    };
    // Act
    const code = await main(
      ['dr-report', ...DEMO, '--format', 'html', '--out', 'report.html', '--fail-on', 'rpo'],
      io,
    );
    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(written['report.html']).toMatch(/^<!DOCTYPE html>/);
    expect(stderr).toBe(
      'wrote report.html: 18 resources, 12 not meeting the RPO for a lost region or account\n',
    );
  });

  it.each<[string[], string]>([
    [['--format', 'xml'], 'error: --format must be one of table, json, csv, markdown, html (got "xml")\n'],
    [
      ['--fail-on', 'non-compliant'],
      'error: --fail-on must be rpo or never for dr-report (got "non-compliant")\n',
    ],
    [['--all'], "error: Unknown option '--all' for dr-report (it is an option of audit)\n"],
    [['--region', 'eu-central-1'], 'error: --region reads a live account; it does not go with --inventory\n'],
    [['extra'], 'error: dr-report takes no arguments (got "extra")\n'],
  ])('%j exits 2 with the dr-report usage', async (extra, message) => {
    const { code, stdout, stderr } = await cli('dr-report', ...DEMO, ...extra);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(message)).toBe(true);
    if (!message.includes('live account')) expect(stderr).toContain(`Usage:\n${USAGE}`);
  });

  it('reads the live account without --inventory (and --now goes only with --inventory)', async () => {
    expect((await cli('dr-report')).stderr).toMatch(/^error: name the regions to read with --region/);
    expect((await cli('dr-report', '--region', 'eu-central-1', '--now', '2026-11-25')).stderr).toMatch(
      /^error: --now needs --inventory/,
    );
  });

  it('is in --help, with what --fail-on rpo does with what was not read', async () => {
    const { stdout } = await cli('--help');
    expect(stdout).toContain(USAGE);
    expect(stdout).toContain(
      '                         [--format table|json|csv|markdown|html] [--fail-on rpo|never] [--now ISO-DATE]\n',
    );
    expect(stdout).toContain('"no copy" and "not read" count as not met');
  });
});

describe('dr-report in the built CLI bundle', () => {
  let bundle = '';
  beforeAll(() => {
    bundle = buildCli();
  }, 60_000);

  it('writes the HTML page and exits 1 with --fail-on rpo', async () => {
    const result = await run(bundle, ['dr-report', ...DEMO, '--format', 'html', '--fail-on', 'rpo']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^<!DOCTYPE html>/);
  });
});
