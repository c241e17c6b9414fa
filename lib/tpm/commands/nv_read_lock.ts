/**
 * TPM2_NV_ReadLock (Part 3 §31.15): needs READ_STCLEAR; lasts until the
 * next TPM Reset or Restart.
 * @module
 */
import { TPM_CC, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { handleError, TPM_RC, TpmError } from "../response_code.ts";
import { hasNv } from "../state/nv.ts";
import { indexAt, mayAccess } from "./nv_access.ts";

/** TPM2_NV_ReadLock. */
export const NV_ReadLock = defineCommand({
  code: TPM_CC.NV_ReadLock,
  name: "NV_ReadLock",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: {},
  response: {},
  execute(ctx) {
    const ix = indexAt(ctx, 1);
    const a = ix.pub.attributes;
    // As the reference's NV_ReadLock: the authorization first, an index
    // already locked is no error, and only then must it be lockable (Part 3 §31.15).
    if (!mayAccess(ctx, ix, 0, false)) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
    if (hasNv(a, TPMA_NV.READLOCKED)) return {};
    if (!hasNv(a, TPMA_NV.READ_STCLEAR)) throw handleError(TPM_RC.ATTRIBUTES, 2);
    ix.pub.attributes = (a | TPMA_NV.READLOCKED) >>> 0;
    return {};
  },
});
