/**
 * x86-64 4-level page tables living in pages from the buddy allocator, with
 * the SEV C-bit and a TLB model (Intel SDM Vol. 3A §4.5, §4.10; AMD APM
 * Vol. 2 §5.3–5.5, §15.34). Entries are read and written as two u32 halves
 * of a little-endian 64-bit word in the modeled memory. `translate` consults
 * the TLB first, so after `unmap` or `protect` the old translation is still
 * returned until `invlpg` or a flush, as on hardware.
 * @module
 */
import type { BuddyAllocator } from "./buddy_allocator.ts";
import { fail, hexAddr, type MmResult, ok, OK_VOID } from "./errors.ts";
import { PAGE_SIZE } from "./page_info.ts";
import {
  canonicalFromLow48,
  canonicalLow48,
  DEFAULT_C_BIT,
  leafLevel,
  LEVEL_SHIFT,
  levelSize,
  type PageSize,
  PTE_A,
  PTE_CALLER_FLAGS,
  PTE_D,
  PTE_G,
  PTE_NX_HI,
  PTE_P,
  PTE_PS,
  PTE_TABLE_FLAGS,
  PTE_U,
  PTE_W,
  tableIndex,
} from "./page_table_entry.ts";
import { Tlb, type TlbEntry } from "./tlb.ts";

/**
 * What a mapping allows.
 *
 * @example
 * ```ts
 * import type { MapAttrs } from "./page_table.ts";
 * import { PTE_W } from "./page_table_entry.ts";
 * // A page shared with the host (e.g. a GHCB): C-bit clear, writable, never executed.
 * const sharedPage: MapAttrs = { flags: PTE_W, nx: true, encrypted: false };
 * ```
 */
export interface MapAttrs {
  /** Any of W, U, PWT, PCD, A, D, G (P and PS are set by the mapper). Default 0: read-only kernel. */
  readonly flags?: number;
  /** Execute-disable (bit 63). Default false. */
  readonly nx?: boolean;
  /** The C-bit: private (encrypted) memory. Default true; false for memory shared with the host. */
  readonly encrypted?: boolean;
}

/**
 * The result of a translation.
 *
 * @example
 * ```ts
 * import type { MmResult } from "./errors.ts";
 * import type { PageTable, Translation } from "./page_table.ts";
 * const privatePa = (pt: PageTable, va: bigint): number => {
 *   const t: MmResult<Translation> = pt.translate(va);
 *   return t.ok && t.value.encrypted ? t.value.pa : -1;
 * };
 * ```
 */
export interface Translation {
  /** Physical address (C-bit not included). */
  readonly pa: number;
  /** The leaf's C-bit. */
  readonly encrypted: boolean;
  /** Effective low flags: the leaf's, with W and U ANDed over all levels (SDM §4.6.1). */
  readonly flags: number;
  /** Execute-disable at any level. */
  readonly nx: boolean;
  /** Size of the page that maps the address. */
  readonly pageSize: PageSize;
  /** Whether the TLB answered (possibly stale). */
  readonly tlbHit: boolean;
}

/**
 * One entry read during a walk.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageTable, type WalkStep } from "./page_table.ts";
 * import { PAGE_4K } from "./page_table_entry.ts";
 * const pt = PageTable.create(new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 }));
 * if (pt.ok && pt.value.map(0x5000, 0x9000, PAGE_4K).ok) {
 *   const steps: WalkStep[] = pt.value.walk(0x5000);
 *   steps.map((s) => s.level); // [4, 3, 2, 1]
 * }
 * ```
 */
export interface WalkStep {
  /** 4 = PML4E, 3 = PDPTE, 2 = PDE, 1 = PTE. */
  readonly level: number;
  /** Physical address of the entry. */
  readonly entryAddr: number;
  /** The raw 64-bit entry. */
  readonly entry: bigint;
}

/**
 * One leaf mapping, as enumerated by {@link PageTable.mappings}.
 *
 * @example
 * ```ts
 * import type { Mapping, PageTable } from "./page_table.ts";
 * const bytesMapped = (pt: PageTable): number =>
 *   pt.mappings().reduce((n: number, m: Mapping) => n + m.size, 0);
 * ```
 */
export interface Mapping {
  /** Canonical virtual address. */
  readonly va: bigint;
  /** Physical frame. */
  readonly pa: number;
  /** Page size. */
  readonly size: PageSize;
  /** The leaf's raw 64-bit entry. */
  readonly entry: bigint;
}

/**
 * The kind of a processor access, for {@link PageTable.access}.
 *
 * @example
 * ```ts
 * import type { Access, PageTable } from "./page_table.ts";
 * const userWrite: Access = { write: true, user: true };
 * const userMayWrite = (pt: PageTable, va: bigint): boolean => pt.access(va, userWrite).ok;
 * ```
 */
export interface Access {
  /** A write (else a read). */
  readonly write?: boolean;
  /** From CPL 3 (else supervisor). */
  readonly user?: boolean;
  /** An instruction fetch. */
  readonly fetch?: boolean;
}

/**
 * #PF error code: the fault was a protection violation (else a not-present entry). SDM Vol. 3A §4.7.
 *
 * @example
 * ```ts
 * import type { MmError } from "./errors.ts";
 * import { PF_P } from "./page_table.ts";
 * // P clear: nothing mapped (demand paging); P set: the rights said no.
 * const isProtectionFault = (e: MmError): boolean => ((e.pfec ?? 0) & PF_P) !== 0;
 * ```
 */
export const PF_P = 1 << 0;
/**
 * #PF error code: the access was a write.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageTable, PF_P, PF_W } from "./page_table.ts";
 * import { PAGE_4K } from "./page_table_entry.ts";
 * const pt = PageTable.create(new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 }));
 * if (pt.ok && pt.value.map(0x5000, 0x9000, PAGE_4K).ok) { // read-only
 *   const r = pt.value.access(0x5000, { write: true });
 *   if (!r.ok) r.error.pfec === (PF_P | PF_W); // true: 0x3
 * }
 * ```
 */
export const PF_W = 1 << 1;
/**
 * #PF error code: the access came from user mode.
 *
 * @example
 * ```ts
 * import { PF_U } from "./page_table.ts";
 * const fromUserMode = (pfec: number): boolean => (pfec & PF_U) !== 0;
 * fromUserMode(0x6); // true: a user write to a not-present page
 * ```
 */
export const PF_U = 1 << 2;
/**
 * #PF error code: the access was an instruction fetch.
 *
 * @example
 * ```ts
 * import { PF_ID, PF_P } from "./page_table.ts";
 * const nxFetch = PF_ID | PF_P; // 0x11: supervisor fetch from an execute-disabled page
 * ```
 */
export const PF_ID = 1 << 4;

/**
 * Options of {@link PageTable.create}.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageTable, type PageTableOptions } from "./page_table.ts";
 * const options: PageTableOptions = { cBit: 47 }; // a part whose CPUID reports C-bit 47
 * const pt = PageTable.create(new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 }), options);
 * ```
 */
export interface PageTableOptions {
  /** C-bit position, 32..51 (default 51); physical addresses must lie below it. */
  readonly cBit?: number;
}

/**
 * How a set of address spaces shares PML4 slots (see `percpu_page_tables.ts`):
 * a shared slot's PDPT is allocated once and linked into every root.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageTable, type TopLevelShare } from "./page_table.ts";
 * const nothingShared: TopLevelShare = { isShared: () => false, ensure: () => false };
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const pt = PageTable.create(pages, {}, nothingShared); // as create(pages)
 * ```
 */
export interface TopLevelShare {
  /** Whether PML4 slot `slot` is shared. */
  isShared(slot: number): boolean;
  /** Allocates and links the PDPT of shared slot `slot` in every root; answers false when out of memory. */
  ensure(slot: number): boolean;
}

// Internal status codes of the walkers (negative; a word index otherwise).
const NOT_MAPPED = -1;
const NO_MEMORY = -2;
const LARGE_ABOVE = -3;
const BAD_TABLE = -4;
const NOT_START = -5;

const LO_ADDR_MASK = [0, 0xffff_f000, 0xffe0_0000, 0xc000_0000];

/**
 * One address space: a PML4 and everything below it.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PageTable } from "./page_table.ts";
 * import { PAGE_4K, PTE_W } from "./page_table_entry.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0x100000 });
 * const pt = PageTable.create(pages);
 * if (pt.ok) {
 *   pt.value.map(0xffff_ff80_0000_0000n, 0x7000, PAGE_4K, { flags: PTE_W, nx: true });
 *   pt.value.translate(0xffff_ff80_0000_0123n); // { pa: 0x7123, encrypted: true, … }
 * }
 * ```
 */
export class PageTable {
  /** Physical address of the PML4 (the CR3 address field). */
  readonly root: number;
  /** C-bit position. */
  readonly cBit: number;
  /** This address space's TLB. */
  readonly tlb: Tlb = new Tlb();
  readonly #pages: BuddyAllocator;
  readonly #words: Uint32Array;
  readonly #share: TopLevelShare | undefined;
  readonly #cHi: number;
  readonly #addrHi: number;
  // Scratch outputs of #findLeaf.
  #level = 0;
  #allow = 0;
  #nx = false;

  private constructor(pages: BuddyAllocator, root: number, cBit: number, share?: TopLevelShare) {
    this.#pages = pages;
    const { buffer, byteOffset, byteLength } = pages.region.bytes;
    this.#words = new Uint32Array(buffer, byteOffset, Math.floor(byteLength / 4));
    this.root = root;
    this.cBit = cBit;
    this.#share = share;
    this.#cHi = 2 ** (cBit - 32);
    this.#addrHi = this.#cHi - 1;
  }

  /** Allocates an empty PML4; `share` links this table into a per-CPU set. */
  static create(
    pages: BuddyAllocator,
    options: PageTableOptions = {},
    share?: TopLevelShare,
  ): MmResult<PageTable> {
    const cBit = options.cBit ?? DEFAULT_C_BIT;
    if (!Number.isInteger(cBit) || cBit < 32 || cBit > 51) {
      return fail("invalid-address", `C-bit position ${cBit} outside 32..51`);
    }
    // Table entries hold table addresses below the C-bit, so every table page must lie there.
    if (pages.base + pages.pageCount * PAGE_SIZE > 2 ** cBit) {
      return fail("invalid-address", `page region ends above the C-bit (bit ${cBit})`);
    }
    const root = allocTable(pages);
    if (root < 0) return fail("out-of-memory", "no page for a PML4");
    return ok(new PageTable(pages, root, cBit, share));
  }

  /** Maps `size` bytes at `va` to `pa` (both aligned to `size`). The TLB is not touched. */
  map(va: bigint | number, pa: number, size: PageSize, attrs: MapAttrs = {}): MmResult<void> {
    const level = leafLevel(size);
    const low = canonicalLow48(va);
    if (level === 0) return fail("invalid-address", `${size} is not a page size`);
    if (low < 0 || low % size !== 0) return fail("invalid-address", `bad virtual address ${va}`);
    if (!Number.isSafeInteger(pa) || pa < 0 || pa % size !== 0 || pa + size > 2 ** this.cBit) {
      return fail("invalid-address", `bad physical address ${pa} for a ${size}-byte page`);
    }
    const flags = attrs.flags ?? 0;
    if ((flags & ~PTE_CALLER_FLAGS) !== 0) return fail("invalid-flags", `flags ${hexAddr(flags)}`);
    const w = this.#entryFor(low, level);
    if (w < 0) return this.#walkError(w, low);
    if ((this.#words[w] & PTE_P) !== 0) {
      return fail("already-mapped", `${hexAddr(low)} already has an entry at level ${level}`);
    }
    const lo = (pa % 2 ** 32) | flags | PTE_P | (level > 1 ? PTE_PS : 0);
    this.#write(w, lo, Math.floor(pa / 2 ** 32), attrs);
    return OK_VOID;
  }

  /** Removes the mapping that starts at `va`; answers its size. Stale TLB entries remain. */
  unmap(va: bigint | number): MmResult<PageSize> {
    const low = canonicalLow48(va);
    const w = this.#leafAt(low);
    if (w < 0) return this.#walkError(w, low);
    this.#words[w] = 0;
    this.#words[w + 1] = 0;
    return ok(levelSize(this.#level));
  }

  /** Replaces the flags, NX and C-bit of the mapping that starts at `va`. Stale TLB entries remain. */
  protect(va: bigint | number, attrs: MapAttrs): MmResult<void> {
    const flags = attrs.flags ?? 0;
    if ((flags & ~PTE_CALLER_FLAGS) !== 0) return fail("invalid-flags", `flags ${hexAddr(flags)}`);
    const low = canonicalLow48(va);
    const w = this.#leafAt(low);
    if (w < 0) return this.#walkError(w, low);
    const level = this.#level;
    const lo = (this.#words[w] & LO_ADDR_MASK[level]) | flags | PTE_P | (level > 1 ? PTE_PS : 0);
    this.#write(w, lo, this.#words[w + 1] & this.#addrHi, attrs);
    return OK_VOID;
  }

  /** Translates `va`: the TLB first, else a walk whose result is cached. No permission check. */
  translate(va: bigint | number): MmResult<Translation> {
    const low = canonicalLow48(va);
    if (low < 0) return fail("invalid-address", `non-canonical address ${va}`);
    const hit = this.tlb.lookup(low);
    if (hit !== undefined) return ok(translation(hit, low, true));
    const w = this.#findLeaf(low);
    if (w < 0) return this.#walkError(w, low);
    return ok(translation(this.#cache(w, low), low, false));
  }

  /**
   * A processor access to `va`: translates as {@link translate}, then checks
   * the rights with CR0.WP = 1 and EFER.NXE = 1 (SDM §4.6; no SMEP/SMAP/PKE).
   * A fault answers `page-fault` with the #PF error code (SDM §4.7). On
   * success the walk sets A in every entry it used and, for a write, D in
   * the leaf (SDM §4.8), also when the TLB held a clean entry.
   */
  access(va: bigint | number, kind: Access = {}): MmResult<Translation> {
    const low = canonicalLow48(va);
    if (low < 0) return fail("invalid-address", `non-canonical address ${va}`); // #GP, not #PF
    const pfec = (kind.write ? PF_W : 0) | (kind.user ? PF_U : 0) | (kind.fetch ? PF_ID : 0);
    let entry = this.tlb.lookup(low);
    const tlbHit = entry !== undefined;
    if (entry === undefined) {
      const w = this.#findLeaf(low);
      if (w === NOT_MAPPED) return pageFault(pfec, low);
      if (w < 0) return this.#walkError(w, low);
      entry = this.#cache(w, low);
    }
    const denied = (kind.user && (entry.flags & PTE_U) === 0) ||
      (kind.write && (entry.flags & PTE_W) === 0) || (kind.fetch && entry.nx);
    if (denied) return pageFault(pfec | PF_P, low);
    const needs = PTE_A | (kind.write ? PTE_D : 0);
    if (!tlbHit || (entry.flags & needs) !== needs) {
      const w = this.#markUsed(low, kind.write === true);
      if (w >= 0) entry = this.#cache(w, low);
    }
    return ok(translation(entry, low, tlbHit));
  }

  /** Builds the TLB entry for the leaf at word `w` (scratch fields from #findLeaf) and caches it. */
  #cache(w: number, low: number): TlbEntry {
    const lo = this.#words[w];
    const hi = this.#words[w + 1];
    const entry: TlbEntry = {
      frame: this.#frame(lo, hi, this.#level),
      flags: (lo & 0x1ff & ~(PTE_PS | PTE_W | PTE_U)) | (this.#allow & (PTE_W | PTE_U)),
      nx: this.#nx,
      encrypted: (hi & this.#cHi) !== 0,
      size: levelSize(this.#level),
      global: (lo & PTE_G) !== 0,
    };
    this.tlb.insert(low, entry);
    return entry;
  }

  /** Sets A along the walk of `low` (and D in the leaf on a write); answers the leaf's word or a status. */
  #markUsed(low: number, write: boolean): number {
    let table = this.root;
    for (let level = 4; level >= 1; level--) {
      const w = this.#word(table, tableIndex(low, level));
      if ((this.#words[w] & PTE_P) === 0) return NOT_MAPPED;
      this.#words[w] |= PTE_A;
      if (level === 1 || (level < 4 && (this.#words[w] & PTE_PS) !== 0)) {
        if (write) this.#words[w] |= PTE_D;
        return this.#findLeaf(low);
      }
      table = this.#frame(this.#words[w], this.#words[w + 1], 1);
      if (!this.#isTable(table)) return BAD_TABLE;
    }
    return NOT_MAPPED;
  }

  /** INVLPG for `va` on this address space's TLB. */
  invlpg(va: bigint | number): void {
    const low = canonicalLow48(va);
    if (low >= 0) this.tlb.invlpg(low);
  }

  /** The raw entries a hardware walk reads for `va`, from the PML4E down to the leaf or the first non-present entry. */
  walk(va: bigint | number): WalkStep[] {
    const low = canonicalLow48(va);
    const steps: WalkStep[] = [];
    let table = this.root;
    for (let level = 4; level >= 1 && low >= 0; level--) {
      const w = this.#word(table, tableIndex(low, level));
      const lo = this.#words[w];
      const hi = this.#words[w + 1];
      steps.push({ level, entryAddr: table + tableIndex(low, level) * 8, entry: raw(lo, hi) });
      if ((lo & PTE_P) === 0 || (level < 4 && (lo & PTE_PS) !== 0)) break;
      table = this.#frame(lo, hi, 1);
      if (!this.#isTable(table)) break;
    }
    return steps;
  }

  /** Every leaf mapping reachable from this PML4, in address order. */
  mappings(): Mapping[] {
    const out: Mapping[] = [];
    this.#visit(this.root, 4, 0, (level, low, lo, hi) => {
      out.push({
        va: canonicalFromLow48(low),
        pa: this.#frame(lo, hi, level),
        size: levelSize(level),
        entry: raw(lo, hi),
      });
    });
    return out;
  }

  /** Physical addresses of every table page reachable from this PML4 (root first). */
  tablePages(): number[] {
    const out = [this.root];
    this.#visit(this.root, 4, 0, undefined, (table) => out.push(table));
    return out;
  }

  /** Physical address of the PDPT that PML4 slot `slot` points at, or -1 if not present. */
  topLevelTable(slot: number): number {
    const w = this.#word(this.root, slot);
    return (this.#words[w] & PTE_P) === 0 ? -1 : this.#frame(this.#words[w], this.#words[w + 1], 1);
  }

  /**
   * Links PML4 slot `slot` to the PDPT at `table` (used by per-CPU sets to
   * share the kernel half). Table flags, C-bit set.
   */
  linkTopLevel(slot: number, table: number): void {
    const w = this.#word(this.root, slot);
    this.#words[w] = (table % 2 ** 32) | PTE_TABLE_FLAGS;
    this.#words[w + 1] = Math.floor(table / 2 ** 32) | this.#cHi;
  }

  /** Word index of `level`'s entry for `low`, creating missing tables above it; or a status code. */
  #entryFor(low: number, level: number): number {
    let table = this.root;
    for (let l = 4; l > level; l--) {
      const index = tableIndex(low, l);
      const w = this.#word(table, index);
      if ((this.#words[w] & PTE_P) === 0) {
        if (l === 4 && this.#share?.isShared(index)) {
          if (!this.#share.ensure(index)) return NO_MEMORY;
        } else {
          const t = allocTable(this.#pages);
          if (t < 0) return NO_MEMORY;
          // Table entries carry the C-bit: tables are private memory (APM Vol. 2 §15.34.5).
          this.#words[w] = (t % 2 ** 32) | PTE_TABLE_FLAGS;
          this.#words[w + 1] = Math.floor(t / 2 ** 32) | this.#cHi;
        }
      } else if (l < 4 && (this.#words[w] & PTE_PS) !== 0) {
        return LARGE_ABOVE;
      }
      table = this.#frame(this.#words[w], this.#words[w + 1], 1);
      if (!this.#isTable(table)) return BAD_TABLE;
    }
    return this.#word(table, tableIndex(low, level));
  }

  /** Word index of the leaf mapping `low`, with the combined W/U/NX in the scratch fields. */
  #findLeaf(low: number): number {
    let table = this.root;
    let allow = PTE_P | PTE_W | PTE_U;
    let nx = false;
    for (let level = 4; level >= 1; level--) {
      const w = this.#word(table, tableIndex(low, level));
      const lo = this.#words[w];
      const hi = this.#words[w + 1];
      if ((lo & PTE_P) === 0) return NOT_MAPPED;
      allow &= lo;
      nx ||= (hi & PTE_NX_HI) !== 0;
      if (level === 1 || (level < 4 && (lo & PTE_PS) !== 0)) {
        this.#level = level;
        this.#allow = allow;
        this.#nx = nx;
        return w;
      }
      table = this.#frame(lo, hi, 1);
      if (!this.#isTable(table)) return BAD_TABLE;
    }
    return NOT_MAPPED;
  }

  /** As #findLeaf, but `low` must be the first address of the mapping. */
  #leafAt(low: number): number {
    if (low < 0) return NOT_MAPPED;
    const w = this.#findLeaf(low);
    if (w >= 0 && low % levelSize(this.#level) !== 0) return NOT_START;
    return w;
  }

  #write(w: number, lo: number, hiAddr: number, attrs: MapAttrs): void {
    const hi = hiAddr | ((attrs.encrypted ?? true) ? this.#cHi : 0) | (attrs.nx ? PTE_NX_HI : 0);
    this.#words[w + 1] = hi;
    this.#words[w] = lo;
  }

  #frame(lo: number, hi: number, level: number): number {
    return (hi & this.#addrHi) * 2 ** 32 + ((lo & LO_ADDR_MASK[level]) >>> 0);
  }

  #word(table: number, index: number): number {
    return (table - this.#pages.base) / 4 + index * 2;
  }

  /** A table pointer must name a page of this region (anything else is corruption). */
  #isTable(table: number): boolean {
    const off = table - this.#pages.base;
    return off >= this.#pages.metaPages * PAGE_SIZE && off < this.#pages.pageCount * PAGE_SIZE;
  }

  #walkError<T>(code: number, low: number): MmResult<T> {
    const a = low < 0 ? "a non-canonical address" : hexAddr(low);
    switch (code) {
      case NO_MEMORY:
        return fail("out-of-memory", `no page for a table while mapping ${a}`);
      case LARGE_ABOVE:
        return fail("already-mapped", `${a} lies inside a larger page`);
      case NOT_START:
        return fail("invalid-address", `${a} is not the first address of its page`);
      case BAD_TABLE:
        return fail("invalid-address", `a table entry on the walk of ${a} leaves the region`);
      default:
        return fail(low < 0 ? "invalid-address" : "not-mapped", `nothing mapped at ${a}`);
    }
  }

  #visit(
    table: number,
    level: number,
    lowBase: number,
    leaf?: (level: number, low: number, lo: number, hi: number) => void,
    onTable?: (table: number) => void,
  ): void {
    for (let i = 0; i < 512; i++) {
      const w = this.#word(table, i);
      const lo = this.#words[w];
      const hi = this.#words[w + 1];
      if ((lo & PTE_P) === 0) continue;
      const low = lowBase + i * 2 ** LEVEL_SHIFT[level];
      if (level === 1 || (level < 4 && (lo & PTE_PS) !== 0)) {
        leaf?.(level, low, lo, hi);
        continue;
      }
      const next = this.#frame(lo, hi, 1);
      if (!this.#isTable(next)) continue;
      onTable?.(next);
      this.#visit(next, level - 1, low, leaf, onTable);
    }
  }
}

/** A zeroed page for a table, or -1 when out of memory. */
export function allocTable(pages: BuddyAllocator): number {
  const index = pages.allocBlock(0);
  if (index < 0) return -1;
  pages.region.bytes.fill(0, index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
  return pages.addressOf(index);
}

function pageFault<T>(pfec: number, low: number): MmResult<T> {
  return {
    ok: false,
    error: { code: "page-fault", message: `#PF at ${hexAddr(low)}, error code ${pfec}`, pfec },
  };
}

function translation(e: TlbEntry, low: number, tlbHit: boolean): Translation {
  return {
    pa: e.frame + (low % e.size),
    encrypted: e.encrypted,
    flags: e.flags,
    nx: e.nx,
    pageSize: e.size,
    tlbHit,
  };
}

function raw(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
