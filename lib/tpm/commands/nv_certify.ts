/**
 * TPM2_NV_Certify (TCG TPM 2.0 Part 3 §31.16): a signing key vouches for
 * the contents of part of an NV index (TPMS_NV_CERTIFY_INFO: index Name,
 * offset, the bytes), read under the index's read authorization.
 * @module
 */
import { LIMITS, TPM_CC, TPM_ST } from "../constants.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { UINT16 } from "../marshal/codec.ts";
import {
  TPM2B_DATA,
  TPM2B_MAX_NV_BUFFER,
  TPM2B_NAME,
  TPMT_SIG_SCHEME,
  TPMT_SIGNATURE,
} from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { nvName } from "../state/nv.ts";
import { checkRead, indexAt } from "./nv_access.ts";
import { attest, signerAt, TPM2B_ATTEST } from "./attestation.ts";

/** TPM2_NV_Certify. */
export const NV_Certify: CommandDef = defineCommand({
  code: TPM_CC.NV_Certify,
  name: "NV_Certify",
  handles: [
    { name: "signHandle", type: HT.OBJECT_NULL, auth: "USER" },
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: {
    qualifyingData: TPM2B_DATA,
    inScheme: TPMT_SIG_SCHEME,
    size: UINT16,
    offset: UINT16,
  },
  response: { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE },
  execute(ctx, { qualifyingData, inScheme, size, offset }) {
    const signer = signerAt(ctx, 0, inScheme, 2);
    const ix = indexAt(ctx, 2);
    // The certified data leaves in the clear: the same read rules as NV_Read.
    checkRead(ctx, ix, 1);
    // The range first, as the reference and swtpm: 1025 bytes of a small index is NV_RANGE.
    if (offset + size > ix.data.length) throw new TpmError(TPM_RC.NV_RANGE);
    if (size > LIMITS.MAX_NV_BUFFER_SIZE) throw paramError(TPM_RC.VALUE, 3);
    const w = new TpmWriter();
    TPM2B_NAME.write(w, nvName(ix.pub));
    w.u16(offset);
    TPM2B_MAX_NV_BUFFER.write(w, ix.data.slice(offset, offset + size));
    const r = attest(ctx, signer, TPM_ST.ATTEST_NV, qualifyingData, w.finish());
    return { certifyInfo: r.attest, signature: r.signature };
  },
});
