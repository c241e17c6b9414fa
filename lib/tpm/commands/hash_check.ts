/**
 * Shared by Hash, SequenceComplete, HMAC and HMAC_Start: the hashcheck
 * ticket (Part 3 §15.4, §17.6) and the HMAC key checks (Part 3 §15.5).
 * @module
 */
import { TPM_ALG, TPM_RH, TPM_ST, TPMA_OBJECT } from "../constants.ts";
import { makeTicket } from "../crypto/ticket.ts";
import type { Ticket } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC } from "../response_code.ts";
import type { TpmObject } from "../state/objects.ts";
import type { TpmState } from "../state/tpm_state.ts";

/** TPM_GENERATED_VALUE: data starting with it gets no ticket (Part 2 §6.2). */
const TPM_GENERATED = [0xff, 0x54, 0x43, 0x47];

/** True when `first` (the first bytes hashed) starts with TPM_GENERATED_VALUE. */
export function startsGenerated(first: Uint8Array): boolean {
  return first.length >= 4 && TPM_GENERATED.every((b, i) => first[i] === b);
}

/**
 * TPMT_TK_HASHCHECK over `digest`: HMAC(proof, TPM_ST_HASHCHECK || digest)
 * with the digest's hash, or a NULL ticket for the NULL hierarchy or
 * TPM-generated-looking data.
 */
export function hashCheckTicket(
  s: TpmState,
  hierarchy: number,
  hashAlg: number,
  digest: Uint8Array,
  generated: boolean,
): Ticket {
  if (hierarchy === TPM_RH.NULL || generated) {
    return { tag: TPM_ST.HASHCHECK, hierarchy: TPM_RH.NULL, digest: new Uint8Array(0) };
  }
  return makeTicket(
    hashAlg,
    s.hierarchies.get(hierarchy).proof,
    TPM_ST.HASHCHECK,
    hierarchy,
    digest,
  );
}

/**
 * Checks a key for HMAC use and picks the hash: a KEYEDHASH signing key,
 * never restricted; the scheme's hash, else the caller's (Part 3 §15.5.3).
 */
export function hmacHash(key: TpmObject, hashAlg: number): number {
  const pub = key.publicArea;
  if (pub.type !== TPM_ALG.KEYEDHASH) throw handleError(TPM_RC.TYPE, 1);
  // A restricted HMAC key signs only TPM-made structures (Quote, Certify...): HMAC over chosen
  // data could forge them (Part 3 §15.5, the reference's TPM2_HMAC and TPM2_HMAC_Start).
  if (pub.objectAttributes & TPMA_OBJECT.restricted) throw handleError(TPM_RC.ATTRIBUTES, 1);
  if (!(pub.objectAttributes & TPMA_OBJECT.sign) || key.publicOnly) {
    throw handleError(TPM_RC.KEY, 1);
  }
  const scheme = pub.scheme.scheme === TPM_ALG.HMAC ? pub.scheme.hashAlg : TPM_ALG.NULL;
  if (scheme !== TPM_ALG.NULL) {
    if (hashAlg !== TPM_ALG.NULL && hashAlg !== scheme) throw paramError(TPM_RC.VALUE, 2);
    return scheme;
  }
  if (hashAlg === TPM_ALG.NULL) throw paramError(TPM_RC.VALUE, 2);
  return hashAlg;
}
