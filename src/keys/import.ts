/**
 * The one place material enters KMS: GetParametersForImport (RSAES_OAEP_SHA_256, RSA_4096), wrap
 * with Node's crypto, ImportKeyMaterial with the check value as KeyMaterialDescription. The
 * wrapped copy is zeroed here; the caller zeroes the material.
 */
import type { ImportKeyMaterialRequest } from '@aws-sdk/client-kms';
import type { KmsApi } from '../aws/clients.js';
import { materialDescription, wrap, zero } from './material.js';

export type ImportHow =
  | { type: 'NEW_KEY_MATERIAL' }
  | { type: 'EXISTING_KEY_MATERIAL'; id?: string | undefined };

/** An hour short of the limit: KMS refuses a ValidTo over 365 days from *its* clock, not ours. */
const CLOCK_MARGIN_MS = 3_600_000;

/** ExpirationModel/ValidTo per the policy: `validityDays` after now (less the margin), else no expiry. */
export function expiryFor(
  validityDays: number | undefined,
  now: Date,
): Pick<ImportKeyMaterialRequest, 'ExpirationModel' | 'ValidTo'> {
  return validityDays
    ? {
        ExpirationModel: 'KEY_MATERIAL_EXPIRES',
        ValidTo: new Date(now.getTime() + validityDays * 86_400_000 - CLOCK_MARGIN_MS),
      }
    : { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' };
}

/** What a plan says of one import (no material, no token). */
export function describeImport(how: ImportHow, expiry: ReturnType<typeof expiryFor>): string {
  const id = how.type === 'EXISTING_KEY_MATERIAL' && how.id ? ` ${how.id}` : '';
  const until = expiry.ValidTo ? ` until ${expiry.ValidTo.toISOString()}` : '';
  return `${how.type}${id}, ${expiry.ExpirationModel}${until}`;
}

/** Imports `material` into `keyArn`; returns the KeyMaterialId KMS gives it. */
export async function importMaterial(
  kms: KmsApi,
  o: {
    keyArn: string;
    material: Uint8Array;
    checkValue: string;
    how: ImportHow;
    expiry: ReturnType<typeof expiryFor>;
  },
): Promise<string | undefined> {
  const params = await kms.send(
    (sdk) =>
      new sdk.GetParametersForImportCommand({
        KeyId: o.keyArn,
        WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
        WrappingKeySpec: 'RSA_4096',
      }),
  );
  if (!params.PublicKey || !params.ImportToken)
    throw new Error('GetParametersForImport returned no public key or token');
  const wrapped = wrap(o.material, params.PublicKey);
  try {
    const out = await kms.send(
      (sdk) =>
        new sdk.ImportKeyMaterialCommand({
          KeyId: o.keyArn,
          ImportToken: params.ImportToken,
          EncryptedKeyMaterial: wrapped,
          ImportType: o.how.type,
          ...(o.how.type === 'EXISTING_KEY_MATERIAL' && o.how.id ? { KeyMaterialId: o.how.id } : {}),
          KeyMaterialDescription: materialDescription(o.checkValue),
          ...o.expiry,
        }),
    );
    return out.KeyMaterialId ?? (o.how.type === 'EXISTING_KEY_MATERIAL' ? o.how.id : undefined);
  } finally {
    zero(wrapped);
  }
}
