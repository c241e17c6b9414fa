/**
 * The host's own system pages: what it has not given to a guest. A plain free list, so the
 * host can place guest memory, launch VMSAs and scratch pages where it likes (and, as an
 * attacker, anywhere else).
 * @module
 */

import { PAGE_SIZE } from "../snp/mod.ts";

/**
 * Hands out 4 KiB system pages from `[start, end)`.
 *
 * @example
 * ```ts
 * import { HostPageAllocator } from "./page_allocator.ts";
 * const pages = new HostPageAllocator(0x200000, 0x400000);
 * pages.alloc(); // 0x200000
 * ```
 */
export class HostPageAllocator {
  #next: number;
  readonly #end: number;
  readonly #free: number[] = [];

  /** Pages from `start` (inclusive) to `end` (exclusive), both page-aligned. */
  constructor(start: number, end: number) {
    if (start % PAGE_SIZE !== 0 || end % PAGE_SIZE !== 0 || end < start) {
      throw new RangeError(`bad host page range ${start}..${end}`);
    }
    this.#next = start;
    this.#end = end;
  }

  /** Pages still available. */
  get available(): number {
    return this.#free.length + (this.#end - this.#next) / PAGE_SIZE;
  }

  /** One page's SPA; throws a `RangeError` when the host is out of memory. */
  alloc(): number {
    const spa = this.#free.pop();
    if (spa !== undefined) return spa;
    if (this.#next >= this.#end) throw new RangeError("host out of system memory");
    this.#next += PAGE_SIZE;
    return this.#next - PAGE_SIZE;
  }

  /** `count` contiguous pages (from the untouched range); their first SPA. */
  allocRange(count: number): number {
    const bytes = count * PAGE_SIZE;
    if (this.#next + bytes > this.#end) throw new RangeError("host out of system memory");
    this.#next += bytes;
    return this.#next - bytes;
  }

  /** Gives a page back. */
  free(spa: number): void {
    this.#free.push(spa);
  }
}
