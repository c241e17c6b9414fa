/**
 * TPM2_Startup (Part 3 §9.3) and the three start-up kinds of Part 1 §12.2:
 * TPM Reset, TPM Restart and TPM Resume.
 * @module
 */
import { TPM_CC, TPM_RH, TPM_SU } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { oneOf, UINT16 } from "../marshal/codec.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import type { TpmState } from "../state/tpm_state.ts";

const TPM_SU_CODEC = oneOf("TPM_SU", UINT16, [TPM_SU.CLEAR, TPM_SU.STATE]);

/** TPM2_Startup. */
export const Startup = defineCommand({
  code: TPM_CC.Startup,
  name: "Startup",
  handles: [],
  params: { startupType: TPM_SU_CODEC },
  response: {},
  execute(ctx, { startupType }) {
    const s = ctx.state;
    if (startupType === TPM_SU.STATE && !s.saved) throw paramError(TPM_RC.VALUE, 1);
    if (startupType === TPM_SU.CLEAR && !s.saved) tpmReset(s);
    else tpmRestart(s, startupType === TPM_SU.STATE);
    s.saved = null;
    // Any Startup re-enables lockoutAuth when lockoutRecovery is 0 (the reference's DAStartup).
    if (s.lockout.lockoutRecovery === 0) s.lockout.lockoutAuthEnabled = true;
    s.orderly = false;
    s.startedWith = startupType;
    s.phase = "operational";
    return {};
  },
});

/** TPM Reset: new null seed, PCRs and enables reset, all volatile state gone (Part 1 §12.2.3). */
function tpmReset(s: TpmState): void {
  s.clock.resetCount++;
  s.totalResetCount++;
  s.clock.restartCount = 0;
  s.clearCount = 0;
  s.hierarchies.regenerate(TPM_RH.NULL, s.rng);
  s.sessions.clear();
  s.exclusiveAudit = 0;
  s.objects.flushAll();
  s.pcrs.resetAll();
  enableAll(s);
  s.nv.startupClear(true);
}

/** TPM Restart (CLEAR after STATE) or Resume (STATE after STATE). */
function tpmRestart(s: TpmState, resume: boolean): void {
  // pcrUpdateCounter goes back to 0 only at TPM Reset; PCRs reset here count as changes, so a
  // saved PolicyPCR session cannot match PCRs re-extended since (reference PCRStartup).
  const counter = Math.max(s.pcrs.updateCounter, s.saved?.pcrCounter ?? 0);
  s.clock.restartCount++;
  s.objects.flushAll();
  for (const sess of s.sessions.all()) if (!sess.saved) s.sessions.remove(sess.handle);
  if (resume && s.saved) {
    s.pcrs.resetAll();
    // PC Client: PCRs 0–15 carry TPM_PT_PCR_SAVE and come back from the saved state.
    for (const [alg, regs] of s.saved.pcrs) {
      const bank = s.pcrs.banks.get(alg);
      if (bank) { for (let i = 0; i < 16; i++) bank[i] = regs[i]; }
    }
    s.hierarchies.phEnable = true;
    s.hierarchies.phEnableNV = true;
  } else {
    s.clearCount++;
    s.pcrs.resetAll();
    enableAll(s);
    s.nv.startupClear(false);
  }
  s.pcrs.updateCounter = (counter + 1) >>> 0;
}

function enableAll(s: TpmState): void {
  const h = s.hierarchies;
  h.phEnable =
    h.shEnable =
    h.ehEnable =
    h.phEnableNV =
      true;
}
