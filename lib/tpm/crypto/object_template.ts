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
import { hashAlgorithm } from "./hash.ts";
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
  const h = hashAlgorithm(pub.nameAlg);
  if (!h) fail(TPM_RC.HASH);
  if (pub.objectAttributes & RESERVED_BITS) fail(TPM_RC.RESERVED_BITS);
  if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== h.size) fail(TPM_RC.SIZE);
  if (sens.userAuth.length > h.size) fail(TPM_RC.SIZE, IN_SENSITIVE);
  checkHierarchyAttributes(pub, parent);
  const restricted = has(pub, TPMA_OBJECT.restricted);
  const sign = has(pub, TPMA_OBJECT.sign);
  const decrypt = has(pub, TPMA_OBJECT.decrypt);
  if (restricted && sign && decrypt) fail(TPM_RC.ATTRIBUTES);
  const origin = has(pub, TPMA_OBJECT.sensitiveDataOrigin);
  const asymmetric = pub.type === A.RSA || pub.type === A.ECC;
  if (asymmetric) {
    // inSensitive.data is ignored for key pairs (swtpm accepts it too).
    if (!origin) fail(TPM_RC.ATTRIBUTES);
    checkAsymmetricParams(pub, restricted, sign, decrypt);
  } else if (pub.type === A.KEYEDHASH) {
    if (origin === (sens.data.length !== 0)) fail(TPM_RC.ATTRIBUTES);
    checkKeyedHash(pub, restricted, sign, decrypt);
  } else {
    // SYMCIPHER: "sign" means encrypt (Part 2 §8.3.3.1); restricted + decrypt
    // is a symmetric storage parent (Part 1 §25.1), which only decrypts, in CFB.
    if (restricted && (sign || !decrypt)) fail(TPM_RC.ATTRIBUTES);
    if (pub.symmetric.algorithm !== A.AES) fail(TPM_RC.SYMMETRIC);
    if (restricted && pub.symmetric.mode !== A.CFB) fail(TPM_RC.MODE);
    if (!origin && sens.data.length !== pub.symmetric.keyBits / 8) fail(TPM_RC.SIZE, IN_SENSITIVE);
    if (origin && sens.data.length !== 0) fail(TPM_RC.ATTRIBUTES);
  }
}

/** fixedTPM / fixedParent rules of Part 1 §27.2.1–2. */
function checkHierarchyAttributes(pub: TpmtPublic, parent?: TpmtPublic): void {
  const fixedTPM = has(pub, TPMA_OBJECT.fixedTPM);
  const fixedParent = has(pub, TPMA_OBJECT.fixedParent);
  if (!parent) {
    // Primary objects are fixed to their hierarchy: both bits must agree.
    if (fixedTPM !== fixedParent) fail(TPM_RC.ATTRIBUTES);
    return;
  }
  if (fixedTPM && !fixedParent) fail(TPM_RC.ATTRIBUTES);
  if (fixedTPM && (parent.objectAttributes & TPMA_OBJECT.fixedTPM) === 0) fail(TPM_RC.ATTRIBUTES);
  const encDup = has(pub, TPMA_OBJECT.encryptedDuplication);
  if (encDup && fixedTPM) fail(TPM_RC.ATTRIBUTES);
  const parentEncDup = (parent.objectAttributes & TPMA_OBJECT.encryptedDuplication) !== 0;
  if (parentEncDup && !fixedParent && !encDup) fail(TPM_RC.ATTRIBUTES);
}

function checkAsymmetricParams(
  pub: TpmtPublic,
  restricted: boolean,
  sign: boolean,
  decrypt: boolean,
): void {
  if (pub.type === A.RSA) {
    // swtpm answers TPM_RC_VALUE for a key size it does not build and a bare
    // TPM_RC_RANGE for an exponent below 2^16 + 1 or even (as its key generation does).
    if (!RSA_KEY_SIZES.includes(pub.keyBits)) fail(TPM_RC.VALUE);
    if (pub.exponent !== 0 && (pub.exponent <= 0x10000 || pub.exponent % 2 === 0)) {
      throw new TpmError(TPM_RC.RANGE);
    }
  } else {
    if (!eccCurve(pub.curveID)) fail(TPM_RC.CURVE);
    if (pub.kdf.scheme !== A.NULL) fail(TPM_RC.KDF);
  }
  const s = pub.scheme.scheme;
  if (restricted && decrypt) {
    // A storage key (Part 1 §25.1): a symmetric algorithm for its children, no scheme.
    if (pub.symmetric.algorithm !== A.AES) fail(TPM_RC.SYMMETRIC);
    if (pub.symmetric.mode !== A.CFB) fail(TPM_RC.MODE);
    if (s !== A.NULL) fail(TPM_RC.SCHEME);
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
}

function checkKeyedHash(
  pub: TpmtPublic,
  restricted: boolean,
  sign: boolean,
  decrypt: boolean,
): void {
  const s = pub.scheme.scheme;
  if (sign && decrypt) fail(TPM_RC.ATTRIBUTES);
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
