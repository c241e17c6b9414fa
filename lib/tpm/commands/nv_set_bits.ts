/**
 * TPM2_NV_SetBits (Part 3 §31.11): data := data OR bits.
 * @module
 */
import { TPM_CC, TPM_NT } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode, UINT64 } from "../marshal/codec.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import { nvType } from "../state/nv.ts";
import { checkWrite, indexAt, markWritten } from "./nv_access.ts";

/** TPM2_NV_SetBits. */
export const NV_SetBits = defineCommand({
  code: TPM_CC.NV_SetBits,
  name: "NV_SetBits",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: { bits: UINT64 },
  response: {},
  nvWrite: true,
  execute(ctx, { bits }) {
    const ix = indexAt(ctx, 1);
    checkWrite(ctx, ix);
    if (nvType(ix.pub.attributes) !== TPM_NT.BITS) throw handleError(TPM_RC.ATTRIBUTES, 2);
    const old = new DataView(ix.data.buffer, ix.data.byteOffset).getBigUint64(0);
    ix.data = encode(UINT64, old | bits);
    markWritten(ix);
    return {};
  },
});
