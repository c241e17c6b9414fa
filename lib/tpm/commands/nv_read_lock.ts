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
import { indexAt } from "./nv_access.ts";
import { TPM_RH } from "../constants.ts";

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
    if (!hasNv(a, TPMA_NV.READ_STCLEAR)) throw handleError(TPM_RC.ATTRIBUTES, 2);
    const auth = ctx.handles[0];
    const ok = auth === TPM_RH.OWNER
      ? hasNv(a, TPMA_NV.OWNERREAD)
      : auth === TPM_RH.PLATFORM
      ? hasNv(a, TPMA_NV.PPREAD)
      : hasNv(a, TPMA_NV.AUTHREAD | TPMA_NV.POLICYREAD);
    if (!ok) throw new TpmError(TPM_RC.NV_AUTHORIZATION);
    ix.pub.attributes = (a | TPMA_NV.READLOCKED) >>> 0;
    return {};
  },
});
