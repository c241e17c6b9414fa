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
    if (!HIERARCHIES.includes(c.hierarchy)) throw paramError(TPM_RC.HIERARCHY, 1);
    const ht = c.savedHandle >>> 24;
    if (ht === TPM_HT.HMAC_SESSION || ht === TPM_HT.POLICY_SESSION) {
      if (c.hierarchy !== TPM_RH.NULL) throw paramError(TPM_RC.HIERARCHY, 1);
      const session = s.sessions.any(c.savedHandle);
      if (!session || !session.saved || session.savedSequence !== c.sequence) {
        throw paramError(TPM_RC.HANDLE, 1);
      }
      const proof = s.hierarchies.get(TPM_RH.NULL).proof;
      restoreSession(
        session,
        openContext(proof, c.sequence, c.savedHandle, c.hierarchy, c.contextBlob),
      );
      session.saved = false;
      ctx.responseHandle = c.savedHandle;
      return {};
    }
    if (c.savedHandle !== SAVED_OBJECT && c.savedHandle !== SAVED_ST_CLEAR) {
      throw paramError(TPM_RC.HANDLE, 1);
    }
    if (!s.hierarchies.enabled(c.hierarchy)) throw paramError(TPM_RC.HIERARCHY, 1);
    const proof = s.hierarchies.get(c.hierarchy).proof;
    const epoch = objectEpoch(s, c.savedHandle);
    const body = openContext(proof, c.sequence, c.savedHandle, c.hierarchy, c.contextBlob, epoch);
    ctx.responseHandle = s.objects.add(objectFromBody(body, c.hierarchy));
    return {};
  },
});
