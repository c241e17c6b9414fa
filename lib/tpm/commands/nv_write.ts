/**
 * TPM2_NV_Write (Part 3 §31.7): ordinary indices only.
 * @module
 */
import { TPM_CC, TPM_NT, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT16 } from "../marshal/codec.ts";
import { TPM2B_MAX_NV_BUFFER } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { hasNv, nvType } from "../state/nv.ts";
import { checkWrite, indexAt, markWritten } from "./nv_access.ts";

/** TPM2_NV_Write. */
export const NV_Write = defineCommand({
  code: TPM_CC.NV_Write,
  name: "NV_Write",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: { data: TPM2B_MAX_NV_BUFFER, offset: UINT16 },
  response: {},
  nvWrite: true,
  execute(ctx, { data, offset }) {
    const ix = indexAt(ctx, 1);
    checkWrite(ctx, ix);
    // A bare TPM_RC_ATTRIBUTES, as the reference and swtpm answer (Part 3 §31.7).
    if (nvType(ix.pub.attributes) !== TPM_NT.ORDINARY) throw new TpmError(TPM_RC.ATTRIBUTES);
    if (offset + data.length > ix.pub.dataSize) throw new TpmError(TPM_RC.NV_RANGE);
    if (hasNv(ix.pub.attributes, TPMA_NV.WRITEALL) && data.length !== ix.pub.dataSize) {
      throw new TpmError(TPM_RC.NV_RANGE);
    }
    ix.data.set(data, offset);
    markWritten(ix);
    return {};
  },
});
