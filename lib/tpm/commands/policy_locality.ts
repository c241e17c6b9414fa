/**
 * TPM2_PolicyLocality (Part 3 §23.12): TPMA_LOCALITY bits 0–4 name
 * localities 0–4; a value of 32 or more names one extended locality.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT8 } from "../marshal/codec.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyLocality. */
export const PolicyLocality = defineCommand({
  code: TPM_CC.PolicyLocality,
  name: "PolicyLocality",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { locality: UINT8 },
  response: {},
  execute(ctx, { locality }) {
    const s = ctx.session(0);
    if (locality === 0 || (locality > 0x1f && locality < 32)) throw paramError(TPM_RC.RANGE, 1);
    let next = locality;
    if (s.locality !== 0) {
      // Bit masks narrow by intersection; an extended locality must match exactly.
      next = locality < 32 && s.locality < 32
        ? s.locality & locality
        : s.locality === locality
        ? locality
        : 0;
      if (next === 0) throw paramError(TPM_RC.RANGE, 1);
    }
    extendPolicy(s, TPM_CC.PolicyLocality, new Uint8Array([locality]));
    s.locality = next;
    return {};
  },
});
