/**
 * TPM2_PolicyOR (Part 3 §23.6): policyDigest := H(0…0 || TPM_CC_PolicyOR ||
 * digests), if the current digest is one of them.
 * @module
 */
import { TPM_CC, TPM_SE } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { DIGEST_SIZE, TPML_DIGEST } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyOR. */
export const PolicyOR = defineCommand({
  code: TPM_CC.PolicyOR,
  name: "PolicyOR",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { pHashList: TPML_DIGEST },
  response: {},
  execute(ctx, { pHashList }) {
    const s = ctx.session(0);
    if (pHashList.length < 2) throw paramError(TPM_RC.SIZE, 1);
    if (s.type !== TPM_SE.TRIAL && !pHashList.some((d) => equalBytes(d, s.policyDigest))) {
      throw paramError(TPM_RC.VALUE, 1);
    }
    s.policyDigest = new Uint8Array(DIGEST_SIZE[s.authHash]);
    extendPolicy(s, TPM_CC.PolicyOR, ...pHashList);
    return {};
  },
});
