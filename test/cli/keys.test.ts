/**
 * `backup-sentinel keys rotate|restore`: usage errors (exit 2, checked before anything is read or
 * called), the escrow the policy file must declare, and exit 1 for a key that cannot be restored
 * (KMS and STS faked in this process; these paths call nothing else). The runs against moto are in
 * test/integration/key-restore.test.ts.
 */
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readTextFile } from '../../src/files.js';
import { KmsFake } from '../support/kms-fake.js';
import { runMain } from './run-main.js';

const KEY = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const EXAMPLE = 'arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const FILES: Record<string, string> = {
  'escrow.yml': stringify({
    keyMaterial: {
      keys: [KEY],
      escrow: [
        { account: '222222222222', region: 'eu-central-1' },
        { account: '111111111111', region: 'eu-west-1' },
      ],
    },
    policies: { gold: {} },
  }),
  'no-escrow.yml': stringify({ keyMaterial: { keys: [KEY] }, policies: { gold: {} } }),
  'no-key-material.yml': stringify({ policies: { gold: {} } }),
};

const cli = (...argv: string[]) => runMain(argv, (p, maxBytes) => FILES[p] ?? readTextFile(p, maxBytes));

const KEYS_USAGE = [
  '  backup-sentinel keys     rotate [--key ARN] [--apply] [--policies FILE] [--format table|json] LIVE\n',
  '  backup-sentinel keys     restore --key ARN [--from ACCOUNT/REGION] [--apply] [--policies FILE]\n',
];

describe('backup-sentinel keys: bad usage exits 2 with the keys usage', () => {
  it.each<[string[], string]>([
    [['keys'], 'keys needs a subcommand: rotate or restore'],
    [['keys', 'rotatee'], 'unknown keys subcommand "rotatee": rotate or restore'],
    [['keys', 'rotate', 'now'], 'keys rotate takes no arguments (got "now")'],
    [['keys', 'restore', KEY], 'keys restore takes no arguments (got "arn:aws:kms:'],
    [['keys', 'restore'], 'keys restore needs --key ARN: the key whose material expired or was deleted'],
    [
      ['keys', 'restore', '--key', KEY, '--from', '2222/eu-central-1'],
      '--from must be ACCOUNT/REGION, a 12-digit account id and a region, like 222222222222/eu-central-1 (got "2222/eu-central-1")',
    ],
    [
      ['keys', 'restore', '--key', KEY, '--from', '222222222222/europe'],
      '--from must be ACCOUNT/REGION, a 12-digit account id and a region, like 222222222222/eu-central-1 (got "222222222222/europe")',
    ],
    [
      ['keys', 'restore', '--key', KEY, '--from', '222222222222'],
      '--from must be ACCOUNT/REGION, a 12-digit account id and a region',
    ],
    [
      ['keys', 'rotate', '--from', '222222222222/eu-central-1'],
      '--from is an option of keys restore (rotate escrows to every keyMaterial.escrow destination)',
    ],
    [
      ['keys', 'rotate', '--dr-role-arn', 'arn:aws:iam::{account}:role/x'],
      'keys reads and writes the escrow through the roles of keyMaterial.escrow in the policy file; it does not take --dr-role-arn',
    ],
    [
      ['keys', 'rotate', '--window-days', '3'],
      'keys reads no backup jobs or recovery points; it does not take --window-days',
    ],
    [
      ['keys', 'rotate', '--inventory', 'x.json'],
      'keys reads the live account; it does not take --inventory',
    ],
    [['keys', 'rotate', '--all'], "Unknown option '--all' for keys (it is an option of audit)"],
    [['keys', 'restore', '--key'], '--key needs a value'],
    [
      ['keys', 'restore', '--key', KEY, '--policies', 'escrow.yml', '--region', 'eu-west-1'],
      '--key is a key in eu-central-1, which --region does not name (eu-west-1)',
    ],
    [
      ['keys', 'restore', '--key', KEY, '--policies', 'escrow.yml', '--from', '333333333333/eu-central-1'],
      '--from 333333333333/eu-central-1 is not a keyMaterial.escrow destination of escrow.yml (222222222222/eu-central-1, 111111111111/eu-west-1)',
    ],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(`error: ${message}`)).toBe(true);
    for (const line of KEYS_USAGE) expect(stderr).toContain(line);
    expect(stderr).toContain('  LIVE = --region REGION');
    expect(stderr).not.toContain('backup-sentinel audit');
    expect(stderr.endsWith('Run "backup-sentinel --help" for usage.\n')).toBe(true);
  });

  it.each<[string[], string]>([
    [
      ['keys', 'restore', '--key', 'alias/backup'],
      `--key must be an ARN like ${EXAMPLE} (got "alias/backup")`,
    ],
    [
      ['keys', 'restore', '--key', KEY.replace('key/', 'alias/')],
      `--key must be an ARN like ${EXAMPLE} (got "arn:aws:kms:eu-central-1:111111111111:alias/`,
    ],
    [['keys', 'rotate', '--key', '1234abcd-12ab-34cd-56ef-1234567890ab'], '--key must be an ARN like'],
    [['keys', 'rotate', '--format', 'markdown'], '--format must be one of table, json (got "markdown")'],
    [
      ['keys', 'rotate', '--policies', 'escrow.yml'],
      'name the regions to read with --region (or set AWS_REGION)',
    ],
    [
      ['keys', 'rotate', '--policies', 'escrow.yml', '--region', 'Frankfurt'],
      '--region must be a region name',
    ],
    // The flags are checked before the policy file is read.
    [['keys', 'restore', '--key', 'x', '--policies', 'missing.yml'], '--key must be an ARN like'],
    [['keys', 'restore', '--key', KEY, '--policies', 'missing.yml'], 'cannot read policy file missing.yml: '],
  ])('%j exits 2', async (argv, message) => {
    const { code, stdout, stderr } = await cli(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(`error: ${message}`)).toBe(true);
  });

  it.each(['no-escrow.yml', 'no-key-material.yml'])(
    'refuses keys restore when %s declares no keyMaterial.escrow destinations, naming the setting',
    async (file) => {
      const { code, stdout, stderr } = await cli('keys', 'restore', '--key', KEY, '--policies', file);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `error: ${file} has no keyMaterial.escrow destinations: keys restore reads the escrow copies from them (list each account and region under keyMaterial.escrow)\n`,
      );
    },
  );

  it('shows keys in --help, with --key and --from', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    for (const line of KEYS_USAGE) expect(stdout).toContain(line);
    expect(stdout).toContain('  --key ARN          keys: the KMS key');
    expect(stdout).toContain('  --from ACCOUNT/REGION\n');
    expect(stdout).toContain('a key or a key material failed or\nis unrecoverable');
  });
});

describe('backup-sentinel keys restore: exit 1 when the key cannot be restored', () => {
  let kms: KmsFake;
  const sts = mockClient(STSClient);
  beforeEach(() => {
    kms = new KmsFake();
    sts.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/ops' });
  });
  afterEach(() => {
    kms.restore();
  });
  afterAll(() => sts.restore());

  it('credentials of another account: exit 2 before KMS is called', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    kms.addKey(KEY);
    const { code, stdout, stderr } = await cli('keys', 'restore', '--key', KEY, '--policies', 'escrow.yml');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      "error: --key is a key of account 111111111111, but the credentials are of account 999999999999: KMS imports material only with credentials of the key's own account (use --profile)\n",
    );
    expect(kms.calls).toEqual([]);
  });

  it('unusable credentials: exit 2, described by name only (their message is never printed)', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('credential_process printed hunter2-token'), {
        name: 'CredentialsProviderError',
      }),
    );
    const { code, stdout, stderr } = await cli('keys', 'restore', '--key', KEY, '--policies', 'escrow.yml');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^error: cannot use the AWS credentials: CredentialsProviderError: /);
    expect(stderr).not.toContain('hunter2');
    expect(kms.calls).toEqual([]);
  });

  it('a key pending deletion: says to cancel the deletion first, as a table and as JSON', async () => {
    kms.addKey(KEY, { state: 'PendingDeletion' });
    const table = await cli('keys', 'restore', '--key', KEY, '--policies', 'escrow.yml');
    expect(table.code).toBe(1);
    expect(table.stderr).toBe('');
    expect(table.stdout).toContain(
      `Key material restore of ${KEY} (dry run: nothing is imported; pass --apply)`,
    );
    expect(table.stdout).toContain('Key state: PendingDeletion\n');
    expect(table.stdout).toMatch(
      /^ {2}FAILED {2}key is PendingDeletion: restoring its material does not help while the key is scheduled for deletion\. Cancel the deletion first \(aws kms cancel-key-deletion --key-id arn:aws:kms:eu-central-1:111111111111:key\/1234abcd-12ab-34cd-56ef-1234567890ab --region eu-central-1\), then run keys restore again/m,
    );
    const json = await cli(
      'keys',
      'restore',
      '--key',
      KEY,
      '--policies',
      'escrow.yml',
      '--format',
      'json',
      '--apply',
    );
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      keyArn: KEY,
      applied: true,
      keyState: 'PendingDeletion',
      status: 'failed',
      materials: [],
    });
    expect(kms.calls).toEqual([`DescribeKey ${KEY}`, `DescribeKey ${KEY}`]);
  });

  it('a key KMS does not know: failed with the reason', async () => {
    const { code, stdout } = await cli('keys', 'restore', '--key', KEY, '--policies', 'escrow.yml');
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^ {2}FAILED {2}could not read the key: NotFoundException: Key '.*' does not exist$/m,
    );
  });

  it('a key whose material KMS generated: nothing to restore, failed', async () => {
    kms.addKey(KEY, { state: 'Enabled' });
    kms.mock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: 'k',
        Arn: KEY,
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeySpec: 'SYMMETRIC_DEFAULT',
      },
    });
    const { code, stdout } = await cli('keys', 'restore', '--key', KEY, '--policies', 'escrow.yml');
    expect(code).toBe(1);
    expect(stdout).toContain('origin AWS_KMS: its material is not imported, so there is nothing to restore');
  });
});
