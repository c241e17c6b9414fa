/**
 * TPM2_EvictControl (Part 3 §28.5): makes a transient object persistent, or
 * removes a persistent one. Owner authorization covers the owner range
 * 0x81000000–0x817FFFFF; platform authorization covers everything
 * (Part 2 §7.5, TPM_HR_PERSISTENT / platform persistent range).
 * @module
 */
import { LIMITS, TPM_CC, TPM_HT, TPM_RH, TPMA_OBJECT } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";

const PLATFORM_PERSISTENT = 0x81800000;

/** TPM2_EvictControl. */
export const EvictControl = defineCommand({
  code: TPM_CC.EvictControl,
  name: "EvictControl",
  handles: [
    { name: "auth", type: HT.PROVISION, auth: "USER" },
    { name: "objectHandle", type: HT.OBJECT },
  ],
  params: { persistentHandle: UINT32 },
  response: {},
  execute(ctx, { persistentHandle }) {
    const s = ctx.state;
    const [auth, objectHandle] = ctx.handles;
    if (persistentHandle >>> 24 !== TPM_HT.PERSISTENT) throw paramError(TPM_RC.VALUE, 1);
    const obj = ctx.object(1);
    const persistent = objectHandle >>> 24 === TPM_HT.PERSISTENT;
    // The reference's order (Part 3 §28.5): what may never persist (temporary,
    // i.e. NULL-hierarchy, stClear, public-only objects), then the handle, then
    // who may act on which hierarchy and range.
    const stClear = (obj.publicArea.objectAttributes & TPMA_OBJECT.stClear) !== 0;
    if (obj.hierarchy === TPM_RH.NULL || obj.publicOnly || stClear) {
      throw handleError(TPM_RC.ATTRIBUTES, 2);
    }
    if (persistent && objectHandle !== persistentHandle) throw handleError(TPM_RC.HANDLE, 2);
    if (auth === TPM_RH.PLATFORM) {
      // Platform auth persists only platform objects, in the platform range;
      // it may remove any persistent object.
      if (!persistent && obj.hierarchy !== TPM_RH.PLATFORM) throw handleError(TPM_RC.HIERARCHY, 2);
      if (!persistent && persistentHandle < PLATFORM_PERSISTENT) throw paramError(TPM_RC.RANGE, 1);
    } else {
      if (obj.hierarchy === TPM_RH.PLATFORM) throw handleError(TPM_RC.HIERARCHY, 2);
      if (!persistent && persistentHandle >= PLATFORM_PERSISTENT) throw paramError(TPM_RC.RANGE, 1);
    }
    if (persistent) {
      s.objects.persistent.delete(objectHandle);
      return {};
    }
    if (s.objects.persistent.has(persistentHandle)) throw new TpmError(TPM_RC.NV_DEFINED);
    if (s.objects.persistent.size >= LIMITS.PERSISTENT_SLOTS) throw new TpmError(TPM_RC.NV_SPACE);
    s.objects.persistent.set(persistentHandle, { ...obj, evictHandle: persistentHandle });
    return {};
  },
});
