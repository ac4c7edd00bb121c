/**
 * The rotator end to end: escrow to a secret in another account (through the assumed writer role)
 * and to another Region, against moto's STS and Secrets Manager over HTTP; KMS import and
 * on-demand rotation (not in moto) through the documented-shape fake in test/support/kms-fake.ts.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Aws } from '../../src/aws/clients.js';
import { Collection } from '../../src/inventory/collect/calls.js';
import { collectEscrow } from '../../src/inventory/collect/escrow.js';
import { collectKeys } from '../../src/inventory/collect/keys.js';
import { parseInventory } from '../../src/inventory/index.js';
import { EscrowStore, policyProblem } from '../../src/keys/escrow.js';
import { checkValue, checkValueOf } from '../../src/keys/material.js';
import { type KeyOutcome, type RotateOptions, rotateAll } from '../../src/keys/rotate.js';
import { parsePolicies } from '../../src/policy/index.js';
import { audit } from '../../src/rules/engine.js';
import { MOTO_ACCOUNT, motoAws, motoUrl, resetMoto, TEST_CREDENTIALS } from '../support/aws.js';
import { ESCROW_ACCOUNT, KmsFake } from '../support/kms-fake.js';

const HOME = 'eu-central-1';
const DR = '222222222222';
const KEY = `arn:aws:kms:${HOME}:${MOTO_ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DAY = 86_400_000;

const settingsWith = (extra: Record<string, unknown> = {}) =>
  parsePolicies(
    stringify({
      keyMaterial: {
        keys: [KEY],
        escrow: [
          { account: DR, region: HOME },
          { account: MOTO_ACCOUNT, region: 'eu-west-1' },
        ],
        ...extra,
      },
      policies: { gold: {} },
    }),
  ).keyMaterial;

let kms: KmsFake;
let aws: Aws;
beforeEach(async () => {
  await resetMoto();
  kms = new KmsFake();
  aws = motoAws();
});
afterEach(() => kms.restore());

const options = (o: Partial<RotateOptions> = {}): RotateOptions => ({
  apply: true,
  now: new Date(),
  accountId: MOTO_ACCOUNT,
  settings: settingsWith(),
  ...o,
});

/** The escrow as the sweep reads it: through each destination's reader role. */
function readers(settings = settingsWith()) {
  return settings.escrow.map(
    (d) => new EscrowStore(d, aws.assume(d.readerRoleArn, d.region).secretsManager(d.region)),
  );
}

/** Everything the tests saw, as text: no material may appear in it in any encoding. */
function assertNoMaterial(text: string) {
  for (const k of kms.keys.values())
    for (const m of k.materials) {
      if (m.bytes.length === 0) continue;
      for (const enc of ['hex', 'base64', 'base64url'] as const)
        expect(text).not.toContain(m.bytes.toString(enc));
    }
}

describe('rotateKeyMaterial against moto (two accounts, two Regions)', () => {
  it('imports the first material only after it is escrowed and verified in both destinations', async () => {
    kms.addKey(KEY);
    const [out] = await rotateAll(aws, [HOME], options());
    expect(out).toMatchObject({ keyArn: KEY, status: 'ok' });
    // The sequence: both escrows (create, lock, read back) strictly before KMS sees the material.
    const calls = out?.steps.map((s) => `${s.call} ${s.target}`) ?? [];
    expect(calls).toEqual([
      `secretsmanager:CreateSecret+PutResourcePolicy+GetSecretValue ${DR}/${HOME}`,
      `secretsmanager:CreateSecret+PutResourcePolicy+GetSecretValue ${MOTO_ACCOUNT}/eu-west-1`,
      `kms:GetParametersForImport+ImportKeyMaterial ${KEY}`,
      expect.stringMatching(
        /^secretsmanager:TagResource arn:aws:secretsmanager:eu-central-1:222222222222:secret:/,
      ),
      expect.stringMatching(
        /^secretsmanager:TagResource arn:aws:secretsmanager:eu-west-1:123456789012:secret:/,
      ),
    ]);
    const imported = kms.current(KEY);
    expect(imported?.bytes).toHaveLength(32);
    const kcv = checkValue(imported?.bytes ?? Buffer.alloc(32));
    expect(out?.checkValue).toBe(kcv);
    expect(checkValueOf(imported?.description)).toBe(kcv);
    expect(imported?.expirationModel).toBe('KEY_MATERIAL_DOES_NOT_EXPIRE');

    // Each destination holds exactly those bytes, in that account and Region, locked and on the CMK.
    for (const store of readers()) {
      const [copy, ...more] = await store.list(KEY);
      expect(more).toEqual([]);
      expect(copy).toMatchObject({ keyArn: KEY, checkValue: kcv, keyMaterialId: imported?.id });
      expect(copy?.secretArn).toContain(
        `:${store.destination.region}:${store.destination.account}:secret:backup-sentinel/key-material/`,
      );
      const bytes = await store.read(copy?.secretArn ?? '');
      expect(Buffer.from(bytes).equals(imported?.bytes ?? Buffer.alloc(0))).toBe(true);
      expect(policyProblem(await store.policy(copy?.secretArn ?? ''), store.destination)).toBeUndefined();
    }
    const dr = aws
      .assume(`arn:aws:iam::${DR}:role/backup-sentinel-escrow-reader-${HOME}`, HOME)
      .secretsManager(HOME);
    const listed = await dr.send((sdk) => new sdk.ListSecretsCommand({}));
    const described = await dr.send(
      (sdk) => new sdk.DescribeSecretCommand({ SecretId: listed.SecretList?.[0]?.ARN }),
    );
    // The alias resolved to the key's ARN in that destination before CreateSecret.
    expect(described.KmsKeyId).toBe(`arn:aws:kms:${HOME}:${ESCROW_ACCOUNT}:key/escrow-key`);
    expect(kms.calls).toContain('DescribeKey alias/backup-sentinel-escrow');
    const policy = await dr.send((sdk) => new sdk.GetResourcePolicyCommand({ SecretId: described.ARN }));
    expect(
      JSON.parse(policy.ResourcePolicy ?? '{}').Statement[0].Condition.StringNotEquals['aws:PrincipalArn'],
    ).toEqual([
      `arn:aws:iam::${DR}:role/backup-sentinel-escrow-writer-${HOME}`,
      `arn:aws:iam::${DR}:role/backup-sentinel-escrow-reader-${HOME}`,
    ]);
    assertNoMaterial(JSON.stringify(out));
  });

  it('in a dry-run shows the same steps, writes no secret and imports nothing', async () => {
    kms.addKey(KEY);
    const [out] = await rotateAll(aws, [HOME], options({ apply: false }));
    expect(out?.status).toBe('planned');
    expect(out?.steps.map((s) => `${s.status} ${s.call}`)).toEqual([
      'planned secretsmanager:CreateSecret+PutResourcePolicy+GetSecretValue',
      'planned secretsmanager:CreateSecret+PutResourcePolicy+GetSecretValue',
      'planned kms:GetParametersForImport+ImportKeyMaterial',
      'planned secretsmanager:TagResource',
      'planned secretsmanager:TagResource',
    ]);
    expect(
      kms.calls.filter((c) => !c.startsWith('DescribeKey') && !c.startsWith('ListKeyRotations')),
    ).toEqual([]);
    for (const store of readers()) expect(await store.list(KEY)).toEqual([]);
  });

  it('rotates on demand when the current material is older than rotateEveryDays; the old one stays imported', async () => {
    kms.addKey(KEY);
    const settings = settingsWith({ rotateEveryDays: 90 });
    await rotateAll(aws, [HOME], options({ settings, now: new Date(Date.now() - 100 * DAY) }));
    const first = kms.current(KEY);
    const [out] = await rotateAll(aws, [HOME], options({ settings }));
    expect(out).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining('is 100 days old (rotate every 90)'),
    });
    expect(out?.steps.at(-1)).toMatchObject({ call: 'kms:RotateKeyOnDemand', status: 'done' });
    const k = kms.keys.get(KEY);
    expect(k?.materials.map((m) => [m.state, m.imported])).toEqual([
      ['NON_CURRENT', true],
      ['CURRENT', true],
    ]);
    expect(kms.current(KEY)?.id).not.toBe(first?.id);
    // Both materials escrowed in both destinations.
    for (const store of readers())
      expect((await store.list(KEY)).map((c) => c.keyMaterialId).sort()).toEqual(
        k?.materials.map((m) => m.id).sort(),
      );
    // A run the next day has nothing to do.
    const [again] = await rotateAll(aws, [HOME], options({ settings, now: new Date(Date.now() + DAY) }));
    expect(again).toMatchObject({ status: 'unchanged', reason: expect.stringContaining('is 1 days old') });
  });

  it('one destination unreachable: nothing imported, the outcome failed, the current material untouched', async () => {
    kms.addKey(KEY);
    await rotateAll(aws, [HOME], options()); // the first material, imported normally
    const settings = settingsWith({ rotateEveryDays: 1 });
    const current = kms.current(KEY);
    const dead = new Aws({ endpoint: 'http://127.0.0.1:9', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const escrow = (d: (typeof settings.escrow)[number]) =>
      new EscrowStore(
        d,
        (d.account === DR ? dead : aws.assume(d.writerRoleArn, d.region)).secretsManager(d.region),
      );
    const imports = kms.calls.filter((c) => c.startsWith('ImportKeyMaterial')).length;
    const [out] = await rotateAll(
      aws,
      [HOME],
      options({ settings, escrow, now: new Date(Date.now() + 2 * DAY) }),
    );
    expect(out?.status).toBe('failed');
    expect(out?.reason).toMatch(/escrow not readable in 222222222222\/eu-central-1 .*nothing imported/);
    expect(kms.calls.filter((c) => c.startsWith('ImportKeyMaterial'))).toHaveLength(imports);
    expect(kms.current(KEY)).toBe(current);
    expect(kms.keys.get(KEY)?.materials).toHaveLength(1);
  });

  it('a write that fails after the listing: still nothing imported', async () => {
    kms.addKey(KEY);
    const escrow = (d: ReturnType<typeof settingsWith>['escrow'][number]) => {
      const store = new EscrowStore(d, aws.assume(d.writerRoleArn, d.region).secretsManager(d.region));
      if (d.region === 'eu-west-1')
        store.put = async () => {
          throw Object.assign(new Error('User is not authorized to perform: secretsmanager:CreateSecret'), {
            name: 'AccessDeniedException',
          });
        };
      return store;
    };
    const [out] = await rotateAll(aws, [HOME], options({ escrow }));
    expect(out?.status).toBe('failed');
    expect(out?.reason).toContain('AccessDeniedException');
    expect(
      kms.calls.some((c) => c.startsWith('ImportKeyMaterial') || c.startsWith('GetParametersForImport')),
    ).toBe(false);
    expect(kms.keys.get(KEY)?.state).toBe('PendingImport');
  });

  it('a destination whose escrow alias names an AWS managed key: refused, nothing imported', async () => {
    kms.addKey(KEY);
    kms.escrowKeyManager = 'AWS';
    const [out] = await rotateAll(aws, [HOME], options());
    expect(out?.status).toBe('failed');
    expect(out?.reason).toContain(
      'alias/backup-sentinel-escrow is an AWS managed key; the escrow needs a customer-managed key',
    );
    expect(kms.calls.some((c) => c.startsWith('ImportKeyMaterial'))).toBe(false);
  });

  it('a crash between import and rotation: the next run rotates to the escrowed material, importing nothing new', async () => {
    kms.addKey(KEY);
    const settings = settingsWith({ rotateEveryDays: 30 });
    await rotateAll(aws, [HOME], options({ settings, now: new Date(Date.now() - 40 * DAY) }));
    kms.failNext.set(
      'RotateKeyOnDemand',
      Object.assign(new Error('Task timed out after 60.00 seconds'), { name: 'TimeoutError' }),
    );
    const [crashed] = await rotateAll(aws, [HOME], options({ settings }));
    expect(crashed?.status).toBe('failed');
    const pending = kms.keys.get(KEY)?.materials.find((m) => m.state === 'PENDING_ROTATION');
    expect(pending).toBeDefined();
    const imports = kms.calls.filter((c) => c.startsWith('ImportKeyMaterial')).length;
    const [next] = await rotateAll(aws, [HOME], options({ settings }));
    expect(next).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining('was imported for rotation by a run that did not finish'),
    });
    expect(kms.calls.filter((c) => c.startsWith('ImportKeyMaterial'))).toHaveLength(imports);
    expect(kms.current(KEY)?.id).toBe(pending?.id);
  });

  it('reimports an expired material from its escrow copy, under the same KeyMaterialId', async () => {
    kms.addKey(KEY);
    const settings = settingsWith({ rotateEveryDays: 30 });
    await rotateAll(aws, [HOME], options({ settings, now: new Date(Date.now() - 40 * DAY) }));
    await rotateAll(aws, [HOME], options({ settings }));
    const old = kms.keys.get(KEY)?.materials.find((m) => m.state === 'NON_CURRENT');
    const bytes = Buffer.from(old?.bytes ?? []);
    kms.expire(KEY, old?.id ?? '');
    const [out] = await rotateAll(aws, [HOME], options({ settings }));
    expect(out).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining(`material ${old?.id} is not imported`),
    });
    expect(
      out?.steps.find((s) => s.call === 'kms:GetParametersForImport+ImportKeyMaterial')?.detail,
    ).toContain(`EXISTING_KEY_MATERIAL ${old?.id}`);
    expect(old?.imported).toBe(true);
    expect(old?.bytes.equals(bytes)).toBe(true);
  });

  it('gives multi-Region replicas the same material before rotating the primary', async () => {
    const primary = `arn:aws:kms:${HOME}:${MOTO_ACCOUNT}:key/mrk-1234abcd12ab34cd56ef1234567890ab`;
    const replica = primary.replace(HOME, 'eu-west-1');
    kms.addKey(primary, { multiRegion: { type: 'PRIMARY', primary, replicas: [replica] } });
    kms.addKey(replica, { multiRegion: { type: 'REPLICA', primary, replicas: [] } });
    const settings = settingsWith({ keys: [primary, replica], rotateEveryDays: 30 });
    const first = await rotateAll(
      aws,
      [HOME, 'eu-west-1'],
      options({ settings, now: new Date(Date.now() - 40 * DAY) }),
    );
    expect(first.map((o) => o.status)).toEqual(['ok', 'skipped']);
    expect(kms.current(replica)?.bytes.equals(kms.current(primary)?.bytes ?? Buffer.alloc(0))).toBe(true);
    const [rotated] = await rotateAll(aws, [HOME], options({ settings }));
    expect(rotated?.steps.map((s) => `${s.call} ${s.target}`).filter((s) => s.startsWith('kms:'))).toEqual([
      `kms:GetParametersForImport+ImportKeyMaterial ${primary}`,
      `kms:GetParametersForImport+ImportKeyMaterial ${replica}`,
      `kms:RotateKeyOnDemand ${primary}`,
    ]);
    expect(kms.current(replica)?.id).toBe(kms.current(primary)?.id);
  });

  it("reimports a replica's expired material from the primary's escrow, leaving the primary alone", async () => {
    const primary = `arn:aws:kms:${HOME}:${MOTO_ACCOUNT}:key/mrk-00000000000000000000000000000001`;
    const replica = primary.replace(HOME, 'eu-west-1');
    kms.addKey(primary, { multiRegion: { type: 'PRIMARY', primary, replicas: [replica] } });
    kms.addKey(replica, { multiRegion: { type: 'REPLICA', primary, replicas: [] } });
    const settings = settingsWith({ keys: [primary] });
    await rotateAll(aws, [HOME], options({ settings }));
    const m = kms.current(replica);
    const bytes = Buffer.from(m?.bytes ?? []);
    kms.expire(replica, m?.id ?? '');
    expect(kms.keys.get(replica)?.state).toBe('PendingImport');
    const [out] = await rotateAll(aws, [HOME], options({ settings }));
    expect(out).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining(`in replica ${replica} is not imported`),
    });
    expect(out?.steps.filter((x) => x.call.includes('ImportKeyMaterial')).map((x) => x.target)).toEqual([
      replica,
    ]);
    expect(kms.current(replica)?.bytes.equals(bytes)).toBe(true);
    expect(kms.keys.get(replica)?.state).toBe('Enabled');
  });

  it('copies every material to a destination added later, verified, without touching KMS', async () => {
    kms.addKey(KEY);
    await rotateAll(aws, [HOME], options());
    const wider = settingsWith({
      escrow: [
        { account: DR, region: HOME },
        { account: MOTO_ACCOUNT, region: 'eu-west-1' },
        { account: DR, region: 'us-east-1' },
      ],
    });
    const imports = kms.calls.filter((c) => c.startsWith('ImportKeyMaterial')).length;
    const [out] = await rotateAll(aws, [HOME], options({ settings: wider }));
    expect(out).toMatchObject({
      status: 'ok',
      reason: expect.stringContaining(`has no escrow copy in ${DR}/us-east-1`),
    });
    expect(kms.calls.filter((c) => c.startsWith('ImportKeyMaterial'))).toHaveLength(imports);
    const added = readers(wider)[2];
    const [copy] = (await added?.list(KEY)) ?? [];
    expect(copy).toMatchObject({
      checkValue: checkValue(kms.current(KEY)?.bytes ?? Buffer.alloc(32)),
      keyMaterialId: kms.current(KEY)?.id,
    });
  });

  it('never lets the material reach an outcome, a step or an error message', async () => {
    kms.addKey(KEY);
    const outcomes: KeyOutcome[] = [];
    outcomes.push(
      ...(await rotateAll(
        aws,
        [HOME],
        options({ settings: settingsWith({ rotateEveryDays: 1 }), now: new Date(Date.now() - 3 * DAY) }),
      )),
    );
    kms.failNext.set('RotateKeyOnDemand', new Error('boom'));
    outcomes.push(
      ...(await rotateAll(aws, [HOME], options({ settings: settingsWith({ rotateEveryDays: 1 }) }))),
    );
    outcomes.push(
      ...(await rotateAll(aws, [HOME], options({ settings: settingsWith({ rotateEveryDays: 1 }) }))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'failed', 'ok']);
    assertNoMaterial(JSON.stringify(outcomes));
    // And the secrets' metadata (name, description, tags) carries no material either.
    const sm = aws.assume(`arn:aws:iam::${DR}:role/x`, HOME).secretsManager(HOME);
    assertNoMaterial(JSON.stringify(await sm.send((sdk) => new sdk.ListSecretsCommand({}))));
    void GetSecretValueCommand;
    void motoUrl;
  });
});

describe('the sweep verifies the escrow (collector + rules) against moto', () => {
  it('finds every copy through the reader roles, verifies it, and reports a copy whose bytes have another check value', async () => {
    // Prepare: two materials (a rotation), escrowed in both destinations.
    kms.addKey(KEY);
    const settings = settingsWith({ rotateEveryDays: 30 });
    await rotateAll(aws, [HOME], options({ settings, now: new Date(Date.now() - 40 * DAY) }));
    await rotateAll(aws, [HOME], options({ settings }));
    const policies = parsePolicies(
      stringify({
        keyMaterial: {
          keys: [KEY],
          escrow: [
            { account: DR, region: HOME },
            { account: MOTO_ACCOUNT, region: 'eu-west-1' },
          ],
          rotateEveryDays: 30,
        },
        policies: { gold: {} },
      }),
    );
    const audited = async () => {
      const c = new Collection();
      const keys = await collectKeys(aws, c, { region: HOME, ids: [], limit: 4, managed: [KEY] });
      const copies = await collectEscrow(aws, c, keys, policies.keyMaterial, MOTO_ACCOUNT);
      const inventory = parseInventory(
        JSON.stringify({
          version: 1,
          capturedAt: new Date().toISOString(),
          accountId: MOTO_ACCOUNT,
          regions: [HOME],
          kmsKeys: keys,
          keyMaterialReplicas: copies,
          collectionErrors: c.errors,
        }),
      );
      return {
        copies,
        findings: audit(inventory, policies, { now: new Date() }).filter((f) => f.ruleId.startsWith('kms.')),
      };
    };
    // Act
    const clean = await audited();
    // Assess: 2 materials x 2 destinations verified; nothing of the material in what was collected.
    expect(clean.copies).toHaveLength(4);
    expect(
      clean.copies.every((c) => c.ReadCheckValue === c.CheckValue && c.PolicyProblem === undefined),
    ).toBe(true);
    expect(
      clean.findings.filter((f) => f.status !== 'COMPLIANT').map((f) => [f.ruleId, f.status, f.message]),
    ).toEqual([]);
    assertNoMaterial(JSON.stringify(clean));

    // Tamper: the DR copy of the current material now holds other bytes (same name, same tags).
    const current = kms.current(KEY);
    const writer = aws
      .assume(`arn:aws:iam::${DR}:role/backup-sentinel-escrow-writer-${HOME}`, HOME)
      .secretsManager(HOME);
    const [copy] = (await readers()[0]?.list(KEY))?.filter((c) => c.keyMaterialId === current?.id) ?? [];
    await writer.send(
      (sdk) =>
        new sdk.PutSecretValueCommand({
          SecretId: copy?.secretArn,
          SecretBinary: new Uint8Array(32).fill(7),
        }),
    );
    const tampered = await audited();
    const bad = tampered.findings.filter((f) => f.status !== 'COMPLIANT');
    expect(bad.map((f) => [f.ruleId, f.status])).toEqual([['kms.material-replicas', 'NON_COMPLIANT']]);
    expect(bad[0]?.message).toContain(
      `the escrow copy of material ${current?.id} in ${DR}/${HOME} holds other bytes than the material KMS has`,
    );
  });
});
