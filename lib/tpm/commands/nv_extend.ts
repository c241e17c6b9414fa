/**
 * TPM2_NV_Extend (Part 3 §31.10): data := H(data || input) with the
 * index's nameAlg.
 * @module
 */
import { TPM_CC, TPM_NT } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_MAX_NV_BUFFER } from "../marshal/types.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import { nvType } from "../state/nv.ts";
import { checkWrite, indexAt, markWritten } from "./nv_access.ts";

/** TPM2_NV_Extend. */
export const NV_Extend = defineCommand({
  code: TPM_CC.NV_Extend,
  name: "NV_Extend",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
  ],
  params: { data: TPM2B_MAX_NV_BUFFER },
  response: {},
  nvWrite: true,
  execute(ctx, { data }) {
    const ix = indexAt(ctx, 1);
    checkWrite(ctx, ix);
    if (nvType(ix.pub.attributes) !== TPM_NT.EXTEND) throw handleError(TPM_RC.ATTRIBUTES, 2);
    ix.data = digest(ix.pub.nameAlg, ix.data, data);
    markWritten(ix);
    return {};
  },
});
