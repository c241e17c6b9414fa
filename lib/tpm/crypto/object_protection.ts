/**
 * Protection of an object's secrets outside the TPM (TCG TPM 2.0 Part 1
 * §23 "Protected Storage" and §24 "Credential Protection"): the outer
 * wrapper (AES-CFB with a KDFa("STORAGE") key, then an HMAC keyed by
 * KDFa("INTEGRITY") over the ciphertext and the object's Name) and the inner
 * duplication wrapper (a hash of the sensitive area and Name, then AES-CFB
 * with a caller key).
 * @module
 */
import { TPM_ALG } from "../constants.ts";
import { TpmReader, TpmWriter } from "../marshal/buffer.ts";
import { decode } from "../marshal/codec.ts";
import { type SymDef, TPM2B_DIGEST } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { aesCfbDecrypt, aesCfbEncrypt } from "./aes_cfb.ts";
import { equalBytes } from "./bytes.ts";
import { digest, hmac, requireHash } from "./hash.ts";
import { kdfa } from "./kdfa.ts";
import { type Sensitive, TPM2B_SENSITIVE } from "./sensitive.ts";

const ZERO_IV = new Uint8Array(16);
const EMPTY = new Uint8Array(0);

/** The protector's parameters: its nameAlg, symmetric definition and protection seed. */
export interface Protector {
  /** Hash for KDFa and the HMAC (the parent's or EK's nameAlg). */
  readonly nameAlg: number;
  /** Symmetric algorithm (AES, keyBits, CFB), from the parent's public area. */
  readonly symmetric: SymDef;
  /** The seed: a parent's seedValue, or a seed shared by secret sharing. */
  readonly seed: Uint8Array;
}

function storageKey(p: Protector, name: Uint8Array): Uint8Array {
  if (p.symmetric.algorithm !== TPM_ALG.AES) throw new TpmError(TPM_RC.SYMMETRIC);
  // Part 1 §23.3.2: symKey = KDFa(nameAlg, seed, "STORAGE", Name, NULL, keyBits).
  return kdfa(p.nameAlg, p.seed, "STORAGE", name, EMPTY, p.symmetric.keyBits);
}

function integrityKey(p: Protector): Uint8Array {
  // Part 1 §23.3.3: HMACkey = KDFa(nameAlg, seed, "INTEGRITY", NULL, NULL, 8·digestSize).
  return kdfa(p.nameAlg, p.seed, "INTEGRITY", EMPTY, EMPTY, requireHash(p.nameAlg).size * 8);
}

/**
 * Outer wrapper: TPM2B_DIGEST(HMAC(HMACkey, enc ‖ Name)) ‖ enc, with
 * enc = AES-CFB(symKey, IV 0, plaintext). Used for TPM2B_PRIVATE and, with
 * a TPM2B_DIGEST credential as plaintext, for TPM2B_ID_OBJECT.
 *
 * @example
 * ```ts
 * import { unwrapOuter, wrapOuter } from "./object_protection.ts";
 * const p = { nameAlg: 0x000b, symmetric: { algorithm: 6, keyBits: 128, mode: 0x43 }, seed: new Uint8Array(32) };
 * const name = new Uint8Array(34);
 * unwrapOuter(p, name, wrapOuter(p, name, new Uint8Array([1, 2, 3]))); // [1, 2, 3]
 * ```
 */
export function wrapOuter(p: Protector, name: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const enc = aesCfbEncrypt(storageKey(p, name), ZERO_IV, plaintext).data;
  const w = new TpmWriter();
  TPM2B_DIGEST.write(w, hmac(p.nameAlg, integrityKey(p), enc, name));
  return w.bytes(enc).finish();
}

/**
 * Checks and removes an outer wrapper; a bad HMAC (or a malformed blob) is
 * TPM_RC_INTEGRITY, checked before anything is decrypted.
 */
export function unwrapOuter(p: Protector, name: Uint8Array, blob: Uint8Array): Uint8Array {
  const r = new TpmReader(blob);
  let mac: Uint8Array;
  try {
    mac = TPM2B_DIGEST.read(r);
  } catch {
    throw new TpmError(TPM_RC.INSUFFICIENT);
  }
  const enc = r.bytes(r.remaining);
  if (!equalBytes(mac, hmac(p.nameAlg, integrityKey(p), enc, name))) {
    throw new TpmError(TPM_RC.INTEGRITY);
  }
  return aesCfbDecrypt(storageKey(p, name), ZERO_IV, enc).data;
}

/** Marshals a sensitive area as TPM2B_SENSITIVE. */
export function sensitiveBytes(s: Sensitive): Uint8Array {
  const w = new TpmWriter();
  TPM2B_SENSITIVE.write(w, s);
  return w.finish();
}

/**
 * Decodes a TPM2B_SENSITIVE that must fill `bytes`; a malformed one fails
 * with its unmarshalling code (TPM_RC_SIZE, _INSUFFICIENT, _TYPE), an empty
 * one with TPM_RC_SIZE.
 */
export function parseSensitive(bytes: Uint8Array): Sensitive {
  // The size must account for every byte before the contents are looked at.
  if (bytes.length < 2 || ((bytes[0] << 8) | bytes[1]) !== bytes.length - 2) {
    throw new TpmError(bytes.length < 2 ? TPM_RC.INSUFFICIENT : TPM_RC.SIZE);
  }
  const s = decode(TPM2B_SENSITIVE, bytes);
  if (!s) throw new TpmError(TPM_RC.SIZE);
  return s;
}

/**
 * Part 1 §23.3: a child's private blob under its storage parent (the
 * contents of TPM2B_PRIVATE).
 */
export function sensitiveToPrivate(parent: Protector, name: Uint8Array, s: Sensitive): Uint8Array {
  return wrapOuter(parent, name, sensitiveBytes(s));
}

/** The inverse of {@link sensitiveToPrivate}: TPM_RC_INTEGRITY on tampering. */
export function privateToSensitive(
  parent: Protector,
  name: Uint8Array,
  blob: Uint8Array,
): Sensitive {
  return parseSensitive(unwrapOuter(parent, name, blob));
}

/**
 * Inner duplication wrapper (Part 1 §23.3.2.3 / Part 3 §13.1):
 * AES-CFB(key, IV 0, TPM2B_DIGEST(H_nameAlg(sens ‖ Name)) ‖ sens) with
 * sens = TPM2B_SENSITIVE.
 */
export function wrapInner(
  nameAlg: number,
  symmetric: SymDef,
  key: Uint8Array,
  name: Uint8Array,
  sens: Uint8Array,
): Uint8Array {
  if (symmetric.algorithm !== TPM_ALG.AES) throw new TpmError(TPM_RC.SYMMETRIC);
  const w = new TpmWriter();
  TPM2B_DIGEST.write(w, digest(nameAlg, sens, name));
  w.bytes(sens);
  return aesCfbEncrypt(key, ZERO_IV, w.finish()).data;
}

/** Removes an inner wrapper; a wrong digest is TPM_RC_INTEGRITY. */
export function unwrapInner(
  nameAlg: number,
  symmetric: SymDef,
  key: Uint8Array,
  name: Uint8Array,
  blob: Uint8Array,
): Uint8Array {
  if (symmetric.algorithm !== TPM_ALG.AES) throw new TpmError(TPM_RC.SYMMETRIC);
  const plain = aesCfbDecrypt(key, ZERO_IV, blob).data;
  const r = new TpmReader(plain);
  let inner: Uint8Array;
  try {
    inner = TPM2B_DIGEST.read(r);
  } catch {
    throw new TpmError(TPM_RC.INTEGRITY);
  }
  const sens = r.bytes(r.remaining);
  if (!equalBytes(inner, digest(nameAlg, sens, name))) throw new TpmError(TPM_RC.INTEGRITY);
  return sens;
}
