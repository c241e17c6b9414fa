/**
 * Consistency checks of an object template before creation (TCG TPM 2.0
 * Part 1 §27 "Object Attributes" and Part 3 §12.1 Create "Error Returns",
 * following the reference's PublicAttributesValidation / SchemeChecks). Every
 * failure names parameter 2 (inPublic) of Create and CreatePrimary, except
 * the sensitive-data checks, which name parameter 1 (inSensitive).
 * @module
 */
import { TPM_ALG, TPMA_OBJECT } from "../constants.ts";
import type { TpmtPublic } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { eccCurve } from "./ecc_curve.ts";
import { type HashAlgorithm, hashAlgorithm } from "./hash.ts";
import { RSA_KEY_SIZES } from "./rsa_key.ts";

const A = TPM_ALG;
const IN_SENSITIVE = 1;
const IN_PUBLIC = 2;

function fail(rc: number, param = IN_PUBLIC): never {
  throw paramError(rc, param);
}

const has = (pub: TpmtPublic, bit: number) => (pub.objectAttributes & bit) !== 0;

// Part 2 §8.3.1: bits 0, 3, 8, 9, 12–15 and 19–31 are reserved.
const RESERVED_BITS = 0x1 | 0x8 | 0x300 | 0xf000 | 0xfff80000;

/**
 * Checks a template's attributes, schemes and sizes. `parent` is the storage
 * parent's public area for Create (omitted for primary objects).
 *
 * @example
 * ```ts
 * import { checkTemplate } from "./object_template.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * // The TCG EK template is a valid primary template: no TPM_RC is thrown.
 * checkTemplate(EK_ECC_P256_TEMPLATE, { userAuth: new Uint8Array(0), data: new Uint8Array(0) });
 * ```
 */
export function checkTemplate(
  pub: TpmtPublic,
  sens: { userAuth: Uint8Array; data: Uint8Array },
  parent?: TpmtPublic,
): void {
  // What the reference refuses while unmarshalling inPublic comes first.
  checkUnmarshalled(pub);
  // Then the reference's CreateChecks, PublicAttributesValidation and
  // SchemeChecks, in that order (Part 3 §12.1 / §24.1 Error Returns).
  checkDataOrigin(pub, sens.data.length, parent !== undefined);
  const h = validatePublic(pub, parent);
  if (pub.type === A.SYMCIPHER) {
    const origin = has(pub, TPMA_OBJECT.sensitiveDataOrigin);
    if (!origin && sens.data.length !== pub.symmetric.keyBits / 8) fail(TPM_RC.SIZE, IN_SENSITIVE);
    if (origin && sens.data.length !== 0) fail(TPM_RC.ATTRIBUTES);
  }
  // AdjustAuthSize: trailing zero octets do not count (Part 1 §19.6.4).
  if (significantLength(sens.userAuth) > h.size) fail(TPM_RC.SIZE, IN_SENSITIVE);
  // swtpm answers a bare TPM_RC_RANGE for an exponent below 2^16 + 1 or even
  // (as its key generation does).
  if (
    pub.type === A.RSA && pub.exponent !== 0 && (pub.exponent <= 0x10000 || pub.exponent % 2 === 0)
  ) {
    throw new TpmError(TPM_RC.RANGE);
  }
}

/**
 * The checks Load and Import make of a public area whose sensitive part
 * came from outside this TPM's Create (the reference's ObjectLoad ->
 * PublicAttributesValidation): `parent` is the storage parent, omitted where
 * the reference validates as for a primary object (Import under a fixedTPM
 * parent). Failures name parameter 2 (inPublic / objectPublic).
 *
 * @example
 * ```ts
 * import { checkPublicArea } from "./object_template.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * // A consistent public area: no TPM_RC is thrown.
 * checkPublicArea(EK_ECC_P256_TEMPLATE);
 * ```
 */
export function checkPublicArea(pub: TpmtPublic, parent?: TpmtPublic): void {
  checkUnmarshalled(pub);
  validatePublic(pub, parent);
}

/**
 * The scheme checks alone (the reference's SchemeChecks without a parent),
 * which LoadExternal applies to a public key loaded without its private part:
 * a key pair's scheme and symmetric definition must fit its sign / decrypt /
 * restricted attributes. Failures name parameter 2.
 *
 * @example
 * ```ts
 * import { checkPublicSchemes } from "./object_template.ts";
 * import { EK_ECC_P256_TEMPLATE } from "../ek.ts";
 * checkPublicSchemes(EK_ECC_P256_TEMPLATE); // a storage key with AES-128-CFB: no TPM_RC
 * ```
 */
export function checkPublicSchemes(pub: TpmtPublic): void {
  if (pub.type !== A.RSA && pub.type !== A.ECC) return;
  const [restricted, sign, decrypt] = [
    TPMA_OBJECT.restricted,
    TPMA_OBJECT.sign,
    TPMA_OBJECT.decrypt,
  ]
    .map((bit) => has(pub, bit));
  checkAsymmetricParams(pub, restricted, sign, decrypt);
}

/** nameAlg, reserved bits and algorithm ranges: unmarshalling errors in the reference. */
function checkUnmarshalled(pub: TpmtPublic): void {
  if (!hashAlgorithm(pub.nameAlg) && pub.nameAlg !== A.NULL) fail(TPM_RC.HASH);
  if (pub.objectAttributes & RESERVED_BITS) fail(TPM_RC.RESERVED_BITS);
  checkAlgorithmRanges(pub);
}

/**
 * The reference's PublicAttributesValidation and SchemeChecks: the object's
 * attributes against each other and its parent's, then its schemes.
 * Returns the nameAlg.
 */
function validatePublic(pub: TpmtPublic, parent?: TpmtPublic): HashAlgorithm {
  const h = hashAlgorithm(pub.nameAlg);
  if (!h) fail(TPM_RC.HASH);
  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== h.size) fail(TPM_RC.SIZE);
  checkHierarchyAttributes(pub, parent);
  const restricted = has(pub, TPMA_OBJECT.restricted);
  const sign = has(pub, TPMA_OBJECT.sign);
  const decrypt = has(pub, TPMA_OBJECT.decrypt);
  // Part 1 §27.2: a restricted key is either a signer or a decrypter; only a
  // data object (KEYEDHASH) may be neither.
  if (sign === decrypt && (restricted || (pub.type !== A.KEYEDHASH && !sign))) {
    fail(TPM_RC.ATTRIBUTES);
  }
  checkEncryptedDuplication(pub, parent);
  if (pub.type === A.RSA || pub.type === A.ECC) {
    checkAsymmetricParams(pub, restricted, sign, decrypt);
    checkStorageChild(pub, restricted && decrypt, parent);
  } else if (pub.type === A.KEYEDHASH) {
    checkKeyedHash(pub, restricted, sign, decrypt);
  } else {
    // SYMCIPHER: "sign" means encrypt (Part 2 §8.3.3.1); restricted + decrypt
    // is a symmetric storage parent (Part 1 §25.1), which only decrypts, in CFB.
    if (restricted && (sign || !decrypt)) fail(TPM_RC.ATTRIBUTES);
    if (restricted && pub.symmetric.mode !== A.CFB) fail(TPM_RC.MODE);
    checkStorageChild(pub, restricted && decrypt, parent);
  }
  return h;
}

/**
 * The length of `v` without its trailing zero octets.
 *
 * @example
 * ```ts
 * import { significantLength } from "./object_template.ts";
 * const n = significantLength(new Uint8Array([1, 2, 0, 0])); // 2
 * ```
 */
export function significantLength(v: Uint8Array): number {
  let n = v.length;
  while (n > 0 && v[n - 1] === 0) n--;
  return n;
}

/** Key sizes, curves and ciphers the TPM does not implement: unmarshalling errors in the reference. */
function checkAlgorithmRanges(pub: TpmtPublic): void {
  // swtpm answers TPM_RC_VALUE for a key size it does not build.
  if (pub.type === A.RSA && !RSA_KEY_SIZES.includes(pub.keyBits)) fail(TPM_RC.VALUE);
  if (pub.type === A.ECC && !eccCurve(pub.curveID)) fail(TPM_RC.CURVE);
  if (pub.type === A.SYMCIPHER && pub.symmetric.algorithm !== A.AES) fail(TPM_RC.SYMMETRIC);
}

/**
 * The reference's CreateChecks: who supplies the sensitive data. The caller
 * must supply it when sensitiveDataOrigin is CLEAR, and may not when it is SET
 * (except for a primary object); the TPM makes no data object's secret; a
 * restricted symmetric or keyed-hash key that cannot be duplicated must be
 * made by the TPM; a key pair's secret always comes from the TPM.
 */
function checkDataOrigin(pub: TpmtPublic, dataSize: number, isChild: boolean): void {
  const origin = has(pub, TPMA_OBJECT.sensitiveDataOrigin);
  if (!origin && dataSize === 0) fail(TPM_RC.ATTRIBUTES);
  if (isChild && origin && dataSize !== 0) fail(TPM_RC.ATTRIBUTES);
  if (pub.type === A.RSA || pub.type === A.ECC) {
    if (!origin) fail(TPM_RC.ATTRIBUTES);
    return;
  }
  const dataObject = !has(pub, TPMA_OBJECT.sign) && !has(pub, TPMA_OBJECT.decrypt);
  if (pub.type === A.KEYEDHASH && dataObject && origin) fail(TPM_RC.ATTRIBUTES);
  const fixed = has(pub, TPMA_OBJECT.fixedTPM) || has(pub, TPMA_OBJECT.fixedParent);
  if (has(pub, TPMA_OBJECT.restricted) && !origin && fixed) fail(TPM_RC.ATTRIBUTES);
}

/** fixedTPM / fixedParent rules of Part 1 §27.2.1–2 (reference PublicAttributesValidation). */
function checkHierarchyAttributes(pub: TpmtPublic, parent?: TpmtPublic): void {
  const fixedTPM = has(pub, TPMA_OBJECT.fixedTPM);
  const fixedParent = has(pub, TPMA_OBJECT.fixedParent);
  if (!parent || (parent.objectAttributes & TPMA_OBJECT.fixedTPM) !== 0) {
    // Under a seed or a fixedTPM parent, fixedParent alone decides whether
    // the object can leave this TPM, so fixedTPM must say the same.
    if (fixedTPM !== fixedParent) fail(TPM_RC.ATTRIBUTES);
  } else if (fixedTPM) {
    // A parent that can be duplicated takes its children along.
    fail(TPM_RC.ATTRIBUTES);
  }
}

/**
 * encryptedDuplication (Part 1 §27.2.3): meaningless on a fixedTPM object,
 * and inherited unchanged from a parent that can be duplicated.
 */
function checkEncryptedDuplication(pub: TpmtPublic, parent?: TpmtPublic): void {
  const encDup = has(pub, TPMA_OBJECT.encryptedDuplication);
  if (encDup && has(pub, TPMA_OBJECT.fixedTPM)) fail(TPM_RC.ATTRIBUTES);
  if (!parent || (parent.objectAttributes & TPMA_OBJECT.fixedTPM) !== 0) return;
  const parentEncDup = (parent.objectAttributes & TPMA_OBJECT.encryptedDuplication) !== 0;
  if (encDup !== parentEncDup) fail(TPM_RC.ATTRIBUTES);
}

/**
 * A storage parent that cannot leave its parent protects its children with
 * its parent's algorithms (reference SchemeChecks): same nameAlg and
 * symmetric definition.
 */
function checkStorageChild(pub: TpmtPublic, storage: boolean, parent?: TpmtPublic): void {
  if (!storage || !parent || !has(pub, TPMA_OBJECT.fixedParent)) return;
  if (pub.nameAlg !== parent.nameAlg) fail(TPM_RC.HASH);
  const a = pub.symmetric, b = parent.symmetric;
  if (a.algorithm !== b.algorithm || a.keyBits !== b.keyBits || a.mode !== b.mode) {
    fail(TPM_RC.SYMMETRIC);
  }
}

function checkAsymmetricParams(
  pub: TpmtPublic,
  restricted: boolean,
  sign: boolean,
  decrypt: boolean,
): void {
  const s = pub.scheme.scheme;
  if (restricted && decrypt) {
    // A storage key (Part 1 §25.1): a symmetric algorithm for its children, no scheme.
    // The scheme first, the symmetric definition last, as the reference's SchemeChecks.
    if (s !== A.NULL) fail(TPM_RC.SCHEME);
    checkEccKdf(pub);
    if (pub.symmetric.algorithm !== A.AES) fail(TPM_RC.SYMMETRIC);
    if (pub.symmetric.mode !== A.CFB) fail(TPM_RC.MODE);
    return;
  }
  // The scheme is checked before the symmetric definition, as the reference does.
  const signSchemes: number[] = pub.type === A.RSA ? [A.RSASSA, A.RSAPSS] : [A.ECDSA];
  const decryptSchemes: number[] = pub.type === A.RSA ? [A.RSAES, A.OAEP] : [A.ECDH];
  if (sign && decrypt) {
    if (s !== A.NULL) fail(TPM_RC.SCHEME);
  } else if (sign) {
    if (restricted && s === A.NULL) fail(TPM_RC.SCHEME);
    if (s !== A.NULL && !signSchemes.includes(s)) fail(TPM_RC.SCHEME);
  } else if (decrypt) {
    if (s !== A.NULL && !decryptSchemes.includes(s)) fail(TPM_RC.SCHEME);
  } else if (s !== A.NULL) {
    fail(TPM_RC.SCHEME);
  }
  if (pub.symmetric.algorithm !== A.NULL) fail(TPM_RC.SYMMETRIC);
  checkEccKdf(pub);
}

/** ECC keys carry no KDF of their own (reference SchemeChecks, last of the asymmetric checks). */
function checkEccKdf(pub: TpmtPublic): void {
  if (pub.type === A.ECC && pub.kdf.scheme !== A.NULL) fail(TPM_RC.KDF);
}

function checkKeyedHash(
  pub: TpmtPublic,
  restricted: boolean,
  sign: boolean,
  decrypt: boolean,
): void {
  const s = pub.scheme.scheme;
  if (sign && decrypt) {
    // The reference wants TPM_ALG_NULL here and then makes a key nothing can
    // use; this TPM refuses that object outright (after the same scheme check).
    if (s !== A.NULL) fail(TPM_RC.SCHEME);
    fail(TPM_RC.ATTRIBUTES);
  }
  if (sign) {
    // An HMAC key names its scheme (swtpm refuses TPM_ALG_NULL here too).
    if (s !== A.HMAC) fail(TPM_RC.SCHEME);
  } else if (decrypt) {
    // Derivation parents (XOR) are not implemented.
    fail(TPM_RC.SCHEME);
  } else {
    // A sealed data object: no scheme, not restricted.
    if (s !== A.NULL) fail(TPM_RC.SCHEME);
    if (restricted) fail(TPM_RC.ATTRIBUTES);
  }
}
