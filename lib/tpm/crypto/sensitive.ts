/**
 * TPMT_SENSITIVE and TPM2B_SENSITIVE (TCG TPM 2.0 Part 2 §12.3.2.4–5): the
 * secret half of an object, as it travels inside a wrapped private blob or
 * LoadExternal. The union TPMU_SENSITIVE_COMPOSITE is one TPM2B in every arm,
 * so it is kept as bytes with a per-type size limit.
 * @module
 */
import { LIMITS, TPM_ALG } from "../constants.ts";
import type { TpmReader, TpmWriter } from "../marshal/buffer.ts";
import { type Codec, sized } from "../marshal/codec.ts";
import { TPM2B_AUTH, TPM2B_DIGEST } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";

/** A decoded TPMT_SENSITIVE. */
export interface Sensitive {
  /** TPMI_ALG_PUBLIC of the object. */
  sensitiveType: number;
  /** authValue. */
  authValue: Uint8Array;
  /** seedValue (storage protection seed or obfuscation value). */
  seedValue: Uint8Array;
  /** RSA prime, ECC scalar, symmetric/HMAC key or sealed data. */
  sensitive: Uint8Array;
}

// Part 2 §11.2.4.7 (TPM2B_PRIVATE_KEY_RSA: half a modulus ×5/2 in the
// reference), §11.2.5.1 (TPM2B_ECC_PARAMETER), §11.1.14 (TPM2B_SENSITIVE_DATA),
// §11.1.8 (TPM2B_SYM_KEY).
const COMPOSITE_MAX: Readonly<Record<number, number>> = {
  [TPM_ALG.RSA]: LIMITS.MAX_RSA_KEY_BYTES / 2 * 5,
  [TPM_ALG.ECC]: LIMITS.MAX_ECC_KEY_BYTES,
  [TPM_ALG.KEYEDHASH]: LIMITS.MAX_SYM_DATA,
  [TPM_ALG.SYMCIPHER]: 32,
};

function read2b(r: TpmReader, max: number): Uint8Array {
  const n = r.u16();
  if (n > max) throw new TpmError(TPM_RC.SIZE);
  return r.bytes(n);
}

/** TPMT_SENSITIVE codec; an unknown type is TPM_RC_TYPE, an oversize field TPM_RC_SIZE. */
export const TPMT_SENSITIVE: Codec<Sensitive> = {
  name: "TPMT_SENSITIVE",
  read(r: TpmReader): Sensitive {
    const sensitiveType = r.u16();
    const max = COMPOSITE_MAX[sensitiveType];
    if (max === undefined) throw new TpmError(TPM_RC.TYPE);
    const authValue = TPM2B_AUTH.read(r);
    const seedValue = TPM2B_DIGEST.read(r);
    return { sensitiveType, authValue, seedValue, sensitive: read2b(r, max) };
  },
  write(w: TpmWriter, v: Sensitive): void {
    w.u16(v.sensitiveType);
    TPM2B_AUTH.write(w, v.authValue);
    TPM2B_DIGEST.write(w, v.seedValue);
    w.u16(v.sensitive.length).bytes(v.sensitive);
  },
};

/** TPM2B_SENSITIVE (empty allowed: LoadExternal of a public key decodes it as `null`). */
export const TPM2B_SENSITIVE: Codec<Sensitive | null> = sized(
  "TPM2B_SENSITIVE",
  TPMT_SENSITIVE,
  true,
);
