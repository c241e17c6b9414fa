/**
 * TPM2_PCR_Reset (Part 3 §22.8): only PCRs resettable at this locality.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";

/** TPM2_PCR_Reset. */
export const PCR_Reset = defineCommand({
  code: TPM_CC.PCR_Reset,
  name: "PCR_Reset",
  handles: [{ name: "pcrHandle", type: HT.PCR, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    const pcr = ctx.handles[0];
    if (!ctx.state.pcrs.canReset(pcr, ctx.locality)) throw new TpmError(TPM_RC.LOCALITY);
    ctx.state.pcrs.reset(pcr);
    return {};
  },
});
