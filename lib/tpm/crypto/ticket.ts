/**
 * Tickets (TCG TPM 2.0 Part 2 §10.7, Part 1 §19 / §27): HMACs keyed by a
 * hierarchy's proof value that let the TPM later trust something it
 * computed itself: TPMT_TK_CREATION, _VERIFIED, _HASHCHECK and _AUTH.
 * @module
 */
import { TPM_RH } from "../constants.ts";
import type { Ticket } from "../marshal/types.ts";
import { equalBytes } from "./bytes.ts";
import { hmac } from "./hash.ts";

/**
 * A ticket: digest = HMAC_alg(proof, tag ‖ parts…). A NULL-hierarchy ticket
 * has an empty digest (Part 2 §10.7.3 note: "NULL Ticket").
 *
 * @example
 * ```ts
 * import { makeTicket } from "./ticket.ts";
 * const tk = makeTicket(0x000b, new Uint8Array(32), 0x8021, 0x40000001, new Uint8Array(34));
 * tk.digest.length; // 32
 * ```
 */
export function makeTicket(
  alg: number,
  proof: Uint8Array,
  tag: number,
  hierarchy: number,
  ...parts: Uint8Array[]
): Ticket {
  if (hierarchy === TPM_RH.NULL) return { tag, hierarchy, digest: new Uint8Array(0) };
  const tagBytes = new Uint8Array([tag >> 8, tag & 0xff]);
  return { tag, hierarchy, digest: hmac(alg, proof, tagBytes, ...parts) };
}

/** True when `tk` has the expected tag and is the HMAC of `parts` under `proof`. */
export function checkTicket(
  tk: Ticket,
  alg: number,
  proof: Uint8Array,
  tag: number,
  ...parts: Uint8Array[]
): boolean {
  if (tk.tag !== tag || tk.hierarchy === TPM_RH.NULL) return false;
  return equalBytes(makeTicket(alg, proof, tag, tk.hierarchy, ...parts).digest, tk.digest);
}
