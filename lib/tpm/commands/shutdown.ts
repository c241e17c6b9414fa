/**
 * TPM2_Shutdown (Part 3 §9.4): an orderly shutdown, keeping PCRs and saved
 * sessions for TPM2_Startup(STATE) when asked.
 * @module
 */
import { TPM_CC, TPM_SU } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { oneOf, UINT16 } from "../marshal/codec.ts";

/** TPM2_Shutdown. */
export const Shutdown = defineCommand({
  code: TPM_CC.Shutdown,
  name: "Shutdown",
  handles: [],
  params: { shutdownType: oneOf("TPM_SU", UINT16, [TPM_SU.CLEAR, TPM_SU.STATE]) },
  response: {},
  execute(ctx, { shutdownType }) {
    const s = ctx.state;
    s.saved = shutdownType === TPM_SU.STATE
      ? {
        pcrs: new Map([...s.pcrs.banks].map(([alg, regs]) => [alg, regs.map((r) => r.slice())])),
        pcrCounter: s.pcrs.updateCounter,
      }
      : null;
    s.orderly = true;
    return {};
  },
});
