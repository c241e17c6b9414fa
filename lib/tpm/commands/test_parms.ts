/**
 * TPM2_TestParms (Part 3 §10.5): TPMT_PUBLIC_PARMS decodes only if this
 * TPM supports the algorithm, key size, curve, scheme and symmetric given.
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_ECC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import type { Codec } from "../marshal/codec.ts";
import { oneOf, UINT16 } from "../marshal/codec.ts";
import {
  TPMT_ECC_SCHEME,
  TPMT_KDF_SCHEME,
  TPMT_KEYEDHASH_SCHEME,
  TPMT_RSA_SCHEME,
  TPMT_SYM_DEF_OBJECT,
} from "../marshal/types.ts";
import { TPM_RC } from "../response_code.ts";

const A = TPM_ALG;
const TYPE = oneOf(
  "TPMI_ALG_PUBLIC",
  UINT16,
  [A.RSA, A.ECC, A.KEYEDHASH, A.SYMCIPHER],
  TPM_RC.TYPE,
);
const RSA_BITS = oneOf("TPMI_RSA_KEY_BITS", UINT16, [1024, 2048, 3072], TPM_RC.VALUE);
const CURVE = oneOf("TPMI_ECC_CURVE", UINT16, [TPM_ECC.NIST_P256, TPM_ECC.NIST_P384], TPM_RC.CURVE);

/** TPMT_PUBLIC_PARMS (Part 2 §12.2.3.7), read for validation only. */
const TPMT_PUBLIC_PARMS: Codec<number> = {
  name: "TPMT_PUBLIC_PARMS",
  read(r) {
    const type = TYPE.read(r);
    if (type === A.KEYEDHASH) TPMT_KEYEDHASH_SCHEME.read(r);
    else TPMT_SYM_DEF_OBJECT.read(r);
    if (type === A.RSA) {
      TPMT_RSA_SCHEME.read(r);
      RSA_BITS.read(r);
      r.u32();
    } else if (type === A.ECC) {
      TPMT_ECC_SCHEME.read(r);
      CURVE.read(r);
      TPMT_KDF_SCHEME.read(r);
    }
    return type;
  },
  write: (w, v) => void w.u16(v),
};

/** TPM2_TestParms. */
export const TestParms = defineCommand({
  code: TPM_CC.TestParms,
  name: "TestParms",
  handles: [],
  params: { parameters: TPMT_PUBLIC_PARMS },
  response: {},
  execute: () => ({}),
});
