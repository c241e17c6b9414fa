/**
 * TPM2_DictionaryAttackLockReset and TPM2_DictionaryAttackParameters
 * (Part 3 §25.2–§25.3).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";

/** TPM2_DictionaryAttackLockReset. */
export const DictionaryAttackLockReset = defineCommand({
  code: TPM_CC.DictionaryAttackLockReset,
  name: "DictionaryAttackLockReset",
  handles: [{ name: "lockHandle", type: HT.LOCKOUT, auth: "USER" }],
  params: {},
  response: {},
  execute(ctx) {
    ctx.state.lockout.failedTries = 0;
    return {};
  },
});

/** TPM2_DictionaryAttackParameters. */
export const DictionaryAttackParameters = defineCommand({
  code: TPM_CC.DictionaryAttackParameters,
  name: "DictionaryAttackParameters",
  handles: [{ name: "lockHandle", type: HT.LOCKOUT, auth: "USER" }],
  params: { newMaxTries: UINT32, newRecoveryTime: UINT32, lockoutRecovery: UINT32 },
  response: {},
  execute(ctx, p) {
    const da = ctx.state.lockout;
    da.maxTries = p.newMaxTries;
    da.recoveryTime = p.newRecoveryTime;
    da.lockoutRecovery = p.lockoutRecovery;
    da.failedTries = Math.min(da.failedTries, da.maxTries);
    return {};
  },
});
