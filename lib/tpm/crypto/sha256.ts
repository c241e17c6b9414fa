/**
 * SHA-256 (FIPS 180-4 §6.2) for short inputs. `node:crypto` costs about
 * 2 µs per digest in Deno whatever the length (object and op overhead,
 * measured), while one compression here is well under 0.5 µs: the TPM's
 * many short hashes (PCR extends, cpHash/rpHash, session HMACs, tickets)
 * go through this; long inputs stay with `node:crypto` (see `hash.ts`).
 * @module
 */

/** The round constants K0..K63 (FIPS 180-4 §4.2.2). */
const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** The initial hash value H(0) (FIPS 180-4 §5.3.3). */
const H0 = new Int32Array([
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
]);

/** Block size in bytes. */
const BLOCK = 64;

// Scratch state: digests run to completion synchronously, one at a time. Int32Array, not
// Uint32Array: words at or above 2^31 would leave V8's small-integer fast path.
const W = new Int32Array(64);
const H = new Int32Array(8);
const pending = new Uint8Array(BLOCK);

/** Processes the 64-byte block at `b[o]` into H (FIPS 180-4 §6.2.2). */
function compress(b: Uint8Array, o: number): void {
  for (let t = 0; t < 16; t++, o += 4) {
    W[t] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15];
    const y = W[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (s1 + W[t - 7] + s0 + W[t - 16]) | 0;
  }
  let a = H[0], bb = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const T1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const T2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + T1) | 0;
    d = c;
    c = bb;
    bb = a;
    a = (T1 + T2) | 0;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + bb) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
  H[5] = (H[5] + f) | 0;
  H[6] = (H[6] + g) | 0;
  H[7] = (H[7] + h) | 0;
}

/**
 * SHA-256 of the concatenation of `parts`.
 *
 * @example
 * ```ts
 * import { sha256 } from "./sha256.ts";
 * sha256(new TextEncoder().encode("abc")); // ba7816bf…f20015ad
 * ```
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  H.set(H0);
  let fill = 0;
  let total = 0;
  for (const p of parts) {
    total += p.length;
    let i = 0;
    if (fill > 0) {
      i = Math.min(BLOCK - fill, p.length);
      pending.set(p.subarray(0, i), fill);
      fill += i;
      if (fill < BLOCK) continue;
      compress(pending, 0);
      fill = 0;
    }
    for (; i + BLOCK <= p.length; i += BLOCK) compress(p, i);
    if (i < p.length) {
      pending.set(p.subarray(i), 0);
      fill = p.length - i;
    }
  }
  // Padding (§5.1.1): 0x80, zeros, then the bit length as a 64-bit big-endian integer.
  pending[fill++] = 0x80;
  if (fill > BLOCK - 8) {
    pending.fill(0, fill);
    compress(pending, 0);
    fill = 0;
  }
  pending.fill(0, fill, BLOCK - 8);
  const hi = Math.floor(total / 0x20000000); // total · 8 / 2^32
  const lo = (total << 3) >>> 0;
  pending[56] = hi >>> 24;
  pending[57] = hi >>> 16;
  pending[58] = hi >>> 8;
  pending[59] = hi;
  pending[60] = lo >>> 24;
  pending[61] = lo >>> 16;
  pending[62] = lo >>> 8;
  pending[63] = lo;
  compress(pending, 0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = H[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
  return out;
}
