/**
 * Authorization sessions: the session area, authorization checks, session
 * HMACs, parameter encryption, policy-digest updates and the response side.
 * @module
 */
export * from "./authorize.ts";
export * from "./param_crypt.ts";
export * from "./policy_state.ts";
export * from "./respond.ts";
export * from "./session_area.ts";
export * from "./session_hmac.ts";
