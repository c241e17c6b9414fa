/**
 * TPM2_Clear and TPM2_ClearControl (Part 3 §24.6–§24.7): a new storage
 * primary seed, new owner and endorsement proofs, owner objects and NV
 * gone, owner/endorsement/lockout authorization reset.
 * @module
 */
import { TPM_CC, TPM_RH, TPMA_NV } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPMI_YES_NO } from "../marshal/types.ts";
import { emptyPolicy } from "../state/hierarchy.ts";
import { hasNv } from "../state/nv.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmState } from "../state/tpm_state.ts";

const CLEARED: number[] = [TPM_RH.OWNER, TPM_RH.ENDORSEMENT];

function clear(s: TpmState): void {
  const h = s.hierarchies;
  h.regenerate(TPM_RH.OWNER, s.rng);
  const eh = h.get(TPM_RH.ENDORSEMENT);
  // The EPS stays; only the endorsement proof, auth and policy change.
  h.map.set(TPM_RH.ENDORSEMENT, {
    seed: eh.seed,
    proof: s.rng.bytes(32),
    auth: new Uint8Array(0),
    policy: emptyPolicy(),
  });
  h.lockoutAuth = new Uint8Array(0);
  h.lockoutPolicy = emptyPolicy();
  h.shEnable = h.ehEnable = true;
  s.objects.flushWhere((e) => e.kind === "object" && CLEARED.includes(e.hierarchy));
  for (const [k, o] of s.objects.persistent) {
    if (CLEARED.includes(o.hierarchy)) s.objects.persistent.delete(k);
  }
  for (const [k, ix] of s.nv.indices) {
    if (!hasNv(ix.pub.attributes, TPMA_NV.PLATFORMCREATE)) s.nv.indices.delete(k);
  }
  s.lockout.failedTries = 0;
  s.lockout.lockoutAuthEnabled = true;
  // Part 3 §24.6 (reference Clear): Clock to zero and safe, resetCount and
  // restartCount to zero; PCR-bound sessions see a change.
  s.clock.setClock(0n);
  s.clock.safe = 1;
  s.clock.resetCount = 0;
  s.clock.restartCount = 0;
  s.pcrs.updateCounter = (s.pcrs.updateCounter + 1) >>> 0;
}

/** TPM2_Clear. */
export const Clear = defineCommand({
  code: TPM_CC.Clear,
  name: "Clear",
  handles: [{ name: "authHandle", type: HT.CLEAR, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    if (ctx.state.hierarchies.disableClear) throw new TpmError(TPM_RC.DISABLED);
    clear(ctx.state);
    return {};
  },
});

/** TPM2_ClearControl: lockout may only disable; enabling needs platform. */
export const ClearControl = defineCommand({
  code: TPM_CC.ClearControl,
  name: "ClearControl",
  handles: [{ name: "auth", type: HT.CLEAR, auth: "USER" }],
  params: { disable: TPMI_YES_NO },
  response: {},
  execute(ctx, { disable }) {
    if (ctx.handles[0] === TPM_RH.LOCKOUT && disable === 0) {
      // A bare TPM_RC_AUTH_FAIL, as the reference's ClearControl and swtpm: the
      // authorization itself succeeded, no session is to blame.
      throw new TpmError(TPM_RC.AUTH_FAIL);
    }
    ctx.state.hierarchies.disableClear = disable === 1;
    return {};
  },
});
