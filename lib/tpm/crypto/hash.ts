/**
 * The hash algorithms the vTPM implements (SHA-1/256/384/512) and their
 * HMACs, computed synchronously with `node:crypto` so command handlers stay
 * synchronous.
 * @module
 */
import { createHash } from "node:crypto";
import { sha256 } from "./sha256.ts";

/** One TPM hash algorithm: its TPM_ALG_ID and sizes. */
export interface HashAlgorithm {
  /** TPM_ALG_ID (TCG TPM 2.0 Part 2 §6.3, Table 9). */
  readonly alg: number;
  /** `node:crypto` name. */
  readonly name: string;
  /** Digest size in bytes (Part 2 §5.4, TPM_SHAxxx_DIGEST_SIZE). */
  readonly size: number;
  /** Block size in bytes (HMAC block length). */
  readonly blockSize: number;
}

// TCG TPM 2.0 Part 2 §6.3 Table 9: TPM_ALG_SHA1 0x0004, SHA256 0x000B, SHA384 0x000C, SHA512 0x000D.
const HASHES: readonly HashAlgorithm[] = [
  { alg: 0x0004, name: "sha1", size: 20, blockSize: 64 },
  { alg: 0x000b, name: "sha256", size: 32, blockSize: 64 },
  { alg: 0x000c, name: "sha384", size: 48, blockSize: 128 },
  { alg: 0x000d, name: "sha512", size: 64, blockSize: 128 },
];

const BY_ALG = new Map(HASHES.map((h) => [h.alg, h]));

/**
 * The hash algorithm for a TPM_ALG_ID, or `undefined` when the TPM does not
 * implement it (the caller answers TPM_RC_HASH).
 *
 * @example
 * ```ts
 * import { hashAlgorithm } from "./hash.ts";
 * hashAlgorithm(0x000b)?.size; // 32
 * ```
 */
export function hashAlgorithm(alg: number): HashAlgorithm | undefined {
  return BY_ALG.get(alg);
}

/** Like {@link hashAlgorithm} but throws a `RangeError` for an unknown id (internal callers only). */
export function requireHash(alg: number | HashAlgorithm): HashAlgorithm {
  if (typeof alg !== "number") return alg;
  const h = BY_ALG.get(alg);
  if (!h) throw new RangeError(`hash algorithm 0x${alg.toString(16)} is not implemented`);
  return h;
}

/**
 * Digest of the concatenation of `parts`.
 *
 * @example
 * ```ts
 * import { digest } from "./hash.ts";
 * digest(0x000b, new TextEncoder().encode("abc")).length; // 32
 * ```
 */
export function digest(alg: number | HashAlgorithm, ...parts: Uint8Array[]): Uint8Array {
  const a = requireHash(alg);
  if (a.alg === SHA256 && isShort(parts)) return sha256(...parts);
  const h = createHash(a.name);
  for (const p of parts) h.update(p);
  return plain(h.digest());
}

/** TPM_ALG_SHA256 (Part 2 §6.3). */
const SHA256 = 0x000b;
/** Up to this many bytes, SHA-256 in TypeScript beats a node:crypto call (measured: ~5 blocks). */
const SHORT = 256;

function isShort(parts: readonly Uint8Array[]): boolean {
  let n = 0;
  for (const p of parts) n += p.length;
  return n <= SHORT;
}

/** A node Buffer as a plain Uint8Array over the same (unshared) memory: no copy. */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/**
 * HMAC (RFC 2104) keyed with `key` over the concatenation of `parts`.
 *
 * @example
 * ```ts
 * import { hmac } from "./hash.ts";
 * hmac(0x000b, new Uint8Array(32), new Uint8Array(0)).length; // 32
 * ```
 */
export function hmac(
  alg: number | HashAlgorithm,
  key: Uint8Array,
  ...parts: Uint8Array[]
): Uint8Array {
  // H((K0 ⊕ opad) ‖ H((K0 ⊕ ipad) ‖ text)), RFC 2104 / FIPS 198-1 §4, written out with two
  // digests: node's createHmac costs about as much as three createHash calls in Deno (measured),
  // and short SHA-256 digests run in TypeScript.
  const h = requireHash(alg);
  const k0 = new Uint8Array(h.blockSize);
  k0.set(key.length > h.blockSize ? digest(h, key) : key);
  for (let i = 0; i < k0.length; i++) k0[i] ^= IPAD;
  const innerDigest = digest(h, k0, ...parts);
  for (let i = 0; i < k0.length; i++) k0[i] ^= IPAD ^ OPAD;
  return digest(h, k0, innerDigest);
}

/** The HMAC pads (FIPS 198-1 §3). */
const IPAD = 0x36;
const OPAD = 0x5c;
