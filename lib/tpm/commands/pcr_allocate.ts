/**
 * TPM2_PCR_Allocate (Part 3 §22.5): a new bank allocation, effective at the
 * next TPM Reset. Banks are allocated whole (any selected PCR selects the
 * bank); unlisted banks keep their allocation.
 * @module
 */
import { LIMITS, TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { UINT32 } from "../marshal/codec.ts";
import { HASH_ALGS, TPMI_YES_NO, TPML_PCR_SELECTION } from "../marshal/types.ts";
import { HT } from "../handle_types.ts";

/** TPM2_PCR_Allocate. */
export const PCR_Allocate = defineCommand({
  code: TPM_CC.PCR_Allocate,
  name: "PCR_Allocate",
  handles: [{ name: "authHandle", type: HT.PLATFORM, auth: "USER" }],
  params: { pcrAllocation: TPML_PCR_SELECTION },
  response: {
    allocationSuccess: TPMI_YES_NO,
    maxPCR: UINT32,
    sizeNeeded: UINT32,
    sizeAvailable: UINT32,
  },
  execute(ctx, { pcrAllocation }) {
    const pcrs = ctx.state.pcrs;
    const next = new Set(pcrs.pendingAllocation);
    for (const s of pcrAllocation) {
      if (s.select.some((b) => b !== 0)) next.add(s.hash);
      else next.delete(s.hash);
    }
    pcrs.pendingAllocation = HASH_ALGS.filter((a) => next.has(a));
    return { allocationSuccess: 1, maxPCR: LIMITS.PCR_COUNT, sizeNeeded: 0, sizeAvailable: 0 };
  },
});
