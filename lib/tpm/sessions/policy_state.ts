/**
 * Policy-session state updates shared by the policy commands (Part 1 §19.7,
 * Part 3 §23.2): PolicyUpdate and the reset of a session's policy data.
 * @module
 */
import { DIGEST_SIZE } from "../marshal/types.ts";
import { digest } from "../crypto/hash.ts";
import type { Session } from "../state/sessions.ts";
import type { TpmState } from "../state/tpm_state.ts";

const be32 = (v: number): Uint8Array =>
  new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);

/** policyDigest := H(policyDigest || commandCode || parts…). */
export function extendPolicy(s: Session, code: number, ...parts: Uint8Array[]): void {
  s.policyDigest = digest(s.authHash, s.policyDigest, be32(code), ...parts);
}

/**
 * PolicyUpdate (Part 3 §23.2.3): policyDigest := H(H(policyDigest || cc ||
 * name) || policyRef).
 */
export function policyUpdate(s: Session, code: number, name: Uint8Array, ref: Uint8Array): void {
  extendPolicy(s, code, name);
  s.policyDigest = digest(s.authHash, s.policyDigest, ref);
}

/** Restores a policy session to its just-started state (PolicyRestart, use with continueSession). */
export function resetPolicy(s: Session, state: TpmState): void {
  s.policyDigest = new Uint8Array(DIGEST_SIZE[s.authHash]);
  s.commandCode = 0;
  s.cpHash = new Uint8Array(0);
  s.nameHash = new Uint8Array(0);
  s.pcrCounter = -1;
  s.isPasswordNeeded = false;
  s.isAuthValueNeeded = false;
  s.timeout = 0n;
  s.locality = 0;
  s.nvWritten = -1;
  s.startTime = Number(state.clock.clock());
}

/** The 4-byte big-endian form of a TPM_CC or handle. */
export { be32 };
