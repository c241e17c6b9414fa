/**
 * TPM2_PolicyPassword and TPM2_PolicyAuthValue (Part 3 §23.18, §23.17):
 * both extend with TPM_CC_PolicyAuthValue; one asks for the plain
 * password, the other for an HMAC keyed with the authValue.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/** TPM2_PolicyPassword. */
export const PolicyPassword = defineCommand({
  code: TPM_CC.PolicyPassword,
  name: "PolicyPassword",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: {},
  response: {},
  execute(ctx) {
    const s = ctx.session(0);
    extendPolicy(s, TPM_CC.PolicyAuthValue);
    s.isPasswordNeeded = true;
    s.isAuthValueNeeded = false;
    return {};
  },
});

/** TPM2_PolicyAuthValue. */
export const PolicyAuthValue = defineCommand({
  code: TPM_CC.PolicyAuthValue,
  name: "PolicyAuthValue",
  handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
  params: {},
  response: {},
  execute(ctx) {
    const s = ctx.session(0);
    extendPolicy(s, TPM_CC.PolicyAuthValue);
    s.isAuthValueNeeded = true;
    s.isPasswordNeeded = false;
    return {};
  },
});
