/**
 * Guarded access to guest memory (COCONUT kernel/src/mm/guestmem.rs + cpu/extable.rs;
 * svsm-abi.md §14). Every access first checks the range against the guest memory map (the
 * SVSM region is not in it), then runs inside a guarded region at VMPL0 with the C-bit set.
 * A fault there (#VC not validated, an RMP or NPT violation) comes back through the exception
 * table as a fixup and is reported to the caller as `SvsmRequestFailure(INVALID_ADDRESS)`, so
 * the SVSM keeps serving. Protocol-specific exclusions (registered VMSAs and calling areas,
 * the launch VMSA) are the handlers' checks. The guard is disposed explicitly in `finally`
 * (a `using` declaration costs noticeably more on these per-access paths).
 * @module
 */

import type { CpuContext } from "../../snp/mod.ts";
import type { KernelStack } from "../debug/stacktrace.ts";
import type { MemoryRegion } from "../boot/memory_layout.ts";
import { type ExceptionTable, faultVector, GeneralProtectionFault } from "../cpu/idt.ts";
import { fail, SvsmResultCode } from "../protocols/errors.ts";
import type { GuestMemory } from "../request_context.ts";

const INVALID_ADDRESS = SvsmResultCode.INVALID_ADDRESS;

/**
 * {@link GuestMemory} for one CPU.
 *
 * @example
 * ```ts
 * // Built per CPU by the SVSM: new GuardedGuestMemory(cpu, stack, idt, layout.guestMemoryMap)
 * import { GuardedGuestMemory } from "./guest_memory.ts";
 * typeof GuardedGuestMemory; // "function"
 * ```
 */
export class GuardedGuestMemory implements GuestMemory {
  readonly #ctx: CpuContext;
  readonly #stack: KernelStack;
  readonly #idt: ExceptionTable;
  readonly #map: readonly MemoryRegion[];

  /** Accessors for the CPU `ctx` over the guest memory map `map`. */
  constructor(
    ctx: CpuContext,
    stack: KernelStack,
    idt: ExceptionTable,
    map: readonly MemoryRegion[],
  ) {
    this.#ctx = ctx;
    this.#stack = stack;
    this.#idt = idt;
    this.#map = map;
  }

  /** True when `[gpa, gpa + length)` lies inside one memory-map region. */
  contains(gpa: number, length: number): boolean {
    if (!Number.isSafeInteger(gpa) || !Number.isSafeInteger(length) || gpa < 0 || length < 0) {
      return false;
    }
    for (const r of this.#map) {
      if (gpa >= r.base && gpa + length <= r.base + r.size) return true;
    }
    return false;
  }

  /** Reads `length` bytes. */
  read(gpa: number, length: number): Uint8Array {
    this.#check(gpa, length);
    const guard = this.#stack.guard();
    try {
      return this.#ctx.read(gpa, length);
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Writes `data` (every page is checked before any byte is written). */
  write(gpa: number, data: Uint8Array): void {
    this.#check(gpa, data.length);
    const guard = this.#stack.guard();
    try {
      this.#ctx.write(gpa, data);
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Reads a little-endian u16. */
  readU16(gpa: number): number {
    const b = this.read(gpa, 2);
    return b[0] | (b[1] << 8);
  }

  /** Reads a little-endian u32. */
  readU32(gpa: number): number {
    this.#check(gpa, 4);
    const guard = this.#stack.guard();
    try {
      return this.#ctx.readU32(gpa);
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Reads a little-endian u64. */
  readU64(gpa: number): bigint {
    this.#check(gpa, 8);
    const guard = this.#stack.guard();
    try {
      return this.#ctx.readU64(gpa);
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Writes a little-endian u16. */
  writeU16(gpa: number, value: number): void {
    this.write(gpa, new Uint8Array([value & 0xFF, (value >>> 8) & 0xFF]));
  }

  /** Writes a little-endian u64. */
  writeU64(gpa: number, value: bigint): void {
    this.#check(gpa, 8);
    const guard = this.#stack.guard();
    try {
      this.#ctx.writeU64(gpa, value);
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Zeroes `length` bytes (whole pages with one page write each, as `rep stosb` would). */
  zero(gpa: number, length: number): void {
    this.#check(gpa, length);
    const guard = this.#stack.guard();
    try {
      let at = gpa;
      const end = gpa + length;
      while (at < end) {
        const n = Math.min(end - at, 4096 - (at % 4096));
        if (n === 4096) this.#ctx.zeroPage(at);
        else this.#ctx.write(at, new Uint8Array(n));
        at += n;
      }
    } catch (e) {
      return this.#fixup(e);
    } finally {
      guard[Symbol.dispose]();
    }
  }

  /** Out of the memory map → INVALID_ADDRESS; an address that cannot exist → #GP, fixed up. */
  #check(gpa: number, length: number): void {
    if (!Number.isSafeInteger(gpa) || gpa < 0) {
      using _g = this.#stack.guard();
      this.#fixup(new GeneralProtectionFault(`non-canonical guest address ${gpa}`));
    }
    if (!this.contains(gpa, length)) fail(INVALID_ADDRESS);
  }

  /**
   * The fixup path: an exception goes through the table (inside the guard it comes back here),
   * then becomes INVALID_ADDRESS. Errors that are no CPU exception pass through untouched.
   */
  #fixup(e: unknown): never {
    if (faultVector(e) < 0) throw e;
    try {
      this.#idt.dispatch(this.#stack, e);
    } catch (back) {
      if (back !== e) throw back; // a panic
    }
    fail(INVALID_ADDRESS);
  }
}
