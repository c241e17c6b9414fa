/**
 * TPM2_PolicyDuplicationSelect (Part 3 §23.15): limits duplication to one
 * new parent (and optionally one object); sets the command to Duplicate.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_NAME, TPMI_YES_NO } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyDuplicationSelect. */
export const PolicyDuplicationSelect = defineCommand({
  code: TPM_CC.PolicyDuplicationSelect,
  name: "PolicyDuplicationSelect",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { objectName: TPM2B_NAME, newParentName: TPM2B_NAME, includeObject: TPMI_YES_NO },
  response: {},
  execute(ctx, { objectName, newParentName, includeObject }) {
    const s = ctx.session(0);
    if (s.nameHash.length > 0 || s.cpHash.length > 0) throw paramError(TPM_RC.CPHASH, 1);
    if (s.commandCode !== 0 && s.commandCode !== TPM_CC.Duplicate) {
      throw new TpmError(TPM_RC.COMMAND_CODE);
    }
    s.nameHash = digest(s.authHash, objectName, newParentName);
    const parts = includeObject ? [objectName, newParentName] : [newParentName];
    extendPolicy(s, TPM_CC.PolicyDuplicationSelect, ...parts, new Uint8Array([includeObject]));
    s.commandCode = TPM_CC.Duplicate;
    return {};
  },
});
