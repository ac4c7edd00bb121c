/** fix --backup-roles: checked before anything is read, and never together with --backup-role-arn. */
import { describe, expect, it } from 'vitest';
import { runMain } from './run-main.js';

const LIVE = ['--region', 'eu-central-1'];
const ROLE = 'arn:aws:iam::111111111111:role/backup';

describe('fix --backup-roles', () => {
  it.each<[string[], string]>([
    [
      ['fix', ...LIVE, '--backup-roles', 'all'],
      'error: --backup-roles must be none or template (got "all"); template once resources/backup-roles.yml is deployed',
    ],
    [
      ['fix', ...LIVE, '--backup-roles', 'template', '--backup-role-arn', ROLE],
      'error: --backup-roles template gives each selection its role from resources/backup-roles.yml, and --backup-role-arn names one role for all: pass one of them',
    ],
  ])('%j exits 2 before reading the policies or the account', async (argv, message) => {
    // Prepare: a policy file read would fail the test
    const reads: string[] = [];
    // Act
    const { code, stdout, stderr } = await runMain(argv, (path) => {
      reads.push(path);
      throw new Error('nothing is read');
    });
    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(message)).toBe(true);
    expect(reads).toEqual([]);
  });

  it('is an option of fix only', async () => {
    const { code, stderr } = await runMain([
      'plan',
      '--inventory',
      'examples/demo-account.json',
      '--backup-roles',
      'template',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--backup-roles' for plan (it is an option of fix)");
  });
});
