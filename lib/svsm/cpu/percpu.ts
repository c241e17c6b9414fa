/**
 * The per-CPU area (COCONUT kernel/src/cpu/percpu.rs; svsm-abi.md §17): every CPU reaches its
 * own data at the same virtual address, PML4 slot 510 (0xFFFFFF0000000000), through its own
 * page table. The slot maps a different frame on each CPU, so a CPU cannot name another CPU's
 * per-CPU data: the same address always lands in its own frame.
 *
 * Layout inside the area (offsets from {@link PERCPU_BASE}):
 * - +0: the per-CPU data page (this CPU's id, APIC ID, online flag, GHCB, mapped guest
 *   VMSA/CA);
 * - +8 KiB: the guest calling-area mapping; +16 KiB: the guest VMSA mapping.
 * @module
 */

import { type Field, Layout, u32, u64 } from "../../common/layout.ts";
import type { CpuContext } from "../../snp/mod.ts";
import { PAGE_SIZE } from "../../snp/mod.ts";
import type { KernelStack } from "../debug/stacktrace.ts";
import type { LockCpu } from "../locking/cpu_relax.ts";
import type { GuestVcpu } from "../request_context.ts";
import { type PageTable, PTE_W, SVSM_PERCPU_BASE } from "../../mm/mod.ts";

/**
 * PML4 slot 510: the per-CPU area (address_space.rs; lib/mm `SVSM_PERCPU_BASE`).
 *
 * @example
 * ```ts
 * import { PERCPU_BASE } from "./percpu.ts";
 * (PERCPU_BASE >> 39n) & 0x1ffn; // 510n: the PML4 slot every CPU maps to its own frame
 * ```
 */
export const PERCPU_BASE: bigint = SVSM_PERCPU_BASE;
/**
 * The per-CPU data page.
 *
 * @example
 * ```ts
 * import { PERCPU_DATA_VA, type PerCpu } from "./percpu.ts";
 * function dataPageGpa(cpu: PerCpu): number {
 *   return cpu.translate(PERCPU_DATA_VA); // this CPU's own frame, whichever CPU asks
 * }
 * ```
 */
export const PERCPU_DATA_VA: bigint = PERCPU_BASE;
/**
 * The guest CA mapping (+8 KiB).
 *
 * @example
 * ```ts
 * import { PERCPU_BASE, PERCPU_CAA_VA, type PerCpu } from "./percpu.ts";
 * PERCPU_CAA_VA - PERCPU_BASE; // 0x2000n
 * function mappedCaGpa(cpu: PerCpu): number {
 *   return cpu.translate(PERCPU_CAA_VA); // the guest CA the SVSM reads the call from
 * }
 * ```
 */
export const PERCPU_CAA_VA: bigint = PERCPU_BASE + 0x2000n;
/**
 * The guest VMSA mapping (+16 KiB).
 *
 * @example
 * ```ts
 * import { PERCPU_BASE, PERCPU_VMSA_VA, type PerCpu } from "./percpu.ts";
 * PERCPU_VMSA_VA - PERCPU_BASE; // 0x4000n
 * function mappedVmsaGpa(cpu: PerCpu): number {
 *   return cpu.translate(PERCPU_VMSA_VA);
 * }
 * ```
 */
export const PERCPU_VMSA_VA: bigint = PERCPU_BASE + 0x4000n;

/**
 * The per-CPU data page: what a CPU keeps about itself (model layout).
 *
 * @example
 * ```ts
 * import { PERCPU_DATA } from "./percpu.ts";
 * PERCPU_DATA.size; // bytes of the per-CPU data page the SVSM reads through PERCPU_DATA_VA
 * ```
 */
export const PERCPU_DATA: Layout<{
  cpuId: Field<"u32">;
  apicId: Field<"u32">;
  online: Field<"u32">;
  ghcbGpa: Field<"u64">;
  guestVmsaGpa: Field<"u64">;
  guestCaGpa: Field<"u64">;
}> = new Layout("per-CPU data", 0x28, {
  cpuId: u32(0x00),
  apicId: u32(0x04),
  online: u32(0x08),
  ghcbGpa: u64(0x10),
  guestVmsaGpa: u64(0x18), // the guest VMSA currently mapped at PERCPU_VMSA_VA; all ones: none
  guestCaGpa: u64(0x20), // the guest CA currently mapped at PERCPU_CAA_VA
});

/** "No page" in a per-CPU GPA field. */
export const NO_GPA = 0xFFFFFFFFFFFFFFFFn;

/** Kernel data: writable, never executable, private (C-bit). */
const DATA_ATTRS = { flags: PTE_W, nx: true, encrypted: true } as const;

/**
 * One CPU's kernel state: its instructions, stack, lock identity, page table and data page.
 *
 * @example
 * ```ts
 * // Built by the SVSM during boot (one per vCPU); the data page comes from the heap.
 * import { PERCPU_DATA } from "./percpu.ts";
 * PERCPU_DATA.size; // 0x28
 * ```
 */
export class PerCpu implements LockCpu {
  /** The CPU's VMPL0 instructions. */
  readonly ctx: CpuContext;
  /** Its modeled kernel stack. */
  readonly stack: KernelStack;
  /** Its page table (lib/mm per-CPU table: shared kernel half, private slot 510). */
  readonly pageTable: PageTable;
  /** vCPU index. */
  readonly cpuId: number;
  /** Whether the host knows the mapped guest VMSA (AP_CREATION done for it). */
  vmsaRegistered = false;
  #vmsaGpa = -1;
  #caGpa = -1;

  /** Wires a CPU to its page table and its data page at `dataGpa` ({@link PERCPU_DATA_VA}). */
  constructor(ctx: CpuContext, stack: KernelStack, table: PageTable, dataGpa: number) {
    this.ctx = ctx;
    this.stack = stack;
    this.cpuId = ctx.vcpuId;
    this.pageTable = table;
    this.#map(PERCPU_DATA_VA, dataGpa);
    const page = this.#data();
    page.fill(0, 0, PERCPU_DATA.size);
    PERCPU_DATA.set(page, "cpuId", ctx.vcpuId);
    PERCPU_DATA.set(page, "apicId", ctx.apicId);
    PERCPU_DATA.set(page, "guestVmsaGpa", NO_GPA);
    PERCPU_DATA.set(page, "guestCaGpa", NO_GPA);
    PERCPU_DATA.set(page, "ghcbGpa", NO_GPA);
  }

  /** PAUSE (a yield point): what this CPU's locks spin with. */
  pause(): Promise<void> {
    return this.ctx.pause();
  }

  /** Reads a field of this CPU's data page, through this CPU's page table. */
  get<K extends keyof typeof PERCPU_DATA.fields>(
    name: K,
  ): K extends "guestVmsaGpa" | "guestCaGpa" | "ghcbGpa" ? bigint : number {
    return PERCPU_DATA.get(this.#data(), name) as never;
  }

  /** Writes a field of this CPU's data page. */
  set(name: keyof typeof PERCPU_DATA.fields, value: number | bigint): void {
    PERCPU_DATA.set(this.#data(), name, value as never);
  }

  /**
   * Follows the guest VMSA/CA the kernel registered for this CPU (COCONUT keeps them in the
   * CPU's shared part and the CPU maps them on its next loop iteration, requests.rs
   * `update_mappings`). Cheap when nothing changed: two comparisons.
   */
  refreshGuestMappings(shared: GuestVcpu): void {
    if (shared.vmsaGpa === this.#vmsaGpa && shared.caGpa === this.#caGpa) return;
    this.#unmap(PERCPU_VMSA_VA);
    this.#unmap(PERCPU_CAA_VA);
    if (shared.vmsaGpa >= 0) this.#map(PERCPU_VMSA_VA, shared.vmsaGpa);
    if (shared.caGpa >= 0) this.#map(PERCPU_CAA_VA, shared.caGpa);
    this.set("guestVmsaGpa", shared.vmsaGpa < 0 ? NO_GPA : BigInt(shared.vmsaGpa));
    this.set("guestCaGpa", shared.caGpa < 0 ? NO_GPA : BigInt(shared.caGpa));
    // Only a new VMSA needs registering with the host; REMAP_CA moves the CA alone.
    if (shared.vmsaGpa !== this.#vmsaGpa) this.vmsaRegistered = false;
    this.#vmsaGpa = shared.vmsaGpa;
    this.#caGpa = shared.caGpa;
  }

  /** The mapped guest VMSA's GPA, -1 when none (cached translation of PERCPU_VMSA_VA). */
  get vmsaGpa(): number {
    return this.#vmsaGpa;
  }

  /** The mapped guest CA's GPA, -1 when none (cached translation of PERCPU_CAA_VA). */
  get caGpa(): number {
    return this.#caGpa;
  }

  /** The GPA `va` reaches through this CPU's page table, or -1 when unmapped here. */
  translate(va: bigint): number {
    const t = this.pageTable.translate(va);
    return t.ok ? t.value.pa : -1;
  }

  /** The per-CPU data page, reached through this CPU's own page table. */
  #data(): Uint8Array {
    const gpa = this.translate(PERCPU_DATA_VA);
    if (gpa < 0) throw new RangeError(`CPU ${this.cpuId}: per-CPU data page not mapped`);
    return this.ctx.page(gpa, "write");
  }

  #map(va: bigint, gpa: number): void {
    const r = this.pageTable.map(va, gpa - (gpa % PAGE_SIZE), PAGE_SIZE, DATA_ATTRS);
    if (!r.ok) throw new RangeError(`CPU ${this.cpuId}: ${r.error.message}`);
  }

  #unmap(va: bigint): void {
    if (this.pageTable.unmap(va).ok) this.pageTable.invlpg(va);
  }
}
