/**
 * TPM2_CertifyCreation (TCG TPM 2.0 Part 3 §18.3): after checking the
 * creation ticket (HMAC(proof, TPM_ST_CREATION ‖ Name ‖ creationHash)), a
 * signing key vouches that the TPM created the object with that creation
 * data (TPMS_CREATION_INFO).
 * @module
 */
import { TPM_CC, TPM_ST } from "../constants.ts";
import { hashAlgorithm } from "../crypto/hash.ts";
import { checkTicket } from "../crypto/ticket.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import {
  TPM2B_DATA,
  TPM2B_DIGEST,
  TPM2B_NAME,
  TPMT_SIG_SCHEME,
  TPMT_SIGNATURE,
  TPMT_TK,
} from "../marshal/types.ts";
import { paramError, TPM_RC } from "../response_code.ts";
import { attest, signerAt, TPM2B_ATTEST } from "./attestation.ts";

/** TPM2_CertifyCreation. */
export const CertifyCreation: CommandDef = defineCommand({
  code: TPM_CC.CertifyCreation,
  name: "CertifyCreation",
  handles: [
    { name: "signHandle", type: HT.OBJECT_NULL, auth: "USER" },
    { name: "objectHandle", type: HT.OBJECT },
  ],
  params: {
    qualifyingData: TPM2B_DATA,
    creationHash: TPM2B_DIGEST,
    inScheme: TPMT_SIG_SCHEME,
    creationTicket: TPMT_TK,
  },
  response: { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE },
  execute(ctx, { qualifyingData, creationHash, inScheme, creationTicket }) {
    const obj = ctx.object(1);
    const signer = signerAt(ctx, 0, inScheme, 3);
    if (creationTicket.tag !== TPM_ST.CREATION) throw paramError(TPM_RC.TAG, 4);
    const proof = ctx.state.hierarchies.map.get(creationTicket.hierarchy)?.proof;
    const valid = proof !== undefined && hashAlgorithm(obj.publicArea.nameAlg) !== undefined &&
      creationTicket.hierarchy === obj.hierarchy &&
      checkTicket(
        creationTicket,
        obj.publicArea.nameAlg,
        proof,
        TPM_ST.CREATION,
        obj.name,
        creationHash,
      );
    if (!valid) throw paramError(TPM_RC.TICKET, 4);
    const w = new TpmWriter();
    TPM2B_NAME.write(w, obj.name);
    TPM2B_DIGEST.write(w, creationHash);
    const r = attest(ctx, signer, TPM_ST.ATTEST_CREATION, qualifyingData, w.finish());
    return { certifyInfo: r.attest, signature: r.signature };
  },
});
