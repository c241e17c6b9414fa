/**
 * TPM2_PCR_Extend (Part 3 §22.2): extends each listed digest into its bank.
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPML_DIGEST_VALUES } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";

/** TPM2_PCR_Extend. */
export const PCR_Extend = defineCommand({
  code: TPM_CC.PCR_Extend,
  name: "PCR_Extend",
  handles: [{ name: "pcrHandle", type: HT.PCR_NULL, auth: "USER" }],
  params: { digests: TPML_DIGEST_VALUES },
  response: {},
  execute(ctx, { digests }) {
    const pcr = ctx.handles[0];
    if (pcr === TPM_RH.NULL) return {};
    if (!ctx.state.pcrs.canExtend(pcr, ctx.locality)) throw new TpmError(TPM_RC.LOCALITY);
    for (const d of digests) ctx.state.pcrs.extend(pcr, d.hashAlg, d.digest);
    return {};
  },
});
