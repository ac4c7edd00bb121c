/**
 * KMS for imported key material, as the API documents it (moto implements no import): a stateful
 * fake behind aws-sdk-client-mock answering in the real response shapes (DescribeKey with
 * CurrentKeyMaterialId, ListKeyRotations with IncludeKeyMaterial, GetParametersForImport with a
 * real RSA-4096 wrapping key, ImportKeyMaterial unwrapping with its private key, RotateKeyOnDemand).
 * It keeps the unwrapped material so tests can prove what KMS received equals what was escrowed.
 */
import { constants, createHash, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import {
  DescribeKeyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type KeyMetadata,
  KMSClient,
  KMSInvalidStateException,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  NotFoundException,
  RotateKeyOnDemandCommand,
  type RotationsListEntry,
  UnsupportedOperationException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';

const pair = generateKeyPairSync('rsa', { modulusLength: 4096 });
const PUBLIC_DER = pair.publicKey.export({ format: 'der', type: 'spki' });
/** The account the fake's escrow keys report (the fake does not know which credentials called). */
export const ESCROW_ACCOUNT = '000000000000';

export interface FakeMaterial {
  id: string;
  bytes: Buffer;
  description?: string;
  state: 'CURRENT' | 'NON_CURRENT' | 'PENDING_ROTATION' | 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION';
  imported: boolean;
  expirationModel: string;
  validTo?: Date;
  rotatedAt?: Date;
  rotationType?: 'ON_DEMAND' | 'AUTOMATIC';
}

export interface FakeKey {
  arn: string;
  keyId: string;
  state: 'PendingImport' | 'Enabled' | 'Disabled' | 'PendingDeletion';
  materials: FakeMaterial[];
  multiRegion?: { type: 'PRIMARY' | 'REPLICA'; primary: string; replicas: string[] };
  creationDate: Date;
}

export class KmsFake {
  readonly mock = mockClient(KMSClient);
  readonly keys = new Map<string, FakeKey>();
  /** Calls in order, "Operation keyArn" (the rotation's sequence diagram, as tests see it). */
  readonly calls: string[] = [];
  /** What the destinations' escrow alias resolves to (AWS: a misconfigured alias on aws/secretsmanager). */
  escrowKeyManager: 'CUSTOMER' | 'AWS' = 'CUSTOMER';
  /** Make the next call of an operation fail (once). */
  failNext = new Map<string, Error>();

  constructor() {
    this.mock.on(DescribeKeyCommand).callsFake(async (i, getClient) => {
      // The escrow key a destination's alias names (the writer resolves it before CreateSecret).
      if (String(i.KeyId).includes('alias/')) {
        this.calls.push(`DescribeKey ${i.KeyId}`);
        const region = await getClient().config.region();
        const arn = `arn:aws:kms:${region}:${ESCROW_ACCOUNT}:key/escrow-key`;
        return {
          KeyMetadata: {
            KeyId: 'escrow-key',
            Arn: arn,
            KeyManager: this.escrowKeyManager,
            Origin: 'AWS_KMS',
            KeyState: 'Enabled',
            Enabled: true,
          },
        };
      }
      return this.guard('DescribeKey', i.KeyId, () => ({ KeyMetadata: this.metadata(this.key(i.KeyId)) }));
    });
    this.mock.on(ListAliasesCommand).resolves({ Aliases: [], Truncated: false });
    this.mock.on(ListKeyRotationsCommand).callsFake((i) =>
      this.guard('ListKeyRotations', i.KeyId, () => {
        const k = this.key(i.KeyId);
        const all = i.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
        const rows = k.materials.filter((m, n) => all || (n > 0 && m.rotatedAt));
        return { Rotations: rows.map((m) => this.entry(k, m)), Truncated: false };
      }),
    );
    this.mock.on(GetParametersForImportCommand).callsFake((i) =>
      this.guard('GetParametersForImport', i.KeyId, () => {
        const k = this.key(i.KeyId);
        if (i.WrappingAlgorithm !== 'RSAES_OAEP_SHA_256' || i.WrappingKeySpec !== 'RSA_4096')
          throw new UnsupportedOperationException({ message: 'unexpected wrapping', $metadata: {} });
        return {
          KeyId: k.arn,
          PublicKey: new Uint8Array(PUBLIC_DER),
          ImportToken: new Uint8Array(Buffer.from(`token:${k.arn}`)),
          ParametersValidTo: new Date(Date.now() + 86_400_000),
        };
      }),
    );
    this.mock
      .on(ImportKeyMaterialCommand)
      .callsFake((i) => this.guard('ImportKeyMaterial', i.KeyId, () => this.import(i)));
    this.mock.on(RotateKeyOnDemandCommand).callsFake((i) =>
      this.guard('RotateKeyOnDemand', i.KeyId, () => {
        const k = this.key(i.KeyId);
        const pending = k.materials.find((m) => m.state === 'PENDING_ROTATION');
        if (!pending)
          throw new KMSInvalidStateException({
            message: `${k.arn} has no key material pending rotation`,
            $metadata: {},
          });
        // Rotating a multi-Region primary rotates its replicas to the same material.
        for (const key of [k, ...(k.multiRegion?.replicas ?? []).flatMap((r) => this.keys.get(r) ?? [])]) {
          const next = key.materials.find((m) => m.id === pending.id);
          if (!next) continue;
          for (const m of key.materials) if (m.state === 'CURRENT') m.state = 'NON_CURRENT';
          Object.assign(next, { state: 'CURRENT', rotatedAt: new Date(), rotationType: 'ON_DEMAND' });
        }
        return { KeyId: k.arn };
      }),
    );
  }

  restore(): void {
    this.mock.restore();
  }

  addKey(arn: string, o: Partial<Omit<FakeKey, 'arn' | 'keyId'>> = {}): FakeKey {
    const keyId = arn.split('/').pop() ?? '';
    const k: FakeKey = {
      arn,
      keyId,
      state: 'PendingImport',
      materials: [],
      creationDate: new Date('2026-01-01T00:00:00Z'),
      ...o,
    };
    this.keys.set(arn, k);
    return k;
  }

  current(arn: string): FakeMaterial | undefined {
    return this.keys.get(arn)?.materials.find((m) => m.state === 'CURRENT');
  }

  private guard<T>(op: string, keyId: string | undefined, f: () => T): T {
    this.calls.push(`${op} ${keyId ?? ''}`);
    const e = this.failNext.get(op);
    if (e) {
      this.failNext.delete(op);
      throw e;
    }
    return f();
  }

  private key(id: string | undefined): FakeKey {
    const k = [...this.keys.values()].find((x) => x.arn === id || x.keyId === id);
    if (!k) throw new NotFoundException({ message: `Key '${id}' does not exist`, $metadata: {} });
    return k;
  }

  private metadata(k: FakeKey): KeyMetadata {
    const current = k.materials.find((m) => m.state === 'CURRENT');
    return {
      AWSAccountId: k.arn.split(':')[4],
      KeyId: k.keyId,
      Arn: k.arn,
      CreationDate: k.creationDate,
      Enabled: k.state === 'Enabled',
      Description: '',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: k.state,
      Origin: 'EXTERNAL',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: Boolean(k.multiRegion),
      ...(current
        ? { CurrentKeyMaterialId: current.id, ExpirationModel: current.expirationModel as never }
        : {}),
      ...(current?.validTo ? { ValidTo: current.validTo } : {}),
      ...(k.multiRegion
        ? {
            MultiRegionConfiguration: {
              MultiRegionKeyType: k.multiRegion.type,
              PrimaryKey: { Arn: k.multiRegion.primary, Region: k.multiRegion.primary.split(':')[3] },
              ReplicaKeys: k.multiRegion.replicas.map((a) => ({ Arn: a, Region: a.split(':')[3] })),
            },
          }
        : {}),
    };
  }

  private entry(k: FakeKey, m: FakeMaterial): RotationsListEntry {
    return {
      KeyId: k.arn,
      KeyMaterialId: m.id,
      ...(m.description ? { KeyMaterialDescription: m.description } : {}),
      ImportState: m.imported ? 'IMPORTED' : 'PENDING_IMPORT',
      KeyMaterialState: m.state,
      ExpirationModel: m.expirationModel as never,
      ...(m.validTo ? { ValidTo: m.validTo } : {}),
      ...(m.rotatedAt ? { RotationDate: m.rotatedAt, RotationType: m.rotationType ?? 'ON_DEMAND' } : {}),
    };
  }

  private import(i: ImportKeyMaterialCommand['input']) {
    const k = this.key(i.KeyId);
    if (!i.EncryptedKeyMaterial || !i.ImportToken) throw new Error('missing material or token');
    const bytes = privateDecrypt(
      { key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(i.EncryptedKeyMaterial),
    );
    // KMS derives the id from the key and the material: multi-Region keys share both.
    const id = createHash('sha256').update(k.keyId).update(bytes).digest('hex');
    const known = k.materials.find((m) => m.id === id);
    const expiry = {
      expirationModel: i.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES',
      ...(i.ValidTo ? { validTo: i.ValidTo } : {}),
    };
    if (i.ImportType === 'EXISTING_KEY_MATERIAL' || known) {
      if (i.KeyMaterialId && i.KeyMaterialId !== id)
        throw new KMSInvalidStateException({
          message: 'key material does not match the KeyMaterialId',
          $metadata: {},
        });
      if (known) {
        Object.assign(known, { imported: true, bytes, ...expiry });
      } else if (k.multiRegion?.type === 'REPLICA') {
        const state = k.materials.length === 0 ? 'CURRENT' : 'PENDING_ROTATION';
        k.materials.push({
          id,
          bytes,
          state,
          imported: true,
          ...expiry,
          ...(i.KeyMaterialDescription ? { description: i.KeyMaterialDescription } : {}),
        });
        if (state === 'CURRENT') k.state = 'Enabled';
        this.primaryReady(k, id);
      } else {
        throw new KMSInvalidStateException({
          message: 'EXISTING_KEY_MATERIAL that was never imported',
          $metadata: {},
        });
      }
      // Enabled again once every permanently associated material is imported.
      if (
        k.state === 'PendingImport' &&
        k.materials.every((m) => m.imported || m.state.startsWith('PENDING'))
      )
        k.state = 'Enabled';
      return { KeyId: k.arn, KeyMaterialId: id };
    }
    const first = k.materials.length === 0;
    if (!first && k.materials.some((m) => m.state.startsWith('PENDING')))
      throw new KMSInvalidStateException({
        message: 'a key material is already pending rotation',
        $metadata: {},
      });
    const state: FakeMaterial['state'] = first
      ? 'CURRENT'
      : k.multiRegion?.replicas.length
        ? 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION'
        : 'PENDING_ROTATION';
    k.materials.push({
      id,
      bytes,
      state,
      imported: true,
      ...expiry,
      ...(i.KeyMaterialDescription ? { description: i.KeyMaterialDescription } : {}),
    });
    if (first) k.state = 'Enabled';
    return { KeyId: k.arn, KeyMaterialId: id };
  }

  /** A replica got the primary's pending material: once all have it, the primary's is PENDING_ROTATION. */
  private primaryReady(replica: FakeKey, id: string) {
    const primary = this.keys.get(replica.multiRegion?.primary ?? '');
    const m = primary?.materials.find((x) => x.id === id);
    if (!primary || !m || m.state !== 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION') return;
    const all = primary.multiRegion?.replicas.every((r) =>
      this.keys.get(r)?.materials.some((x) => x.id === id),
    );
    if (all) m.state = 'PENDING_ROTATION';
  }

  /** A material's expiry or DeleteImportedKeyMaterial: KMS no longer holds it. */
  expire(arn: string, id: string): void {
    const k = this.keys.get(arn);
    const m = k?.materials.find((x) => x.id === id);
    if (!k || !m) throw new Error('no such material');
    m.imported = false;
    m.bytes = Buffer.alloc(0);
    // "Deletion or expiration of any permanently associated key material changes the key state to Pending import."
    if (!m.state.startsWith('PENDING')) k.state = 'PendingImport';
  }
}
