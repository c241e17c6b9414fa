/**
 * TPM2_NV_ReadPublic (Part 3 §31.6).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_NAME, TPM2B_NV_PUBLIC } from "../marshal/types.ts";
import { nvName } from "../state/nv.ts";
import { indexAt } from "./nv_access.ts";

/** TPM2_NV_ReadPublic. */
export const NV_ReadPublic = defineCommand({
  code: TPM_CC.NV_ReadPublic,
  name: "NV_ReadPublic",
  handles: [{ name: "nvIndex", type: HT.NV_INDEX }],
  params: {},
  response: { nvPublic: TPM2B_NV_PUBLIC, nvName: TPM2B_NAME },
  execute(ctx) {
    const ix = indexAt(ctx, 0);
    return { nvPublic: ix.pub, nvName: nvName(ix.pub) };
  },
});
