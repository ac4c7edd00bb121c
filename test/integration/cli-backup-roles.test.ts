/**
 * fix --backup-roles template against moto server: the dry run prints, for a bucket's new
 * selection, the role of resources/backup-roles.yml it would pass (in the account of the
 * credentials and the selection's Region), and without the flag the account's default role.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { MOTO_ACCOUNT, motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';

const REGION = 'eu-central-1';
const dir = mkdtempSync(join(tmpdir(), 'sentinel-roles-'));
const POLICIES = join(dir, 'policies.yml');

async function cli(...argv: string[]) {
  let stdout = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: () => {},
    readFile: (p) => readFileSync(p, 'utf8'),
    writeFile: (p, t) => writeFileSync(p, t),
    now: () => new Date(),
    env: {},
  });
  return { code, stdout };
}

/** The dry run's "after" of the selection it would create (the first line after its summary). */
const selectionAfter = (stdout: string) => {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.includes('(selection backup-sentinel-bronze-s3)'));
  return lines.slice(at + 1, at + 3).find((l) => l.trim().startsWith('after')) ?? '';
};

describe('fix --backup-roles', () => {
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    writeFileSync(POLICIES, 'policies:\n  bronze: { frequency: 1d, retentionDays: 7 }\n');
    await resetMoto();
    const s3 = motoAws().s3(REGION);
    await s3.send(
      (sdk) =>
        new sdk.CreateBucketCommand({
          Bucket: 'roles-bucket',
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
    );
    await s3.send(
      (sdk) =>
        new sdk.PutBucketTaggingCommand({
          Bucket: 'roles-bucket',
          Tagging: { TagSet: [{ Key: 'backup:policy', Value: 'bronze' }] },
        }),
    );
  });

  const LIVE = () => ['--region', REGION, '--endpoint-url', motoUrl(), '--policies', POLICIES];

  it('dry run with template: the S3 selection would pass the template s3-regular role of this account and Region', async () => {
    // Act
    const { code, stdout } = await cli('fix', ...LIVE(), '--backup-roles', 'template');
    // Assess
    expect(code).toBe(0);
    const after = selectionAfter(stdout);
    expect(after).toContain(
      `"IamRoleArn":"arn:aws:iam::${MOTO_ACCOUNT}:role/backup-sentinel-backup-s3-regular-${REGION}"`,
    );
    expect(after).toContain('"Resources":["arn:aws:s3:::*"]');
  });

  it('dry run without it: the same selection would pass the default role', async () => {
    // Act
    const { code, stdout } = await cli('fix', ...LIVE());
    // Assess
    expect(code).toBe(0);
    expect(selectionAfter(stdout)).toContain(
      `"IamRoleArn":"arn:aws:iam::${MOTO_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"`,
    );
  });
});
