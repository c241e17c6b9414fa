/**
 * TPM2_PolicyCounterTimer (Part 3 §23.8): compares operandB with bytes of
 * the marshalled TPMS_TIME_INFO (time, clock, resetCount, restartCount,
 * safe).
 * @module
 */
import { TPM_CC, TPM_SE } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode, UINT16 } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPMS_TIME_INFO } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";
import { holds, TPM_EO } from "./policy_nv.ts";

/** TPM2_PolicyCounterTimer. */
export const PolicyCounterTimer = defineCommand({
  code: TPM_CC.PolicyCounterTimer,
  name: "PolicyCounterTimer",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { operandB: TPM2B_DIGEST, offset: UINT16, operation: TPM_EO },
  response: {},
  execute(ctx, { operandB, offset, operation }) {
    const s = ctx.session(0);
    const c = ctx.state.clock;
    const info = encode(TPMS_TIME_INFO, {
      time: c.time(),
      clockInfo: {
        clock: c.clock(),
        resetCount: c.resetCount,
        restartCount: c.restartCount,
        safe: c.safe,
      },
    });
    // The bounds are checked for a trial policy too, offset first (Part 3 §23.8, the
    // reference's TPM2_PolicyCounterTimer; swtpm answers the same).
    if (offset > info.length) throw paramError(TPM_RC.VALUE, 2);
    if (offset + operandB.length > info.length) throw new TpmError(TPM_RC.RANGE);
    if (s.type !== TPM_SE.TRIAL) {
      if (!holds(operation, info.subarray(offset, offset + operandB.length), operandB)) {
        throw new TpmError(TPM_RC.POLICY);
      }
    }
    const args = digest(s.authHash, operandB, encode(UINT16, offset), encode(UINT16, operation));
    extendPolicy(s, TPM_CC.PolicyCounterTimer, args);
    return {};
  },
});
