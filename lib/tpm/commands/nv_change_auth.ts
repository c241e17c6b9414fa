/**
 * TPM2_NV_ChangeAuth (Part 3 §31.9): ADMIN role, so only through a policy
 * session whose policy includes PolicyCommandCode(NV_ChangeAuth).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, TPM2B_AUTH } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { indexAt } from "./nv_access.ts";

/** TPM2_NV_ChangeAuth. */
export const NV_ChangeAuth = defineCommand({
  code: TPM_CC.NV_ChangeAuth,
  name: "NV_ChangeAuth",
  handles: [{ name: "nvIndex", type: HT.NV_INDEX, auth: "ADMIN" }],
  params: { newAuth: TPM2B_AUTH },
  response: {},
  execute(ctx, { newAuth }) {
    const ix = indexAt(ctx, 0);
    if (newAuth.length > DIGEST_SIZE[ix.pub.nameAlg]) throw paramError(TPM_RC.SIZE, 1);
    ix.authValue = newAuth;
    return {};
  },
});
