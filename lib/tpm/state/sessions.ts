/**
 * Authorization sessions (Part 1 §19, §30): the session slots, each session's
 * nonces, key and policy state. Handles are 0x02xxxxxx (HMAC) and
 * 0x03xxxxxx (policy/trial); a saved session keeps its handle (Part 1 §30.3).
 * @module
 */
import { LIMITS, TPM_HR, TPM_SE } from "../constants.ts";
import type { SymDef } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";

/**
 * Session state (the reference's SESSION).
 *
 * @example
 * ```ts
 * import type { Session } from "./sessions.ts";
 * import { Tpm } from "../tpm.ts";
 * import { TpmWriter } from "../marshal/buffer.ts";
 * import { TPM_ALG, TPM_CC, TPM_RH, TPM_SE, TPM_ST } from "../constants.ts";
 * const tpm = await Tpm.manufacture({ seed: new Uint8Array(32) });
 * tpm.powerOn();
 * await tpm.execute(new TpmWriter().u16(TPM_ST.NO_SESSIONS).u32(12).u32(TPM_CC.Startup).u16(0).finish());
 * // TPM2_StartAuthSession: unsalted, unbound policy session with SHA-256.
 * const w = new TpmWriter().u16(TPM_ST.NO_SESSIONS).u32(0).u32(TPM_CC.StartAuthSession);
 * w.u32(TPM_RH.NULL).u32(TPM_RH.NULL).u16(16).bytes(new Uint8Array(16)).u16(0);
 * w.u8(TPM_SE.POLICY).u16(TPM_ALG.NULL).u16(TPM_ALG.SHA256);
 * w.patchU32(2, w.length);
 * await tpm.execute(w.finish()); // the first policy session: handle 0x03000000
 * const s: Session | undefined = tpm.state.sessions.loaded(0x03000000);
 * // The digest the policy commands so far add up to (TPM2_PolicyGetDigest).
 * const soFar = s?.type === TPM_SE.POLICY ? s.policyDigest : undefined; // 32 zero bytes
 * ```
 */
export interface Session {
  /** The session's handle. */
  handle: number;
  /** TPM_SE_HMAC, TPM_SE_POLICY or TPM_SE_TRIAL. */
  type: number;
  /** authHash. */
  authHash: number;
  /** sessionKey (Part 1 §19.6.8); empty for unbound, unsalted sessions. */
  sessionKey: Uint8Array;
  /** nonceTPM, renewed on each use. */
  nonceTPM: Uint8Array;
  /** Symmetric algorithm for parameter encryption. */
  symmetric: SymDef;
  /** Name of the bind entity (empty if unbound). */
  bindName: Uint8Array;
  /** authValue of the bind entity at start (Part 1 §19.6.11). */
  bindAuth: Uint8Array;
  /**
   * Bound to a DA-protected entity: every use is under DA, so the session's HMAC is no
   * oracle for that authValue (the reference's isDaBound).
   */
  isDaBound: boolean;
  /** Bound to lockoutAuth: a failure disables lockoutAuth (the reference's isLockoutBound). */
  isLockoutBound: boolean;
  /** policyDigest (policy/trial sessions). */
  policyDigest: Uint8Array;
  /** Command code fixed by PolicyCommandCode (0 = any). */
  commandCode: number;
  /** cpHash fixed by a policy command (empty = any). */
  cpHash: Uint8Array;
  /** nameHash fixed by a policy command (empty = any). */
  nameHash: Uint8Array;
  /** pcrUpdateCounter when PolicyPCR ran (-1 = not used). */
  pcrCounter: number;
  /** PolicyPassword was used: authorize with the plain authValue. */
  isPasswordNeeded: boolean;
  /** PolicyAuthValue was used: HMAC includes the authValue. */
  isAuthValueNeeded: boolean;
  /** PolicyLocality: TPMA_LOCALITY the command must come from (0 = any). */
  locality: number;
  /** PolicyNvWritten: required TPMA_NV_WRITTEN of the authorized index (-1 = any). */
  nvWritten: number;
  /** Expiry on the TPM clock in ms (0 = none). */
  timeout: bigint;
  /** Milliseconds of `time` when started (for PolicySigned/Secret expiration). */
  startTime: number;
  /** Session audit digest (Part 1 §19.6.14); empty until first used for audit. */
  auditDigest: Uint8Array;
  /** True while the context lives outside the TPM (ContextSave). */
  saved: boolean;
  /** Sequence number of the outstanding saved context. */
  savedSequence: bigint;
}

/**
 * The session table. Active (loaded or saved) sessions are limited to
 * ACTIVE_SESSIONS_MAX (tpm-interop.md §3.1).
 *
 * @example
 * ```ts
 * import { SessionTable } from "./sessions.ts";
 * new SessionTable().count; // 0
 * ```
 */
export class SessionTable {
  readonly #map = new Map<number, Session>();

  /** Number of active sessions (loaded plus saved). */
  get count(): number {
    return this.#map.size;
  }
  /** Number of loaded sessions. */
  get loadedCount(): number {
    let n = 0;
    for (const s of this.#map.values()) if (!s.saved) n++;
    return n;
  }

  /** Allocates a handle for a new session of `type`; full is TPM_RC_SESSION_HANDLES. */
  allocate(type: number): number {
    if (this.#map.size >= LIMITS.ACTIVE_SESSIONS) throw new TpmError(TPM_RC.SESSION_HANDLES);
    const base = type === TPM_SE.HMAC ? TPM_HR.HMAC_SESSION_FIRST : TPM_HR.POLICY_SESSION_FIRST;
    // The low 24 bits are a slot number shared by both types, so a handle is unique either way.
    for (let slot = 0;; slot++) {
      const taken = this.#map.has(TPM_HR.HMAC_SESSION_FIRST + slot) ||
        this.#map.has(TPM_HR.POLICY_SESSION_FIRST + slot);
      if (!taken) return base + slot;
    }
  }

  /** Adds a session under its handle. */
  add(s: Session): void {
    this.#map.set(s.handle, s);
  }
  /** A loaded session by handle. */
  loaded(handle: number): Session | undefined {
    const s = this.#map.get(handle);
    return s && !s.saved ? s : undefined;
  }
  /** Any active session (loaded or saved) by handle. */
  any(handle: number): Session | undefined {
    return this.#map.get(handle);
  }
  /** Removes a session. */
  remove(handle: number): boolean {
    return this.#map.delete(handle);
  }
  /** All sessions, sorted by handle. */
  all(): Session[] {
    return [...this.#map.values()].sort((a, b) => a.handle - b.handle);
  }
  /** Drops everything (TPM Reset). */
  clear(): void {
    this.#map.clear();
  }
}
