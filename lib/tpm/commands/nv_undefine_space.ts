/**
 * TPM2_NV_UndefineSpace (Part 3 §31.4).
 * @module
 */
import { TPM_CC, TPM_RH, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, TPM_RC, TpmError } from "../response_code.ts";
import { hasNv } from "../state/nv.ts";
import { indexAt } from "./nv_access.ts";

/** TPM2_NV_UndefineSpace. */
export const NV_UndefineSpace = defineCommand({
  code: TPM_CC.NV_UndefineSpace,
  name: "NV_UndefineSpace",
  handles: [
    { name: "authHandle", type: HT.PROVISION, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: {},
  response: {},
  execute(ctx) {
    const ix = indexAt(ctx, 1);
    const a = ix.pub.attributes;
    if (hasNv(a, TPMA_NV.POLICY_DELETE)) throw handleError(TPM_RC.ATTRIBUTES, 2);
    if (ctx.handles[0] === TPM_RH.OWNER && hasNv(a, TPMA_NV.PLATFORMCREATE)) {
      throw new TpmError(TPM_RC.NV_AUTHORIZATION);
    }
    ctx.state.nv.indices.delete(ctx.handles[1]);
    return {};
  },
});
