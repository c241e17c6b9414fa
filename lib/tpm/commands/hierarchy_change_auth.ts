/**
 * TPM2_HierarchyChangeAuth (Part 3 §24.8): a new authValue for owner,
 * endorsement, platform or lockout. The response HMAC uses the new value.
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_AUTH } from "../marshal/types.ts";

/** TPM2_HierarchyChangeAuth. */
export const HierarchyChangeAuth = defineCommand({
  code: TPM_CC.HierarchyChangeAuth,
  name: "HierarchyChangeAuth",
  handles: [{ name: "authHandle", type: HT.HIERARCHY_AUTH, auth: "USER" }],
  params: { newAuth: TPM2B_AUTH },
  response: {},
  execute(ctx, { newAuth }) {
    const h = ctx.handles[0];
    if (h === TPM_RH.LOCKOUT) ctx.state.hierarchies.lockoutAuth = newAuth;
    else ctx.state.hierarchies.get(h).auth = newAuth;
    return {};
  },
});
