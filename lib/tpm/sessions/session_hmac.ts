/**
 * The session HMAC formulas of Part 1 §19.6: cpHash, rpHash, the command
 * and response HMACs, and parameter encryption (Part 1 §21).
 * @module
 */
import { TPM_ALG, TPM_HT } from "../constants.ts";
import { aesCfbDecrypt, aesCfbEncrypt } from "../crypto/aes_cfb.ts";
import { digest, hmac } from "../crypto/hash.ts";
import { kdfa } from "../crypto/kdfa.ts";
import { xorObfuscate } from "../crypto/xor_obfuscation.ts";
import type { Session } from "../state/sessions.ts";

const be32 = (v: number): Uint8Array =>
  new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);

/** cpHash = H(commandCode || name1 || … || parameters). Part 1 §18.7. */
export function cpHash(
  alg: number,
  code: number,
  names: readonly Uint8Array[],
  params: Uint8Array,
): Uint8Array {
  return digest(alg, be32(code), ...names, params);
}

/** rpHash = H(responseCode || commandCode || parameters). Part 1 §18.8. */
export function rpHash(alg: number, rc: number, code: number, params: Uint8Array): Uint8Array {
  return digest(alg, be32(rc), be32(code), params);
}

/** nameHash = H(name1 || … ). Part 3 §23.10 (PolicyNameHash). */
export function nameHash(alg: number, names: readonly Uint8Array[]): Uint8Array {
  return digest(alg, ...names);
}

/** True for a policy or trial session (handle type 0x03). */
export function isPolicySession(s: Session | null): boolean {
  return s !== null && s.handle >>> 24 === TPM_HT.POLICY_SESSION;
}

/**
 * True when the entity's authValue goes into the session's HMAC and
 * encryption keys: a policy session after PolicyAuthValue, or an HMAC
 * session not bound to this entity (Part 1 §19.6.5, §19.6.11).
 */
export function includesAuthValue(s: Session, boundToEntity: boolean): boolean {
  if (isPolicySession(s)) return s.isAuthValueNeeded;
  return !boundToEntity;
}

/**
 * HMAC(sessionKey || authValue, pHash || nonceNewer || nonceOlder
 * [|| nonceDecrypt] [|| nonceEncrypt] || sessionAttributes). Part 1 §19.6.5.
 * An empty key with an empty caller HMAC is the allowed NULL HMAC.
 */
export function sessionHmac(
  s: Session,
  key: Uint8Array,
  pHash: Uint8Array,
  nonceNewer: Uint8Array,
  nonceOlder: Uint8Array,
  extraNonces: readonly Uint8Array[],
  attributes: number,
): Uint8Array {
  return hmac(
    s.authHash,
    key,
    pHash,
    nonceNewer,
    nonceOlder,
    ...extraNonces,
    new Uint8Array([attributes]),
  );
}

/**
 * Encrypts or decrypts the first parameter's data bytes in place semantics
 * (returns the new bytes): AES-CFB with KDFa("CFB") key and IV, or the XOR
 * mask (Part 1 §21.2–§21.3).
 */
export function cryptParameter(
  s: Session,
  key: Uint8Array,
  nonceNewer: Uint8Array,
  nonceOlder: Uint8Array,
  data: Uint8Array,
  encrypt: boolean,
): Uint8Array {
  if (data.length === 0) return data;
  const sym = s.symmetric;
  if (sym.algorithm === TPM_ALG.XOR) {
    return xorObfuscate(sym.keyBits, key, nonceNewer, nonceOlder, data);
  }
  const bits = sym.keyBits + 128;
  const kiv = kdfa(s.authHash, key, "CFB", nonceNewer, nonceOlder, bits);
  const k = kiv.subarray(0, sym.keyBits / 8);
  const iv = kiv.subarray(sym.keyBits / 8);
  return (encrypt ? aesCfbEncrypt(k, iv, data) : aesCfbDecrypt(k, iv, data)).data;
}
