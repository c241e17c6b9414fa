/**
 * NV indices (Part 1 §37, Part 3 §31): public area, authValue and data.
 * @module
 */
import { LIMITS, TPM_NT, TPMA_NV } from "../constants.ts";
import { encode } from "../marshal/codec.ts";
import { type NvPublic, TPMS_NV_PUBLIC } from "../marshal/types.ts";
import { digest } from "../crypto/hash.ts";

/**
 * One defined NV index.
 *
 * @example
 * ```ts
 * import type { NvIndex } from "./nv.ts";
 * import { TpmState } from "./tpm_state.ts";
 * import { TPM_ALG, TPMA_NV } from "../constants.ts";
 * const state = new TpmState({ seed: new Uint8Array(32) });
 * // What TPM2_NV_DefineSpace leaves behind: 32 bytes, not yet written.
 * const ix: NvIndex = {
 *   pub: { nvIndex: 0x01500000, nameAlg: TPM_ALG.SHA256, attributes: TPMA_NV.AUTHWRITE | TPMA_NV.AUTHREAD, authPolicy: new Uint8Array(0), dataSize: 32 },
 *   authValue: new Uint8Array(0),
 *   data: new Uint8Array(32),
 * };
 * state.nv.indices.set(ix.pub.nvIndex, ix);
 * ```
 */
export interface NvIndex {
  /** Public area; `attributes` changes as the index is written or locked. */
  pub: NvPublic;
  /** authValue. */
  authValue: Uint8Array;
  /** Data (dataSize bytes; counters and bit fields are 8 bytes). */
  data: Uint8Array;
}

/** TPM_NT of an attributes word. */
export function nvType(attributes: number): number {
  return (attributes >>> 4) & 0xf;
}

/** True when `attributes` has the bit (works for bit 31 too). */
export function hasNv(attributes: number, bit: number): boolean {
  return ((attributes >>> 0) & bit) >>> 0 !== 0;
}

/** Name of an index: nameAlg || H(TPMS_NV_PUBLIC) (Part 1 §16). */
export function nvName(pub: NvPublic): Uint8Array {
  const h = digest(
    pub.nameAlg,
    encode(TPMS_NV_PUBLIC, { ...pub, attributes: pub.attributes >>> 0 }),
  );
  const out = new Uint8Array(2 + h.length);
  out[0] = pub.nameAlg >> 8;
  out[1] = pub.nameAlg & 0xff;
  out.set(h, 2);
  return out;
}

/**
 * The NV index store.
 *
 * @example
 * ```ts
 * import { NvStore } from "./nv.ts";
 * new NvStore().indices.size; // 0
 * ```
 */
export class NvStore {
  /** Defined indices by handle. */
  readonly indices: Map<number, NvIndex> = new Map();
  /** Highest counter value ever seen, so new counters start above it (Part 1 §37.2.2). */
  maxCounter = 0n;

  /** Room left for another index. */
  get free(): number {
    return LIMITS.NV_INDICES - this.indices.size;
  }

  /**
   * TPM Restart/Reset processing of the lock and written bits (Part 2 §13.4;
   * the reference's NvSetStartupAttributes): read locks end; a non-counter
   * index with CLEAR_STCLEAR (or ORDERLY, at a TPM Reset) becomes unwritten;
   * a write lock survives only on a written WRITEDEFINE index, so
   * WRITE_STCLEAR cannot undo a WRITEDEFINE lock and a GlobalWriteLock ends.
   */
  startupClear(reset: boolean): void {
    for (const ix of this.indices.values()) {
      let a = (ix.pub.attributes & ~TPMA_NV.READLOCKED) >>> 0;
      const orderlyReset = reset && hasNv(a, TPMA_NV.ORDERLY);
      if (nvType(a) !== TPM_NT.COUNTER && (hasNv(a, TPMA_NV.CLEAR_STCLEAR) || orderlyReset)) {
        a &= ~TPMA_NV.WRITTEN;
      }
      if (!hasNv(a, TPMA_NV.WRITTEN) || !hasNv(a, TPMA_NV.WRITEDEFINE)) a &= ~TPMA_NV.WRITELOCKED;
      ix.pub.attributes = a >>> 0;
    }
  }
}
