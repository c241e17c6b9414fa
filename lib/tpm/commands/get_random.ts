/**
 * TPM2_GetRandom and TPM2_StirRandom (Part 3 §16.1–§16.2).
 * @module
 */
import { LIMITS, TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { UINT16 } from "../marshal/codec.ts";
import { TPM2B_DIGEST, TPM2B_SENSITIVE_DATA } from "../marshal/types.ts";

/** TPM2_GetRandom: at most sizeof(TPMU_HA) bytes per call. */
export const GetRandom = defineCommand({
  code: TPM_CC.GetRandom,
  name: "GetRandom",
  handles: [],
  params: { bytesRequested: UINT16 },
  response: { randomBytes: TPM2B_DIGEST },
  execute: (ctx, { bytesRequested }) => ({
    randomBytes: ctx.state.rng.bytes(Math.min(bytesRequested, LIMITS.MAX_DIGEST)),
  }),
});

/** TPM2_StirRandom. */
export const StirRandom = defineCommand({
  code: TPM_CC.StirRandom,
  name: "StirRandom",
  handles: [],
  params: { inData: TPM2B_SENSITIVE_DATA },
  response: {},
  execute(ctx, { inData }) {
    ctx.state.rng.stir(inData);
    return {};
  },
});
