/**
 * TPM2_HMAC (Part 3 §15.5): an HMAC with a loaded KEYEDHASH key.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { hmac } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST, TPM2B_MAX_BUFFER, TPMI_ALG_HASH_NULL } from "../marshal/types.ts";
import { hmacHash } from "./hash_check.ts";

/** TPM2_HMAC. */
export const HMAC = defineCommand({
  code: TPM_CC.HMAC,
  name: "HMAC",
  handles: [{ name: "handle", type: HT.OBJECT, auth: "USER" }],
  params: { buffer: TPM2B_MAX_BUFFER, hashAlg: TPMI_ALG_HASH_NULL },
  response: { outHMAC: TPM2B_DIGEST },
  execute(ctx, { buffer, hashAlg }) {
    const key = ctx.object(0);
    return { outHMAC: hmac(hmacHash(key, hashAlg), key.sensitive, buffer) };
  },
});
