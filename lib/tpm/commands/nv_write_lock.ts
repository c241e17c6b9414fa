/**
 * TPM2_NV_WriteLock (Part 3 §31.14): needs WRITEDEFINE or WRITE_STCLEAR.
 * @module
 */
import { TPM_CC, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, TPM_RC, TpmError } from "../response_code.ts";
import { hasNv } from "../state/nv.ts";
import { indexAt, mayAccess } from "./nv_access.ts";

/** TPM2_NV_WriteLock. */
export const NV_WriteLock = defineCommand({
  code: TPM_CC.NV_WriteLock,
  name: "NV_WriteLock",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: {},
  response: {},
  nvWrite: true,
  execute(ctx) {
    const ix = indexAt(ctx, 1);
    const a = ix.pub.attributes;
    // The reference's NvWriteAccessChecks looks at WRITELOCKED before the write permission,
    // and NV_WriteLock turns NV_LOCKED into success: an index already locked is done whoever
    // asks (swtpm answers the same); then the permission, then it must be lockable (§31.11).
    if (hasNv(a, TPMA_NV.WRITELOCKED)) return {};
    if (!mayAccess(ctx, ix, 0, true)) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
    if (!hasNv(a, TPMA_NV.WRITEDEFINE) && !hasNv(a, TPMA_NV.WRITE_STCLEAR)) {
      throw handleError(TPM_RC.ATTRIBUTES, 2);
    }
    ix.pub.attributes = (a | TPMA_NV.WRITELOCKED) >>> 0;
    return {};
  },
});
