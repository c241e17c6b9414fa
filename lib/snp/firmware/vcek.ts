/**
 * The VCEK (Versioned Chip Endorsement Key): an EC P-384 key the firmware
 * derives from the chip's secret and the TCB version, so a firmware update
 * yields a new key. The derivation here is the model's own (AMD's is not
 * public); only its properties are faithful: per chip, per TCB, stable.
 * @module
 */
import { Buffer } from "node:buffer";
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  type KeyObject,
} from "node:crypto";
import { P384_N } from "./ecdsa_p384.ts";

/**
 * An EC P-384 key pair with its SubjectPublicKeyInfo.
 *
 * @example
 * ```ts
 * import { deriveVcek, type EcKeyPair } from "./vcek.ts";
 * const vcek: EcKeyPair = deriveVcek(new Uint8Array(32), 0x7308000000000003n);
 * vcek.publicKey.asymmetricKeyDetails?.namedCurve; // "secp384r1"
 * ```
 */
export interface EcKeyPair {
  /** Private key (signing). */
  readonly privateKey: KeyObject;
  /** Public key. */
  readonly publicKey: KeyObject;
  /** SubjectPublicKeyInfo DER of the public key. */
  readonly spki: Uint8Array;
}

/**
 * Builds the P-384 key pair whose private scalar is `okm mod (n−1) + 1`
 * (FIPS 186-5 A.2.1 style, `okm` ≥ 64 bytes so the bias is negligible).
 */
export function p384KeyFromBytes(okm: Uint8Array): EcKeyPair {
  let x = 0n;
  for (const b of okm) x = (x << 8n) | BigInt(b);
  const d = (x % (P384_N - 1n)) + 1n;
  const dBytes = Buffer.from(d.toString(16).padStart(96, "0"), "hex");
  const ecdh = createECDH("secp384r1");
  ecdh.setPrivateKey(dBytes);
  const pub = ecdh.getPublicKey(); // 0x04 || X || Y
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  const privateKey = createPrivateKey({
    key: {
      kty: "EC",
      crv: "P-384",
      d: b64(dBytes),
      x: b64(pub.subarray(1, 49)),
      y: b64(pub.subarray(49)),
    },
    format: "jwk",
  });
  const publicKey = createPublicKey(privateKey);
  const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
  return { privateKey, publicKey, spki };
}

/**
 * Derives the VCEK for `tcb` from the chip secret: HKDF-SHA-384 with the TCB
 * as info, then {@link p384KeyFromBytes}.
 *
 * @example
 * ```ts
 * import { deriveVcek } from "./vcek.ts";
 * const a = deriveVcek(new Uint8Array(32), 0x7308000000000003n);
 * const b = deriveVcek(new Uint8Array(32), 0x7308000000000003n);
 * a.spki.length === b.spki.length; // same TCB, same key
 * ```
 */
export function deriveVcek(chipSecret: Uint8Array, tcb: bigint): EcKeyPair {
  const info = new Uint8Array(12);
  info.set(new TextEncoder().encode("VCEK"));
  new DataView(info.buffer).setBigUint64(4, tcb, true);
  return p384KeyFromBytes(new Uint8Array(hkdfSync("sha384", chipSecret, "", info, 64)));
}

/**
 * The chip ID the model reports in CHIP_ID and the VCEK hwID: 64 bytes
 * derived from the chip secret; products with a short hwID (Turin: 8 bytes)
 * keep only the first bytes and zero the rest.
 */
export function deriveChipId(chipSecret: Uint8Array, hwIdLength = 64): Uint8Array {
  const id = new Uint8Array(hkdfSync("sha384", chipSecret, "", "CHIP_ID", 64));
  id.fill(0, hwIdLength);
  return id;
}
