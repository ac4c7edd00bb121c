/** Each command takes its own flags, and flag values are checked before anything is read. */
import { describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

const DEMO = ['--inventory', 'examples/demo-account.json', '--policies', 'examples/policies.yml'];
const LIVE = ['--region', 'eu-central-1'];

const cli = (...argv: string[]) => runMain(argv);

const USAGE_LINE = {
  audit: '  backup-sentinel audit    (--inventory FILE | LIVE)',
  plan: '  backup-sentinel plan     (--inventory FILE | LIVE)',
  'dr-report': '  backup-sentinel dr-report (--inventory FILE | LIVE)',
  fix: '  backup-sentinel fix      LIVE [--apply]',
  snapshot: '  backup-sentinel snapshot LIVE --out FILE',
  policies: '  backup-sentinel policies validate FILE',
  rules: '  backup-sentinel rules    [--format table|json|markdown]',
};
type Command = keyof typeof USAGE_LINE;

describe('flags that a command does not take', () => {
  it.each<[string[], string]>([
    [
      ['audit', ...DEMO, '--apply'],
      "error: Unknown option '--apply' for audit (it is an option of fix, keys, restore)\n",
    ],
    [
      ['rules', '--region', 'x'],
      "error: Unknown option '--region' for rules (it is an option of audit, plan, dr-report, fix, snapshot, keys, restore)\n",
    ],
    [
      ['plan', ...DEMO, '--fail-on', 'error'],
      "error: Unknown option '--fail-on' for plan (it is an option of audit, dr-report)\n",
    ],
    [
      ['plan', ...DEMO, '--now', '2027-01-01'],
      "error: Unknown option '--now' for plan (it is an option of audit, dr-report)\n",
    ],
    [['fix', ...LIVE, '--all'], "error: Unknown option '--all' for fix (it is an option of audit)\n"],
    [
      ['snapshot', ...LIVE, '--format', 'json'],
      "error: Unknown option '--format' for snapshot (it is an option of audit, plan, dr-report, fix, keys, restore, rules)\n",
    ],
    [
      ['snapshot', ...LIVE, '--inventory', 'x.json'],
      'error: snapshot reads the live account; it does not take --inventory\n',
    ],
    [
      ['policies', 'validate', 'examples/policies.yml', '--format', 'json'],
      "error: Unknown option '--format' for policies (it is an option of audit, plan, dr-report, fix, keys, restore, rules)\n",
    ],
    [['audit', '--bogus'], "error: Unknown option '--bogus' for audit\n"],
    [['rules', '-x'], "error: Unknown option '-x' for rules\n"],
  ])('%j exits 2 with that command usage only', async (argv, message) => {
    // Act
    const { code, stdout, stderr } = await cli(...argv);
    // Assess
    const command = argv[0] as Command;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(`${message}Usage:\n${USAGE_LINE[command]}`)).toBe(true);
    for (const [other, line] of Object.entries(USAGE_LINE)) {
      if (other !== command) expect(stderr).not.toContain(line);
    }
    expect(stderr.endsWith('Run "backup-sentinel --help" for usage.\n')).toBe(true);
  });

  it('shows the LIVE flags with the commands that read an account', async () => {
    expect((await cli('fix', ...LIVE, '--inventory', 'x.json')).stderr).toContain(
      '  LIVE = --region REGION [--region …] [--profile NAME] [--endpoint-url URL]\n',
    );
    expect((await cli('rules', '--all')).stderr).not.toContain('LIVE =');
  });
});

describe('malformed command lines', () => {
  it.each<[string[], string]>([
    [['audit', ...DEMO, '--format'], 'error: --format needs a value\n'],
    [
      ['audit', '--policies', '--all'],
      'error: --policies needs a value (got the option "--all"; write --policies=--all if that is the value)\n',
    ],
    [['audit', ...DEMO, '--all=yes'], 'error: --all takes no value (got "yes")\n'],
    [
      ['audit', ...DEMO, '--format', 'json', '--format', 'table'],
      'error: --format is given more than once\n',
    ],
    [['audit', ...DEMO, 'extra'], 'error: audit takes no arguments (got "extra")\n'],
    [['rules', 'all'], 'error: rules takes no arguments (got "all")\n'],
    [
      ['policies', 'validate', 'a.yml', 'b.yml'],
      'error: usage: backup-sentinel policies validate FILE | policies schema\n',
    ],
    [['policies', 'schema', 'x'], 'error: usage: backup-sentinel policies validate FILE | policies schema\n'],
    [['policies'], 'error: usage: backup-sentinel policies validate FILE | policies schema\n'],
    [['--bogus'], "error: Unknown option '--bogus'\n"],
    [['--bogus', 'audit'], "error: Unknown option '--bogus'\n"],
    [
      ['--region', 'eu-central-1'],
      'error: name a command before --region: audit, plan, dr-report, fix, snapshot, keys, restore, policies, rules\n',
    ],
    [['restore'], 'error: restore needs what to restore: rds or s3\n'],
    [
      ['restore', 'rds', '--dr-role-arn', 'arn:aws:iam::{account}:role/r'],
      'error: restore runs in another account through --from-account and --role-arn; it does not take --dr-role-arn\n',
    ],
    [['\u001b[2J'], 'error: unknown command "\\u001b[2J"\n'],
  ])('%j exits 2', async (argv, message) => {
    const { code, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
  });

  it('takes values written with = and flags after --help', async () => {
    expect(
      (await cli('audit', '--inventory=examples/demo-account.json', '--policies=examples/policies.yml')).code,
    ).toBe(0);
    expect((await cli('audit', '--apply', '--help')).stdout).toContain('Usage:');
    expect((await cli('rules', '-h')).code).toBe(0);
  });
});

describe('flag values', () => {
  it.each<[string[], string]>([
    [['fix', ...LIVE, '--max-changes', '-1'], 'error: --max-changes needs a value (got the option "-1"'],
    [['fix', ...LIVE, '--max-changes=-1'], 'error: --max-changes must be a whole number (got "-1")'],
    [['fix', ...LIVE, '--max-changes', '2.5'], 'error: --max-changes must be a whole number (got "2.5")'],
    [['fix', ...LIVE, '--max-changes', '1e3'], 'error: --max-changes must be a whole number (got "1e3")'],
    [['fix', ...LIVE, '--max-changes', '0x10'], 'error: --max-changes must be a whole number (got "0x10")'],
    [['fix', ...LIVE, '--max-changes', ''], 'error: --max-changes must be a whole number (got "")'],
    [
      ['fix', ...LIVE, '--max-changes', '99999999999999999999'],
      'error: --max-changes must be from 0 to 10000 (got 99999999999999999999)',
    ],
    [['audit', ...LIVE, '--window-days', '0'], 'error: --window-days must be from 1 to 3650 (got 0)'],
    [
      ['audit', ...LIVE, '--window-days', '100000'],
      'error: --window-days must be from 1 to 3650 (got 100000)',
    ],
    [['audit', ...LIVE, '--window-days', 'week'], 'error: --window-days must be a whole number (got "week")'],
    [['audit', ...LIVE, '--read-from', 'config'], 'error: --read-from must be auto or direct (got "config")'],
    [
      ['audit', ...DEMO, '--read-from', 'direct'],
      'error: --read-from reads a live account; it does not go with --inventory',
    ],
    [['audit', ...DEMO, '--now', '1'], 'error: --now must be an ISO-8601 date (got "1"), e.g. 2026-11-25'],
    [['audit', ...DEMO, '--now', 'March 7'], 'error: --now must be an ISO-8601 date (got "March 7")'],
    [
      ['audit', ...DEMO, '--now', '2026-02-30'],
      'error: --now must be an ISO-8601 date (got "2026-02-30"): no such date or time',
    ],
    [
      ['audit', ...DEMO, '--now', '2026-11-25T25:00:00Z'],
      'error: --now must be an ISO-8601 date (got "2026-11-25T25:00:00Z"): no such date',
    ],
    [
      ['audit', ...DEMO, '--now', '2026-11-25T06:00:00'],
      'error: --now must be an ISO-8601 date (got "2026-11-25T06:00:00") without a time zone',
    ],
    [['audit', ...LIVE, '--now', '2026-11-25'], 'error: --now needs --inventory (a live audit is as of now)'],
    [
      ['audit', ...DEMO, '--region', 'eu-central-1'],
      'error: --region reads a live account; it does not go with --inventory',
    ],
    [
      ['audit', '--region', 'Frankfurt'],
      'error: --region must be a region name like eu-central-1 (got "Frankfurt")',
    ],
    [
      ['audit', ...LIVE, '--endpoint-url', 'localhost:5000'],
      'error: --endpoint-url must be an http(s) URL like http://127.0.0.1:5000 (got "localhost:5000")',
    ],
    [
      ['audit', ...LIVE, '--dr-role-arn', 'role/x'],
      'error: --dr-role-arn must be an ARN like arn:aws:iam::{account}:role/backup-sentinel-read (got "role/x")',
    ],
    [
      ['plan', ...DEMO, '--alert-topic-arn', 'alerts'],
      'error: --alert-topic-arn must be an ARN like arn:aws:sns:eu-central-1:111111111111:alerts (got "alerts")',
    ],
    [['fix', ...LIVE, '--only', 's4'], 'error: --only: no rule or area "s4" (did you mean "s3"?)'],
    [['fix', ...LIVE, '--only', ','], 'error: --only needs at least one rule id or area, e.g. s3'],
    [['fix', ...LIVE, '--format', 'markdown'], 'error: --format must be one of table, json (got "markdown")'],
    [
      ['audit', ...DEMO, '--format', '\u001b[2Jjson'],
      'error: --format must be one of table, json, markdown (got "\\u001b[2Jjson")',
    ],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    // Act
    const { code, stderr } = await cli(...argv);
    // Assess
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr).not.toContain('    at ');
  });

  it.each([
    ['2027-01-01', '2027-01-01T00:00:00.000Z'],
    ['2027-01-01T12:30:00Z', '2027-01-01T12:30:00.000Z'],
    ['2027-01-01T12:30:00.5+02:00', '2027-01-01T10:30:00.500Z'],
    ['2028-02-29T00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('takes --now %s', async (now, evaluatedAt) => {
    const { code, stdout } = await cli('audit', ...DEMO, '--format', 'json', '--now', now);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).evaluatedAt).toBe(evaluatedAt);
  });
});
