/** Real crypto: the material wrapped exactly as the rotator wraps it, unwrapped with the private key. */
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkValue,
  checkValueOf,
  isCheckValue,
  MATERIAL_BYTES,
  materialDescription,
  newMaterial,
  wrap,
  zero,
} from '../../src/keys/material.js';

// One RSA-4096 pair for the file (generating one takes a second or two).
const pair = generateKeyPairSync('rsa', { modulusLength: 4096 });
const spki = pair.publicKey.export({ format: 'der', type: 'spki' });

describe('key material', () => {
  it('is 32 random bytes in a buffer of its own, zeroed on request', () => {
    const a = newMaterial();
    const b = newMaterial();
    expect(a).toHaveLength(MATERIAL_BYTES);
    expect(a.equals(b)).toBe(false);
    // Not a view into Node's shared allocation pool: zeroing it touches nothing else.
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(MATERIAL_BYTES);
    zero(a);
    expect(a.every((x) => x === 0)).toBe(true);
  });

  it('wraps with RSAES_OAEP_SHA_256 under an RSA-4096 public key: the private key unwraps the same bytes', () => {
    const material = newMaterial();
    const wrapped = wrap(material, spki);
    expect(wrapped).toHaveLength(512);
    const unwrapped = privateDecrypt(
      { key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      wrapped,
    );
    expect(unwrapped.equals(material)).toBe(true);
    // OAEP is randomised: the same material never wraps to the same ciphertext twice.
    expect(wrap(material, spki).equals(wrapped)).toBe(false);
  });

  it('refuses a wrapping key that is not RSA 4096', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      format: 'der',
      type: 'spki',
    });
    expect(() => wrap(newMaterial(), small)).toThrow('wrapping key must be RSA 4096 (got rsa 2048)');
  });

  it('has a check value that matches for equal material, differs otherwise, and reveals nothing of it', () => {
    const m = newMaterial();
    const copy = Buffer.from(m);
    const kcv = checkValue(m);
    expect(isCheckValue(kcv)).toBe(true);
    expect(checkValue(copy)).toBe(kcv);
    const other = Buffer.from(m);
    other[0] = (other[0] ?? 0) ^ 1; // one bit apart
    expect(checkValue(other)).not.toBe(kcv);
    for (const encoding of ['hex', 'base64', 'base64url'] as const) {
      const text = m.toString(encoding);
      expect(kcv).not.toContain(text);
      // Not even a 4-byte run of the material, in any encoding.
      for (let i = 0; i + 4 <= MATERIAL_BYTES; i += 4)
        expect(kcv).not.toContain(m.subarray(i, i + 4).toString('hex'));
    }
  });

  it("travels in KeyMaterialDescription and is read back only from the rotator's own description", () => {
    const kcv = checkValue(newMaterial());
    expect(checkValueOf(materialDescription(kcv))).toBe(kcv);
    expect(checkValueOf('imported by hand')).toBeUndefined();
    expect(checkValueOf(`backup-sentinel ${kcv}x`)).toBeUndefined();
    expect(checkValueOf(undefined)).toBeUndefined();
    expect(() => checkValue(Buffer.alloc(16))).toThrow('key material must be 32 bytes');
  });
});
