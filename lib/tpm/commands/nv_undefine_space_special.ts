/**
 * TPM2_NV_UndefineSpaceSpecial (Part 3 §31.5): deletes a platform index
 * with TPMA_NV_POLICY_DELETE, authorized by its policy (ADMIN) and platform.
 * @module
 */
import { TPM_CC, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import { hasNv } from "../state/nv.ts";
import { indexAt } from "./nv_access.ts";

/** TPM2_NV_UndefineSpaceSpecial. */
export const NV_UndefineSpaceSpecial = defineCommand({
  code: TPM_CC.NV_UndefineSpaceSpecial,
  name: "NV_UndefineSpaceSpecial",
  handles: [
    { name: "nvIndex", type: HT.NV_INDEX, auth: "ADMIN" },
    { name: "platform", type: HT.PLATFORM, auth: "USER" },
  ],
  params: {},
  response: {},
  execute(ctx) {
    const ix = indexAt(ctx, 0);
    if (!hasNv(ix.pub.attributes, TPMA_NV.POLICY_DELETE)) throw handleError(TPM_RC.ATTRIBUTES, 1);
    ctx.state.nv.indices.delete(ctx.handles[0]);
    return {};
  },
});
