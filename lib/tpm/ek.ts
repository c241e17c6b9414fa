/**
 * Endorsement Key templates from the TCG EK Credential Profile for TPM
 * Family 2.0 (Annex B, "low range" templates L-1 RSA-2048 and L-2 ECC NIST
 * P-256, both under policy A), and the CreatePrimary command that
 * COCONUT-SVSM sends for the RSA one (kernel/src/vtpm/tcgtpm/tss.rs and
 * ek_templates.rs; tpm-interop.md §5.1).
 * @module
 */
import {
  TPM_ALG,
  TPM_CC,
  TPM_ECC,
  TPM_RH,
  TPM_ST,
  TPMA_OBJECT,
  TPMA_SESSION,
} from "./constants.ts";
import { TpmWriter } from "./marshal/buffer.ts";
import { encode } from "./marshal/codec.ts";
import { TPMT_PUBLIC, type TpmtPublic } from "./marshal/types.ts";

/**
 * Policy A, SHA-256: TPM2_PolicySecret(TPM_RH_ENDORSEMENT) from a zero
 * digest (EK Credential Profile §B.3.3).
 */
export const EK_POLICY_A_SHA256: Uint8Array = hex(
  "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa",
);

function hex(s: string): Uint8Array {
  return new Uint8Array(s.match(/../g)!.map((b) => parseInt(b, 16)));
}

/**
 * The EK attributes (0x000300B2): fixedTPM, fixedParent, sensitiveDataOrigin,
 * adminWithPolicy, restricted, decrypt; userWithAuth clear, so only the
 * policy authorizes use.
 */
export const EK_ATTRIBUTES: number = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.fixedParent |
  TPMA_OBJECT.sensitiveDataOrigin | TPMA_OBJECT.adminWithPolicy | TPMA_OBJECT.restricted |
  TPMA_OBJECT.decrypt;

const AES_128_CFB = { algorithm: TPM_ALG.AES, keyBits: 128, mode: TPM_ALG.CFB };
const NULL_SCHEME = { scheme: TPM_ALG.NULL, hashAlg: 0, extra: 0 };

/** Template L-1: RSA-2048, SHA-256, AES-128-CFB, unique = 256 zero bytes. */
export const EK_RSA2048_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.RSA,
  nameAlg: TPM_ALG.SHA256,
  objectAttributes: EK_ATTRIBUTES,
  authPolicy: EK_POLICY_A_SHA256,
  symmetric: AES_128_CFB,
  scheme: NULL_SCHEME,
  keyBits: 2048,
  exponent: 0,
  curveID: 0,
  kdf: NULL_SCHEME,
  unique: new Uint8Array(256),
  uniqueY: new Uint8Array(0),
};

/** Template L-2: ECC NIST P-256, SHA-256, AES-128-CFB, unique x and y = 32 zero bytes each. */
export const EK_ECC_P256_TEMPLATE: TpmtPublic = {
  type: TPM_ALG.ECC,
  nameAlg: TPM_ALG.SHA256,
  objectAttributes: EK_ATTRIBUTES,
  authPolicy: EK_POLICY_A_SHA256,
  symmetric: AES_128_CFB,
  scheme: NULL_SCHEME,
  keyBits: 0,
  exponent: 0,
  curveID: TPM_ECC.NIST_P256,
  kdf: NULL_SCHEME,
  unique: new Uint8Array(32),
  uniqueY: new Uint8Array(32),
};

/**
 * TPM2_CreatePrimary(TPM_RH_ENDORSEMENT) for an EK template, as COCONUT-SVSM
 * builds it: an empty TPM_RS_PW session with continueSession, empty
 * inSensitive, no outsideInfo, no creation PCRs.
 *
 * @example
 * ```ts
 * import { createPrimaryEkCommand, EK_RSA2048_TEMPLATE } from "./ek.ts";
 * const cmd = createPrimaryEkCommand(EK_RSA2048_TEMPLATE);
 * cmd.length; // 10 + 4 + 13 + 6 + 316 + 2 + 4 = 355
 * ```
 */
export function createPrimaryEkCommand(template: TpmtPublic): Uint8Array {
  const pub = encode(TPMT_PUBLIC, template);
  const w = new TpmWriter();
  w.u16(TPM_ST.SESSIONS).u32(0).u32(TPM_CC.CreatePrimary).u32(TPM_RH.ENDORSEMENT);
  // Authorization area: TPM_RS_PW, empty nonce, continueSession, empty password.
  w.u32(9).u32(TPM_RH.PW).u16(0).u8(TPMA_SESSION.continueSession).u16(0);
  w.u16(4).u16(0).u16(0); // inSensitive: empty userAuth and data
  w.u16(pub.length).bytes(pub); // inPublic
  w.u16(0); // outsideInfo
  w.u32(0); // creationPCR: empty TPML_PCR_SELECTION
  w.patchU32(2, w.length);
  return w.finish();
}
