/**
 * The recovery runbook "the key material expired / was deleted", end to end: the escrow is seeded
 * by the rotator (secrets in another account and another Region, in moto over HTTP, through STS
 * assumed roles), KMS is the documented-shape fake of test/support/kms-fake.ts; restoreKey reads
 * each copy through the destination's reader role, verifies it and imports it again. Then the
 * same through `backup-sentinel keys` (main() in this process, so the KMS fake answers it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { ESCROW_TAGS, secretName } from '../../src/keys/escrow.js';
import { checkValue, materialDescription } from '../../src/keys/material.js';
import { type RestoreOptions, type RestoreResult, restoreKey } from '../../src/keys/restore.js';
import { rotateAll } from '../../src/keys/rotate.js';
import { parsePolicies } from '../../src/policy/index.js';
import { MOTO_ACCOUNT, motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';
import { type FakeMaterial, KmsFake } from '../support/kms-fake.js';

const HOME = 'eu-central-1';
const DR = '222222222222';
/** A third destination, holding nothing the rotator wrote (added after the seeding). */
const THIRD = '333333333333';
const KEY = `arn:aws:kms:${HOME}:${MOTO_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DAY = 86_400_000;
const IMPORT = 'kms:GetParametersForImport+ImportKeyMaterial';

type Destination = { account: string; region: string };
const DESTINATIONS: Destination[] = [
  { account: DR, region: HOME },
  { account: MOTO_ACCOUNT, region: 'eu-west-1' },
];

const keyMaterial = (escrow: Destination[] = DESTINATIONS, extra: Record<string, unknown> = {}) => ({
  keys: [KEY],
  escrow,
  ...extra,
});
const settingsWith = (escrow?: Destination[], extra?: Record<string, unknown>) =>
  parsePolicies(stringify({ keyMaterial: keyMaterial(escrow, extra), policies: { gold: {} } })).keyMaterial;

let kms: KmsFake;
let aws: ReturnType<typeof motoAws>;
beforeEach(async () => {
  await resetMoto();
  kms = new KmsFake();
  aws = motoAws();
});
afterEach(() => kms.restore());

/** Bytes that must never reach a result, an error or the CLI's output (the bogus copies' too). */
const secrets: Buffer[] = [];
function assertNoMaterial(text: string) {
  const all = [...[...kms.keys.values()].flatMap((k) => k.materials.map((m) => m.bytes)), ...secrets];
  for (const bytes of all) {
    if (bytes.length === 0) continue;
    for (const enc of ['hex', 'base64', 'base64url'] as const)
      expect(text).not.toContain(bytes.toString(enc));
  }
}

/** The rotator's first import (and, with `rotated`, a rotation): every material escrowed in both destinations. */
async function seed(rotated = false) {
  kms.addKey(KEY);
  const settings = settingsWith(undefined, { rotateEveryDays: 30 });
  const base = { apply: true, accountId: MOTO_ACCOUNT, settings };
  const runs = [await rotateAll(aws, [HOME], { ...base, now: new Date(Date.now() - 40 * DAY) })];
  if (rotated) runs.push(await rotateAll(aws, [HOME], { ...base, now: new Date() }));
  expect(runs.flat().map((o) => o.status)).toEqual(rotated ? ['ok', 'ok'] : ['ok']);
  const materials = kms.keys.get(KEY)?.materials ?? [];
  for (const m of materials) secrets.push(Buffer.from(m.bytes));
  kms.calls.splice(0); // from here on, the calls are the restore's
  return materials;
}

/** Expires a material as KMS does (its bytes gone); returns a copy of what they were. */
function expire(m: FakeMaterial | undefined): Buffer {
  if (!m) throw new Error('no material');
  const bytes = Buffer.from(m.bytes);
  kms.expire(KEY, m.id);
  return bytes;
}

const restore = (o: Partial<RestoreOptions> = {}): Promise<RestoreResult> =>
  restoreKey(aws, KEY, { apply: false, now: new Date(), settings: settingsWith(), ...o });

const kmsWrites = () =>
  kms.calls.filter((c) => c.startsWith('ImportKeyMaterial') || c.startsWith('GetParametersForImport'));

describe('restoreKey against moto (escrow in two accounts, two Regions)', () => {
  it('plans the import from the escrow copy, then imports the same bytes under the same id', async () => {
    const [old, current] = await seed(true);
    const bytes = expire(old);
    expect(kms.keys.get(KEY)?.state).toBe('PendingImport');
    const kcv = checkValue(bytes);
    const assume = vi.spyOn(aws, 'assume');

    // Dry-run: the copy is read and verified, the import only planned.
    const plan = await restore();
    expect(plan).toMatchObject({ keyArn: KEY, applied: false, status: 'planned', keyState: 'PendingImport' });
    const [planned, left] = plan.materials;
    expect(planned).toMatchObject({
      id: old?.id,
      checkValue: kcv,
      state: 'NON_CURRENT',
      importState: 'PENDING_IMPORT',
      status: 'planned',
      source: { destination: `${DR}/${HOME}` },
    });
    expect(planned?.source?.secretArn).toMatch(
      new RegExp(`^arn:aws:secretsmanager:${HOME}:${DR}:secret:${secretName(KEY, kcv)}-`),
    );
    expect(planned?.steps).toEqual([
      {
        call: 'secretsmanager:GetSecretValue',
        target: planned?.source?.secretArn,
        status: 'done',
        detail: `check value ${kcv} verified`,
      },
      {
        call: IMPORT,
        target: KEY,
        status: 'planned',
        detail: `EXISTING_KEY_MATERIAL ${old?.id}, KEY_MATERIAL_DOES_NOT_EXPIRE`,
      },
    ]);
    expect(left).toMatchObject({
      id: current?.id,
      status: 'already-imported',
      detail: 'already imported, left alone',
      steps: [],
    });
    expect(kmsWrites()).toEqual([]);
    expect(old?.imported).toBe(false);
    expect(kms.keys.get(KEY)?.state).toBe('PendingImport');
    // Read through each destination's reader role, never the writer's.
    expect(assume.mock.calls.map(([role]) => role)).toEqual([
      `arn:aws:iam::${DR}:role/backup-sentinel-escrow-reader-${HOME}`,
      `arn:aws:iam::${MOTO_ACCOUNT}:role/backup-sentinel-escrow-reader-eu-west-1`,
    ]);

    // Apply: KMS holds the original bytes again, under the same KeyMaterialId; the key is usable.
    const done = await restore({ apply: true, settings: settingsWith(undefined, { validityDays: 365 }) });
    expect(done).toMatchObject({ status: 'ok', keyState: 'PendingImport', keyStateAfter: 'Enabled' });
    expect(done.materials.map((m) => m.status)).toEqual(['imported', 'already-imported']);
    expect(done.materials[0]?.steps.map((s) => `${s.status} ${s.call}`)).toEqual([
      'done secretsmanager:GetSecretValue',
      `done ${IMPORT}`,
    ]);
    expect(done.materials[0]?.steps[1]?.detail).toMatch(
      new RegExp(`^EXISTING_KEY_MATERIAL ${old?.id}, KEY_MATERIAL_EXPIRES until \\d{4}-`),
    );
    expect(old?.imported).toBe(true);
    expect(old?.bytes.equals(bytes)).toBe(true);
    expect(old?.expirationModel).toBe('KEY_MATERIAL_EXPIRES');
    expect(kms.keys.get(KEY)?.state).toBe('Enabled');
    expect(kms.keys.get(KEY)?.materials).toHaveLength(2);

    // A second run has nothing to do.
    const again = await restore({ apply: true });
    expect(again).toMatchObject({ status: 'unchanged', reason: '2 already imported: nothing to restore' });
    assertNoMaterial(JSON.stringify([plan, done, again]));
  });

  it('refuses a copy whose bytes do not match its check value, naming the secret', async () => {
    const [m] = await seed();
    const bytes = expire(m);
    const kcv = checkValue(bytes);
    // A forged copy in a third destination: the right name and tags, other bytes.
    const bogus = randomBytes(32);
    secrets.push(Buffer.from(bogus));
    const forged = await aws
      .assume(`arn:aws:iam::${THIRD}:role/backup-sentinel-escrow-writer-${HOME}`, HOME)
      .secretsManager(HOME)
      .send(
        (sdk) =>
          new sdk.CreateSecretCommand({
            Name: secretName(KEY, kcv),
            SecretBinary: bogus,
            Tags: [
              { Key: ESCROW_TAGS.keyArn, Value: KEY },
              { Key: ESCROW_TAGS.checkValue, Value: kcv },
              { Key: 'managed-by', Value: 'backup-sentinel' },
            ],
          }),
      );
    const third = { account: THIRD, region: HOME };
    const settings = settingsWith([third, ...DESTINATIONS]);

    const results: RestoreResult[] = [];
    for (const o of [{ from: third }, {}, { from: third, apply: true }])
      results.push(await restore({ settings, ...o }));
    for (const r of results) {
      expect(r.status).toBe('failed');
      expect(r.materials).toHaveLength(1);
      expect(r.materials[0]).toMatchObject({
        status: 'failed',
        source: { secretArn: forged.ARN, destination: `${THIRD}/${HOME}` },
        detail: expect.stringMatching(
          new RegExp(
            `^refused: the escrow copy ${forged.ARN} in ${THIRD}/${HOME} holds material with check value kcv1:[0-9a-f]{32}, not ${kcv} .*not imported$`,
          ),
        ),
      });
      expect(r.materials[0]?.steps.map((s) => `${s.status} ${s.call}`)).toEqual([
        'failed secretsmanager:GetSecretValue',
      ]);
    }
    expect(kmsWrites()).toEqual([]);
    expect(m?.imported).toBe(false);

    // From a destination with the genuine copy, the material comes back.
    const ok = await restore({ settings, from: { account: DR, region: HOME }, apply: true });
    expect(ok).toMatchObject({ status: 'ok', keyStateAfter: 'Enabled' });
    expect(m?.bytes.equals(bytes)).toBe(true);
    assertNoMaterial(JSON.stringify([...results, ok]));
  });

  it('--from a destination without the copy: unrecoverable there, with the reason', async () => {
    const [m] = await seed();
    const kcv = checkValue(expire(m));
    const third = { account: THIRD, region: HOME };
    const r = await restore({ settings: settingsWith([...DESTINATIONS, third]), from: third, apply: true });
    expect(r.status).toBe('failed');
    expect(r.materials[0]).toMatchObject({
      id: m?.id,
      status: 'unrecoverable',
      detail: `not imported (expired or deleted), and no escrow copy with check value ${kcv} is in ${THIRD}/${HOME} (--from) — without --from every keyMaterial.escrow destination is searched`,
      steps: [],
    });
    expect(r.materials[0]?.source).toBeUndefined();
    expect(kmsWrites()).toEqual([]);
  });

  it('a --from that is not a destination of the policy file is refused', async () => {
    await seed();
    const r = await restore({ from: { account: THIRD, region: HOME } });
    expect(r).toMatchObject({
      status: 'failed',
      reason: `${THIRD}/${HOME} is not a keyMaterial.escrow destination (${DR}/${HOME}, ${MOTO_ACCOUNT}/eu-west-1)`,
      materials: [],
    });
  });

  it('materials without escrow are unrecoverable, and the others are still restored', async () => {
    const [m] = await seed();
    const k = kms.keys.get(KEY);
    // One imported by someone else (no backup-sentinel description), one with a check value nobody escrowed.
    const stray = randomBytes(32);
    k?.materials.push(
      {
        id: 'a'.repeat(64),
        bytes: Buffer.alloc(0),
        state: 'NON_CURRENT',
        imported: false,
        expirationModel: 'KEY_MATERIAL_EXPIRES',
        description: 'imported by hand',
        validTo: new Date(Date.now() - DAY),
      },
      {
        id: 'b'.repeat(64),
        bytes: Buffer.alloc(0),
        state: 'NON_CURRENT',
        imported: false,
        expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        description: materialDescription(checkValue(stray)),
      },
    );
    const bytes = expire(m);
    const r = await restore({ apply: true });
    expect(r.status).toBe('failed');
    expect(r.materials.map((x) => [x.id, x.status])).toEqual([
      [m?.id, 'imported'],
      ['a'.repeat(64), 'unrecoverable'],
      ['b'.repeat(64), 'unrecoverable'],
    ]);
    expect(r.materials[1]?.detail).toMatch(
      /^not imported \(expired or deleted\) since \d{4}-.*, and it was not imported by backup-sentinel \(its KeyMaterialDescription carries no backup-sentinel check value\): no escrow copy of it can exist$/,
    );
    expect(r.materials[1]?.checkValue).toBeUndefined();
    expect(r.materials[2]?.detail).toBe(
      `not imported (expired or deleted), and no escrow copy with check value ${checkValue(stray)} is in ${DR}/${HOME}, ${MOTO_ACCOUNT}/eu-west-1`,
    );
    expect(r.reason).toBe('1 imported, 2 unrecoverable; key is PendingImport');
    expect(m?.bytes.equals(bytes)).toBe(true);
  });

  it('one import failing does not stop the others', async () => {
    const [old, current] = await seed(true);
    const bytes = [expire(old), expire(current)];
    kms.failNext.set(
      'ImportKeyMaterial',
      Object.assign(new Error('The request was rejected because of throttling'), {
        name: 'ThrottlingException',
      }),
    );
    const r = await restore({ apply: true });
    expect(r.materials.map((x) => x.status)).toEqual(['failed', 'imported']);
    expect(r.materials[0]?.detail).toMatch(
      /importing it from arn:aws:secretsmanager:.* failed: ThrottlingException: /,
    );
    expect(r.materials[0]?.steps.at(-1)).toMatchObject({ call: IMPORT, status: 'failed' });
    expect(r.status).toBe('failed');
    expect(current?.bytes.equals(bytes[1] ?? Buffer.alloc(0))).toBe(true);
    // The rerun restores the one left.
    const again = await restore({ apply: true });
    expect(again.materials.map((x) => x.status)).toEqual(['imported', 'already-imported']);
    expect(again.keyStateAfter).toBe('Enabled');
    expect(old?.bytes.equals(bytes[0] ?? Buffer.alloc(0))).toBe(true);
    assertNoMaterial(JSON.stringify([r, again]));
  });

  it('a copy scheduled for deletion: says to restore the secret first', async () => {
    const [m] = await seed();
    const kcv = checkValue(expire(m));
    await aws
      .assume(`arn:aws:iam::${DR}:role/backup-sentinel-escrow-writer-${HOME}`, HOME)
      .secretsManager(HOME)
      .send(
        (sdk) => new sdk.DeleteSecretCommand({ SecretId: secretName(KEY, kcv), RecoveryWindowInDays: 7 }),
      );
    const r = await restore({ from: { account: DR, region: HOME } });
    expect(r.materials[0]).toMatchObject({
      status: 'unrecoverable',
      detail: expect.stringMatching(
        /is scheduled for deletion \(.*\): restore the secret first \(aws secretsmanager restore-secret --secret-id arn:aws:secretsmanager:eu-central-1:222222222222:secret:.* --region eu-central-1\), then run keys restore again$/,
      ),
    });
    // Without --from, the copy in the other Region is used.
    const other = await restore();
    expect(other.materials[0]).toMatchObject({
      status: 'planned',
      source: { destination: `${MOTO_ACCOUNT}/eu-west-1` },
    });
  });

  it('a key pending deletion: cancel the deletion first; nothing else is read', async () => {
    kms.addKey(KEY, { state: 'PendingDeletion' });
    const r = await restore({ apply: true });
    expect(r).toMatchObject({ status: 'failed', keyState: 'PendingDeletion', materials: [] });
    expect(r.reason).toContain('restoring its material does not help');
    expect(r.reason).toContain(`aws kms cancel-key-deletion --key-id ${KEY} --region ${HOME}`);
    expect(kms.calls).toEqual([`DescribeKey ${KEY}`]);
  });

  it('a key that is not there: failed with the reason, no throw', async () => {
    const r = await restore();
    expect(r).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^could not read the key: NotFoundException: /),
    });
  });
});

describe('backup-sentinel keys against moto (main() in this process, KMS faked)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-keys-'));
  const POLICIES = join(dir, 'policies.yml');
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  let output = '';

  beforeAll(() => {
    process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
    writeFileSync(POLICIES, stringify({ keyMaterial: keyMaterial(), policies: { gold: {} } }));
  });
  afterAll(() => {
    for (const [k, v] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--endpoint-url', motoUrl(), '--policies', POLICIES], {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      readFile: (p) => readFileSync(p, 'utf8'),
      writeFile: () => {
        throw new Error('no writes');
      },
      now: () => new Date(),
      env: {},
    });
    output += stdout + stderr;
    return { code, stdout, stderr };
  }

  it('rotates, then restores expired material: dry-run plan, then --apply; no material in any output', async () => {
    kms.addKey(KEY);
    const dryRotate = await cli('keys', 'rotate', '--region', HOME);
    expect(dryRotate).toMatchObject({ code: 0, stderr: '' });
    expect(dryRotate.stdout).toContain('Key material rotation (dry run: nothing is changed; pass --apply)');
    expect(dryRotate.stdout).toMatch(new RegExp(`^ {2}planned {3}${KEY}$`, 'm'));
    expect(dryRotate.stdout).toMatch(/^ {4}planned {2}kms:GetParametersForImport\+ImportKeyMaterial /m);
    expect(dryRotate.stdout).toContain('1 key: 0 ok, 1 planned, 0 unchanged, 0 skipped, 0 failed.');
    expect(kmsWrites()).toEqual([]);

    const rotated = await cli('keys', 'rotate', '--region', HOME, '--apply', '--key', KEY);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(new RegExp(`^ {2}ok {8}${KEY}$`, 'm'));
    expect(rotated.stdout).toMatch(
      /^ {4}done {5}secretsmanager:CreateSecret\+PutResourcePolicy\+GetSecretValue 222222222222\/eu-central-1: /m,
    );
    const m = kms.current(KEY);
    secrets.push(Buffer.from(m?.bytes ?? []));
    const bytes = expire(m);

    const plan = await cli('keys', 'restore', '--key', KEY);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toContain(
      `Key material restore of ${KEY} (dry run: nothing is imported; pass --apply)`,
    );
    expect(plan.stdout).toContain('Key state: PendingImport\n');
    expect(plan.stdout).toMatch(
      new RegExp(`^ {2}planned {10}${m?.id} {2}${checkValue(bytes)} {2}CURRENT, PENDING_IMPORT$`, 'm'),
    );
    expect(plan.stdout).toMatch(
      /would be imported again from arn:aws:secretsmanager:eu-central-1:222222222222:secret:backup-sentinel\/key-material\/.* \(222222222222\/eu-central-1\)/,
    );
    expect(plan.stdout).toContain(
      `planned  kms:GetParametersForImport+ImportKeyMaterial ${KEY}: EXISTING_KEY_MATERIAL ${m?.id}, KEY_MATERIAL_DOES_NOT_EXPIRE`,
    );
    expect(plan.stdout).toContain('0 imported, 1 to import, 0 already imported, 0 unrecoverable, 0 failed.');
    expect(kmsWrites()).toHaveLength(2); // the rotation's own GetParametersForImport and ImportKeyMaterial

    const json = JSON.parse(
      (await cli('keys', 'restore', '--key', KEY, '--format', 'json', '--from', `${MOTO_ACCOUNT}/eu-west-1`))
        .stdout,
    );
    expect(json).toMatchObject({ keyArn: KEY, applied: false, status: 'planned' });
    expect(json.materials[0].source.destination).toBe(`${MOTO_ACCOUNT}/eu-west-1`);

    const applied = await cli('keys', 'restore', '--key', KEY, '--apply', '--region', HOME);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Key state: PendingImport -> Enabled\n');
    expect(applied.stdout).toMatch(/^ {2}imported {9}/m);
    expect(m?.bytes.equals(bytes)).toBe(true);
    expect(kms.keys.get(KEY)?.state).toBe('Enabled');

    const again = await cli('keys', 'restore', '--key', KEY);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ {2}already-imported /m);
    assertNoMaterial(output);
  });

  it('exits 1 when a material is unrecoverable or the key is not managed', async () => {
    kms.addKey(KEY, {
      state: 'PendingImport',
      materials: [
        {
          id: 'c'.repeat(64),
          bytes: Buffer.alloc(0),
          state: 'CURRENT',
          imported: false,
          expirationModel: 'KEY_MATERIAL_EXPIRES',
        },
      ],
    });
    const r = await cli('keys', 'restore', '--key', KEY);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^ {2}UNRECOVERABLE {4}c{64} {2}no backup-sentinel check value {2}CURRENT, PENDING_IMPORT$/m,
    );
    const other = KEY.replace('1234abcd', '9999abcd');
    const rotate = await cli('keys', 'rotate', '--region', HOME, '--key', other);
    expect(rotate.code).toBe(1);
    expect(rotate.stdout).toContain(
      `not a managed key: tag it backup:key-material=escrow or list it under keyMaterial.keys in ${POLICIES}`,
    );
    assertNoMaterial(output);
  });
});
