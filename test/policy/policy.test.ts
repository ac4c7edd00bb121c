import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidFileError } from '../../src/errors.js';
import { parsePolicies } from '../../src/policy/index.js';
import { resolvePolicy } from '../../src/policy/resolve.js';

function problems(text: string): string[] {
  try {
    parsePolicies(text, 'p.yml');
  } catch (e) {
    if (e instanceof InvalidFileError) return e.problems;
    throw e;
  }
  throw new Error('expected the policy file to be invalid');
}

describe('parsePolicies', () => {
  it('fills every default from a one-line policy', () => {
    // Act
    const set = parsePolicies('policies:\n  bronze: {}\n');
    // Assess
    expect(set.tagKey).toBe('backup:policy');
    expect(set.remediateTagKey).toBe('backup:remediate');
    expect(set.keyMaterial).toEqual({
      escrow: [],
      keys: [],
      optInTag: 'backup:key-material',
      expiryWarningDays: 30,
      rotationReserve: 2,
    });
    expect(set.policies.bronze).toMatchObject({
      name: 'bronze',
      planName: 'backup-sentinel-bronze',
      vaultName: 'backup-sentinel-bronze',
      frequency: '1d',
      maxGapHours: 24,
      scheduleExpression: 'cron(0 5 ? * * *)',
      retentionDays: 35,
      rpoHours: 48,
      continuous: false,
      copies: [],
      s3: { versioning: true, objectLock: false, noncurrentVersionExpirationDays: 35 },
      rds: { minRetentionDays: 7, deletionProtection: true, copyTagsToSnapshot: true },
      encryption: { customerManagedKey: false },
      notifications: {
        // Changed: only what EventBridge does not carry (see DEFAULT_VAULT_EVENTS).
        events: ['S3_BACKUP_OBJECT_FAILED', 'S3_RESTORE_OBJECT_FAILED'],
      },
    });
    expect(set.policies.bronze?.vaultLock).toBeUndefined();
    expect(set.policies.bronze?.restoreTest).toBeUndefined();
  });

  it('reads the example policies and the starter policies', () => {
    // Act
    const example = parsePolicies(readFileSync('examples/policies.yml', 'utf8'));
    const starter = parsePolicies(readFileSync('policies.yml', 'utf8'));
    // Assess
    expect(Object.keys(example.policies)).toEqual(['gold', 'silver', 'bronze', 'partner']);
    expect(example.policies.gold?.restoreTest).toEqual({
      everyDays: 7,
      maxRestoreMinutes: 60,
      requireValidation: true,
    });
    expect(example.policies.gold?.vaultLock).toEqual({
      minRetentionDays: 7,
      maxRetentionDays: 400,
      mode: 'governance',
    });
    expect(Object.keys(starter.policies)).toEqual(['gold', 'silver', 'bronze']);
  });

  it('names the exact path and reason of every problem', () => {
    // Act
    const list = problems(
      [
        'policies:',
        '  gold:',
        '    frequency: 2x',
        '    retention: 3',
        '    copies:',
        '      - account: "22222222222"',
        '      - retentionDays: 5',
        '      - region: Frankfurt',
        '    rds: { minRetentionDays: 40 }',
      ].join('\n'),
    );
    // Assess
    expect(list).toEqual([
      'policies.gold.frequency: must be like "1h", "12h", "1d", "7d" or an AWS cron() expression',
      'policies.gold.copies[0].account: must be a 12-digit account id',
      'policies.gold.copies[1]: a copy needs a region, an account, or both',
      'policies.gold.copies[2].region: must be an AWS region such as eu-west-1',
      'policies.gold.rds.minRetentionDays: Too big: expected number to be <=35',
      'policies.gold: unknown field "retention" (did you mean "retentionDays"?)',
    ]);
  });

  it('rejects a numeric account id that YAML would read as a number', () => {
    expect(problems('policies:\n  gold:\n    copies: [{ account: 222222222222 }]\n')).toEqual([
      'policies.gold.copies[0].account: must be a string (got number)',
    ]);
  });

  it('catches settings that could never be met', () => {
    // Act
    const list = problems(
      'policies:\n  gold:\n    frequency: 1d\n    rpoHours: 12\n    retentionDays: 3\n    vaultLock: { minRetentionDays: 7, maxRetentionDays: 5 }\n',
    );
    // Assess
    expect(list).toEqual([
      'policies.gold.rpoHours: is shorter than the backup frequency (24h): it could never be met',
      'policies.gold.vaultLock.maxRetentionDays: is below minRetentionDays',
      'policies.gold.retentionDays: (3) is below vaultLock.minRetentionDays (7): AWS Backup would reject every job',
    ]);
  });

  it('rejects a retention the vault lock would refuse as too long', () => {
    expect(
      problems(
        'policies:\n  gold:\n    retentionDays: 500\n    vaultLock: { minRetentionDays: 7, maxRetentionDays: 400 }\n',
      ),
    ).toEqual([
      'policies.gold.retentionDays: (500) is above vaultLock.maxRetentionDays (400): AWS Backup would reject every job',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    expect(problems('policies:\n  gold: {frequency: 1h\n')).toEqual([
      'line 3, column 1: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
  });

  it('rejects duplicate keys, empty files, reserved and malformed policy names', () => {
    expect(problems('policies:\n  gold: {}\n  gold: {}\n')[0]).toMatch(
      /^line 3, column 3: Map keys must be unique/,
    );
    expect(problems('')).toEqual(['policies: is required']);
    expect(problems('policies: {}\n')).toEqual(['policies: must declare at least one policy']);
    expect(problems('policies:\n  none: {}\n')).toEqual([
      'policies.none: "none" is reserved for the opt-out',
    ]);
    expect(problems('policies:\n  "gold tier": {}\n')).toEqual([
      'policies.gold tier: policy names are 1-34 letters, digits or hyphens',
    ]);
  });

  it('keeps generated AWS names within limits and unshared', () => {
    expect(problems(`policies:\n  ${'x'.repeat(35)}: {}\n`)[0]).toContain('1-34 letters');
    expect(problems('policies:\n  gold: { vault: v }\n')).toEqual([
      'policies.gold.vault: must be 2-50 letters, digits, hyphens or underscores',
    ]);
    expect(
      problems(
        'policies:\n  gold: {}\n  silver: { vault: backup-sentinel-gold, plan: shared }\n  bronze: { plan: shared }\n',
      ),
    ).toEqual([
      'policies.bronze.plan: shared is already the plan of policy silver; policies cannot share one',
      'policies.silver.vault: backup-sentinel-gold is already the vault of policy gold; policies cannot share one',
    ]);
  });

  it('checks copy and continuous retentions against the vault lock', () => {
    expect(
      problems(
        'policies:\n  gold:\n    continuous: true\n    retentionDays: 60\n    copies: [{ region: eu-west-1, retentionDays: 500 }]\n    vaultLock: { minRetentionDays: 40, maxRetentionDays: 400 }\n',
      ),
    ).toEqual([
      'policies.gold.copies[0].retentionDays: (500) is outside the vault lock bounds (40-400 days): every copy would fail',
      'policies.gold.vaultLock.minRetentionDays: (40) is above the 35 days continuous backups can be kept: every continuous job would fail',
    ]);
  });

  it('suggests top-level field names', () => {
    expect(problems('tagkey: x\npolicies:\n  gold: {}\n')).toEqual([
      '(top level): unknown field "tagkey" (did you mean "tagKey"?)',
    ]);
  });
});

describe('resolvePolicy', () => {
  const set = parsePolicies('policies:\n  gold: {}\n  bronze: {}\n');

  it('resolves a declared policy, trimming white space', () => {
    const r = resolvePolicy({ 'backup:policy': ' gold ' }, set);
    expect(r.kind === 'policy' && r.policy.name).toBe('gold');
    expect(r.remediate).toBe(true);
  });

  it('treats none as an explicit opt-out', () => {
    expect(resolvePolicy({ 'backup:policy': 'none' }, set).kind).toBe('opt-out');
  });

  it('reports a missing or empty tag', () => {
    expect(resolvePolicy({}, set).kind).toBe('missing');
    expect(resolvePolicy({ 'backup:policy': '' }, set).kind).toBe('missing');
  });

  it('lists the known policies for an unknown name, matching case exactly', () => {
    expect(resolvePolicy({ 'backup:policy': 'Gold' }, set)).toEqual({
      kind: 'unknown',
      value: 'Gold',
      known: ['bronze', 'gold'],
      remediate: true,
    });
  });

  it('makes a resource audit-only with remediate=false in any case', () => {
    expect(resolvePolicy({ 'backup:policy': 'gold', 'backup:remediate': 'FALSE' }, set).remediate).toBe(
      false,
    );
    expect(resolvePolicy({ 'backup:policy': 'gold', 'backup:remediate': 'no' }, set).remediate).toBe(true);
  });

  it('uses the configured tag keys', () => {
    // Prepare
    const custom = parsePolicies('tagKey: dr-tier\nremediateTagKey: dr-heal\npolicies:\n  gold: {}\n');
    // Act
    const r = resolvePolicy({ 'dr-tier': 'gold', 'dr-heal': 'false', 'backup:policy': 'bronze' }, custom);
    // Assess
    expect(r.kind === 'policy' && r.policy.name).toBe('gold');
    expect(r.remediate).toBe(false);
  });
});
