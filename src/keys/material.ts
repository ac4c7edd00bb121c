/**
 * Key material, in memory only: 32 random bytes, their check value, and the wrapping KMS asks for.
 * The material lives in Buffers this module allocates (never pooled) and callers zero with
 * `zero()` when done; nothing here logs, returns as text or throws it. Copies we cannot zero: the
 * SDK's base64 request body for SecretBinary and the HMAC/RSA internals (left to the GC).
 */
import { constants, createHmac, createPublicKey, publicEncrypt, randomFillSync } from 'node:crypto';

/** A symmetric KMS key's material: 256 bits (importing-keys-get-public-key-and-token.html). */
export const MATERIAL_BYTES = 32;

/** Fresh material from Node's CSPRNG, in a buffer of its own (Buffer.alloc is never pooled). */
export function newMaterial(): Buffer {
  return randomFillSync(Buffer.alloc(MATERIAL_BYTES));
}

/** Overwrites a buffer that held material (call it in `finally`). */
export function zero(...buffers: (Uint8Array | undefined)[]): void {
  for (const b of buffers) b?.fill(0);
}

/** Version prefix of the check value, so that a later scheme can be told apart. */
const KCV_PREFIX = 'kcv1:';
const KCV_LABEL = 'backup-sentinel key check value v1';

/**
 * The key check value: HMAC-SHA256 keyed by the material over a fixed label, the first 128 bits
 * in hex. Equal materials give equal values; a different material gives a different one; the
 * value reveals nothing of the material (HMAC is a PRF: without the key, its output is random).
 * It is what the key (KeyMaterialDescription), the escrow copies and the findings carry.
 */
export function checkValue(material: Uint8Array): string {
  if (material.length !== MATERIAL_BYTES) throw new Error(`key material must be ${MATERIAL_BYTES} bytes`);
  return KCV_PREFIX + createHmac('sha256', material).update(KCV_LABEL).digest('hex').slice(0, 32);
}

export const isCheckValue = (s: unknown): s is string =>
  typeof s === 'string' &&
  s.length === KCV_PREFIX.length + 32 &&
  s.startsWith(KCV_PREFIX) &&
  /^[0-9a-f]+$/.test(s.slice(KCV_PREFIX.length));

/** The KeyMaterialDescription the rotator imports with: the check value, nothing secret. */
export const DESCRIPTION_PREFIX = 'backup-sentinel ';
export const materialDescription = (kcv: string) => `${DESCRIPTION_PREFIX}${kcv}`;

/** The check value a KeyMaterialDescription carries, if the rotator wrote it. */
export function checkValueOf(description: string | undefined): string | undefined {
  if (!description?.startsWith(DESCRIPTION_PREFIX)) return undefined;
  const kcv = description.slice(DESCRIPTION_PREFIX.length);
  return isCheckValue(kcv) ? kcv : undefined;
}

/**
 * The material wrapped for ImportKeyMaterial: RSAES_OAEP_SHA_256 under the RSA_4096 public key
 * GetParametersForImport returned (DER SubjectPublicKeyInfo). Returns the ciphertext only.
 */
export function wrap(material: Uint8Array, publicKeyDer: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || bits !== 4096)
    throw new Error(`wrapping key must be RSA 4096 (got ${key.asymmetricKeyType ?? '?'} ${bits ?? '?'})`);
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
}
