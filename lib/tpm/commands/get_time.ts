/**
 * TPM2_GetTime (TCG TPM 2.0 Part 3 §18.7): a signed statement of the TPM's
 * time and clock (TPMS_TIME_ATTEST_INFO), authorized by the privacy
 * administrator (the endorsement hierarchy).
 * @module
 */
import { TPM_CC, TPM_ST } from "../constants.ts";
import { type CommandDef, defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { TpmWriter } from "../marshal/buffer.ts";
import { TPM2B_DATA, TPMS_TIME_INFO, TPMT_SIG_SCHEME, TPMT_SIGNATURE } from "../marshal/types.ts";
import { attest, signerAt, TPM2B_ATTEST } from "./attestation.ts";

/** TPM2_GetTime. */
export const GetTime: CommandDef = defineCommand({
  code: TPM_CC.GetTime,
  name: "GetTime",
  handles: [
    { name: "privacyAdminHandle", type: HT.ENDORSEMENT, auth: "USER" },
    { name: "signHandle", type: HT.OBJECT_NULL, auth: "USER" },
  ],
  params: { qualifyingData: TPM2B_DATA, inScheme: TPMT_SIG_SCHEME },
  response: { timeInfo: TPM2B_ATTEST, signature: TPMT_SIGNATURE },
  execute(ctx, { qualifyingData, inScheme }) {
    const signer = signerAt(ctx, 1, inScheme, 2);
    const time = ctx.state.clock.time();
    const r = attest(ctx, signer, TPM_ST.ATTEST_TIME, qualifyingData, (h) => {
      // TPMS_TIME_ATTEST_INFO: the time info, then firmwareVersion again.
      const w = new TpmWriter();
      TPMS_TIME_INFO.write(w, { time, clockInfo: h.clockInfo });
      return w.u64(h.firmwareVersion).finish();
    });
    return { timeInfo: r.attest, signature: r.signature };
  },
});
