/**
 * TPM2_PolicyNvWritten (Part 3 §23.21): the authorized NV index must (or
 * must not) have been written.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPMI_YES_NO } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyNvWritten. */
export const PolicyNvWritten = defineCommand({
  code: TPM_CC.PolicyNvWritten,
  name: "PolicyNvWritten",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { writtenSet: TPMI_YES_NO },
  response: {},
  execute(ctx, { writtenSet }) {
    const s = ctx.session(0);
    if (s.nvWritten >= 0 && s.nvWritten !== writtenSet) throw paramError(TPM_RC.VALUE, 1);
    extendPolicy(s, TPM_CC.PolicyNvWritten, new Uint8Array([writtenSet]));
    s.nvWritten = writtenSet;
    return {};
  },
});
