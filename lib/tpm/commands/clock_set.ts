/**
 * TPM2_ClockSet and TPM2_ClockRateAdjust (Part 3 §29.2–§29.3). The clock
 * only moves forward; the rate follows the host and is not adjustable here.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { type Codec, UINT64 } from "../marshal/codec.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";

/** TPM_CLOCK_ADJUST: an INT8 in −3…3 (Part 2 §6.11). */
const TPM_CLOCK_ADJUST: Codec<number> = {
  name: "TPM_CLOCK_ADJUST",
  read(r) {
    const v = (r.u8() << 24) >> 24;
    if (v < -3 || v > 3) throw new TpmError(TPM_RC.VALUE);
    return v;
  },
  write: (w, v) => void w.u8(v & 0xff),
};

/** TPM2_ClockSet. */
export const ClockSet = defineCommand({
  code: TPM_CC.ClockSet,
  name: "ClockSet",
  handles: [{ name: "auth", type: HT.PROVISION, auth: "USER" }],
  params: { newTime: UINT64 },
  response: {},
  execute(ctx, { newTime }) {
    const c = ctx.state.clock;
    if (newTime < c.clock() || newTime > 0xffff000000000000n) throw paramError(TPM_RC.VALUE, 1);
    c.setClock(newTime);
    return {};
  },
});

/** TPM2_ClockRateAdjust. */
export const ClockRateAdjust = defineCommand({
  code: TPM_CC.ClockRateAdjust,
  name: "ClockRateAdjust",
  handles: [{ name: "auth", type: HT.PROVISION, auth: "USER" }],
  params: { rateAdjust: TPM_CLOCK_ADJUST },
  response: {},
  execute: () => ({}),
});
