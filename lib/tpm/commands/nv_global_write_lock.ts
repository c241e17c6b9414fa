/**
 * TPM2_NV_GlobalWriteLock (Part 3 §31.12): write-locks every index with
 * TPMA_NV_GLOBALLOCK until the next TPM Reset or Restart.
 * @module
 */
import { TPM_CC, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { hasNv } from "../state/nv.ts";

/** TPM2_NV_GlobalWriteLock. */
export const NV_GlobalWriteLock = defineCommand({
  code: TPM_CC.NV_GlobalWriteLock,
  name: "NV_GlobalWriteLock",
  handles: [{ name: "authHandle", type: HT.PROVISION, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    for (const ix of ctx.state.nv.indices.values()) {
      if (hasNv(ix.pub.attributes, TPMA_NV.GLOBALLOCK)) {
        ix.pub.attributes = (ix.pub.attributes | TPMA_NV.WRITELOCKED) >>> 0;
      }
    }
    return {};
  },
});
