/**
 * TPM2_PolicyNV (Part 3 §23.9): compares NV data with operandB;
 * policyDigest := H(policyDigest || TPM_CC_PolicyNV || H(operandB || offset
 * || operation) || nvIndexName).
 * @module
 */
import { TPM_CC, TPM_SE } from "../constants.ts";
import { digest } from "../crypto/hash.ts";
import { defineCommand } from "../dispatch.ts";
import { HT } from "../handle_types.ts";
import { type Codec, encode, oneOf, UINT16 } from "../marshal/codec.ts";
import { TPM2B_DIGEST } from "../marshal/types.ts";
import { paramError, TPM_RC, TpmError } from "../response_code.ts";
import { extendPolicy } from "../sessions/policy_state.ts";
import { checkRead, indexAt } from "./nv_access.ts";

/** TPM_EO (Part 2 §6.8). */
export const TPM_EO: Codec<number> = oneOf(
  "TPM_EO",
  UINT16,
  Array.from({ length: 12 }, (_, i) => i),
);

/** Big-endian compare of two equal-length byte strings, signed or unsigned. */
function compare(a: Uint8Array, b: Uint8Array, signed: boolean): number {
  if (signed && (a[0] ^ b[0]) & 0x80) return a[0] & 0x80 ? -1 : 1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/** Evaluates TPM_EO `op` on operandA (`a`) and operandB (`b`), as Part 3 §23.9 defines. */
export function holds(op: number, a: Uint8Array, b: Uint8Array): boolean {
  const signed = [2, 4, 6, 8].includes(op);
  const c = compare(a, b, signed);
  switch (op) {
    case 0:
      return c === 0;
    case 1:
      return c !== 0;
    case 2:
    case 3:
      return c > 0;
    case 4:
    case 5:
      return c < 0;
    case 6:
    case 7:
      return c >= 0;
    case 8:
    case 9:
      return c <= 0;
    case 10:
      return b.every((x, i) => (a[i] & x) === x);
    default:
      return b.every((x, i) => (a[i] & x) === 0);
  }
}

/** TPM2_PolicyNV. */
export const PolicyNV = defineCommand({
  code: TPM_CC.PolicyNV,
  name: "PolicyNV",
  handles: [
    { name: "authHandle", type: HT.NV_AUTH, auth: "USER" },
    { name: "nvIndex", type: HT.NV_INDEX },
    { name: "policySession", type: HT.POLICY_SESSION },
  ],
  params: { operandB: TPM2B_DIGEST, offset: UINT16, operation: TPM_EO },
  response: {},
  execute(ctx, { operandB, offset, operation }) {
    const s = ctx.session(2);
    const ix = indexAt(ctx, 1);
    if (s.type !== TPM_SE.TRIAL) {
      checkRead(ctx, ix);
      // Part 3 §23.9 (the reference's TPM2_PolicyNV; swtpm agrees): the offset is checked
      // first, then whether operandB fits after it.
      if (offset > ix.pub.dataSize) throw paramError(TPM_RC.VALUE, 2);
      if (ix.pub.dataSize - offset < operandB.length) throw paramError(TPM_RC.SIZE, 1);
      const a = ix.data.subarray(offset, offset + operandB.length);
      if (!holds(operation, a, operandB)) throw new TpmError(TPM_RC.POLICY);
    }
    const args = digest(s.authHash, operandB, encode(UINT16, offset), encode(UINT16, operation));
    extendPolicy(s, TPM_CC.PolicyNV, args, ctx.name(1));
    return {};
  },
});
