/**
 * TPM2_PolicyAuthorizeNV (Part 3 §23.22): the policy approved by the
 * TPMT_HA stored in an NV index; policyDigest := H(0…0 ||
 * TPM_CC_PolicyAuthorizeNV || nvIndexName).
 * @module
 */
import { TPM_CC, TPM_SE } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";
import { checkRead, indexAt } from "./nv_access.ts";

/** TPM2_PolicyAuthorizeNV. */
export const PolicyAuthorizeNV = defineCommand({
  code: TPM_CC.PolicyAuthorizeNV,
  name: "PolicyAuthorizeNV",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
    { name: "policySession", type: HT.POLICY_SESSION },
  ],
  params: {},
  response: {},
  execute(ctx) {
    const s = ctx.session(2);
    const ix = indexAt(ctx, 1);
    if (s.type !== TPM_SE.TRIAL) {
      checkRead(ctx, ix);
      // The index holds a TPMT_HA: unmarshalled as such (TPM_RC_HASH, TPM_RC_INSUFFICIENT),
      // then its algorithm (TPM_RC_HASH) and digest (TPM_RC_VALUE) compared (Part 3 §23.22).
      if (ix.data.length < 2) throw new TpmError(TPM_RC.INSUFFICIENT);
      const alg = (ix.data[0] << 8) | ix.data[1];
      if (!DIGEST_SIZE[alg]) throw new TpmError(TPM_RC.HASH);
      if (ix.data.length < 2 + DIGEST_SIZE[alg]) throw new TpmError(TPM_RC.INSUFFICIENT);
      if (alg !== s.authHash) throw new TpmError(TPM_RC.HASH);
      if (!equalBytes(ix.data.subarray(2, 2 + DIGEST_SIZE[alg]), s.policyDigest)) {
        throw new TpmError(TPM_RC.VALUE);
      }
    }
    s.policyDigest = new Uint8Array(DIGEST_SIZE[s.authHash]);
    extendPolicy(s, TPM_CC.PolicyAuthorizeNV, ctx.name(1));
    return {};
  },
});
