/**
 * TPM2_ContextSave (Part 3 §28.2): an integrity-protected, encrypted copy
 * of a transient object (which stays loaded) or a session (which becomes
 * "saved", keeping its handle).
 * @module
 */
import { TPM_CC, TPM_HT, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPMS_CONTEXT } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import { objectBody, sealContext, sessionBody } from "../state/context_blob.ts";

/** savedHandle for a saved ordinary object (Part 2 §14.5 / Part 3 §28.2). */
export const SAVED_OBJECT = 0x80000000;

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
      const blob = sealContext(proof, sequence, SAVED_OBJECT, o.hierarchy, objectBody(o));
      return {
        context: { sequence, savedHandle: SAVED_OBJECT, hierarchy: o.hierarchy, contextBlob: blob },
      };
    }
    const session = ctx.session(0);
    const proof = s.hierarchies.get(TPM_RH.NULL).proof;
    const blob = sealContext(proof, sequence, h, TPM_RH.NULL, sessionBody(session));
    session.saved = true;
    session.savedSequence = sequence;
    return { context: { sequence, savedHandle: h, hierarchy: TPM_RH.NULL, contextBlob: blob } };
  },
});
