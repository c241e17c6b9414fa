/**
 * TPM2_SetPrimaryPolicy (Part 3 §24.4): the authPolicy of a hierarchy or
 * of lockout; an empty digest with TPM_ALG_NULL removes it.
 * @module
 */
import { TPM_ALG, TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, TPM2B_DIGEST, TPMI_ALG_HASH_NULL } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";

/** TPM2_SetPrimaryPolicy. */
export const SetPrimaryPolicy = defineCommand({
  code: TPM_CC.SetPrimaryPolicy,
  name: "SetPrimaryPolicy",
  handles: [{ name: "authHandle", type: HT.HIERARCHY_AUTH, auth: "USER" }],
  params: { authPolicy: TPM2B_DIGEST, hashAlg: TPMI_ALG_HASH_NULL },
  response: {},
  execute(ctx, { authPolicy, hashAlg }) {
    // An empty digest clears the policy whatever hashAlg says (tpm2_setprimarypolicy sends that).
    const want = hashAlg === TPM_ALG.NULL ? 0 : DIGEST_SIZE[hashAlg];
    if (authPolicy.length !== 0 && authPolicy.length !== want) throw paramError(TPM_RC.SIZE, 1);
    const policy = { alg: authPolicy.length ? hashAlg : TPM_ALG.NULL, digest: authPolicy };
    const h = ctx.handles[0];
    if (h === TPM_RH.LOCKOUT) ctx.state.hierarchies.lockoutPolicy = policy;
    else ctx.state.hierarchies.get(h).policy = policy;
    return {};
  },
});
