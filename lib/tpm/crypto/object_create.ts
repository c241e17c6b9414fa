/**
 * Creating an object's secrets from a checked template (TCG TPM 2.0 Part 1
 * §27, Part 3 §12.1 Create and §24.1 CreatePrimary): RSA and ECC key pairs,
 * HMAC and AES keys, sealed data, and the seedValue of parents and
 * symmetric objects. Primary objects draw every byte from a stream keyed by
 * their hierarchy's primary seed, so the same seed, template and sensitive
 * data always give the same object.
 * @module
 */
import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
import { encode } from "../marshal/codec.ts";
import { TPMT_PUBLIC, type TpmtPublic } from "../marshal/types.ts";
import { bigIntToBytes, concat } from "./bytes.ts";
import { generateEccKey } from "./ecc.ts";
import { digest, requireHash } from "./hash.ts";
import { significantLength } from "./object_template.ts";
import { curveOf } from "./object_keys.ts";
import { type RandomSource, SeededRandom } from "./random_source.ts";
import { generateRsaKey } from "./rsa_key.ts";
import type { Sensitive } from "./sensitive.ts";

/** A new object: its completed public area and its sensitive area. */
export interface CreatedObject {
  /** The template with `unique` filled in. */
  readonly publicArea: TpmtPublic;
  /** The secrets (authValue from inSensitive.userAuth). */
  readonly sensitive: Sensitive;
}

/**
 * Label of the primary-object stream. The reference TPM seeds its DRBG with
 * the same string ("Primary Object Creation") and the template's Name.
 */
export const PRIMARY_OBJECT_CREATION = "Primary Object Creation";

/**
 * The deterministic stream for a primary object: KDFa keyed by the
 * hierarchy's primary seed, with the Name of the template (nameAlg ‖
 * H(TPMT_PUBLIC), unique included) and inSensitive.data as contexts.
 *
 * @example
 * ```ts
 * import { primaryObjectRandom } from "./object_create.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * const seed = new Uint8Array(32); // the hierarchy's primary seed
 * const rng = primaryObjectRandom(seed, EK_ECC_P256_TEMPLATE, new Uint8Array(0));
 * const firstBytes = rng.bytes(16); // the same seed and template always give the same bytes
 * ```
 */
export function primaryObjectRandom(
  seed: Uint8Array,
  template: TpmtPublic,
  data: Uint8Array,
): SeededRandom {
  const h = requireHash(template.nameAlg);
  const name = concat(
    new Uint8Array([template.nameAlg >> 8, template.nameAlg & 0xff]),
    digest(h, encode(TPMT_PUBLIC, template)),
  );
  return new SeededRandom(h, seed, PRIMARY_OBJECT_CREATION, name, data);
}

const isParent = (pub: TpmtPublic) =>
  (pub.objectAttributes & TPMA_OBJECT.restricted) !== 0 &&
  (pub.objectAttributes & TPMA_OBJECT.decrypt) !== 0;

/**
 * Generates the object's secrets from `rng` and fills in `unique`. The
 * template must already have passed `checkTemplate`.
 */
export function createObject(
  template: TpmtPublic,
  sens: { userAuth: Uint8Array; data: Uint8Array },
  rng: RandomSource,
): CreatedObject {
  const h = requireHash(template.nameAlg);
  const pub: TpmtPublic = { ...template };
  let secret: Uint8Array;
  let seedValue: Uint8Array = new Uint8Array(0);
  switch (template.type) {
    case TPM_ALG.RSA: {
      const key = generateRsaKey(template.keyBits, template.exponent, rng);
      pub.unique = bigIntToBytes(key.n, template.keyBits / 8);
      secret = bigIntToBytes(key.p, template.keyBits / 16);
      if (isParent(template)) seedValue = rng.bytes(h.size);
      break;
    }
    case TPM_ALG.ECC: {
      const c = curveOf(template);
      const key = generateEccKey(c, rng);
      pub.unique = bigIntToBytes(key.q.x, c.size);
      pub.uniqueY = bigIntToBytes(key.q.y, c.size);
      secret = bigIntToBytes(key.d, c.size);
      if (isParent(template)) seedValue = rng.bytes(h.size);
      break;
    }
    default: {
      // KEYEDHASH and SYMCIPHER: a key (or the caller's sealed data) hidden
      // behind unique = H_nameAlg(seedValue ‖ sensitive) (Part 2 §12.2.3.2, TPMU_PUBLIC_ID).
      secret = sens.data.length > 0 ? sens.data.slice() : rng.bytes(symmetricKeySize(template));
      seedValue = rng.bytes(h.size);
      pub.unique = digest(h, seedValue, secret);
    }
  }
  return {
    publicArea: pub,
    sensitive: {
      sensitiveType: template.type,
      // Trailing zeros stripped, so an authValue longer than the digest only
      // by zeros (allowed by checkTemplate) still loads.
      authValue: sens.userAuth.slice(0, significantLength(sens.userAuth)),
      seedValue,
      sensitive: secret,
    },
  };
}

function symmetricKeySize(pub: TpmtPublic): number {
  if (pub.type === TPM_ALG.SYMCIPHER) return pub.symmetric.keyBits / 8;
  const alg = pub.scheme.scheme === TPM_ALG.HMAC ? pub.scheme.hashAlg : pub.nameAlg;
  return requireHash(alg).size;
}
