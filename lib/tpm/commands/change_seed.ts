/**
 * TPM2_ChangeEPS and TPM2_ChangePPS (Part 3 §24.10–§24.11): a new
 * endorsement or platform primary seed; that hierarchy's objects die.
 * @module
 */
import { TPM_CC, TPM_RH } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import type { TpmState } from "../state/tpm_state.ts";

function changeSeed(s: TpmState, hierarchy: number): void {
  s.hierarchies.regenerate(hierarchy, s.rng);
  s.objects.flushWhere((e) => e.kind === "object" && e.hierarchy === hierarchy);
  for (const [k, o] of s.objects.persistent) {
    if (o.hierarchy === hierarchy) s.objects.persistent.delete(k);
  }
}

/** TPM2_ChangeEPS. */
export const ChangeEPS = defineCommand({
  code: TPM_CC.ChangeEPS,
  name: "ChangeEPS",
  handles: [{ name: "authHandle", type: HT.PLATFORM, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    changeSeed(ctx.state, TPM_RH.ENDORSEMENT);
    return {};
  },
});

/** TPM2_ChangePPS. */
export const ChangePPS = defineCommand({
  code: TPM_CC.ChangePPS,
  name: "ChangePPS",
  handles: [{ name: "authHandle", type: HT.PLATFORM, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    changeSeed(ctx.state, TPM_RH.PLATFORM);
    return {};
  },
});
