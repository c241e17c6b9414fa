/**
 * TPM2_NV_Read (Part 3 §31.13).
 * @module
 */
import { LIMITS, TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT16 } from "../marshal/codec.ts";
import { TPM2B_MAX_NV_BUFFER } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { checkRead, indexAt } from "./nv_access.ts";

/** TPM2_NV_Read. */
export const NV_Read = defineCommand({
  code: TPM_CC.NV_Read,
  name: "NV_Read",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: { size: UINT16, offset: UINT16 },
  response: { data: TPM2B_MAX_NV_BUFFER },
  execute(ctx, { size, offset }) {
    const ix = indexAt(ctx, 1);
    checkRead(ctx, ix);
    if (size > LIMITS.MAX_NV_BUFFER_SIZE) throw paramError(TPM_RC.VALUE, 1);
    if (offset + size > ix.pub.dataSize) throw new TpmError(TPM_RC.NV_RANGE);
    return { data: ix.data.slice(offset, offset + size) };
  },
});
