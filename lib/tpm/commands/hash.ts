/**
 * TPM2_Hash (Part 3 §15.4): a digest of up to 1 KiB and its hashcheck
 * ticket (tpm2_sign's path for short messages, tpm-interop.md §3.2).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { UINT32 } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPM2B_MAX_BUFFER, TPMI_ALG_HASH, TPMT_TK } from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { hashCheckTicket, startsGenerated } from "./hash_check.ts";

/** TPM2_Hash. */
export const Hash = defineCommand({
  code: TPM_CC.Hash,
  name: "Hash",
  handles: [],
  params: { data: TPM2B_MAX_BUFFER, hashAlg: TPMI_ALG_HASH, hierarchy: UINT32 },
  response: { outHash: TPM2B_DIGEST, validation: TPMT_TK },
  execute(ctx, { data, hashAlg, hierarchy }) {
    if (!HT.HIERARCHY_NULL.accepts(hierarchy)) throw paramError(TPM_RC.VALUE, 3);
    if (!ctx.state.hierarchies.enabled(hierarchy)) throw paramError(TPM_RC.HIERARCHY, 3);
    const outHash = digest(hashAlg, data);
    const validation = hashCheckTicket(
      ctx.state,
      hierarchy,
      hashAlg,
      outHash,
      startsGenerated(data),
    );
    return { outHash, validation };
  },
});
