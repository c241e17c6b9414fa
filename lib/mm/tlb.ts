/**
 * A TLB model: caches successful translations per page size until they are
 * invalidated, so a stale translation stays observable after the tables
 * change, as on hardware (Intel SDM Vol. 3A §4.10.2–4.10.4, AMD APM Vol. 2
 * §5.5). Not-present translations are never cached (SDM §4.10.2.3), so a new
 * mapping needs no flush. Unbounded: the model keeps every entry until a
 * flush, which is the worst case software must handle.
 * @module
 */
import { PAGE_1G, PAGE_2M, PAGE_4K, type PageSize } from "./page_table_entry.ts";

/**
 * One cached translation.
 *
 * @example
 * ```ts
 * import { Tlb, type TlbEntry } from "./tlb.ts";
 * import { PAGE_2M } from "./page_table_entry.ts";
 * const e: TlbEntry = { frame: 0x20_0000, flags: 0x63, nx: true, encrypted: true, size: PAGE_2M, global: false };
 * const tlb = new Tlb();
 * tlb.insert(0x40_0000, e);
 * tlb.lookup(0x5f_ffff)?.frame; // 0x20_0000: same 2 MiB page
 * ```
 */
export interface TlbEntry {
  /** Physical address of the page frame. */
  readonly frame: number;
  /** Effective low flags (W and U combined over all levels). */
  readonly flags: number;
  /** Execute-disable at any level. */
  readonly nx: boolean;
  /** The leaf's C-bit. */
  readonly encrypted: boolean;
  /** Page size of the leaf. */
  readonly size: PageSize;
  /** The leaf's G bit: kept across a CR3 reload. */
  readonly global: boolean;
}

const SIZES: readonly PageSize[] = [PAGE_4K, PAGE_2M, PAGE_1G];

/**
 * A per-CPU TLB.
 *
 * @example
 * ```ts
 * import { Tlb } from "./tlb.ts";
 * const tlb = new Tlb();
 * tlb.insert(0x5000, { frame: 0x9000, flags: 3, nx: false, encrypted: true, size: 4096, global: false });
 * tlb.lookup(0x5123)?.frame; // 0x9000
 * tlb.invlpg(0x5000);
 * ```
 */
export class Tlb {
  // One map per page size, keyed by the page number (48-bit address / size).
  readonly #maps: Map<number, TlbEntry>[] = [new Map(), new Map(), new Map()];

  /** Cached entries. */
  get size(): number {
    return this.#maps[0].size + this.#maps[1].size + this.#maps[2].size;
  }

  /** The entry covering 48-bit address `low48`, if cached. */
  lookup(low48: number): TlbEntry | undefined {
    for (let i = 0; i < 3; i++) {
      const e = this.#maps[i].get(Math.floor(low48 / SIZES[i]));
      if (e !== undefined) return e;
    }
    return undefined;
  }

  /** Caches a translation for the page containing `low48`. */
  insert(low48: number, entry: TlbEntry): void {
    this.#maps[SIZES.indexOf(entry.size)].set(Math.floor(low48 / entry.size), entry);
  }

  /** INVLPG: drops every entry covering `low48`, whatever its page size (SDM §4.10.4.1). */
  invlpg(low48: number): void {
    for (let i = 0; i < 3; i++) this.#maps[i].delete(Math.floor(low48 / SIZES[i]));
  }

  /** MOV to CR3: drops all non-global entries (SDM §4.10.4.1). */
  flush(): void {
    for (const m of this.#maps) {
      for (const [k, e] of m) if (!e.global) m.delete(k);
    }
  }

  /** Drops everything, global entries included (CR4.PGE toggle or INVPCID type 2). */
  flushAll(): void {
    for (const m of this.#maps) m.clear();
  }
}
