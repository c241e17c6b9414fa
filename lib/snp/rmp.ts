/**
 * The Reverse Map Table: one entry per 4 KiB system page saying who owns it
 * (snp-abi.md §7.1). Stored as parallel typed arrays so that the per-access
 * checks in `guest_memory_access.ts` are a few array loads.
 *
 * A 2 MiB entry is modelled as 512 consecutive 4 KiB entries that all carry
 * PAGESIZE = 1 and consecutive GPAs; instructions keep them in step.
 * @module
 */
import { PAGE_SIZE, PAGE_SIZE_2M, PAGES_PER_2M, VMPL_COUNT } from "./constants.ts";

/**
 * Instruction completed (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { Rmp, RMP_SUCCESS } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * const rc = rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * rc === RMP_SUCCESS; // true
 * ```
 */
export const RMP_SUCCESS = 0;
/**
 * FAIL_INPUT: bad operand or the RMP entry does not match the request (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { FAIL_INPUT, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * const rc = rmp.rmpupdate(0x1234, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * rc === FAIL_INPUT; // true: the SPA is not page-aligned
 * ```
 */
export const FAIL_INPUT = 1;
/**
 * FAIL_PERMISSION: the caller may not make this change (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { FAIL_PERMISSION, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x2000, { assigned: true, asid: 0, gpa: 0, pageSize2M: false, immutable: true });
 * const rc = rmp.rmpupdate(0x2000, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
 * rc === FAIL_PERMISSION; // true: the host cannot take back a firmware page
 * ```
 */
export const FAIL_PERMISSION = 2;
/**
 * FAIL_INUSE (PSMASH; snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { FAIL_INUSE, Rmp } from "./rmp.ts";
 * const rc = new Rmp(512).psmash(0);
 * const busy = rc === FAIL_INUSE; // false: the model's PSMASH fails only with FAIL_INPUT
 * ```
 */
export const FAIL_INUSE = 3;
/**
 * FAIL_OVERLAP: a 4K/2M request overlaps an entry of the other size (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { FAIL_OVERLAP, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(512);
 * rmp.rmpupdate(0, { assigned: true, asid: 1, gpa: 0, pageSize2M: true });
 * const rc = rmp.rmpupdate(0x3000, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
 * rc === FAIL_OVERLAP; // true: PSMASH the 2M entry first
 * ```
 */
export const FAIL_OVERLAP = 4;
/**
 * FAIL_SIZEMISMATCH: request size differs from the RMP entry's page size (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { pvalidate } from "./instructions.ts";
 * import { Npt } from "./npt.ts";
 * import { FAIL_SIZEMISMATCH, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(512), npt = new Npt();
 * npt.map(0, 0);
 * rmp.rmpupdate(0, { assigned: true, asid: 1, gpa: 0, pageSize2M: true });
 * const { rc } = pvalidate({ asid: 1, vmpl: 0, npt, rmp }, 0, false, true);
 * rc === FAIL_SIZEMISMATCH; // true: a 4K PVALIDATE on a 2M entry
 * ```
 */
export const FAIL_SIZEMISMATCH = 6;
/**
 * COCONUT's software code for "PVALIDATE changed nothing" (CF = 1); never returned by hardware.
 *
 * @example
 * ```ts
 * import { pvalidate } from "./instructions.ts";
 * import { Npt } from "./npt.ts";
 * import { FAIL_UNCHANGED, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(16), npt = new Npt();
 * npt.map(0x1000, 0x1000);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * const ctx = { asid: 1, vmpl: 0, npt, rmp };
 * pvalidate(ctx, 0x1000, false, true);
 * const again = pvalidate(ctx, 0x1000, false, true); // { rc: 0, cf: true }
 * const code = again.cf ? FAIL_UNCHANGED : again.rc; // 0x10
 * ```
 */
export const FAIL_UNCHANGED = 0x10;

/**
 * A return code of PVALIDATE, RMPADJUST, RMPUPDATE or PSMASH.
 *
 * @example
 * ```ts
 * import { FAIL_INPUT, Rmp, type RmpResult } from "./rmp.ts";
 * const rc: RmpResult = new Rmp(16).psmash(0x1000);
 * rc === FAIL_INPUT; // true: 0x1000 does not start a 2M entry
 * ```
 */
export type RmpResult = 0 | 1 | 2 | 3 | 4 | 6 | 0x10;

/**
 * VMPL permission bit: read (RMPADJUST RDX bit 8, shifted down by 8; snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { Rmp, RMP_PERM_READ } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * const vmpl1CanRead = (rmp.entry(0x1000).perms[0] & RMP_PERM_READ) !== 0; // false: not granted
 * ```
 */
export const RMP_PERM_READ = 1;
/**
 * VMPL permission bit: write (RDX bit 9).
 *
 * @example
 * ```ts
 * import { rmpadjustAttrs } from "./instructions.ts";
 * import { RMP_PERM_READ, RMP_PERM_WRITE } from "./rmp.ts";
 * const attrs = rmpadjustAttrs(2, RMP_PERM_READ | RMP_PERM_WRITE); // 0x302: VMPL2 reads, writes
 * ```
 */
export const RMP_PERM_WRITE = 2;
/**
 * VMPL permission bit: execute in user mode (RDX bit 10).
 *
 * @example
 * ```ts
 * import { RMP_PERM_EXEC_USER, RMP_PERM_READ } from "./rmp.ts";
 * const userCode = RMP_PERM_READ | RMP_PERM_EXEC_USER; // 0x5: readable, runnable at CPL 3 only
 * ```
 */
export const RMP_PERM_EXEC_USER = 4;
/**
 * VMPL permission bit: execute in supervisor mode (RDX bit 11).
 *
 * @example
 * ```ts
 * import { Rmp, RMP_PERM_EXEC_SUPER } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.setPerms(1, 1, 1, RMP_PERM_EXEC_SUPER);
 * (rmp.entry(0x1000).perms[0] & RMP_PERM_EXEC_SUPER) !== 0; // true: VMPL1 may run kernel code
 * ```
 */
export const RMP_PERM_EXEC_SUPER = 8;
/**
 * All four permission bits: what VMPL0 always has.
 *
 * @example
 * ```ts
 * import { Rmp, RMP_PERM_ALL } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.perms[3 * 4 + 0] === RMP_PERM_ALL; // true: VMPL0's slot of page 3
 * ```
 */
export const RMP_PERM_ALL = 0xF;

/**
 * Flag bits of the model's compact entry (not the hardware bit positions of §7.1).
 *
 * @example
 * ```ts
 * import { Rmp, RMP_FLAG_ASSIGNED } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * (rmp.flags[1] & RMP_FLAG_ASSIGNED) !== 0; // true
 * ```
 */
export const RMP_FLAG_ASSIGNED = 1;
/**
 * PAGESIZE = 2M.
 *
 * @example
 * ```ts
 * import { Rmp, RMP_FLAG_2M } from "./rmp.ts";
 * const rmp = new Rmp(512);
 * rmp.rmpupdate(0, { assigned: true, asid: 1, gpa: 0x200000, pageSize2M: true });
 * rmp.psmash(0);
 * rmp.flags[7] & RMP_FLAG_2M; // 0: PSMASH split the entry into 4K entries
 * ```
 */
export const RMP_FLAG_2M = 2;
/**
 * IMMUTABLE.
 *
 * @example
 * ```ts
 * import { Rmp, RMP_FLAG_IMMUTABLE } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x4000, { assigned: true, asid: 0, gpa: 0, pageSize2M: false, immutable: true });
 * (rmp.flags[4] & RMP_FLAG_IMMUTABLE) !== 0; // true: firmware-owned, the host cannot RMPUPDATE it
 * ```
 */
export const RMP_FLAG_IMMUTABLE = 4;
/**
 * VMSA.
 *
 * @example
 * ```ts
 * import { Rmp, RMP_FLAG_VMSA } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * rmp.setFlag(1, 1, RMP_FLAG_VMSA, true); // what RMPADJUST with the VMSA bit does
 * rmp.entry(0x1000).vmsa; // true
 * ```
 */
export const RMP_FLAG_VMSA = 8;
/**
 * VALIDATED.
 *
 * @example
 * ```ts
 * import { Rmp, RMP_FLAG_VALIDATED } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * rmp.setFlag(1, 1, RMP_FLAG_VALIDATED, true);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x1000, pageSize2M: false });
 * (rmp.flags[1] & RMP_FLAG_VALIDATED) !== 0; // false: RMPUPDATE always clears VALIDATED
 * ```
 */
export const RMP_FLAG_VALIDATED = 16;

/**
 * A readable snapshot of one RMP entry (snp-abi.md §7.1).
 *
 * @example
 * ```ts
 * import { encodeRmpEntryRaw, type RmpEntry } from "./rmp.ts";
 * const e: RmpEntry = {
 *   assigned: true, asid: 2, gpa: 0x7000, pageSize2M: false,
 *   validated: true, vmsa: false, immutable: false, perms: [0xF, 0, 0],
 * };
 * encodeRmpEntryRaw(e); // 0x4010000000007001n
 * ```
 */
export interface RmpEntry {
  /** ASSIGNED: owned by a guest (or firmware, ASID 0). */
  assigned: boolean;
  /** Owning guest's ASID. */
  asid: number;
  /** GPA the owner maps this page at (byte address). */
  gpa: number;
  /** PAGESIZE: part of a 2 MiB entry. */
  pageSize2M: boolean;
  /** VALIDATED (set by PVALIDATE or launch). */
  validated: boolean;
  /** The page holds a VMSA. */
  vmsa: boolean;
  /** IMMUTABLE: the host may not change the entry. */
  immutable: boolean;
  /** Permission masks of VMPL1, VMPL2, VMPL3 (VMPL0 always has all). */
  perms: [number, number, number];
}

/**
 * The host's RMPUPDATE operand (snp-abi.md §7.2: gpa, assigned, pagesize, immutable, asid).
 *
 * @example
 * ```ts
 * import { Rmp, type RmpUpdate } from "./rmp.ts";
 * const toGuest: RmpUpdate = { assigned: true, asid: 5, gpa: 0x200000, pageSize2M: true };
 * const rmp = new Rmp(1024);
 * rmp.rmpupdate(0x200000, toGuest); // 0
 * rmp.entry(0x201000).gpa; // 0x201000
 * ```
 */
export interface RmpUpdate {
  /** Assign (true) or return the page to the hypervisor (false). */
  assigned: boolean;
  /** Guest ASID (ignored when unassigning). */
  asid: number;
  /** GPA (ignored when unassigning). */
  gpa: number;
  /** Operate on the whole 2 MiB page at a 2M-aligned SPA. */
  pageSize2M: boolean;
  /** Mark immutable (firmware pages). */
  immutable?: boolean;
}

/**
 * Largest ASID the model accepts (10-bit field, snp-abi.md §7.1).
 *
 * @example
 * ```ts
 * import { MAX_ASID, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * const tooBig = { assigned: true, asid: MAX_ASID + 1, gpa: 0, pageSize2M: false };
 * rmp.rmpupdate(0x1000, tooBig); // 1, FAIL_INPUT: the ASID field is 10 bits
 * ```
 */
export const MAX_ASID = 1023;

/**
 * The RMP. Entry fields live in public typed arrays indexed by system page
 * number, for the access checks; change them only through the methods, which
 * bump {@link Rmp.epoch} so cached translations are dropped.
 *
 * @example
 * ```ts
 * import { Rmp } from "./rmp.ts";
 * const rmp = new Rmp(512);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x5000, pageSize2M: false }); // 0
 * rmp.entry(0x1000).gpa; // 0x5000
 * ```
 */
export class Rmp {
  /** Number of entries (4 KiB system pages). */
  readonly pageCount: number;
  /** RMP_FLAG_* bits per page. */
  readonly flags: Uint8Array;
  /** Owner ASID per page. */
  readonly asids: Uint16Array;
  /** Guest frame number per page. */
  readonly gfns: Float64Array;
  /** Permission mask per page and VMPL, at `page * 4 + vmpl`; VMPL0 slot is always all. */
  readonly perms: Uint8Array;
  /** Bumped by every change, so cached translations know to re-check. */
  epoch = 0;

  /** An RMP with every page unassigned. */
  constructor(pageCount: number) {
    this.pageCount = pageCount;
    this.flags = new Uint8Array(pageCount);
    this.asids = new Uint16Array(pageCount);
    this.gfns = new Float64Array(pageCount);
    this.perms = new Uint8Array(pageCount * VMPL_COUNT);
    for (let p = 0; p < pageCount; p++) this.perms[p * VMPL_COUNT] = RMP_PERM_ALL;
  }

  /** System page number of `spa`, or -1 when outside the table or not an integer. */
  pageOf(spa: number): number {
    if (!Number.isInteger(spa) || spa < 0) return -1;
    const page = Math.floor(spa / PAGE_SIZE);
    return page < this.pageCount ? page : -1;
  }

  /** A snapshot of the entry covering `spa`; throws a `RangeError` outside memory. */
  entry(spa: number): RmpEntry {
    const p = this.pageOf(spa);
    if (p < 0) throw new RangeError(`SPA ${spa} is outside system memory`);
    const f = this.flags[p];
    const q = p * VMPL_COUNT;
    return {
      assigned: (f & RMP_FLAG_ASSIGNED) !== 0,
      asid: this.asids[p],
      gpa: this.gfns[p] * PAGE_SIZE,
      pageSize2M: (f & RMP_FLAG_2M) !== 0,
      validated: (f & RMP_FLAG_VALIDATED) !== 0,
      vmsa: (f & RMP_FLAG_VMSA) !== 0,
      immutable: (f & RMP_FLAG_IMMUTABLE) !== 0,
      perms: [this.perms[q + 1], this.perms[q + 2], this.perms[q + 3]],
    };
  }

  /**
   * Host RMPUPDATE (snp-abi.md §7.2): (re)assigns or unassigns a 4K or 2M
   * page. Always clears VALIDATED, VMSA and the VMPL1–3 permissions.
   * FAIL_INPUT for misaligned or out-of-range operands, FAIL_OVERLAP when a 4K
   * request hits a 2M entry or a 2M request covers assigned 4K entries,
   * FAIL_PERMISSION on an immutable entry (code unverified).
   */
  rmpupdate(spa: number, e: RmpUpdate): RmpResult {
    const page = this.pageOf(spa);
    if (page < 0 || spa % PAGE_SIZE !== 0 || !validOperand(e)) return FAIL_INPUT;
    const count = e.pageSize2M ? PAGES_PER_2M : 1;
    if (e.pageSize2M && (spa % PAGE_SIZE_2M !== 0 || (e.assigned && e.gpa % PAGE_SIZE_2M !== 0))) {
      return FAIL_INPUT;
    }
    if (page + count > this.pageCount) return FAIL_INPUT;
    for (let p = page; p < page + count; p++) {
      const f = this.flags[p];
      if (f & RMP_FLAG_IMMUTABLE) return FAIL_PERMISSION;
      // A 4K request inside a 2M entry, or a 2M request over 4K entries: PSMASH/UNSMASH first.
      if ((f & RMP_FLAG_ASSIGNED) && ((f & RMP_FLAG_2M) !== 0) !== e.pageSize2M) {
        return FAIL_OVERLAP;
      }
    }
    const flags = e.assigned
      ? RMP_FLAG_ASSIGNED | (e.pageSize2M ? RMP_FLAG_2M : 0) |
        (e.immutable ? RMP_FLAG_IMMUTABLE : 0)
      : 0;
    const gfn = e.assigned ? e.gpa / PAGE_SIZE : 0;
    for (let i = 0; i < count; i++) {
      const p = page + i;
      this.flags[p] = flags;
      this.asids[p] = e.assigned ? e.asid : 0;
      this.gfns[p] = e.assigned ? gfn + i : 0;
      this.perms.fill(0, p * VMPL_COUNT + 1, p * VMPL_COUNT + VMPL_COUNT);
    }
    this.epoch++;
    return RMP_SUCCESS;
  }

  /**
   * Host PSMASH (snp-abi.md §7.2): splits an assigned 2M entry into 512 4K
   * entries that keep their state. FAIL_INPUT if `spa` is not the start of one.
   */
  psmash(spa: number): RmpResult {
    const page = this.pageOf(spa);
    if (page < 0 || spa % PAGE_SIZE_2M !== 0) return FAIL_INPUT;
    const need = RMP_FLAG_ASSIGNED | RMP_FLAG_2M;
    if ((this.flags[page] & need) !== need) return FAIL_INPUT;
    for (let p = page; p < page + PAGES_PER_2M; p++) this.flags[p] &= ~RMP_FLAG_2M;
    this.epoch++;
    return RMP_SUCCESS;
  }

  /** Sets or clears flag bits on `count` pages from `page` (instruction and firmware microcode). */
  setFlag(page: number, count: number, flag: number, on: boolean): void {
    for (let p = page; p < page + count; p++) {
      this.flags[p] = on ? this.flags[p] | flag : this.flags[p] & ~flag;
    }
    this.epoch++;
  }

  /** Sets VMPL `vmpl`'s (1..3) permission mask on `count` pages from `page` (RMPADJUST microcode). */
  setPerms(page: number, count: number, vmpl: number, mask: number): void {
    for (let p = page; p < page + count; p++) this.perms[p * VMPL_COUNT + vmpl] = mask;
    this.epoch++;
  }
}

function validOperand(e: RmpUpdate): boolean {
  if (!e.assigned) return true;
  return Number.isInteger(e.asid) && e.asid >= 0 && e.asid <= MAX_ASID &&
    Number.isSafeInteger(e.gpa) && e.gpa >= 0 && e.gpa < 2 ** 52 && e.gpa % PAGE_SIZE === 0;
}

/**
 * The low u64 of the hardware's (Zen 3/4, non-architectural) RMP entry for an
 * entry snapshot, for dumps that line up with real tables (snp-abi.md §7.1;
 * torvalds/linux arch/x86/virt/svm/sev.c `rmpentry_raw`): bit 0 ASSIGNED,
 * 1 PAGESIZE, 2 IMMUTABLE, 50:12 GPA, 60:51 ASID, 61 VMSA, 62 VALIDATED.
 * The VMPL permission word (high u64) has no verified layout and is omitted.
 *
 * @example
 * ```ts
 * import { encodeRmpEntryRaw, Rmp } from "./rmp.ts";
 * const rmp = new Rmp(16);
 * rmp.rmpupdate(0x1000, { assigned: true, asid: 1, gpa: 0x5000, pageSize2M: false });
 * encodeRmpEntryRaw(rmp.entry(0x1000)); // 0x8000000005001n
 * ```
 */
export function encodeRmpEntryRaw(e: RmpEntry): bigint {
  return (e.assigned ? 1n : 0n) | (e.pageSize2M ? 1n << 1n : 0n) | (e.immutable ? 1n << 2n : 0n) |
    (BigInt(e.gpa) & 0x7FFFFFFFFF000n) | (BigInt(e.asid & 0x3FF) << 51n) |
    (e.vmsa ? 1n << 61n : 0n) | (e.validated ? 1n << 62n : 0n);
}

/** Decodes the low u64 of a hardware RMP entry (see {@link encodeRmpEntryRaw}); permissions read as 0. */
export function decodeRmpEntryRaw(v: bigint): RmpEntry {
  const bit = (n: bigint): boolean => ((v >> n) & 1n) === 1n;
  return {
    assigned: bit(0n),
    asid: Number((v >> 51n) & 0x3FFn),
    gpa: Number(v & 0x7FFFFFFFFF000n),
    pageSize2M: bit(1n),
    validated: bit(62n),
    vmsa: bit(61n),
    immutable: bit(2n),
    perms: [0, 0, 0],
  };
}
