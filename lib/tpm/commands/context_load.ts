/**
 * TPM2_ContextLoad (Part 3 §28.3): checks a blob's integrity and brings
 * the object (into a new slot) or the saved session (under its own handle,
 * once: a replayed older blob is refused) back.
 * @module
 */
import { TPM_CC, TPM_HT, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { TPMS_CONTEXT } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { objectFromBody, openContext, restoreSession } from "../state/context_blob.ts";
import { objectEpoch, SAVED_OBJECT, SAVED_ST_CLEAR } from "./context_save.ts";

const HIERARCHIES: number[] = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT, TPM_RH.PLATFORM, TPM_RH.NULL];
// TPMI_DH_SAVED's object values (Part 2 §9.10): object, sequence, stClear object.
const SAVED_HANDLES: number[] = [SAVED_OBJECT, 0x80000001, SAVED_ST_CLEAR];

/** TPM2_ContextLoad. */
export const ContextLoad = defineCommand({
  code: TPM_CC.ContextLoad,
  name: "ContextLoad",
  handles: [],
  params: { context: TPMS_CONTEXT },
  response: {},
  responseHandle: true,
  sessionsAllowed: false,
  execute(ctx, { context: c }) {
    const s = ctx.state;
    const ht = c.savedHandle >>> 24;
    const isSession = ht === TPM_HT.HMAC_SESSION || ht === TPM_HT.POLICY_SESSION;
    // The reference's order (Part 3 §28.3): what TPMS_CONTEXT's unmarshalling
    // refuses (TPMI_DH_SAVED, TPMI_RH_HIERARCHY+: TPM_RC_VALUE), then the
    // integrity (which covers sequence, savedHandle and hierarchy), then the
    // session's or object's own state.
    if (!isSession && !SAVED_HANDLES.includes(c.savedHandle)) throw paramError(TPM_RC.VALUE, 1);
    if (!HIERARCHIES.includes(c.hierarchy)) throw paramError(TPM_RC.VALUE, 1);
    if (isSession) {
      const proof = s.hierarchies.get(TPM_RH.NULL).proof;
      const body = openContext(proof, c.sequence, c.savedHandle, c.hierarchy, c.contextBlob);
      const session = s.sessions.any(c.savedHandle);
      if (!session || !session.saved || session.savedSequence !== c.sequence) {
        throw paramError(TPM_RC.HANDLE, 1);
      }
      restoreSession(session, body);
      session.saved = false;
      ctx.responseHandle = c.savedHandle;
      return {};
    }
    const proof = s.hierarchies.get(c.hierarchy).proof;
    const epoch = objectEpoch(s, c.savedHandle);
    const body = openContext(proof, c.sequence, c.savedHandle, c.hierarchy, c.contextBlob, epoch);
    if (!s.hierarchies.enabled(c.hierarchy)) throw paramError(TPM_RC.HIERARCHY, 1);
    ctx.responseHandle = s.objects.add(objectFromBody(body, c.hierarchy));
    return {};
  },
});
