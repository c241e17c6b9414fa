/**
 * TPM2_SequenceComplete (Part 3 §17.5): finishes a hash or HMAC sequence,
 * with a hashcheck ticket for hash sequences.
 * @module
 */
import { TPM_CC, TPM_RH, TPM_ST } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPM2B_MAX_BUFFER, TPMT_TK } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import { hashCheckTicket, startsGenerated } from "./hash_check.ts";
import { feed, sequenceAt } from "./sequence_update.ts";

/** TPM2_SequenceComplete. */
export const SequenceComplete = defineCommand({
  code: TPM_CC.SequenceComplete,
  name: "SequenceComplete",
  handles: [{ name: "sequenceHandle", type: HT.OBJECT, auth: "USER" }],
  params: { buffer: TPM2B_MAX_BUFFER, hierarchy: UINT32 },
  response: { result: TPM2B_DIGEST, validation: TPMT_TK },
  execute(ctx, { buffer, hierarchy }) {
    const seq = sequenceAt(ctx, 0);
    if (seq.type === "event") throw handleError(TPM_RC.MODE, 1);
    if (!HT.HIERARCHY_NULL.accepts(hierarchy)) throw paramError(TPM_RC.VALUE, 2);
    feed(seq, buffer);
    const result = new Uint8Array(seq.states.get(seq.hashAlg)!.digest());
    ctx.state.objects.flush(ctx.handles[0]);
    const validation = seq.type === "hash"
      ? hashCheckTicket(ctx.state, hierarchy, seq.hashAlg, result, startsGenerated(seq.firstBytes))
      : { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) };
    return { result, validation };
  },
});
