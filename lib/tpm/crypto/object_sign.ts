/**
 * Signing and verifying digests with TPM objects (TCG TPM 2.0 Part 1 §B.7
 * RSA, §C.4 ECDSA, Part 3 §20 "Signing and Signature Verification"): scheme
 * selection between a key's own scheme and the caller's, and TPMT_SIGNATURE
 * production and checking for RSASSA, RSAPSS, ECDSA and HMAC.
 * @module
 */
import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
import type { Scheme, Signature, TpmtPublic } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmObject } from "../state/objects.ts";
import { bigIntToBytes, bytesToBigInt, equalBytes } from "./bytes.ts";
import { ecdsaSign, ecdsaVerify } from "./ecc.ts";
import { hashAlgorithm, hmac } from "./hash.ts";
import { curveOf, eccPrivateOf, eccPublicOf, rsaPrivateOf, rsaPublicOf } from "./object_keys.ts";
import { type RandomSource, systemRandom } from "./random_source.ts";
import { rsaSign, type RsaSignatureScheme, rsaVerify } from "./rsa.ts";

const A = TPM_ALG;

const SIGN_SCHEMES: Readonly<Record<number, readonly number[]>> = {
  [A.RSA]: [A.RSASSA, A.RSAPSS],
  [A.ECC]: [A.ECDSA],
  [A.KEYEDHASH]: [A.HMAC],
};

/**
 * The scheme a signing command uses (the reference's CryptSelectSignScheme):
 * the key's scheme if it has one, and then `inScheme` must be NULL or the
 * same; otherwise `inScheme`, which must then be a scheme the key type
 * supports. TPM_RC_KEY if the object cannot sign, TPM_RC_SCHEME otherwise.
 *
 * @example
 * ```ts
 * import { selectSignScheme } from "./object_sign.ts";
 * import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * // An unrestricted P-256 signing key with no scheme of its own (TPM_ALG_NULL).
 * const key = {
 *   ...EK_ECC_P256_TEMPLATE,
 *   objectAttributes: TPMA_OBJECT.sign | TPMA_OBJECT.userWithAuth | TPMA_OBJECT.sensitiveDataOrigin,
 * };
 * const ecdsa = { scheme: TPM_ALG.ECDSA, hashAlg: TPM_ALG.SHA256, extra: 0 };
 * const chosen = selectSignScheme(key, ecdsa); // the caller's scheme: ECDSA (0x0018) with SHA-256
 * ```
 */
export function selectSignScheme(key: TpmtPublic, inScheme: Scheme): Scheme {
  if ((key.objectAttributes & TPMA_OBJECT.sign) === 0) throw new TpmError(TPM_RC.KEY);
  const allowed = SIGN_SCHEMES[key.type];
  if (!allowed) throw new TpmError(TPM_RC.KEY);
  const own = key.scheme;
  let chosen: Scheme;
  if (own.scheme === A.NULL) {
    chosen = inScheme;
  } else {
    if (
      inScheme.scheme !== A.NULL &&
      (inScheme.scheme !== own.scheme || inScheme.hashAlg !== own.hashAlg)
    ) throw new TpmError(TPM_RC.SCHEME);
    chosen = own;
  }
  if (!allowed.includes(chosen.scheme) || !hashAlgorithm(chosen.hashAlg)) {
    throw new TpmError(TPM_RC.SCHEME);
  }
  return chosen;
}

const rsaScheme = (s: number): RsaSignatureScheme => s === A.RSAPSS ? "rsapss" : "rsassa";

/**
 * Signs `digest` with a loaded key under a scheme from
 * {@link selectSignScheme}. A digest of the wrong size for the scheme's hash
 * is TPM_RC_SIZE (callers add the parameter number).
 */
export function signDigest(
  key: TpmObject,
  scheme: Scheme,
  digest: Uint8Array,
  rng: RandomSource = systemRandom,
): Signature {
  const h = hashAlgorithm(scheme.hashAlg);
  if (!h) throw new TpmError(TPM_RC.SCHEME);
  if (digest.length !== h.size) throw new TpmError(TPM_RC.SIZE);
  const empty = new Uint8Array(0);
  switch (scheme.scheme) {
    case A.RSASSA:
    case A.RSAPSS: {
      const sig = rsaSign(rsaPrivateOf(key), rsaScheme(scheme.scheme), h, digest, rng);
      if (!sig) throw new TpmError(TPM_RC.KEY_SIZE);
      return { sigAlg: scheme.scheme, hash: h.alg, sig, s: empty };
    }
    case A.ECDSA: {
      const c = curveOf(key.publicArea);
      const { r, s } = ecdsaSign(c, eccPrivateOf(key).d, digest, rng);
      return {
        sigAlg: A.ECDSA,
        hash: h.alg,
        sig: bigIntToBytes(r, c.size),
        s: bigIntToBytes(s, c.size),
      };
    }
    case A.HMAC:
      return { sigAlg: A.HMAC, hash: h.alg, sig: hmac(h, key.sensitive, digest), s: empty };
    default:
      throw new TpmError(TPM_RC.SCHEME);
  }
}

/**
 * Checks a signature over `digest` against a key (Part 3 §20.1
 * VerifySignature). HMAC signatures need the loaded key's secret. Returns
 * false for any mismatch, including a scheme the key type cannot produce.
 */
export function verifyDigest(key: TpmObject, digest: Uint8Array, sig: Signature): boolean {
  const pub = key.publicArea;
  if (!(SIGN_SCHEMES[pub.type] ?? []).includes(sig.sigAlg)) return false;
  const h = hashAlgorithm(sig.hash);
  if (!h) return false;
  switch (sig.sigAlg) {
    case A.RSASSA:
    case A.RSAPSS:
      return rsaVerify(rsaPublicOf(pub), rsaScheme(sig.sigAlg), h, digest, sig.sig);
    case A.ECDSA: {
      const r = bytesToBigInt(sig.sig), s = bytesToBigInt(sig.s);
      return ecdsaVerify(curveOf(pub), eccPublicOf(pub), digest, { r, s });
    }
    default:
      return !key.publicOnly && equalBytes(hmac(h, key.sensitive, digest), sig.sig);
  }
}
