/**
 * The authorization area of a command and response (Part 1 §18.6–§18.8):
 * TPMS_AUTH_COMMAND entries in, TPMS_AUTH_RESPONSE entries out.
 * @module
 */
import { LIMITS, TPM_ALG, TPM_HT, TPM_RH, TPMA_SESSION } from "../constants.ts";
import { TpmReader, type TpmWriter } from "../marshal/buffer.ts";
import { TPM2B_AUTH, TPM2B_NONCE } from "../marshal/types.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { Session, SessionTable } from "../state/sessions.ts";

/** One parsed TPMS_AUTH_COMMAND plus what the TPM resolved for it. */
export interface AuthCommand {
  /** Session handle (TPM_RS_PW or a loaded session). */
  handle: number;
  /** nonceCaller. */
  nonce: Uint8Array;
  /** TPMA_SESSION. */
  attributes: number;
  /** The password or HMAC. */
  hmac: Uint8Array;
  /** The session, or null for TPM_RS_PW. */
  session: Session | null;
  /** The entity this session authorizes, or null (audit/encrypt only). */
  entity: number | null;
  /** Its authValue (trailing zeros stripped) captured at check time. */
  entityAuth: Uint8Array;
}

const PW_FORBIDDEN = TPMA_SESSION.encrypt | TPMA_SESSION.decrypt | TPMA_SESSION.audit |
  TPMA_SESSION.auditExclusive | TPMA_SESSION.auditReset;
const RESERVED = 0x18;

/**
 * Parses the session area (the `authorizationSize` bytes after the handles),
 * checking each entry as the reference RetrieveSessionData does; errors carry
 * the session number.
 */
export function parseSessionArea(area: Uint8Array, sessions: SessionTable): AuthCommand[] {
  const r = new TpmReader(area);
  const out: AuthCommand[] = [];
  while (r.remaining > 0) {
    const n = out.length + 1;
    if (out.length === LIMITS.MAX_SESSIONS) throw sessionRc(TPM_RC.SIZE, n);
    const a = readEntry(r, n);
    if (a.handle === TPM_RH.PW) {
      if (a.attributes & PW_FORBIDDEN) throw sessionRc(TPM_RC.ATTRIBUTES, n);
      if (a.nonce.length !== 0) throw sessionRc(TPM_RC.NONCE, n);
    } else {
      const ht = a.handle >>> 24;
      if (ht !== TPM_HT.HMAC_SESSION && ht !== TPM_HT.POLICY_SESSION) {
        throw sessionRc(TPM_RC.VALUE, n);
      }
      const s = sessions.loaded(a.handle);
      if (!s) throw new TpmError(TPM_RC.REFERENCE_S0 + out.length);
      if (out.some((o) => o.handle === a.handle)) throw sessionRc(TPM_RC.HANDLE, n);
      if (a.attributes & (TPMA_SESSION.decrypt | TPMA_SESSION.encrypt)) {
        if (s.symmetric.algorithm === TPM_ALG.NULL) throw sessionRc(TPM_RC.SYMMETRIC, n);
      }
      if ((a.attributes & TPMA_SESSION.audit) && ht === TPM_HT.POLICY_SESSION) {
        throw sessionRc(TPM_RC.ATTRIBUTES, n);
      }
      a.session = s;
    }
    if (a.attributes & RESERVED) throw sessionRc(TPM_RC.RESERVED_BITS, n);
    out.push(a);
  }
  checkUnique(out, TPMA_SESSION.decrypt);
  checkUnique(out, TPMA_SESSION.encrypt);
  checkUnique(out, TPMA_SESSION.audit);
  return out;
}

/** Until authorization captures the entity's authValue (empty, so nothing can write to it). */
const NO_AUTH = new Uint8Array(0);

function readEntry(r: TpmReader, n: number): AuthCommand {
  try {
    return {
      handle: r.u32(),
      nonce: TPM2B_NONCE.read(r),
      attributes: r.u8(),
      hmac: TPM2B_AUTH.read(r),
      session: null,
      entity: null,
      entityAuth: NO_AUTH,
    };
  } catch (e) {
    if (e instanceof TpmError) throw sessionRc(e.rc, n);
    throw e;
  }
}

function checkUnique(list: AuthCommand[], bit: number): void {
  let seen = false;
  for (let i = 0; i < list.length; i++) {
    if (!(list[i].attributes & bit)) continue;
    if (seen) throw sessionRc(TPM_RC.ATTRIBUTES, i + 1);
    seen = true;
  }
}

function sessionRc(rc: number, n: number): TpmError {
  return new TpmError(rc, { where: "session", n });
}

/** One TPMS_AUTH_RESPONSE. Part 2 §10.13.3. */
export interface AuthResponse {
  /** nonceTPM (empty for password sessions). */
  nonce: Uint8Array;
  /** TPMA_SESSION echoed. */
  attributes: number;
  /** Response HMAC (empty for password sessions). */
  hmac: Uint8Array;
}

/** Writes the response authorization area. */
export function writeAuthResponses(w: TpmWriter, list: AuthResponse[]): void {
  for (const a of list) {
    TPM2B_NONCE.write(w, a.nonce);
    w.u8(a.attributes);
    TPM2B_AUTH.write(w, a.hmac);
  }
}

/** An authValue with trailing zero octets removed (Part 1 §19.6.4, MemoryRemoveTrailingZeros). */
export function stripZeros(v: Uint8Array): Uint8Array {
  let n = v.length;
  while (n > 0 && v[n - 1] === 0) n--;
  return v.subarray(0, n);
}
