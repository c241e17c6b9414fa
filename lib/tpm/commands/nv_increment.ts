/**
 * TPM2_NV_Increment (Part 3 §31.8): a new counter starts above the highest
 * counter value this TPM has had (Part 1 §37.2.2), i.e. 1 on fresh NV.
 * @module
 */
import { TPM_CC, TPM_NT } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode, UINT64 } from "../marshal/codec.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import { hasNv, nvType } from "../state/nv.ts";
import { TPMA_NV } from "../constants.ts";
import { checkWrite, indexAt, markWritten } from "./nv_access.ts";

/** TPM2_NV_Increment. */
export const NV_Increment = defineCommand({
  code: TPM_CC.NV_Increment,
  name: "NV_Increment",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: {},
  response: {},
  nvWrite: true,
  execute(ctx) {
    const ix = indexAt(ctx, 1);
    checkWrite(ctx, ix);
    if (nvType(ix.pub.attributes) !== TPM_NT.COUNTER) throw handleError(TPM_RC.ATTRIBUTES, 2);
    const nv = ctx.state.nv;
    const current = hasNv(ix.pub.attributes, TPMA_NV.WRITTEN)
      ? new DataView(ix.data.buffer, ix.data.byteOffset).getBigUint64(0)
      : nv.maxCounter;
    const next = BigInt.asUintN(64, current + 1n);
    ix.data = encode(UINT64, next);
    if (next > nv.maxCounter) nv.maxCounter = next;
    markWritten(ix);
    return {};
  },
});
