/**
 * TPM2_ReadClock (Part 3 §29.1).
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { TPMS_TIME_INFO } from "../marshal/types.ts";

/** TPM2_ReadClock. */
export const ReadClock = defineCommand({
  code: TPM_CC.ReadClock,
  name: "ReadClock",
  handles: [],
  params: {},
  response: { currentTime: TPMS_TIME_INFO },
  execute(ctx) {
    const c = ctx.state.clock;
    return {
      currentTime: {
        time: c.time(),
        clockInfo: {
          clock: c.clock(),
          resetCount: c.resetCount,
          restartCount: c.restartCount,
          safe: c.safe,
        },
      },
    };
  },
});
