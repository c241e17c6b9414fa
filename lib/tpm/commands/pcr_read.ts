/**
 * TPM2_PCR_Read (Part 3 §22.4): up to 8 digests, in selection order, with
 * pcrSelectionOut saying which were returned.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { UINT32 } from "../marshal/codec.ts";
import { TPML_DIGEST, TPML_PCR_SELECTION } from "../marshal/types.ts";

const MAX_DIGESTS = 8;

/** TPM2_PCR_Read. */
export const PCR_Read = defineCommand({
  code: TPM_CC.PCR_Read,
  name: "PCR_Read",
  handles: [],
  params: { pcrSelectionIn: TPML_PCR_SELECTION },
  response: {
    pcrUpdateCounter: UINT32,
    pcrSelectionOut: TPML_PCR_SELECTION,
    pcrValues: TPML_DIGEST,
  },
  execute(ctx, { pcrSelectionIn }) {
    const pcrs = ctx.state.pcrs;
    const values: Uint8Array[] = [];
    const out = pcrSelectionIn.map((s) => {
      const select = new Uint8Array(s.select.length);
      for (const v of pcrs.selectValues([s])) {
        if (values.length === MAX_DIGESTS) break;
        values.push(v.value);
        select[v.index >> 3] |= 1 << (v.index & 7);
      }
      return { hash: s.hash, select };
    });
    return { pcrUpdateCounter: pcrs.updateCounter, pcrSelectionOut: out, pcrValues: values };
  },
});
