/**
 * Nested page tables: the host-owned GPA → SPA translation of one guest
 * (AMD APM vol. 2, nested paging). Modelled as a flat 4 KiB-granular map; the
 * host may remap at any time, which is exactly the attack surface the RMP
 * checks in `guest_memory_access.ts` defend.
 * @module
 */
import { PAGE_SIZE } from "./constants.ts";

/**
 * One guest's nested page table.
 *
 * @example
 * ```ts
 * import { Npt } from "./npt.ts";
 * const npt = new Npt();
 * npt.map(0x1000, 0x200000);
 * npt.translate(0x1234); // 0x200234
 * ```
 */
export class Npt {
  /** Bumped by every change, so cached guest translations re-walk. */
  epoch = 0;
  #map = new Map<number, number>();

  /** Maps the 4 KiB guest page at `gpa` to the system page at `spa` (both page-aligned). */
  map(gpa: number, spa: number): void {
    checkAligned("GPA", gpa);
    checkAligned("SPA", spa);
    this.#map.set(gpa / PAGE_SIZE, spa / PAGE_SIZE);
    this.epoch++;
  }

  /** Maps `length` bytes (a page multiple) of guest memory from `gpa` to `spa` onwards. */
  mapRange(gpa: number, spa: number, length: number): void {
    checkAligned("length", length);
    for (let off = 0; off < length; off += PAGE_SIZE) this.map(gpa + off, spa + off);
  }

  /** Removes the mapping of the guest page holding `gpa`. */
  unmap(gpa: number): void {
    if (this.#map.delete(Math.floor(gpa / PAGE_SIZE))) this.epoch++;
  }

  /** The SPA backing `gpa` (same page offset), or undefined if unmapped. */
  translate(gpa: number): number | undefined {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const sfn = this.#map.get(gfn);
    return sfn === undefined ? undefined : sfn * PAGE_SIZE + (gpa - gfn * PAGE_SIZE);
  }

  /** Every mapping as [gpa, spa] pairs, sorted by GPA (for tools and tests). */
  entries(): [number, number][] {
    return [...this.#map].sort((a, b) => a[0] - b[0]).map((
      [g, s],
    ) => [g * PAGE_SIZE, s * PAGE_SIZE]);
  }
}

function checkAligned(what: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v % PAGE_SIZE !== 0) {
    throw new RangeError(`${what} ${v} is not a page-aligned address`);
  }
}
