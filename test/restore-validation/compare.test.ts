/** The validator's pure parts: versions, keys, the bucket comparison's range, the setting. */
import { describe, expect, it } from 'vitest';
import { settingsFrom } from '../../src/app/settings.js';
import { restoreJobOf } from '../../src/restore-validation/job.js';
import { keyIdOf, majorVersion, metadataFacts } from '../../src/restore-validation/rds.js';
import { compareBuckets, type Listed } from '../../src/restore-validation/s3.js';
import { event } from './support.js';

describe('majorVersion', () => {
  it.each([
    ['mysql', '8.0.28', '8.0'],
    ['mariadb', '10.6.14', '10.6'],
    ['aurora-mysql', '8.0.mysql_aurora.3.04.0', '8.0'],
    ['aurora-mysql', '5.7.mysql_aurora.2.11.2', '5.7'],
    ['aurora', '5.6.10a', '5.6'],
    ['postgres', '14.7', '14'],
    ['aurora-postgresql', '15.4', '15'],
    ['postgres', '9.6.24', '9.6'],
    ['oracle-ee', '19.0.0.0.ru-2023-04.rur-2023-04.r1', '19'],
    ['sqlserver-se', '15.00.4073.23.v1', '15.00'],
  ])('%s %s -> %s', (engine, version, major) => {
    expect(majorVersion(engine, version)).toBe(major);
  });
});

describe('keys and metadata', () => {
  it('compares keys by id, and cannot compare an alias', () => {
    expect(keyIdOf('arn:aws:kms:us-east-1:123456789012:key/38db0a99-0bec-40f1-8d65-c73a1a16e83a')).toBe(
      '38db0a99-0bec-40f1-8d65-c73a1a16e83a',
    );
    expect(keyIdOf('mrk-1234abcd12ab34cd56ef1234567890ab')).toBe('mrk-1234abcd12ab34cd56ef1234567890ab');
    expect(keyIdOf('alias/aws/rds')).toBeUndefined();
    expect(keyIdOf('arn:aws:kms:us-east-1:123456789012:alias/aws/rds')).toBeUndefined();
  });

  it('reads the restore metadata keys without case, and only values it understands', () => {
    expect(
      metadataFacts({
        ENGINE: 'mysql',
        engineversion: '8.0.28',
        AllocatedStorage: 'many',
        Encrypted: 'TRUE',
      }),
    ).toEqual({ engine: 'mysql', engineVersion: '8.0.28', encrypted: true });
    expect(metadataFacts(undefined)).toEqual({});
  });
});

describe('compareBuckets', () => {
  const at = new Date('2026-11-24T02:00:00.000Z');
  const old = new Date('2026-11-20T00:00:00.000Z');
  const o = (key: string, change: Partial<Listed> = {}): Listed => ({
    key,
    size: 1,
    etag: '"0622528de826c0df5db1258a23b80be5"',
    lastModified: old,
    ...change,
  });

  it('compares only the key range both listings cover, in UTF-8 byte order', () => {
    // Prepare: the source lists 'a'..'c' and more; the restore lists 'a', 'b' and more.
    const source = { objects: [o('a'), o('b'), o('c')], complete: false };
    const restored = { objects: [o('a'), o('b')], complete: false };
    // U+1F600 sorts after U+FF5E in UTF-8 (F0 9F… > EF BD…), before it in UTF-16 (D83D < FF5E).
    const emoji = '\u{1F600}';
    const all = { objects: [o('a'), o('z'), o('\uFF5E'), o(emoji)], complete: true };
    const upToFf5e = { objects: [o('a'), o('\uFF5E')], complete: false };
    // Act
    const partial = compareBuckets(source, restored, { recoveryPointAt: at, compareEtags: true });
    const utf8 = compareBuckets(all, upToFf5e, { recoveryPointAt: at, compareEtags: true });
    // Assess: 'c' and the emoji are beyond the restore's last listed key: not missing, not compared.
    expect(partial).toMatchObject({ expected: 2, missing: [], upTo: 'b', etagCompared: 2 });
    expect(utf8).toMatchObject({ expected: 3, upTo: '\uFF5E' });
    expect(utf8.missing.map((m) => m.key)).toEqual(['z']);
  });

  it('expects no object written within a second of the recovery point or after, nor archived ones', () => {
    // Act
    const c = compareBuckets(
      {
        objects: [
          o('just-before', { lastModified: new Date(at.getTime() - 500) }),
          o('after', { lastModified: new Date(at.getTime() + 60_000) }),
          o('glacier', { storageClass: 'GLACIER' }),
          o('deep', { storageClass: 'DEEP_ARCHIVE' }),
          o('kept'),
        ],
        complete: true,
      },
      { objects: [o('deleted-since'), o('kept')], complete: true },
      { recoveryPointAt: at, compareEtags: false },
    );
    // Assess: the restore's object the source no longer has is not a failure either.
    expect(c).toMatchObject({
      expected: 1,
      missing: [],
      newer: 2,
      archived: 2,
      restored: 2,
      etagCompared: 0,
    });
    expect(c.upTo).toBeUndefined();
  });
});

describe('the event and the setting', () => {
  it('takes the job id and Region of a COMPLETED event, and the function Region for a Region that is not one', () => {
    const e = event('completed');
    expect(restoreJobOf(e, 'eu-central-1')).toEqual({
      kind: 'job',
      restoreJobId: 'AB123456-78C9-0123-456D-789012E34567',
      region: 'us-west-2',
    });
    expect(restoreJobOf({ ...e, region: '../../x' }, 'eu-central-1')).toMatchObject({
      region: 'eu-central-1',
    });
    expect(restoreJobOf({ ...e, source: 'aws.ec2' }, 'eu-central-1')).toMatchObject({ kind: 'ignored' });
  });

  it('reads RESTORE_VALIDATION: on, dry-run or off; unset is on (absent); anything else is refused', () => {
    expect(settingsFrom({ RESTORE_VALIDATION: 'dry-run' }).restoreValidation).toBe('dry-run');
    expect(settingsFrom({ RESTORE_VALIDATION: 'off' }).restoreValidation).toBe('off');
    expect(settingsFrom({})).not.toHaveProperty('restoreValidation');
    expect(() => settingsFrom({ RESTORE_VALIDATION: 'yes' })).toThrow(
      'RESTORE_VALIDATION must be off, dry-run or on (got "yes")',
    );
  });
});
