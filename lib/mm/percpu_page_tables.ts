/**
 * Per-CPU page tables, after COCONUT's address-space layout
 * (kernel/src/mm/address_space.rs, svsm-abi.md §17): every CPU has its own
 * PML4. The kernel half (PML4 slots 256..511) is shared by pointing each
 * CPU's slot at the same PDPT page, so anything mapped below it is seen by
 * every CPU; slot 510 (0xFFFFFF0000000000, the per-CPU area) and the user
 * half (0..255) are private, so the same virtual address maps different
 * frames on each CPU. A shared slot's PDPT is created on first use and linked
 * into every root at once; existing CPUs and CPUs added later see the same
 * PDPT. Each CPU has its own TLB: changing the shared half needs a
 * shootdown ({@link PerCpuPageTables.invlpgAll}).
 * @module
 */
import { KERNEL_HALF_FIRST_SLOT, PERCPU_PML4_SLOT } from "./address_space.ts";
import type { BuddyAllocator } from "./buddy_allocator.ts";
import { fail, type MmResult, ok } from "./errors.ts";
import { allocTable, PageTable, type PageTableOptions, type TopLevelShare } from "./page_table.ts";

/**
 * Options of {@link PerCpuPageTables.create}.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PerCpuPageTables, type PerCpuOptions } from "./percpu_page_tables.ts";
 * const options: PerCpuOptions = { cBit: 51, privateSlots: [510, 509] }; // 509: a second per-CPU slot
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const set = PerCpuPageTables.create(pages, options);
 * if (set.ok) set.value.isShared(509); // false
 * ```
 */
export interface PerCpuOptions extends PageTableOptions {
  /** Kernel-half PML4 slots each CPU owns privately (default: the per-CPU slot 510). */
  readonly privateSlots?: readonly number[];
}

/**
 * The kernel's master table (holding the shared half) and one table per CPU.
 *
 * @example
 * ```ts
 * import { BuddyAllocator } from "./buddy_allocator.ts";
 * import { PerCpuPageTables } from "./percpu_page_tables.ts";
 * import { SVSM_PERCPU_BASE } from "./address_space.ts";
 * import { PAGE_4K } from "./page_table_entry.ts";
 * const pages = new BuddyAllocator({ bytes: new Uint8Array(1 << 20), base: 0x100000 });
 * const set = PerCpuPageTables.create(pages);
 * if (set.ok) {
 *   const cpu0 = set.value.addCpu();
 *   if (cpu0.ok) cpu0.value.map(SVSM_PERCPU_BASE, 0x50_0000, PAGE_4K);
 * }
 * ```
 */
export class PerCpuPageTables implements TopLevelShare {
  readonly #pages: BuddyAllocator;
  readonly #options: PageTableOptions;
  readonly #private: ReadonlySet<number>;
  readonly #cpus: PageTable[] = [];
  #kernel!: PageTable; // set by create(), before anything can use it

  private constructor(pages: BuddyAllocator, options: PerCpuOptions) {
    this.#pages = pages;
    this.#options = options;
    this.#private = new Set(options.privateSlots ?? [PERCPU_PML4_SLOT]);
  }

  /** Creates the master table. */
  static create(
    pages: BuddyAllocator,
    options: PerCpuOptions = {},
  ): MmResult<PerCpuPageTables> {
    const set = new PerCpuPageTables(pages, options);
    const kernel = PageTable.create(pages, options, set);
    if (!kernel.ok) return kernel;
    set.#kernel = kernel.value;
    return ok(set);
  }

  /** The master table: where the shared half is built before any CPU exists. */
  get kernel(): PageTable {
    return this.#kernel;
  }

  /** The CPUs' tables, by CPU index. */
  get cpus(): readonly PageTable[] {
    return this.#cpus;
  }

  /** Adds a CPU: a new PML4 sharing every kernel-half PDPT that exists. */
  addCpu(): MmResult<PageTable> {
    const table = PageTable.create(this.#pages, this.#options, this);
    if (!table.ok) return table;
    for (let slot = KERNEL_HALF_FIRST_SLOT; slot < 512; slot++) {
      const pdpt = this.isShared(slot) ? this.#kernel.topLevelTable(slot) : -1;
      if (pdpt >= 0) table.value.linkTopLevel(slot, pdpt);
    }
    this.#cpus.push(table.value);
    return table;
  }

  /** Whether PML4 slot `slot` is shared: the kernel half except the private slots. */
  isShared(slot: number): boolean {
    return slot >= KERNEL_HALF_FIRST_SLOT && !this.#private.has(slot);
  }

  /** Creates shared slot `slot`'s PDPT and links it into every root; false when out of memory. */
  ensure(slot: number): boolean {
    if (!this.isShared(slot)) return false;
    const existing = this.#kernel.topLevelTable(slot);
    const pdpt = existing >= 0 ? existing : allocTable(this.#pages);
    if (pdpt < 0) return false;
    for (const t of [this.kernel, ...this.#cpus]) t.linkTopLevel(slot, pdpt);
    return true;
  }

  /** TLB shootdown: INVLPG `va` on every CPU (and the master). */
  invlpgAll(va: bigint | number): void {
    for (const t of [this.kernel, ...this.#cpus]) t.invlpg(va);
  }

  /** The CPU table at `index`, or a typed error. */
  cpu(index: number): MmResult<PageTable> {
    const t = this.#cpus[index];
    return t ? ok(t) : fail("invalid-address", `no CPU ${index}`);
  }
}
