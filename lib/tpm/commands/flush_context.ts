/**
 * TPM2_FlushContext (Part 3 §28.4): removes a transient object or a loaded
 * or saved session. The handle is a parameter, not a handle-area entry.
 * @module
 */
import { TPM_CC, TPM_HT } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { paramError, TPM_RC } from "../response_code.ts";

/** TPM2_FlushContext. */
export const FlushContext = defineCommand({
  code: TPM_CC.FlushContext,
  name: "FlushContext",
  handles: [],
  params: { flushHandle: UINT32 },
  response: {},
  sessionsAllowed: false,
  execute(ctx, { flushHandle }) {
    if (!HT.CONTEXT.accepts(flushHandle)) throw paramError(TPM_RC.VALUE, 1);
    const removed = flushHandle >>> 24 === TPM_HT.TRANSIENT
      ? ctx.state.objects.flush(flushHandle)
      : ctx.state.sessions.remove(flushHandle);
    if (!removed) throw paramError(TPM_RC.HANDLE, 1);
    return {};
  },
});
