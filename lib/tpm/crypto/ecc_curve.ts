/**
 * The NIST prime curves the vTPM implements and affine/Jacobian point
 * arithmetic on them in bigints (for ECDSA verification and full-point ECDH;
 * the fast scalar multiplications go through `node:crypto`).
 * Curve constants: FIPS 186-5 / SP 800-186 §3.2.1.3 (P-256) and §3.2.1.4 (P-384).
 * @module
 */
import { mod, modInv } from "./bigint_math.ts";

/** A short-Weierstrass curve y² = x³ − 3x + b over GF(p). */
export interface EccCurve {
  /** TPM_ECC_CURVE (TCG TPM 2.0 Part 2 §6.4, Table 10). */
  readonly curveId: number;
  /** `node:crypto` ECDH curve name. */
  readonly nodeName: string;
  /** WebCrypto namedCurve. */
  readonly webName: string;
  /** Field prime. */
  readonly p: bigint;
  /** Coefficient b (a = −3 for these curves). */
  readonly b: bigint;
  /** Order of the base point. */
  readonly n: bigint;
  /** Base point. */
  readonly g: EccPoint;
  /** Size of a coordinate or scalar in bytes. */
  readonly size: number;
  /** Bit length of n. */
  readonly nBits: number;
}

/** An affine point (never the point at infinity). */
export interface EccPoint {
  /** x-coordinate. */
  readonly x: bigint;
  /** y-coordinate. */
  readonly y: bigint;
}

/** TPM_ECC_NIST_P256 (0x0003). */
export const NIST_P256: EccCurve = {
  curveId: 0x0003,
  nodeName: "prime256v1",
  webName: "P-256",
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  g: {
    x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  size: 32,
  nBits: 256,
};

/** TPM_ECC_NIST_P384 (0x0004). */
export const NIST_P384: EccCurve = {
  curveId: 0x0004,
  nodeName: "secp384r1",
  webName: "P-384",
  p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
  b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  g: {
    x: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    y: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  size: 48,
  nBits: 384,
};

const CURVES = new Map([NIST_P256, NIST_P384].map((c) => [c.curveId, c]));

/**
 * The curve for a TPM_ECC_CURVE id, or `undefined` if not implemented
 * (the caller answers TPM_RC_CURVE).
 *
 * @example
 * ```ts
 * import { eccCurve } from "./ecc_curve.ts";
 * eccCurve(0x0003)?.size; // 32
 * ```
 */
export function eccCurve(curveId: number): EccCurve | undefined {
  return CURVES.get(curveId);
}

/** Whether (x, y) lies on the curve with coordinates in [0, p). */
export function isOnCurve(c: EccCurve, pt: EccPoint): boolean {
  const { x, y } = pt;
  if (x < 0n || x >= c.p || y < 0n || y >= c.p) return false;
  return mod(y * y - (x * x * x - 3n * x + c.b), c.p) === 0n;
}

// Jacobian coordinates (X, Y, Z) ↦ (X/Z², Y/Z³); Z = 0 is infinity.
type Jac = [bigint, bigint, bigint];

function jDouble(c: EccCurve, [x, y, z]: Jac): Jac {
  if (z === 0n || y === 0n) return [1n, 1n, 0n];
  const p = c.p;
  // dbl-2001-b (a = −3).
  const delta = (z * z) % p;
  const gamma = (y * y) % p;
  const beta = (x * gamma) % p;
  const alpha = (3n * mod(x - delta, p) * (x + delta)) % p;
  const x3 = mod(alpha * alpha - 8n * beta, p);
  const z3 = mod((y + z) * (y + z) - gamma - delta, p);
  const y3 = mod(alpha * (4n * beta - x3) - 8n * gamma * gamma, p);
  return [x3, y3, z3];
}

function jAdd(c: EccCurve, a: Jac, b: Jac): Jac {
  if (a[2] === 0n) return b;
  if (b[2] === 0n) return a;
  const p = c.p;
  // add-2007-bl.
  const z1z1 = (a[2] * a[2]) % p;
  const z2z2 = (b[2] * b[2]) % p;
  const u1 = (a[0] * z2z2) % p;
  const u2 = (b[0] * z1z1) % p;
  const s1 = (a[1] * b[2] * z2z2) % p;
  const s2 = (b[1] * a[2] * z1z1) % p;
  const h = mod(u2 - u1, p);
  const r = mod(2n * (s2 - s1), p);
  if (h === 0n) return r === 0n ? jDouble(c, a) : [1n, 1n, 0n];
  const i = (4n * h * h) % p;
  const j = (h * i) % p;
  const v = (u1 * i) % p;
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * s1 * j, p);
  const z3 = mod(((a[2] + b[2]) * (a[2] + b[2]) - z1z1 - z2z2) * h, p);
  return [x3, y3, z3];
}

function toAffine(c: EccCurve, [x, y, z]: Jac): EccPoint | undefined {
  if (z === 0n) return undefined;
  const zi = modInv(z, c.p);
  const zi2 = (zi * zi) % c.p;
  return { x: (x * zi2) % c.p, y: (y * zi2 * zi) % c.p };
}

/**
 * k1·P1 + k2·P2 by Shamir's trick; `undefined` for the point at infinity.
 *
 * @example
 * ```ts
 * import { NIST_P256, pointMulAdd } from "./ecc_curve.ts";
 * pointMulAdd(NIST_P256, 1n, NIST_P256.g, 0n, NIST_P256.g); // G
 * ```
 */
export function pointMulAdd(
  c: EccCurve,
  k1: bigint,
  p1: EccPoint,
  k2: bigint,
  p2: EccPoint,
): EccPoint | undefined {
  const j1: Jac = [p1.x, p1.y, 1n];
  const j2: Jac = [p2.x, p2.y, 1n];
  const j12 = jAdd(c, j1, j2);
  let acc: Jac = [1n, 1n, 0n];
  const bits = Math.max(k1.toString(2).length, k2.toString(2).length);
  for (let i = bits - 1; i >= 0; i--) {
    acc = jDouble(c, acc);
    const b1 = (k1 >> BigInt(i)) & 1n;
    const b2 = (k2 >> BigInt(i)) & 1n;
    if (b1 && b2) acc = jAdd(c, acc, j12);
    else if (b1) acc = jAdd(c, acc, j1);
    else if (b2) acc = jAdd(c, acc, j2);
  }
  return toAffine(c, acc);
}

// Fixed-base multiplication by a comb of 4-bit windows: table[i][d] = d·16^i·G
// in affine form, so k·G is one mixed addition per window and no doubling.
const WINDOW_BITS = 4;
const tables = new Map<number, EccPoint[][]>();

function baseTable(c: EccCurve): EccPoint[][] {
  let t = tables.get(c.curveId);
  if (t) return t;
  const windows = Math.ceil(c.nBits / WINDOW_BITS);
  const jac: Jac[] = [];
  let base: Jac = [c.g.x, c.g.y, 1n];
  for (let i = 0; i < windows; i++) {
    let acc: Jac = base;
    for (let d = 1; d < 1 << WINDOW_BITS; d++) {
      jac.push(acc);
      acc = jAdd(c, acc, base);
    }
    base = acc; // 16·base
  }
  const affine = batchToAffine(c, jac);
  t = [];
  for (let i = 0; i < windows; i++) t.push(affine.slice(i * 15, i * 15 + 15));
  tables.set(c.curveId, t);
  return t;
}

/** Converts many Jacobian points with one inversion (Montgomery's trick). */
function batchToAffine(c: EccCurve, pts: Jac[]): EccPoint[] {
  const p = c.p;
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const q of pts) {
    prefix.push(acc);
    acc = (acc * q[2]) % p;
  }
  let inv = modInv(acc, p);
  const out: EccPoint[] = new Array(pts.length);
  for (let i = pts.length - 1; i >= 0; i--) {
    const zi = (inv * prefix[i]) % p;
    inv = (inv * pts[i][2]) % p;
    const zi2 = (zi * zi) % p;
    out[i] = { x: (pts[i][0] * zi2) % p, y: (pts[i][1] * zi2 % p) * zi % p };
  }
  return out;
}

/** Jacobian + affine addition (madd-2007-bl); falls back to the general case when needed. */
function jAddAffine(c: EccCurve, a: Jac, b: EccPoint): Jac {
  if (a[2] === 0n) return [b.x, b.y, 1n];
  const p = c.p;
  const z1z1 = (a[2] * a[2]) % p;
  const u2 = (b.x * z1z1) % p;
  const s2 = (b.y * a[2] % p) * z1z1 % p;
  const h = mod(u2 - a[0], p);
  const r = mod(2n * (s2 - a[1]), p);
  if (h === 0n) return jAdd(c, a, [b.x, b.y, 1n]);
  const hh = (h * h) % p;
  const i = 4n * hh % p;
  const j = (h * i) % p;
  const v = (a[0] * i) % p;
  const x3 = mod(r * r - j - 2n * v, p);
  const y3 = mod(r * (v - x3) - 2n * a[1] * j, p);
  const z3 = mod((a[2] + h) * (a[2] + h) - z1z1 - hh, p);
  return [x3, y3, z3];
}

/**
 * k·G with a precomputed comb (built on first use per curve); `undefined`
 * for k ≡ 0 (mod n).
 *
 * @example
 * ```ts
 * import { fixedBaseMul, NIST_P256 } from "./ecc_curve.ts";
 * fixedBaseMul(NIST_P256, 1n); // G
 * ```
 */
export function fixedBaseMul(c: EccCurve, k: bigint): EccPoint | undefined {
  const t = baseTable(c);
  let e = mod(k, c.n);
  let acc: Jac = [1n, 1n, 0n];
  for (let i = 0; e > 0n; i++, e >>= 4n) {
    const d = Number(e & 15n);
    if (d !== 0) acc = jAddAffine(c, acc, t[i][d - 1]);
  }
  return toAffine(c, acc);
}
