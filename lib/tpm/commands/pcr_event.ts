/**
 * TPM2_PCR_Event (Part 3 §22.3): hashes the event with every implemented
 * hash and extends each allocated bank.
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { HASH_ALGS, TPM2B_EVENT, TPML_DIGEST_VALUES } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { digest } from "../crypto/hash.ts";

/** TPM2_PCR_Event. */
export const PCR_Event = defineCommand({
  code: TPM_CC.PCR_Event,
  name: "PCR_Event",
  handles: [{ name: "pcrHandle", type: HT.PCR_NULL, auth: "USER" }],
  params: { eventData: TPM2B_EVENT },
  response: { digests: TPML_DIGEST_VALUES },
  execute(ctx, { eventData }) {
    const pcr = ctx.handles[0];
    if (pcr !== TPM_RH.NULL && !ctx.state.pcrs.canExtend(pcr, ctx.locality)) {
      throw new TpmError(TPM_RC.LOCALITY);
    }
    const digests = HASH_ALGS.map((hashAlg) => ({ hashAlg, digest: digest(hashAlg, eventData) }));
    if (pcr !== TPM_RH.NULL) {
      for (const d of digests) ctx.state.pcrs.extend(pcr, d.hashAlg, d.digest);
    }
    return { digests };
  },
});
