import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toKey } from '../../src/inventory/collect/keys.js';
import type { InventoryInput } from '../../src/inventory/schema.js';
import type { PolicyFileInput } from '../../src/policy/schema.js';
import {
  ACCOUNT,
  bucket,
  DR_ACCOUNT,
  daysAgo,
  db,
  findings,
  inventory,
  key,
  only,
  policies,
  REGION,
  vault,
} from '../support/builders.js';

type KeyInput = NonNullable<InventoryInput['kmsKeys']>[number];
type ReplicaInput = NonNullable<InventoryInput['keyMaterialReplicas']>[number];
const ListKeyRotations = JSON.parse(
  readFileSync(
    new URL('../fixtures/real/api/kms_ListKeyRotations_imported_docs.json', import.meta.url),
    'utf8',
  ),
) as { Rotations: Record<string, unknown>[] };

const keyArn = (id: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const daysFromNow = (d: number) => daysAgo(-d);

/** DescribeKey KeyMetadata of an EXTERNAL key before import (fixtures/real/api/kms_DescribeKey_external_pending_import_placebo.json). */
const PENDING_IMPORT: KeyInput = {
  AWSAccountId: '644160558196',
  KeyId: '0e70fa46-b702-4fe7-807e-8dea0d333f7d',
  Arn: 'arn:aws:kms:us-west-2:644160558196:key/0e70fa46-b702-4fe7-807e-8dea0d333f7d',
  Enabled: false,
  Description: '',
  KeyUsage: 'ENCRYPT_DECRYPT',
  KeyState: 'PendingImport',
  Origin: 'EXTERNAL',
  KeyManager: 'CUSTOMER',
  CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
  KeySpec: 'SYMMETRIC_DEFAULT',
  EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  MultiRegion: false,
};

/**
 * ListKeyRotations (IncludeKeyMaterial=ALL_KEY_MATERIAL) of an imported key, as the KMS guide
 * publishes it (fixtures/real/api/kms_ListKeyRotations_imported_docs.json): a non-current
 * material that is PENDING_IMPORT (expired or deleted) and the current one.
 */
// The SDK deserialises the timestamps to Dates.
const LISTED = ListKeyRotations.Rotations.map(
  (r) =>
    toKey(
      { KeyId: 'x', Arn: keyArn('x') },
      [],
      [
        {
          ...r,
          ...(typeof r.RotationDate === 'string' ? { RotationDate: new Date(r.RotationDate) } : {}),
        } as never,
      ],
    ).Materials?.[0],
);
const KCV_A = 'kcv1:0123456789abcdef0123456789abcdef';
const KCV_B = 'kcv1:fedcba9876543210fedcba9876543210';
type MaterialInput = NonNullable<KeyInput['Materials']>[number];
const material = (id: string, over: Partial<MaterialInput> = {}): MaterialInput => ({
  KeyMaterialId: id.padEnd(64, '0'),
  CheckValue: id === 'a' ? KCV_A : KCV_B,
  ImportState: 'IMPORTED',
  KeyMaterialState: 'CURRENT',
  ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  ...over,
});
const A = () => material('a', { KeyMaterialState: 'NON_CURRENT' });
const B = () => material('b', { RotationDate: daysAgo(10), RotationType: 'ON_DEMAND' });

/** An EXTERNAL key with two imported materials (a non-current, b current). */
const external = (over: Partial<KeyInput> = {}) =>
  key('ext-1', { Origin: 'EXTERNAL', KeySpec: 'SYMMETRIC_DEFAULT', Materials: [A(), B()], ...over });

/** The escrow copy of one material in one destination, verified as the collector reads it. */
function replica(region: string, kcv: string, over: Partial<ReplicaInput> = {}): ReplicaInput {
  return {
    SecretArn: `arn:aws:secretsmanager:${region}:${DR_ACCOUNT}:secret:backup-sentinel/key-material/${ACCOUNT}/${REGION}/ext-1/${kcv.slice(5)}-AbCdEf`,
    KeyArn: keyArn('ext-1'),
    AccountId: DR_ACCOUNT,
    Region: region,
    CheckValue: kcv,
    ReadCheckValue: kcv,
    KmsKeyId: 'alias/backup-sentinel-escrow',
    ...over,
  };
}
const everywhere = () => ['eu-west-1', 'us-east-1'].flatMap((r) => [replica(r, KCV_A), replica(r, KCV_B)]);

const file = (over: Partial<PolicyFileInput> = {}) => policies({ policies: { gold: {} }, ...over });
const REPLICATED = file({
  keyMaterial: {
    escrow: [
      { account: DR_ACCOUNT, region: 'eu-west-1' },
      { account: DR_ACCOUNT, region: 'us-east-1' },
    ],
  },
});

/** A database encrypted with `id`, so the key is audited. */
const usedBy = (k: KeyInput, more: Partial<InventoryInput> = {}) =>
  inventory({ resources: [db('orders', { KmsKeyId: k.Arn })], kmsKeys: [k], ...more });

describe('key subjects', () => {
  it('are the keys of audited resources and vaults, and every EXTERNAL key', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders', { KmsKeyId: keyArn('db-key') }), bucket('data')],
      backupVaults: [vault('backup-sentinel-gold', { EncryptionKeyArn: keyArn('vault-key') })],
      kmsKeys: [key('db-key'), key('vault-key'), key('unused'), PENDING_IMPORT],
    });
    // Act
    const arns = findings('kms.key-usable', inv, file()).map((f) => f.resourceArn);
    // Assess
    expect(arns.sort()).toEqual([keyArn('db-key'), keyArn('vault-key'), PENDING_IMPORT.Arn].sort());
  });

  it('are not created for keys of resources without a known policy', () => {
    // Prepare
    const inv = inventory({
      resources: [db('orders', { Tags: {}, KmsKeyId: keyArn('db-key') })],
      kmsKeys: [key('db-key')],
    });
    // Act
    const list = findings('kms.key-usable', inv, file());
    // Assess
    expect(list).toEqual([]);
  });
});

describe('kms.key-usable', () => {
  it('flags a key pending deletion with its deletion date and users', () => {
    // Prepare
    const k = key('cmk-9', {
      Enabled: false,
      KeyState: 'PendingDeletion',
      DeletionDate: '2026-12-02T00:00:00.000Z',
    });
    // Act
    const f = only('kms.key-usable', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('key is PendingDeletion on 2026-12-02T00:00:00.000Z');
    expect(f.message).toContain('orders');
  });

  it('flags a disabled key', () => {
    // Prepare
    const k = key('cmk-9', { Enabled: false, KeyState: 'Disabled' });
    // Act
    const f = only('kms.key-usable', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.actual).toBe('Disabled');
  });

  it('is compliant for an enabled key', () => {
    // Prepare
    const k = key('cmk-9');
    // Act
    const f = only('kms.key-usable', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('used by 1');
  });
});

describe('kms.imported-material', () => {
  it('is not applicable to key material generated by KMS', () => {
    // Prepare
    const k = key('cmk-9');
    // Act
    const f = only('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NOT_APPLICABLE');
  });

  it('flags an EXTERNAL key that never had material (ListKeyRotations lists none)', () => {
    // Prepare
    const k = { ...PENDING_IMPORT, Materials: [] };
    // Act
    const f = only('kms.imported-material', inventory({ kmsKeys: [k] }), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('no key material imported yet');
    expect(f.region).toBe('us-west-2');
  });

  it('reads the published ListKeyRotations: the PENDING_IMPORT non-current material makes the key unusable', () => {
    // Prepare
    expect(LISTED.map((m) => [m?.ImportState, m?.KeyMaterialState, m?.CheckValue])).toEqual([
      ['PENDING_IMPORT', 'NON_CURRENT', undefined],
      ['IMPORTED', 'CURRENT', undefined],
    ]);
    const k = external({ KeyState: 'PendingImport', Enabled: false, Materials: LISTED as MaterialInput[] });
    // Act
    const list = findings('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess: every material judged, the current one too.
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'COMPLIANT']);
    expect(list[0]?.message).toContain(
      'non-current material 123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0 is not imported (expired or deleted): the key is unusable',
    );
    expect(list[0]?.message).toContain(`backup-sentinel keys restore --key ${k.Arn}`);
    expect(list[1]?.message).toContain(
      'current material 96083e4fb6dbc41d77578a213a6b6669c044dd4c143e96755396d2bf11fd6068 does not expire',
    );
  });

  it('flags a non-current material expiring within the warning period, not only the current one', () => {
    // Prepare
    const k = external({
      Materials: [{ ...A(), ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: daysFromNow(10) }, B()],
    });
    // Act
    const list = findings('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'COMPLIANT']);
    expect(list[0]?.message).toContain('expires in 10.0 days');
    expect(list[0]?.message).toContain('then the whole key is PendingImport');
  });

  it('uses keyMaterial.expiryWarningDays from the policy file', () => {
    // Prepare
    const k = external({
      Materials: [{ ...B(), ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: daysFromNow(10) }],
    });
    // Act
    const f = only(
      'kms.imported-material',
      usedBy(k),
      file({ keyMaterial: { expiryWarningDays: 5 } }),
      k.Arn,
    );
    // Assess
    expect(f.status).toBe('COMPLIANT');
    expect(f.message).toContain('valid 10 more days');
  });

  it('flags expired material', () => {
    // Prepare
    const k = external({
      Materials: [{ ...B(), ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: daysAgo(1) }],
    });
    // Act
    const f = only('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain(`expired on ${daysAgo(1)}`);
    expect(f.actual).toBe('0.0 days');
  });

  it('ignores a material pending rotation (kms.material-rotation reports it)', () => {
    // Prepare
    const k = external({
      Materials: [B(), material('c', { KeyMaterialState: 'PENDING_ROTATION', ValidTo: daysAgo(1) })],
    });
    // Act
    const list = findings('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess
    expect(list.map((f) => f.status)).toEqual(['COMPLIANT']);
  });

  it('says ERROR naming the read when the materials could not be listed', () => {
    // Prepare
    const k = external({ Materials: undefined });
    const inv = usedBy(k, {
      collectionErrors: [
        {
          Arn: k.Arn,
          Action: 'kms:ListKeyRotations',
          Code: 'AccessDeniedException',
          Message: 'not authorized',
        },
      ],
    });
    // Act
    const f = only('kms.imported-material', inv, file(), k.Arn);
    // Assess
    expect(f.status).toBe('ERROR');
    expect(f.message).toContain('kms:ListKeyRotations failed with AccessDeniedException');
  });

  it('judges an older snapshot (no materials) by DescribeKey: the earliest expiry of any material', () => {
    // Prepare
    const k = external({
      Materials: undefined,
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: daysFromNow(3),
    });
    // Act
    const f = only('kms.imported-material', usedBy(k), file(), k.Arn);
    // Assess
    expect(f.status).toBe('NON_COMPLIANT');
    expect(f.message).toContain('imported material (earliest of all, DescribeKey) expires in 3.0 days');
  });
});

describe('kms.material-replicas', () => {
  it('is not applicable without escrow destinations', () => {
    const k = external();
    expect(only('kms.material-replicas', usedBy(k), file(), k.Arn).status).toBe('NOT_APPLICABLE');
  });

  it('is not applicable to key material generated by KMS', () => {
    const k = key('cmk-9');
    expect(only('kms.material-replicas', usedBy(k), REPLICATED, k.Arn).status).toBe('NOT_APPLICABLE');
  });

  it('still reads the former name `replicas` of the destinations', () => {
    const k = external();
    const old = file({ keyMaterial: { replicas: [{ account: DR_ACCOUNT, region: 'eu-west-1' }] } });
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: everywhere() }),
      old,
      k.Arn,
    );
    expect(list.map((f) => f.status)).toEqual(['COMPLIANT', 'COMPLIANT']);
  });

  it('is compliant once per material and destination when every copy is verified', () => {
    // Prepare
    const k = external();
    // Act
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: everywhere() }),
      REPLICATED,
      k.Arn,
    );
    // Assess
    expect(list.map((f) => [f.status, f.message])).toEqual([
      [
        'COMPLIANT',
        `escrow copy of material ${'a'.padEnd(64, '0')} in ${DR_ACCOUNT}/eu-west-1 verified (${KCV_A})`,
      ],
      [
        'COMPLIANT',
        `escrow copy of material ${'b'.padEnd(64, '0')} in ${DR_ACCOUNT}/eu-west-1 verified (${KCV_B})`,
      ],
      [
        'COMPLIANT',
        `escrow copy of material ${'a'.padEnd(64, '0')} in ${DR_ACCOUNT}/us-east-1 verified (${KCV_A})`,
      ],
      [
        'COMPLIANT',
        `escrow copy of material ${'b'.padEnd(64, '0')} in ${DR_ACCOUNT}/us-east-1 verified (${KCV_B})`,
      ],
    ]);
  });

  it('flags each missing copy — of the non-current material too', () => {
    // Prepare
    const k = external();
    const copies = everywhere().filter((c) => !(c.Region === 'us-east-1' && c.CheckValue === KCV_A));
    // Act
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: copies }),
      REPLICATED,
      k.Arn,
    );
    // Assess
    expect(list.map((f) => f.status)).toEqual(['COMPLIANT', 'COMPLIANT', 'NON_COMPLIANT', 'COMPLIANT']);
    expect(list[2]?.message).toContain(
      `no escrow copy of material ${'a'.padEnd(64, '0')} in ${DR_ACCOUNT}/us-east-1`,
    );
  });

  it('flags a copy whose bytes have another check value than the material KMS has', () => {
    // Prepare
    const k = external();
    const copies = everywhere().map((c) =>
      c.Region === 'eu-west-1' && c.CheckValue === KCV_B
        ? { ...c, ReadCheckValue: 'kcv1:00000000000000000000000000000000' }
        : c,
    );
    // Act
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: copies }),
      REPLICATED,
      k.Arn,
    );
    // Assess
    expect(list[1]).toMatchObject({
      status: 'NON_COMPLIANT',
      expected: KCV_B,
      actual: 'kcv1:00000000000000000000000000000000',
    });
    expect(list[1]?.message).toContain('holds other bytes than the material KMS has');
  });

  it('flags a copy on the AWS managed key, with a loose policy, or scheduled for deletion', () => {
    // Prepare
    const k = external({ Materials: [B()] });
    const copies = [
      replica('eu-west-1', KCV_B, { KmsKeyId: undefined }),
      replica('us-east-1', KCV_B, { PolicyProblem: 'resource policy allows * (outside 222222222222)' }),
    ];
    const deleted = [
      replica('eu-west-1', KCV_B, { DeletedDate: daysFromNow(7) }),
      replica('us-east-1', KCV_B),
    ];
    // Act
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: copies }),
      REPLICATED,
      k.Arn,
    );
    const [gone] = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: deleted }),
      REPLICATED,
      k.Arn,
    );
    // Assess
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(list[0]?.message).toContain(
      'encrypted with the AWS managed key: it cannot be read from another account',
    );
    expect(list[1]?.message).toContain('resource policy allows *');
    expect(gone?.message).toContain('is scheduled for deletion');
  });

  it('reports a copy scheduled for deletion as such, though its value cannot be read', () => {
    const k = external({ Materials: [B()] });
    const copies = [
      replica('eu-west-1', KCV_B, { DeletedDate: daysFromNow(7), ReadCheckValue: undefined }),
      replica('us-east-1', KCV_B),
    ];
    const inv = usedBy(k, { keyMaterialReplicas: copies });
    const list = findings('kms.material-replicas', inv, REPLICATED, k.Arn);
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'COMPLIANT']);
    expect(list[0]?.message).toContain('is scheduled for deletion');
    expect(list[0]?.message).toContain('aws secretsmanager restore-secret');
  });

  it('flags a copy recorded for another KeyMaterialId than the material it claims', () => {
    const k = external({ Materials: [B()] });
    const copies = [
      replica('eu-west-1', KCV_B, { KeyMaterialId: 'f'.repeat(64) }),
      replica('us-east-1', KCV_B, { KeyMaterialId: B().KeyMaterialId }),
    ];
    const list = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: copies }),
      REPLICATED,
      k.Arn,
    );
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'COMPLIANT']);
    expect(list[0]?.message).toContain('is recorded for another material');
  });

  it('says ERROR, not a guess, for a material listed without its states', () => {
    const k = external({
      Materials: [material('b', { ImportState: 'UNKNOWN', KeyMaterialState: 'UNKNOWN' })],
    });
    const [f] = findings('kms.imported-material', usedBy(k), file(), k.Arn);
    expect(f?.status).toBe('ERROR');
    expect(f?.message).toContain('without its import or key material state');
  });

  it('flags material not imported by backup-sentinel: no escrow copy can exist', () => {
    const k = external({ Materials: [material('b', { CheckValue: undefined })] });
    const [f] = findings(
      'kms.material-replicas',
      usedBy(k, { keyMaterialReplicas: everywhere() }),
      REPLICATED,
      k.Arn,
    );
    expect(f?.status).toBe('NON_COMPLIANT');
    expect(f?.message).toContain('was not imported by backup-sentinel');
  });

  it('says ERROR for a destination it could not list, and judges the other', () => {
    // Prepare
    const k = external({ Materials: [B()] });
    const inv = usedBy(k, {
      keyMaterialReplicas: [replica('us-east-1', KCV_B)],
      collectionErrors: [
        {
          Arn: '*',
          Account: DR_ACCOUNT,
          Region: 'eu-west-1',
          Action: 'secretsmanager:ListSecrets',
          Code: 'AccessDenied',
          Message: 'not authorized to perform sts:AssumeRole',
        },
      ],
    });
    // Act
    const list = findings('kms.material-replicas', inv, REPLICATED, k.Arn);
    // Assess: "no copy" is never concluded where nothing was read.
    expect(list.map((f) => f.status)).toEqual(['ERROR', 'COMPLIANT']);
    expect(list[0]?.message).toContain(
      `could not evaluate the escrow in ${DR_ACCOUNT}/eu-west-1: secretsmanager:ListSecrets through arn:aws:iam::${DR_ACCOUNT}:role/backup-sentinel-escrow-reader-eu-west-1 failed with AccessDenied`,
    );
  });

  it('says ERROR for a copy whose value could not be read', () => {
    const k = external({ Materials: [B()] });
    const copies = [replica('eu-west-1', KCV_B, { ReadCheckValue: undefined }), replica('us-east-1', KCV_B)];
    const inv = usedBy(k, {
      keyMaterialReplicas: copies,
      collectionErrors: [
        {
          Arn: copies[0]?.SecretArn ?? '',
          Action: 'secretsmanager:GetSecretValue',
          Code: 'AccessDeniedException',
          Message: '',
        },
      ],
    });
    const list = findings('kms.material-replicas', inv, REPLICATED, k.Arn);
    expect(list.map((f) => f.status)).toEqual(['ERROR', 'COMPLIANT']);
    expect(list[0]?.message).toContain('secretsmanager:GetSecretValue failed with AccessDeniedException');
  });
});

describe('kms.material-rotation', () => {
  const ROTATING = file({
    keyMaterial: {
      escrow: [{ account: DR_ACCOUNT, region: 'eu-west-1' }],
      rotateEveryDays: 90,
      validityDays: 365,
    },
  });

  it('is not applicable to a key the rotator does not manage', () => {
    const k = external();
    expect(only('kms.material-rotation', usedBy(k), ROTATING, k.Arn).status).toBe('NOT_APPLICABLE');
  });

  it('is compliant within the schedule and the quota', () => {
    const k = external({ Managed: true });
    expect(
      findings('kms.material-rotation', usedBy(k), ROTATING, k.Arn).map((f) => [f.status, f.message]),
    ).toEqual([
      ['COMPLIANT', '1 of 25 on-demand rotations used'],
      ['COMPLIANT', 'current material is 10 days old (rotate every 90)'],
    ]);
  });

  it('flags a rotation overdue, one left half done, and the quota at its reserve', () => {
    // Prepare
    const done = Array.from({ length: 23 }, (_, i) =>
      material(`n${i}`, { KeyMaterialState: 'NON_CURRENT', RotationType: 'ON_DEMAND' }),
    );
    const k = external({
      Managed: true,
      Materials: [
        ...done,
        { ...B(), RotationDate: daysAgo(120) },
        material('p', { KeyMaterialState: 'PENDING_ROTATION' }),
      ],
    });
    // Act
    const list = findings('kms.material-rotation', usedBy(k), ROTATING, k.Arn);
    // Assess
    expect(list.map((f) => f.status)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(list[0]?.message).toContain('is PENDING_ROTATION: a rotation was started and not finished');
    expect(list[1]?.message).toContain('24 of the 25 on-demand rotations AWS allows per key are used');
    expect(list[2]?.message).toContain('is 120 days old (rotate every 90)');
  });
});
