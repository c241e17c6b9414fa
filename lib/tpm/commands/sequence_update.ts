/**
 * TPM2_SequenceUpdate (Part 3 §17.4).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { type CommandContext, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_MAX_BUFFER } from "../marshal/types.ts";
import { handleError, TPM_RC } from "../response_code.ts";
import type { HashSequence } from "../state/objects.ts";

/** The sequence object at handle index `i`; anything else is TPM_RC_MODE. */
export function sequenceAt(ctx: CommandContext, i: number): HashSequence {
  const e = ctx.state.objects.get(ctx.handles[i]);
  if (e?.kind !== "sequence") throw handleError(TPM_RC.MODE, i + 1);
  return e;
}

/** Feeds bytes to every running state of a sequence. */
export function feed(seq: HashSequence, data: Uint8Array): void {
  if (seq.firstBytes.length < 4) {
    const first = new Uint8Array([
      ...seq.firstBytes,
      ...data.subarray(0, 4 - seq.firstBytes.length),
    ]);
    seq.firstBytes = first;
  }
  seq.length += data.length;
  for (const st of seq.states.values()) st.update(data);
}

/** TPM2_SequenceUpdate. */
export const SequenceUpdate = defineCommand({
  code: TPM_CC.SequenceUpdate,
  name: "SequenceUpdate",
  handles: [{ name: "sequenceHandle", type: HT.OBJECT, auth: "USER" }],
  params: { buffer: TPM2B_MAX_BUFFER },
  response: {},
  execute(ctx, { buffer }) {
    feed(sequenceAt(ctx, 0), buffer);
    return {};
  },
});
