/**
 * The response side of sessions (the reference's BuildResponseSession):
 * new nonces, response parameter encryption, audit digests, response HMACs,
 * then session flush or policy reset.
 * @module
 */
import { TPMA_SESSION } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import type { CommandContext, CommandDef } from "../dispatch.ts";
import type { TpmWriter } from "../marshal/buffer.ts";
import { DIGEST_SIZE } from "../marshal/types.ts";
import type { TpmState } from "../state/tpm_state.ts";
import type { AuthPlan } from "./authorize.ts";
import { concat, cryptFirst, currentAuth } from "./param_crypt.ts";
import { resetPolicy } from "./policy_state.ts";
import {
  type AuthCommand,
  type AuthResponse,
  stripZeros,
  writeAuthResponses,
} from "./session_area.ts";
import { isPolicySession, rpHash, sessionHmac } from "./session_hmac.ts";

/**
 * Extends the audit session's digest: auditDigest := H(auditDigest || cpHash
 * || rpHash), starting from zeros on first use or auditReset; tracks the
 * exclusive audit session (Part 1 §19.6.14, the reference's UpdateAuditSessionStatus).
 */
function updateAudit(
  state: TpmState,
  def: CommandDef,
  a: AuthCommand,
  cp: Uint8Array,
  params: Uint8Array,
): void {
  const s = a.session!;
  if (s.auditDigest.length === 0 || (a.attributes & TPMA_SESSION.auditReset)) {
    s.auditDigest = new Uint8Array(DIGEST_SIZE[s.authHash]);
    state.exclusiveAudit = s.handle;
  } else if (state.exclusiveAudit !== s.handle) state.exclusiveAudit = 0;
  a.attributes = state.exclusiveAudit === s.handle
    ? a.attributes | TPMA_SESSION.auditExclusive
    : a.attributes & ~TPMA_SESSION.auditExclusive;
  s.auditDigest = digest(s.authHash, s.auditDigest, cp, rpHash(s.authHash, 0, def.code, params));
}

/**
 * Response-side session processing (the reference's BuildResponseSession):
 * new nonceTPM, encryption of the response parameters in `w` from
 * `paramStart`, the response session area appended to `w`, then session
 * flush or policy reset.
 */
export function finishSessions(
  state: TpmState,
  def: CommandDef,
  ctx: CommandContext,
  plan: AuthPlan,
  w: TpmWriter,
  paramStart: number,
): void {
  const auths = ctx.auths;
  for (const a of auths) {
    if (a.session) a.session.nonceTPM = state.rng.bytes(a.session.nonceTPM.length);
  }
  if (plan.encrypt >= 0) {
    const a = auths[plan.encrypt] as AuthCommand;
    w.patch(paramStart, cryptFirst(a, state, w.view(paramStart), true, plan.encrypt));
  }
  const params = w.view(paramStart);
  if (plan.audit >= 0) {
    updateAudit(state, def, auths[plan.audit] as AuthCommand, plan.auditCp, params);
  } else state.exclusiveAudit = 0;
  const responses = auths.map((a, i) => respond(state, def, a, plan.bound[i], params));
  writeAuthResponses(w, responses);
  for (const a of auths) {
    const s = a.session;
    if (!s) continue;
    if (!(a.attributes & TPMA_SESSION.continueSession)) state.sessions.remove(s.handle);
    else if (isPolicySession(s)) resetPolicy(s, state);
  }
}

/** Empty nonce and HMAC of a password session's answer (read only: nothing can be written to it). */
const NO_BYTES = new Uint8Array(0);

function respond(
  state: TpmState,
  def: CommandDef,
  a: AuthCommand,
  bound: boolean,
  params: Uint8Array,
): AuthResponse {
  const s = a.session;
  if (!s) {
    return {
      nonce: NO_BYTES,
      attributes: a.attributes | TPMA_SESSION.continueSession,
      hmac: NO_BYTES,
    };
  }
  const policy = isPolicySession(s);
  const response: AuthResponse = {
    nonce: s.nonceTPM,
    attributes: a.attributes,
    hmac: new Uint8Array(0),
  };
  if (policy && s.isPasswordNeeded) return response;
  const withAuth = a.entity !== null && !(policy && !s.isAuthValueNeeded) && !bound;
  const key = withAuth ? concat(s.sessionKey, stripZeros(currentAuth(state, a))) : s.sessionKey;
  // An empty key with an empty caller HMAC answers with an empty HMAC, for HMAC sessions too
  // (Part 1 §19.6.5; the reference's ComputeResponseHMAC, swtpm agrees).
  if (key.length === 0 && a.hmac.length === 0) return response;
  const rp = rpHash(s.authHash, 0, def.code, params);
  response.hmac = sessionHmac(s, key, rp, s.nonceTPM, a.nonce, [], a.attributes);
  return response;
}
