/**
 * PCR banks (Part 1 §17): one array of 24 registers per allocated hash, the
 * pcrUpdateCounter, and the PC Client locality rules for extend and reset
 * (PC Client Platform TPM Profile, Table "PCR attributes").
 * @module
 */
import { LIMITS, TPM_ALG } from "../constants.ts";
import { DIGEST_SIZE, HASH_ALGS, type PcrSelection } from "../marshal/types.ts";
import { digest } from "../crypto/hash.ts";

/** PCRs a locality may reset, by PCR index (PC Client profile). */
const RESETTABLE: Readonly<Record<number, readonly number[]>> = {
  16: [0, 1, 2, 3, 4],
  17: [4],
  18: [4],
  19: [4],
  20: [2, 4],
  21: [2],
  22: [2],
  23: [0, 1, 2, 3, 4],
};
/** PCRs that only some localities may extend. */
const EXTEND_LOCALITIES: Readonly<Record<number, readonly number[]>> = {
  17: [2, 3, 4],
  18: [2, 3, 4],
  19: [2, 3, 4],
  20: [1, 2, 3, 4],
  21: [2],
  22: [2],
};

/**
 * The PCR banks of one TPM.
 *
 * @example
 * ```ts
 * import { PcrBanks } from "./pcr.ts";
 * const p = new PcrBanks();
 * p.extend(16, 0x000b, new Uint8Array(32));
 * ```
 */
export class PcrBanks {
  /** Registers per allocated bank. */
  banks: Map<number, Uint8Array[]> = new Map();
  /** Allocation for the next TPM Reset (PCR_Allocate, Part 3 §22.5). */
  pendingAllocation: number[];
  /** pcrUpdateCounter (Part 1 §17.6). */
  updateCounter = 0;

  /** Starts with SHA-1 and SHA-256 allocated, as the reference simulator. */
  constructor(allocation: number[] = [TPM_ALG.SHA1, TPM_ALG.SHA256]) {
    this.pendingAllocation = [...allocation];
    this.resetAll();
  }

  /** Applies the pending allocation and sets every PCR to its startup value. */
  resetAll(): void {
    this.banks = new Map();
    for (const alg of this.pendingAllocation) {
      const regs: Uint8Array[] = [];
      for (let i = 0; i < LIMITS.PCR_COUNT; i++) regs.push(initial(alg, i));
      this.banks.set(alg, regs);
    }
    this.updateCounter = 0;
  }

  /** Allocated bank algorithms, in TPM_ALG_ID order. */
  allocated(): number[] {
    return HASH_ALGS.filter((a) => this.banks.has(a));
  }

  /** True if `locality` may reset PCR `i`. */
  canReset(i: number, locality: number): boolean {
    return RESETTABLE[i]?.includes(locality) ?? false;
  }
  /** True if `locality` may extend PCR `i`. */
  canExtend(i: number, locality: number): boolean {
    return EXTEND_LOCALITIES[i]?.includes(locality) ?? true;
  }

  /** PCR[i] := H(PCR[i] || d) in bank `alg`, if allocated (Part 1 §17.2). */
  extend(i: number, alg: number, d: Uint8Array): void {
    const bank = this.banks.get(alg);
    if (!bank) return;
    bank[i] = digest(alg, bank[i], d);
    this.bump(i);
  }

  /** Sets PCR `i` in every bank to zero (PCR_Reset). */
  reset(i: number): void {
    for (const [alg, bank] of this.banks) bank[i] = new Uint8Array(DIGEST_SIZE[alg]);
    this.bump(i);
  }

  /** Value of PCR `i` in bank `alg`, or undefined if not allocated. */
  read(alg: number, i: number): Uint8Array | undefined {
    return this.banks.get(alg)?.[i];
  }

  /** Counts a PCR change; PCRs 16 and 23 are the PC Client "no increment" set. */
  private bump(i: number): void {
    if (i !== 16 && i !== 23) this.updateCounter = (this.updateCounter + 1) >>> 0;
  }

  /**
   * Intersects a selection with what is allocated and present, in bank order,
   * returning the digests read (PCR_Read's pcrSelectionOut and values).
   */
  selectValues(sel: readonly PcrSelection[]): { hash: number; index: number; value: Uint8Array }[] {
    const out: { hash: number; index: number; value: Uint8Array }[] = [];
    for (const s of sel) {
      const bank = this.banks.get(s.hash);
      if (!bank) continue;
      for (let i = 0; i < s.select.length * 8 && i < LIMITS.PCR_COUNT; i++) {
        if (s.select[i >> 3] & (1 << (i & 7))) out.push({ hash: s.hash, index: i, value: bank[i] });
      }
    }
    return out;
  }
}

function initial(alg: number, i: number): Uint8Array {
  // PC Client: DRTM PCRs 17–22 start as all ones until a D-RTM event resets them.
  return new Uint8Array(DIGEST_SIZE[alg]).fill(i >= 17 && i <= 22 ? 0xff : 0);
}
