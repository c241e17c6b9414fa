/**
 * TPM2_HMAC_Start (Part 3 §17.2): an HMAC sequence keyed by a loaded
 * KEYEDHASH key.
 * @module
 */
import { createHmac, type Hash, type Hmac } from "node:crypto";
import { TPM_CC } from "../constants.ts";
import { requireHash } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_AUTH, TPMI_ALG_HASH_NULL } from "../marshal/types.ts";
import { hmacHash } from "./hash_check.ts";
import { newSequence } from "./hash_sequence_start.ts";

/** TPM2_HMAC_Start. */
export const HMAC_Start = defineCommand({
  code: TPM_CC.HMAC_Start,
  name: "HMAC_Start",
  handles: [{ name: "handle", type: HT.OBJECT, auth: "USER" }],
  params: { auth: TPM2B_AUTH, hashAlg: TPMI_ALG_HASH_NULL },
  response: {},
  responseHandle: true,
  execute(ctx, { auth, hashAlg }) {
    const key = ctx.object(0);
    const alg = hmacHash(key, hashAlg);
    const state = createHmac(requireHash(alg).name, key.sensitive) as Hash | Hmac;
    const seq = newSequence("hmac", alg, new Map([[alg, state]]), auth);
    ctx.responseHandle = ctx.state.objects.add(seq);
    return {};
  },
});
