/**
 * TPM2_Quote (TCG TPM 2.0 Part 3 §18.4): signs the digest of selected PCRs
 * (TPMS_QUOTE_INFO: the selection and H_scheme(PCR values in selection
 * order)) inside a TPMS_ATTEST.
 * @module
 */
import { TPM_CC, TPM_ST } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import {
  TPM2B_DATA,
  TPM2B_DIGEST,
  TPML_PCR_SELECTION,
  TPMT_SIG_SCHEME,
  TPMT_SIGNATURE,
} from "../marshal/types.ts";
import { attest, signerAt, TPM2B_ATTEST } from "./attestation.ts";

/** TPM2_Quote. */
export const Quote: CommandDef = defineCommand({
  code: TPM_CC.Quote,
  name: "Quote",
  handles: [{ name: "signHandle", type: HT.OBJECT, auth: "USER" }],
  params: { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME, PCRselect: TPML_PCR_SELECTION },
  response: { quoted: TPM2B_ATTEST, signature: TPMT_SIGNATURE },
  execute(ctx, { qualifyingData, inScheme, PCRselect }) {
    const signer = signerAt(ctx, 0, inScheme, 2);
    const values = ctx.state.pcrs.selectValues(PCRselect);
    const w = new TpmWriter();
    TPML_PCR_SELECTION.write(w, PCRselect);
    TPM2B_DIGEST.write(w, digest(signer.scheme!.hashAlg, ...values.map((v) => v.value)));
    const r = attest(ctx, signer, TPM_ST.ATTEST_QUOTE, qualifyingData, w.finish());
    return { quoted: r.attest, signature: r.signature };
  },
});
