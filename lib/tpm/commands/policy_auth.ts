/**
 * What PolicySigned and PolicySecret share (Part 3 §23.3–§23.4,
 * PolicyParameterChecks / PolicyContextUpdate): nonce, cpHash and
 * expiration checks, the session timeout, and the authorization ticket.
 * @module
 */
import { TPM_RH } from "../constants.ts";
import { hmac } from "../crypto/hash.ts";
import { equalBytes } from "../crypto/bytes.ts";
import { encode, INT32, UINT64 } from "../marshal/codec.ts";
import { DIGEST_SIZE, type Ticket } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import type { Session } from "../state/sessions.ts";
import type { TpmState } from "../state/tpm_state.ts";

/** The parameters both commands take. */
export interface PolicyAuthParams {
  /** nonceTPM the authorization was bound to (may be empty). */
  nonceTPM: Uint8Array;
  /** cpHash the authorization is limited to (may be empty). */
  cpHashA: Uint8Array;
  /** policyRef. */
  policyRef: Uint8Array;
  /** expiration in seconds; negative asks for a ticket. */
  expiration: number;
}

/**
 * Checks nonce, expiration and cpHash, in that order (PolicyParameterChecks); returns the
 * absolute timeout (0 = none).
 */
export function checkPolicyAuth(s: TpmState, session: Session, p: PolicyAuthParams): bigint {
  // A stale or foreign nonceTPM is TPM_RC_NONCE (Part 3 §23.3, PolicyParameterChecks).
  if (p.nonceTPM.length > 0 && !equalBytes(p.nonceTPM, session.nonceTPM)) {
    throw paramError(TPM_RC.NONCE, 1);
  }
  const timeout = authTimeout(s, session, p);
  checkCpHashA(session, p.cpHashA, 2);
  return timeout;
}

/** The absolute timeout of an authorization (0 = none); EXPIRED if already past. */
function authTimeout(s: TpmState, session: Session, p: PolicyAuthParams): bigint {
  if (p.expiration === 0) return 0n;
  const now = s.clock.clock();
  const seconds = BigInt(Math.abs(p.expiration)) * 1000n;
  // Without nonceTPM the expiration is an absolute Time (since _TPM_Init) in seconds, plus this
  // second's ms, as the reference's ComputeAuthTimeout, so an authorization without a nonce
  // cannot be replayed forever; timeouts here run on Clock, hence the Clock - Time offset.
  // With nonceTPM it counts from the session's start.
  const time = s.clock.time();
  const timeout = p.nonceTPM.length > 0
    ? BigInt(session.startTime) + seconds
    : seconds + time % 1000n + (now - time);
  if (timeout < now) throw paramError(TPM_RC.EXPIRED, 4);
  return timeout;
}

/**
 * A cpHashA limit (parameter `n`) must be a digest of the session's hash and
 * agree with any cpHash the session already has (PolicyParameterChecks).
 */
export function checkCpHashA(session: Session, cpHashA: Uint8Array, n: number): void {
  if (cpHashA.length === 0) return;
  if (cpHashA.length !== DIGEST_SIZE[session.authHash]) throw paramError(TPM_RC.SIZE, n);
  if (session.cpHash.length > 0 && !equalBytes(session.cpHash, cpHashA)) {
    throw paramError(TPM_RC.CPHASH, n);
  }
}

/** Applies a successful authorization's limits to the session (PolicyContextUpdate). */
export function applyPolicyAuth(session: Session, cpHashA: Uint8Array, timeout: bigint): void {
  if (cpHashA.length > 0) session.cpHash = cpHashA;
  if (timeout !== 0n && (session.timeout === 0n || timeout < session.timeout)) {
    session.timeout = timeout;
  }
}

/**
 * The TPMT_TK_AUTH ticket for a negative expiration: HMAC(proof, tag ||
 * timeout || cpHashA || policyRef || authName) under the authorizing
 * entity's hierarchy; otherwise a NULL ticket.
 */
export function authTicket(
  s: TpmState,
  session: Session,
  tag: number,
  hierarchy: number,
  p: PolicyAuthParams,
  timeout: bigint,
  authName: Uint8Array,
): { timeout: Uint8Array; ticket: Ticket } {
  const empty = new Uint8Array(0);
  // An entity of the NULL hierarchy gets a real ticket too, under the NULL proof (valid until
  // the next TPM Reset; the reference's TicketComputeAuth, as swtpm).
  if (p.expiration >= 0) {
    return { timeout: empty, ticket: { tag, hierarchy: TPM_RH.NULL, digest: empty } };
  }
  const t = encode(UINT64, timeout);
  const proof = s.hierarchies.get(hierarchy).proof;
  const digest = authTicketDigest(
    session.authHash,
    proof,
    tag,
    t,
    p.cpHashA,
    p.policyRef,
    authName,
  );
  return { timeout: t, ticket: { tag, hierarchy, digest } };
}

/**
 * The HMAC of a TPMT_TK_AUTH under a hierarchy's proof (the reference's TicketComputeAuth):
 * HMAC(proof, tag || timeout || cpHashA || policyRef || authName). Unlike the other tickets,
 * one for the NULL hierarchy is a real HMAC under the NULL proof.
 */
export function authTicketDigest(
  alg: number,
  proof: Uint8Array,
  tag: number,
  ...parts: Uint8Array[]
): Uint8Array {
  return hmac(alg, proof, new Uint8Array([tag >> 8, tag & 0xff]), ...parts);
}

/** INT32, re-exported for the two commands' parameter tables. */
export { INT32 };
