/** The CLI against moto server: snapshot, audit and fix --apply, as a user would run them. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';

const REGION = 'eu-central-1';
const dir = mkdtempSync(join(tmpdir(), 'sentinel-cli-'));
const POLICIES = join(dir, 'policies.yml');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => writeFileSync(p, t),
    now: () => new Date(),
    env: {},
  });
  return { code, stdout, stderr };
}

describe('backup-sentinel against a live account', () => {
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    writeFileSync(POLICIES, 'policies:\n  bronze: { frequency: 1d, retentionDays: 7 }\n');
    await resetMoto();
    const s3 = motoAws().s3(REGION);
    for (const name of ['cli-bucket-a', 'cli-bucket-b']) {
      await s3.send(
        (sdk) =>
          new sdk.CreateBucketCommand({
            Bucket: name,
            CreateBucketConfiguration: { LocationConstraint: REGION },
          }),
      );
      await s3.send(
        (sdk) =>
          new sdk.PutBucketTaggingCommand({
            Bucket: name,
            Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'bronze' }] },
          }),
      );
    }
  });

  const LIVE = () => ['--region', REGION, '--endpoint-url', motoUrl(), '--policies', POLICIES];

  it('saves a snapshot that audits offline to the same findings', async () => {
    // Prepare
    const out = join(dir, 'snapshot.json');
    // Act
    const saved = await cli('snapshot', ...LIVE(), '--out', out);
    const offline = await cli('audit', '--inventory', out, '--policies', POLICIES, '--format', 'json');
    // Assess
    expect(saved.code).toBe(0);
    expect(saved.stderr).toMatch(/wrote .*snapshot.json: 2 resources, \d+ collection errors, \d+ AWS calls/);
    expect(saved.stderr).toContain('eu-central-1: discovering tagged resources');
    const result = JSON.parse(offline.stdout);
    expect(
      result.findings.filter(
        (f: { ruleId: string; status: string }) =>
          f.ruleId === 's3.versioning' && f.status === 'NON_COMPLIANT',
      ),
    ).toHaveLength(2);
  });

  it('reports DR readiness live as it does on the snapshot of the same account, and gates on the RPO', async () => {
    // Prepare
    const out = join(dir, 'dr-snapshot.json');
    await cli('snapshot', ...LIVE(), '--out', out);
    // Act
    const live = await cli('dr-report', ...LIVE(), '--format', 'json');
    const offline = await cli('dr-report', '--inventory', out, '--policies', POLICIES, '--format', 'json');
    const gated = await cli('dr-report', ...LIVE(), '--fail-on', 'rpo');
    // Assess
    expect(live.code, live.stderr).toBe(0);
    const rows = (text: string) =>
      (
        JSON.parse(text) as { rows: { resourceArn: string; locations: { source: { state: string } } }[] }
      ).rows.map((r) => [r.resourceArn, r.locations.source.state]);
    // Nothing was backed up yet: the source vault was read (it does not exist), so "none", not "not read".
    expect(rows(live.stdout)).toEqual([
      ['arn:aws:s3:::cli-bucket-a', 'none'],
      ['arn:aws:s3:::cli-bucket-b', 'none'],
    ]);
    expect(rows(offline.stdout)).toEqual(rows(live.stdout));
    expect(gated.code).toBe(1);
    expect(gated.stdout).toContain('cli-bucket-a');
  });

  it('fixes nothing without --apply, then heals with it, and a second run finds nothing to do', async () => {
    // Act
    const dry = await cli('fix', ...LIVE());
    const applied = await cli('fix', ...LIVE(), '--only', 's3', '--apply', '--max-changes', '1');
    const rest = await cli('fix', ...LIVE(), '--only', 's3', '--apply');
    const again = await cli('fix', ...LIVE(), '--only', 's3', '--apply');
    // Assess
    expect(dry.stdout).toContain('dry run: nothing is changed; pass --apply');
    expect(dry.stdout).toMatch(/dry-run {2}enable versioning on bucket cli-bucket-a/);
    expect(dry.stdout).toMatch(/dry-run {2}create backup plan backup-sentinel-bronze/);
    expect(dry.code).toBe(0);
    expect(applied.stdout).toMatch(/^1 applied, 0 already done, 0 to apply, 3 over the cap, 0 failed/m);
    expect(rest.stdout).toMatch(/applied {2}enable versioning on bucket cli-bucket-b/);
    expect(again.stdout).not.toContain('enable versioning');
    const versioning = await motoAws()
      .s3(REGION)
      .send((sdk) => new sdk.GetBucketVersioningCommand({ Bucket: 'cli-bucket-a' }));
    expect(versioning.Status).toBe('Enabled');
  });
});
