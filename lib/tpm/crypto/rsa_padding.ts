/**
 * RSA encodings from PKCS #1 v2.2 (RFC 8017) as the TPM uses them: MGF1,
 * EMSA-PKCS1-v1_5 and EMSA-PSS over a digest (the TPM signs digests), and
 * EME-OAEP / EME-PKCS1-v1_5 for encryption (TCG TPM 2.0 Part 1 §B.8–B.10).
 * @module
 */
import { be32, concat, equalBytes } from "./bytes.ts";
import { digest, type HashAlgorithm, requireHash } from "./hash.ts";
import type { RandomSource } from "./random_source.ts";

/** MGF1 (RFC 8017 §B.2.1): mask of `len` bytes from `seed`. */
export function mgf1(alg: number | HashAlgorithm, seed: Uint8Array, len: number): Uint8Array {
  const h = requireHash(alg);
  const out = new Uint8Array(Math.ceil(len / h.size) * h.size);
  for (let c = 0, o = 0; o < len; c++, o += h.size) out.set(digest(h, seed, be32(c)), o);
  return out.subarray(0, len);
}

function xorInto(dst: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] ^= mask[i];
}

// RFC 8017 §9.2 note 1: DER of DigestInfo up to the digest octets.
const DIGEST_INFO: Record<string, Uint8Array> = {
  sha1: hexBytes("3021300906052b0e03021a05000414"),
  sha256: hexBytes("3031300d060960864801650304020105000420"),
  sha384: hexBytes("3041300d060960864801650304020205000430"),
  sha512: hexBytes("3051300d060960864801650304020305000440"),
};

function hexBytes(h: string): Uint8Array {
  return new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
}

/**
 * EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of a digest: 00 01 FF… 00 ‖ DigestInfo;
 * `undefined` if the digest has the wrong size or the block is too small.
 */
export function emsaPkcs1v15(
  alg: number | HashAlgorithm,
  hash: Uint8Array,
  k: number,
): Uint8Array | undefined {
  const h = requireHash(alg);
  if (hash.length !== h.size) return undefined;
  const t = concat(DIGEST_INFO[h.name], hash);
  if (k < t.length + 11) return undefined;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  em.set(t, k - t.length);
  return em;
}

/**
 * EMSA-PSS-ENCODE (RFC 8017 §9.1.1) of a digest with MGF1 over the same
 * hash. The salt is as long as the digest unless the block is too small
 * for that (the TPM reference implementation's rule).
 */
export function emsaPssEncode(
  alg: number | HashAlgorithm,
  hash: Uint8Array,
  emBits: number,
  rng: RandomSource,
): Uint8Array | undefined {
  const h = requireHash(alg);
  const emLen = Math.ceil(emBits / 8);
  if (hash.length !== h.size || emLen < h.size + 2) return undefined;
  const salt = rng.bytes(Math.min(h.size, emLen - h.size - 2));
  const mPrime = digest(h, new Uint8Array(8), hash, salt);
  const db = new Uint8Array(emLen - h.size - 1);
  db[db.length - salt.length - 1] = 1;
  db.set(salt, db.length - salt.length);
  xorInto(db, mgf1(h, mPrime, db.length));
  db[0] &= 0xff >> (8 * emLen - emBits);
  return concat(db, mPrime, new Uint8Array([0xbc]));
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), any salt length. */
export function emsaPssVerify(
  alg: number | HashAlgorithm,
  hash: Uint8Array,
  em: Uint8Array,
  emBits: number,
): boolean {
  const h = requireHash(alg);
  const emLen = Math.ceil(emBits / 8);
  // The block from RSAVP1 has k bytes; EM is its last emLen bytes.
  if (em.length < emLen) return false;
  if (em.length > emLen && em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
  const e = em.subarray(em.length - emLen);
  if (hash.length !== h.size || emLen < h.size + 2 || e[emLen - 1] !== 0xbc) return false;
  const db = e.slice(0, emLen - h.size - 1);
  const hh = e.subarray(emLen - h.size - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((db[0] & ~topMask) !== 0) return false;
  xorInto(db, mgf1(h, hh, db.length));
  db[0] &= topMask;
  const one = db.indexOf(1);
  if (one < 0 || db.subarray(0, one).some((b) => b !== 0)) return false;
  const salt = db.subarray(one + 1);
  return equalBytes(digest(h, new Uint8Array(8), hash, salt), hh);
}

/**
 * EME-OAEP encoding (RFC 8017 §7.1.1) into a k-byte block; the TPM's labels
 * carry their terminating zero (Part 1 §B.10.2, e.g. "IDENTITY\0").
 */
export function oaepEncode(
  alg: number | HashAlgorithm,
  message: Uint8Array,
  label: Uint8Array,
  k: number,
  rng: RandomSource,
): Uint8Array | undefined {
  const h = requireHash(alg);
  if (message.length > k - 2 * h.size - 2) return undefined;
  const db = new Uint8Array(k - h.size - 1);
  db.set(digest(h, label));
  db[db.length - message.length - 1] = 1;
  db.set(message, db.length - message.length);
  const seed = rng.bytes(h.size);
  xorInto(db, mgf1(h, seed, db.length));
  xorInto(seed, mgf1(h, db, h.size));
  return concat(new Uint8Array(1), seed, db);
}

/** EME-OAEP decoding (RFC 8017 §7.1.2); `undefined` on any decoding error. */
export function oaepDecode(
  alg: number | HashAlgorithm,
  em: Uint8Array,
  label: Uint8Array,
): Uint8Array | undefined {
  const h = requireHash(alg);
  const k = em.length;
  if (k < 2 * h.size + 2) return undefined;
  const seed = em.slice(1, 1 + h.size);
  const db = em.slice(1 + h.size);
  xorInto(seed, mgf1(h, db, h.size));
  xorInto(db, mgf1(h, seed, db.length));
  // Every check is folded into one flag so a failure reveals no position.
  let bad = em[0];
  bad |= equalBytes(db.subarray(0, h.size), digest(h, label)) ? 0 : 1;
  let sep = -1;
  for (let i = h.size; i < db.length; i++) {
    if (sep < 0 && db[i] === 1) sep = i;
    else if (sep < 0 && db[i] !== 0) bad |= 1;
  }
  if (bad !== 0 || sep < 0) return undefined;
  return db.slice(sep + 1);
}

/** EME-PKCS1-v1_5 encoding (RFC 8017 §7.2.1): 00 02 PS(non-zero) 00 ‖ M. */
export function pkcs1v15EncryptEncode(
  message: Uint8Array,
  k: number,
  rng: RandomSource,
): Uint8Array | undefined {
  if (message.length > k - 11) return undefined;
  const em = new Uint8Array(k);
  em[1] = 2;
  const ps = em.subarray(2, k - message.length - 1);
  for (let i = 0; i < ps.length; i++) {
    let b = 0;
    while (b === 0) b = rng.bytes(1)[0];
    ps[i] = b;
  }
  em.set(message, k - message.length);
  return em;
}

/** EME-PKCS1-v1_5 decoding (RFC 8017 §7.2.2); `undefined` on a bad block. */
export function pkcs1v15EncryptDecode(em: Uint8Array): Uint8Array | undefined {
  if (em.length < 11 || em[0] !== 0 || em[1] !== 2) return undefined;
  const sep = em.indexOf(0, 2);
  if (sep < 10) return undefined;
  return em.slice(sep + 1);
}
