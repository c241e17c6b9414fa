/**
 * The AES block modes of TPM2_EncryptDecrypt (TCG TPM 2.0 Part 3 §15.2,
 * SP 800-38A): CFB (aes_cfb.ts), CBC and ECB on whole blocks, CTR and OFB
 * on any length; each returns the chaining value the TPM hands back as
 * ivOut.
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { aesCfbDecrypt, aesCfbEncrypt, type CfbResult } from "./aes_cfb.ts";

/** TPM_ALG_ID of the block modes (Part 2 §6.3). */
export const AES_MODE = { CTR: 0x40, OFB: 0x41, CBC: 0x42, CFB: 0x43, ECB: 0x44 } as const;

const BLOCK = 16;

function raw(name: string, key: Uint8Array, iv: Uint8Array | null, data: Uint8Array, dec: boolean) {
  const c = dec ? createDecipheriv(name, key, iv) : createCipheriv(name, key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(c.update(data));
}

/** CTR with a 128-bit big-endian counter; ivOut is the next counter value. */
function ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): CfbResult {
  const blocks = Math.ceil(data.length / BLOCK);
  const counters = new Uint8Array(blocks * BLOCK);
  const c = iv.slice();
  for (let b = 0; b < blocks; b++) {
    counters.set(c, b * BLOCK);
    for (let i = BLOCK - 1; i >= 0 && ++c[i] === 256; i--) c[i] = 0;
  }
  const ks = raw(`aes-${key.length * 8}-ecb`, key, null, counters, false);
  return { data: data.map((x, i) => x ^ ks[i]), ivOut: c };
}

/** OFB; ivOut is the last keystream block. */
function ofb(key: Uint8Array, iv: Uint8Array, data: Uint8Array): CfbResult {
  const out = new Uint8Array(data.length);
  let reg = iv.slice();
  for (let o = 0; o < data.length; o += BLOCK) {
    reg = raw(`aes-${key.length * 8}-ecb`, key, null, reg, false);
    for (let i = 0; i < BLOCK && o + i < data.length; i++) out[o + i] = data[o + i] ^ reg[i];
  }
  return { data: out, ivOut: reg };
}

/**
 * Encrypts or decrypts with AES in `mode`; `undefined` when CBC or ECB data
 * is not a whole number of blocks (the caller answers TPM_RC_SIZE).
 *
 * @example
 * ```ts
 * import { AES_MODE, aesCrypt } from "./aes_modes.ts";
 * aesCrypt(AES_MODE.CTR, new Uint8Array(16), new Uint8Array(16), new Uint8Array(5), false);
 * ```
 */
export function aesCrypt(
  mode: number,
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
  decrypt: boolean,
): CfbResult | undefined {
  const bits = key.length * 8;
  switch (mode) {
    case AES_MODE.CFB:
      return decrypt ? aesCfbDecrypt(key, iv, data) : aesCfbEncrypt(key, iv, data);
    case AES_MODE.CTR:
      return ctr(key, iv, data);
    case AES_MODE.OFB:
      return ofb(key, iv, data);
    case AES_MODE.CBC: {
      if (data.length % BLOCK !== 0) return undefined;
      const out = raw(`aes-${bits}-cbc`, key, iv, data, decrypt);
      const last = (decrypt ? data : out).slice(-BLOCK);
      return { data: out, ivOut: data.length ? last : iv.slice() };
    }
    case AES_MODE.ECB:
      if (data.length % BLOCK !== 0) return undefined;
      return { data: raw(`aes-${bits}-ecb`, key, null, data, decrypt), ivOut: iv.slice() };
    default:
      return undefined;
  }
}
