/**
 * TPM2_Sign (TCG TPM 2.0 Part 3 §20.2): signs a digest. A restricted key
 * signs only digests the TPM itself produced and checked not to start with
 * TPM_GENERATED_VALUE, proven by a TPMT_TK_HASHCHECK ticket (Part 1 §25.2).
 * @module
 */
import { TPM_CC, TPM_ST, TPMA_OBJECT } from "../constants.ts";
import { selectSignScheme, signDigest } from "../crypto/object_sign.ts";
import { checkTicket } from "../crypto/ticket.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TPM2B_DIGEST, TPMT_SIG_SCHEME, TPMT_SIGNATURE, TPMT_TK } from "../marshal/types.ts";
import { handleError, paramError, TPM_RC, TpmError } from "../response_code.ts";
import { atParam } from "./key_object.ts";

/** TPM2_Sign. */
export const Sign: CommandDef = defineCommand({
  code: TPM_CC.Sign,
  name: "Sign",
  handles: [{ name: "keyHandle", type: HT.OBJECT, auth: "USER" }],
  params: { digest: TPM2B_DIGEST, inScheme: TPMT_SIG_SCHEME, validation: TPMT_TK },
  response: { signature: TPMT_SIGNATURE },
  execute(ctx, { digest, inScheme, validation }) {
    const key = ctx.object(0);
    if (key.publicOnly) throw handleError(TPM_RC.KEY, 1);
    let scheme;
    try {
      scheme = selectSignScheme(key.publicArea, inScheme);
    } catch (e) {
      if (e instanceof TpmError && e.rc === TPM_RC.KEY) throw handleError(TPM_RC.KEY, 1);
      throw e instanceof TpmError ? paramError(e.rc, 2) : e;
    }
    if (validation.tag !== TPM_ST.HASHCHECK) throw paramError(TPM_RC.TAG, 3);
    if (key.publicArea.objectAttributes & TPMA_OBJECT.restricted) {
      const h = validation.hierarchy;
      const proof = ctx.state.hierarchies.map.get(h)?.proof;
      const ok = proof !== undefined &&
        checkTicket(validation, scheme.hashAlg, proof, TPM_ST.HASHCHECK, digest);
      if (!ok) throw paramError(TPM_RC.TICKET, 3);
    }
    const signature = atParam(1, () => signDigest(key, scheme, digest, ctx.state.rng));
    return { signature };
  },
});
