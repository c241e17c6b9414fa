/**
 * TPM2_EventSequenceComplete (Part 3 §17.6): finishes an event sequence,
 * extending each allocated bank of the PCR (unless NULL).
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_MAX_BUFFER, TPML_DIGEST_VALUES } from "../marshal/types.ts";
import { handleError, TPM_RC, TpmError } from "../response_code.ts";
import { feed, sequenceAt } from "./sequence_update.ts";

/** TPM2_EventSequenceComplete. */
export const EventSequenceComplete = defineCommand({
  code: TPM_CC.EventSequenceComplete,
  name: "EventSequenceComplete",
  handles: [
    { name: "pcrHandle", type: HT.PCR_NULL, auth: "USER" },
    { name: "sequenceHandle", type: HT.OBJECT, auth: "USER" },
  ],
  params: { buffer: TPM2B_MAX_BUFFER },
  response: { results: TPML_DIGEST_VALUES },
  execute(ctx, { buffer }) {
    const seq = sequenceAt(ctx, 1);
    if (seq.type !== "event") throw handleError(TPM_RC.MODE, 2);
    const pcr = ctx.handles[0];
    if (pcr !== TPM_RH.NULL && !ctx.state.pcrs.canExtend(pcr, ctx.locality)) {
      throw new TpmError(TPM_RC.LOCALITY);
    }
    feed(seq, buffer);
    const results = [...seq.states].map(([hashAlg, st]) => ({
      hashAlg,
      digest: new Uint8Array(st.digest()),
    }));
    if (pcr !== TPM_RH.NULL) {
      for (const r of results) ctx.state.pcrs.extend(pcr, r.hashAlg, r.digest);
    }
    ctx.state.objects.flush(ctx.handles[1]);
    return { results };
  },
});
