/**
 * TPM2_PolicyPassword and TPM2_PolicyAuthValue (Part 3 §23.18, §23.17):
 * both extend with TPM_CC_PolicyAuthValue; one asks for the plain
 * password, the other for an HMAC keyed with the authValue.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { extendPolicy } from "../sessions/policy_state.ts";

/**
 * Both commands extend with TPM_CC_PolicyAuthValue and differ only in how the
 * authValue must later be shown: as the plain password, or as an HMAC key.
 */
function authValuePolicy(code: number, name: string, password: boolean): CommandDef {
  return defineCommand({
    code,
    name,
    handles: [{ name: "policySession", type: HT.POLICY_SESSION }],
    params: {},
    response: {},
    execute(ctx) {
      const s = ctx.session(0);
      extendPolicy(s, TPM_CC.PolicyAuthValue);
      s.isPasswordNeeded = password;
      s.isAuthValueNeeded = !password;
      return {};
    },
  });
}

/** TPM2_PolicyPassword. */
export const PolicyPassword: CommandDef = authValuePolicy(
  TPM_CC.PolicyPassword,
  "PolicyPassword",
  true,
);

/** TPM2_PolicyAuthValue. */
export const PolicyAuthValue: CommandDef = authValuePolicy(
  TPM_CC.PolicyAuthValue,
  "PolicyAuthValue",
  false,
);
