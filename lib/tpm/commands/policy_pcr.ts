/**
 * TPM2_PolicyPCR (Part 3 §23.7): policyDigest := H(policyDigest ||
 * TPM_CC_PolicyPCR || pcrs || digest(selected PCR values)).
 * @module
 */
import { TPM_CC, TPM_SE } from "../constants.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { encode } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPML_PCR_SELECTION } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyPCR. */
export const PolicyPCR = defineCommand({
  code: TPM_CC.PolicyPCR,
  name: "PolicyPCR",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: { pcrDigest: TPM2B_DIGEST, pcrs: TPML_PCR_SELECTION },
  response: {},
  execute(ctx, { pcrDigest, pcrs }) {
    const session = ctx.session(0);
    const bank = ctx.state.pcrs;
    const values = bank.selectValues(pcrs).map((v) => v.value);
    const current = digest(session.authHash, ...values);
    let d = pcrDigest;
    if (session.type !== TPM_SE.TRIAL) {
      if (pcrDigest.length > 0 && !equalBytes(pcrDigest, current)) {
        throw paramError(TPM_RC.VALUE, 1);
      }
      if (session.pcrCounter >= 0 && session.pcrCounter !== bank.updateCounter) {
        throw new TpmError(TPM_RC.PCR_CHANGED);
      }
      session.pcrCounter = bank.updateCounter;
      d = current;
    } else if (d.length === 0) d = current;
    extendPolicy(session, TPM_CC.PolicyPCR, encode(TPML_PCR_SELECTION, pcrs), d);
    return {};
  },
});
