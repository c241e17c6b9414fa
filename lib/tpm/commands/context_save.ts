/**
 * TPM2_ContextSave (Part 3 §28.2): an integrity-protected, encrypted copy
 * of a transient object (which stays loaded) or a session (which becomes
 * "saved", keeping its handle).
 * @module
 */
import { TPM_CC, TPM_HT, TPM_RH, TPMA_OBJECT } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { TPMS_CONTEXT } from "../marshal/types.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { objectBody, sealContext, sessionBody } from "../state/context_blob.ts";

/** savedHandle for a saved ordinary object (Part 2 §14.5 / Part 3 §28.2). */
export const SAVED_OBJECT = 0x80000000;
/** savedHandle for a saved stClear object (Part 3 §28.2, as the reference). */
export const SAVED_ST_CLEAR = 0x80000002;

/**
 * What an object context is bound to besides its hierarchy's proof:
 * totalResetCount (no object context survives a TPM Reset, even across a
 * TPM2_Clear that sets resetCount back) and, for stClear
 * objects, the clear count (nor a TPM Restart). Part 1 §30.
 */
export function objectEpoch(s: TpmState, savedHandle: number): Uint8Array {
  const w = new TpmWriter().u32(s.totalResetCount);
  if (savedHandle === SAVED_ST_CLEAR) w.u32(s.clearCount);
  return w.finish();
}

/** TPM2_ContextSave. */
export const ContextSave = defineCommand({
  code: TPM_CC.ContextSave,
  name: "ContextSave",
  handles: [{ name: "saveHandle", type: HT.CONTEXT }],
  params: {},
  response: { context: TPMS_CONTEXT },
  sessionsAllowed: false,
  execute(ctx) {
    const s = ctx.state;
    const h = ctx.handles[0];
    const sequence = s.contextCounter++;
    if (h >>> 24 === TPM_HT.TRANSIENT) {
      const o = s.objects.get(h);
      // Sequence objects keep node hash state that cannot be exported.
      if (!o || o.kind !== "object") throw new TpmError(TPM_RC.TYPE, { where: "handle", n: 1 });
      const proof = s.hierarchies.get(o.hierarchy).proof;
      const stClear = (o.publicArea.objectAttributes & TPMA_OBJECT.stClear) !== 0;
      const savedHandle = stClear ? SAVED_ST_CLEAR : SAVED_OBJECT;
      const epoch = objectEpoch(s, savedHandle);
      const blob = sealContext(proof, sequence, savedHandle, o.hierarchy, objectBody(o), epoch);
      return { context: { sequence, savedHandle, hierarchy: o.hierarchy, contextBlob: blob } };
    }
    const session = ctx.session(0);
    const proof = s.hierarchies.get(TPM_RH.NULL).proof;
    const blob = sealContext(proof, sequence, h, TPM_RH.NULL, sessionBody(session));
    session.saved = true;
    session.savedSequence = sequence;
    return { context: { sequence, savedHandle: h, hierarchy: TPM_RH.NULL, contextBlob: blob } };
  },
});
