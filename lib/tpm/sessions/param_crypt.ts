/**
 * Parameter encryption of the first command or response parameter
 * (Part 1 §21): the data bytes of a leading TPM2B, keyed with the session
 * key and, for an authorization session, the entity's authValue.
 * @module
 */
import { TPM_HT } from "../constants.ts";
import { TPM_RC, TpmError } from "../response_code.ts";
import type { TpmState } from "../state/tpm_state.ts";
import { type AuthCommand, stripZeros } from "./session_area.ts";
import { cryptParameter } from "./session_hmac.ts";

/** a || b. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Encrypts/decrypts the data bytes of a leading TPM2B in `bytes` (Part 1 §21.1). */
export function cryptFirst(
  a: AuthCommand,
  state: TpmState,
  bytes: Uint8Array,
  encrypt: boolean,
  index: number,
): Uint8Array {
  const s = a.session!;
  // A size field that is missing or too large is blamed on the decrypt session (the reference's
  // ParseSessionBuffer; swtpm answers the same).
  if (bytes.length < 2) throw new TpmError(TPM_RC.INSUFFICIENT, { where: "session", n: index + 1 });
  const size = (bytes[0] << 8) | bytes[1];
  if (size > bytes.length - 2) throw new TpmError(TPM_RC.SIZE, { where: "session", n: index + 1 });
  const auth = a.entity !== null ? stripZeros(currentAuth(state, a)) : new Uint8Array(0);
  const key = concat(s.sessionKey, auth);
  const [newer, older] = encrypt ? [s.nonceTPM, a.nonce] : [a.nonce, s.nonceTPM];
  const out = bytes.slice();
  out.set(cryptParameter(s, key, newer, older, bytes.subarray(2, 2 + size), encrypt), 2);
  return out;
}

/** The entity's authValue now (it may have changed or gone during the command). */
export function currentAuth(state: TpmState, a: AuthCommand): Uint8Array {
  const e = a.entity!;
  const ht = e >>> 24;
  const exists = ht === TPM_HT.PERMANENT || ht === TPM_HT.PCR || state.nameOf(e) !== undefined;
  // A flushed sequence (SequenceComplete) answers with the authValue it had.
  return exists ? state.authOf(e) : a.entityAuth;
}
