import { beforeAll, describe, expect, it } from 'vitest';
import { fixExitCode } from '../../src/cli/main.js';
import { readTextFile } from '../../src/files.js';
import { buildCli, run } from './built-cli.js';
import { runMain } from './run-main.js';

const DEMO = ['--inventory', 'examples/demo-account.json', '--policies', 'examples/policies.yml'];

const FILES: Record<string, string> = {
  'bad.yml': 'policies:\n  gold:\n    retention: 3\n',
  'clean.json': JSON.stringify({
    version: 1,
    capturedAt: '2026-11-25T06:00:00Z',
    accountId: '111111111111',
    regions: ['eu-central-1'],
  }),
};

const cli = (...argv: string[]) => runMain(argv, (p, maxBytes) => FILES[p] ?? readTextFile(p, maxBytes));

describe('backup-sentinel audit', () => {
  it('prints problems grouped by resource and a summary, exit 0 by default', async () => {
    // Act
    const { code, stdout, stderr } = await cli('audit', ...DEMO);
    // Assess
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(
      'arn:aws:rds:eu-central-1:111111111111:db:payments-db  [RDS::DBInstance, policy gold]',
    );
    expect(stdout).toMatch(/ {2}FAIL {2}critical copies\.rds-cmk/);
    expect(stdout).toMatch(
      /^Summary: 25 resources and \d+ plans\/vaults\/keys audited · \d+ checks: \d+ non-compliant \(/m,
    );
    expect(stdout).not.toContain('  ok  ');
  });

  it('lists passing checks with --all', async () => {
    const { stdout } = await cli('audit', ...DEMO, '--all');
    expect(stdout).toContain('  ok    ');
    expect(stdout).toContain('  n/a   ');
  });

  it('exits 1 on findings with --fail-on non-compliant, and on errors with --fail-on error', async () => {
    expect((await cli('audit', ...DEMO, '--fail-on', 'non-compliant')).code).toBe(1);
    expect((await cli('audit', ...DEMO, '--fail-on', 'error')).code).toBe(1);
    expect(
      (
        await cli(
          'audit',
          '--inventory',
          'clean.json',
          '--policies',
          'examples/policies.yml',
          '--fail-on',
          'non-compliant',
        )
      ).code,
    ).toBe(0);
  });

  it('prints every finding as JSON', async () => {
    // Act
    const { stdout } = await cli('audit', ...DEMO, '--format', 'json');
    // Assess
    const result = JSON.parse(stdout);
    expect(result.accountId).toBe('111111111111');
    expect(result.findings.length).toBe(result.summary.findings);
    expect(result.findings[0]).toHaveProperty('ruleId');
  });

  it('prints markdown tables', async () => {
    const { stdout } = await cli('audit', ...DEMO, '--format', 'markdown');
    expect(stdout).toContain('| status | severity | rule | finding |');
    expect(stdout).toContain('## `arn:aws:s3:::acme-prod-uploads` — policy `silver`');
  });

  it('evaluates at --now, so time makes recent points stale', async () => {
    // Act
    const later = JSON.parse(
      (await cli('audit', ...DEMO, '--format', 'json', '--now', '2027-01-01T00:00:00Z')).stdout,
    );
    const atCapture = JSON.parse((await cli('audit', ...DEMO, '--format', 'json')).stdout);
    // Assess
    const stale = (r: { findings: { ruleId: string; status: string }[] }) =>
      r.findings.filter((f) => f.ruleId === 'recency.recovery-point' && f.status === 'NON_COMPLIANT').length;
    expect(stale(later)).toBeGreaterThan(stale(atCapture));
    expect(later.evaluatedAt).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('backup-sentinel plan', () => {
  it('prints the additive changes, merged and ordered, and what is skipped', async () => {
    // Act
    const { code, stdout } = await cli('plan', ...DEMO);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(
      'modify DB instance billing-db (eu-central-1): BackupRetentionPeriod=7, DeletionProtection=true, CopyTagsToSnapshot=true',
    );
    expect(stdout).toContain(
      'audit-only: arn:aws:rds:eu-central-1:111111111111:db:inventory-db is tagged remediate=false',
    );
    expect(stdout).toContain('no SNS topic: pass --alert-topic-arn');
    expect(stdout.indexOf('opt in resource type Aurora')).toBeLessThan(stdout.indexOf('enable versioning'));
  });

  it('sends vault notifications to --alert-topic-arn', async () => {
    const { stdout } = await cli(
      'plan',
      ...DEMO,
      '--alert-topic-arn',
      'arn:aws:sns:eu-central-1:111111111111:alerts',
    );
    expect(stdout).toContain(
      'send vault backup-sentinel-bronze (eu-central-1) events S3_BACKUP_OBJECT_FAILED, S3_RESTORE_OBJECT_FAILED to arn:aws:sns:eu-central-1:111111111111:alerts',
    );
    expect(stdout).not.toContain('no SNS topic');
  });

  it('prints the plan as JSON', async () => {
    const plan = JSON.parse((await cli('plan', ...DEMO, '--format', 'json')).stdout);
    expect(plan.actions.length).toBeGreaterThan(5);
    expect(plan.actions[0]).toHaveProperty('action.type');
  });
});

describe('backup-sentinel policies and rules', () => {
  it('validates a good policy file', async () => {
    expect(await cli('policies', 'validate', 'examples/policies.yml')).toEqual({
      code: 0,
      stdout:
        'examples/policies.yml: valid — 4 policies (gold, silver, bronze, partner), tag key backup:policy\n',
      stderr: '',
    });
  });

  it('explains a bad policy file with exit 2 and no stack trace', async () => {
    // Act
    const { code, stderr } = await cli('policies', 'validate', 'bad.yml');
    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'error: bad.yml is invalid:\n  - policies.gold: unknown field "retention" (did you mean "retentionDays"?)\n',
    );
  });

  it('prints the JSON Schema and the catalogue', async () => {
    expect(JSON.parse((await cli('policies', 'schema')).stdout).properties).toHaveProperty('policies');
    expect((await cli('rules')).stdout).toMatch(
      /^coverage\.policy-declared +high +Resource declares a known backup policy$/m,
    );
    expect(JSON.parse((await cli('rules', '--format', 'json')).stdout)[1]).toMatchObject({
      id: 'coverage.policy-declared',
      permissions: { collect: ['tag:GetResources'] },
    });
  });
});

describe('usage errors', () => {
  it.each([
    [['audit'], 'error: name the regions to read with --region (or set AWS_REGION)'],
    [['snapshot', '--region', 'eu-central-1'], 'error: snapshot needs --out FILE'],
    [['fix', '--inventory', 'x.json'], 'error: fix reads the live account; it does not take --inventory'],
    [
      ['fix', '--region', 'eu-central-1', '--max-changes', 'many'],
      'error: --max-changes must be a whole number (got "many")',
    ],
    [
      ['audit', '--inventory', 'nope.json', '--policies', 'examples/policies.yml'],
      'error: cannot read inventory nope.json: no such file',
    ],
    [
      ['audit', '--inventory', 'clean.json', '--policies', 'missing.yml'],
      'error: cannot read policy file missing.yml: no such file',
    ],
    [
      ['audit', ...DEMO, '--format', 'xml'],
      'error: --format must be one of table, json, markdown (got "xml")',
    ],
    [
      ['audit', ...DEMO, '--fail-on', 'warning'],
      'error: --fail-on must be non-compliant, error or never (got "warning")',
    ],
    [['audit', ...DEMO, '--now', 'soon'], 'error: --now must be an ISO-8601 date (got "soon")'],
    [['audit', '--bogus'], "error: Unknown option '--bogus'"],
    [['frobnicate'], 'error: unknown command "frobnicate"'],
    [['policies', 'validate'], 'error: usage: backup-sentinel policies validate FILE | policies schema'],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    // Act
    const { code, stderr } = await cli(...argv);
    // Assess
    expect(code).toBe(2);
    expect(stderr.startsWith(message)).toBe(true);
    expect(stderr).toContain('Run "backup-sentinel --help" for usage.');
  });

  it('prints usage with --help and no arguments', async () => {
    expect((await cli('--help')).stdout).toContain('Exit codes: 0 ok');
    expect((await cli()).code).toBe(0);
  });
});

describe('the built CLI bundle', () => {
  let bundle = '';
  beforeAll(() => {
    bundle = buildCli();
  }, 60_000);

  it('runs the demo audit as a program', async () => {
    // Act
    const result = await run(bundle, ['audit', ...DEMO, '--fail-on', 'non-compliant']);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Summary: 25 resources');
  });

  it('exits 2 without a stack trace on an invalid file', async () => {
    const result = await run(bundle, ['policies', 'validate', 'package.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: package.json is invalid:\n/);
    expect(result.stderr).toContain('  - (top level): unknown field "name"');
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('fix exit code', () => {
  it('is 1 for a failed change and 0 when changes were only applied, already done or refused for safety', () => {
    // Assess
    expect(fixExitCode([{ status: 'applied' }, { status: 'failed' }])).toBe(1);
    expect(fixExitCode([{ status: 'applied' }, { status: 'already-done' }, { status: 'refused' }])).toBe(0);
  });
});
