/**
 * ECDSA P-384 signing with SHA-384 (FIPS 186-5 §6.4.1), arranged for speed:
 * the costly step, the nonce point k·G, is done by node:crypto's ECDH
 * fixed-base multiplication (measured about twice as fast here as a whole
 * `crypto.sign`), and the rest is a few BigInt operations modulo n.
 *
 * This is a model's signer: it is not constant-time. Signatures are ordinary
 * ECDSA, checked in the tests by node:crypto and by `openssl dgst -verify`.
 * @module
 */
import { Buffer } from "node:buffer";
import { createECDH, createHash, type KeyObject } from "node:crypto";

/** Order n of the P-384 group (SEC 2 §2.5.1). */
export const P384_N =
  0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;

/** Bytes of a P-384 scalar. */
const SCALAR = 48;

function toBig(b: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(b).toString("hex") || "0"}`);
}

function toBytes(x: bigint): Buffer {
  return Buffer.from(x.toString(16).padStart(2 * SCALAR, "0"), "hex");
}

/** a⁻¹ mod m by the extended Euclidean algorithm (m prime, a ≠ 0 mod m). */
function invert(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

const SCALARS = new WeakMap<KeyObject, bigint>();

/** The private scalar d of an EC P-384 private key (cached per key). */
function scalarOf(key: KeyObject): bigint {
  let d = SCALARS.get(key);
  if (d === undefined) {
    const jwk = key.export({ format: "jwk" });
    if (jwk.kty !== "EC" || jwk.crv !== "P-384" || !jwk.d) {
      throw new TypeError("an EC P-384 private key is required");
    }
    d = toBig(Buffer.from(jwk.d, "base64url"));
    SCALARS.set(key, d);
  }
  return d;
}

const ecdh = createECDH("secp384r1");
const nonceBytes = new Uint8Array(SCALAR + 8);

/**
 * Signs `data` with SHA-384 ECDSA; returns IEEE P1363 `r ‖ s` (96 bytes,
 * big-endian), like WebCrypto and `crypto.sign(…, {dsaEncoding: "ieee-p1363"})`.
 *
 * @example
 * ```ts
 * import { generateKeyPairSync, verify } from "node:crypto";
 * import { p384Sign } from "./ecdsa_p384.ts";
 * const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
 * const sig = p384Sign(privateKey, new Uint8Array([1, 2, 3]));
 * verify("sha384", new Uint8Array([1, 2, 3]), { key: publicKey, dsaEncoding: "ieee-p1363" }, sig); // true
 * ```
 */
export function p384Sign(key: KeyObject, data: Uint8Array): Uint8Array {
  const d = scalarOf(key);
  // e = leftmost 384 bits of SHA-384(M): the whole digest.
  const e = toBig(createHash("sha384").update(data).digest());
  for (;;) {
    // k from 64 extra-random bits beyond n's size, so the reduction's bias is negligible
    // (FIPS 186-5 A.3.1).
    const k = (toBig(crypto.getRandomValues(nonceBytes)) % (P384_N - 1n)) + 1n;
    ecdh.setPrivateKey(toBytes(k));
    const point = ecdh.getPublicKey(); // 04 ‖ X ‖ Y of k·G
    const r = toBig(point.subarray(1, 1 + SCALAR)) % P384_N;
    if (r === 0n) continue;
    const s = (invert(k, P384_N) * ((e + r * d) % P384_N)) % P384_N;
    if (s === 0n) continue;
    return new Uint8Array(Buffer.concat([toBytes(r), toBytes(s)]));
  }
}
