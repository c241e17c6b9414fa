/**
 * TPM2_HashSequenceStart (Part 3 §17.3): a hash sequence, or an event
 * sequence (one hash per implemented bank) when hashAlg is NULL.
 * @module
 */
import { createHash, type Hash, type Hmac } from "node:crypto";
import { TPM_ALG, TPM_CC } from "../constants.ts";
import { requireHash } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HASH_ALGS, TPM2B_AUTH, TPMI_ALG_HASH_NULL } from "../marshal/types.ts";
import type { HashSequence } from "../state/objects.ts";

/** A new sequence object with the given running states. */
export function newSequence(
  type: HashSequence["type"],
  hashAlg: number,
  states: Map<number, Hash | Hmac>,
  authValue: Uint8Array,
): HashSequence {
  return {
    kind: "sequence",
    type,
    hashAlg,
    states,
    authValue,
    firstBytes: new Uint8Array(0),
    length: 0,
  };
}

/** TPM2_HashSequenceStart. */
export const HashSequenceStart = defineCommand({
  code: TPM_CC.HashSequenceStart,
  name: "HashSequenceStart",
  handles: [],
  params: { auth: TPM2B_AUTH, hashAlg: TPMI_ALG_HASH_NULL },
  response: {},
  responseHandle: true,
  execute(ctx, { auth, hashAlg }) {
    const event = hashAlg === TPM_ALG.NULL;
    const algs = event ? HASH_ALGS : [hashAlg];
    const states = new Map(algs.map((a) => [a, createHash(requireHash(a).name) as Hash | Hmac]));
    const seq = newSequence(event ? "event" : "hash", hashAlg, states, auth);
    ctx.responseHandle = ctx.state.objects.add(seq);
    return {};
  },
});
