/**
 * TPM2_Certify (TCG TPM 2.0 Part 3 §18.2): a signing key vouches that an
 * object with this Name and qualified Name is loaded in this TPM
 * (TPMS_CERTIFY_INFO).
 * @module
 */
import { TPM_CC, TPM_ST } from "../constants.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { TPM2B_DATA, TPM2B_NAME, TPMT_SIG_SCHEME, TPMT_SIGNATURE } from "../marshal/types.ts";
import { attest, signerAt, TPM2B_ATTEST } from "./attestation.ts";

/** TPM2_Certify. */
export const Certify: CommandDef = defineCommand({
  code: TPM_CC.Certify,
  name: "Certify",
  handles: [
    { name: "objectHandle", type: HT.OBJECT, auth: "ADMIN" },
    { name: "signHandle", type: HT.OBJECT_NULL, auth: "USER" },
  ],
  params: { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME },
  response: { certifyInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE },
  execute(ctx, { qualifyingData, inScheme }) {
    const obj = ctx.object(0);
    const signer = signerAt(ctx, 1, inScheme, 2);
    const w = new TpmWriter();
    TPM2B_NAME.write(w, obj.name);
    TPM2B_NAME.write(w, obj.qualifiedName);
    const r = attest(ctx, signer, TPM_ST.ATTEST_CERTIFY, qualifyingData, w.finish());
    return { certifyInfo: r.attest, signature: r.signature };
  },
});
