/**
 * TPM2_PolicyCommandCode (Part 3 §23.11).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { be32, extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyCommandCode. */
export const PolicyCommandCode = defineCommand({
  code: TPM_CC.PolicyCommandCode,
  name: "PolicyCommandCode",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { code: UINT32 },
  response: {},
  execute(ctx, { code }) {
    const s = ctx.session(0);
    if (s.commandCode !== 0 && s.commandCode !== code) throw paramError(TPM_RC.VALUE, 1);
    if (!ctx.table.has(code)) throw paramError(TPM_RC.POLICY_CC, 1);
    extendPolicy(s, TPM_CC.PolicyCommandCode, be32(code));
    s.commandCode = code;
    return {};
  },
});
