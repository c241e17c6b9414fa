/**
 * AES in CFB mode with a 128-bit feedback register (CFB128, SP800-38A §6.3),
 * the TPM's symmetric mode for parameter encryption, storage protection and
 * EncryptDecrypt (TCG TPM 2.0 Part 1 §11.4.6). `node:crypto` here has no
 * CFB, so it is built on single AES-ECB block encryptions.
 * @module
 */
import { createCipheriv } from "node:crypto";

const BLOCK = 16;

/** Result of a CFB operation: the output and the chaining value (Part 3 §15.2 ivOut). */
export interface CfbResult {
  /** Ciphertext (encrypt) or plaintext (decrypt), same length as the input. */
  readonly data: Uint8Array;
  /** The feedback register after the last block, for chaining a following call. */
  readonly ivOut: Uint8Array;
}

function ecb(key: Uint8Array) {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new RangeError(`AES key must be 16, 24 or 32 bytes, not ${key.length}`);
  }
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  c.setAutoPadding(false);
  return c;
}

function cfb(key: Uint8Array, iv: Uint8Array, input: Uint8Array, decrypt: boolean): CfbResult {
  if (iv.length !== BLOCK) throw new RangeError("AES-CFB IV must be 16 bytes");
  const cipher = ecb(key);
  const out = new Uint8Array(input.length);
  // The register holds E(previous) XORed with data, i.e. the previous
  // ciphertext block; a short final block leaves the rest of E(...) in place,
  // as the reference implementation's ivOut does.
  let reg = iv.slice();
  for (let o = 0; o < input.length; o += BLOCK) {
    reg = new Uint8Array(cipher.update(reg));
    const n = Math.min(BLOCK, input.length - o);
    for (let i = 0; i < n; i++) {
      const x = input[o + i];
      out[o + i] = x ^ reg[i];
      reg[i] = decrypt ? x : out[o + i];
    }
  }
  return { data: out, ivOut: reg };
}

/**
 * AES-CFB128 encryption of any length of data.
 *
 * @example
 * ```ts
 * import { aesCfbEncrypt, aesCfbDecrypt } from "./aes_cfb.ts";
 * const key = new Uint8Array(16), iv = new Uint8Array(16);
 * const ct = aesCfbEncrypt(key, iv, new TextEncoder().encode("hi")).data;
 * aesCfbDecrypt(key, iv, ct).data; // "hi"
 * ```
 */
export function aesCfbEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): CfbResult {
  return cfb(key, iv, data, false);
}

/** AES-CFB128 decryption; see {@link aesCfbEncrypt}. */
export function aesCfbDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): CfbResult {
  return cfb(key, iv, data, true);
}
