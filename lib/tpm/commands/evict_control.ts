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
    if (auth === TPM_RH.OWNER && persistentHandle >= PLATFORM_PERSISTENT) {
      throw paramError(TPM_RC.RANGE, 1);
    }
    const obj = ctx.object(1);
    if (auth === TPM_RH.OWNER && obj.hierarchy === TPM_RH.PLATFORM) {
      throw new TpmError(TPM_RC.HIERARCHY, { where: "handle", n: 2 });
    }
    if (objectHandle >>> 24 === TPM_HT.PERSISTENT) {
      if (objectHandle !== persistentHandle) throw paramError(TPM_RC.HANDLE, 1);
      s.objects.persistent.delete(objectHandle);
      return {};
    }
    if (obj.hierarchy === TPM_RH.NULL) throw handleError(TPM_RC.HIERARCHY, 2);
    // Platform auth persists only platform objects, in the platform range (Part 3 §28.5).
    if (auth === TPM_RH.PLATFORM) {
      if (obj.hierarchy !== TPM_RH.PLATFORM) throw handleError(TPM_RC.HIERARCHY, 2);
      if (persistentHandle < PLATFORM_PERSISTENT) throw paramError(TPM_RC.RANGE, 1);
    }
    if (obj.publicOnly || (obj.publicArea.objectAttributes & TPMA_OBJECT.stClear)) {
      throw handleError(TPM_RC.ATTRIBUTES, 2);
    }
    if (s.objects.persistent.has(persistentHandle)) throw new TpmError(TPM_RC.NV_DEFINED);
    if (s.objects.persistent.size >= LIMITS.PERSISTENT_SLOTS) throw new TpmError(TPM_RC.NV_SPACE);
    s.objects.persistent.set(persistentHandle, { ...obj, evictHandle: persistentHandle });
    return {};
  },
});
