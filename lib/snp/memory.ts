/**
 * System (host-physical) memory of the modelled machine: one SharedArrayBuffer
 * cut into 4 KiB pages. The raw bytes hold, page by page, whatever the memory
 * encryption engine last put there; read them through `MemoryEncryption` views,
 * never directly as "what the host sees".
 * @module
 */
import { PAGE_SIZE, PAGE_SIZE_2M } from "./constants.ts";

/**
 * The machine's DRAM.
 *
 * @example
 * ```ts
 * import { SystemMemory } from "./memory.ts";
 * const mem = new SystemMemory(4 * 1024 * 1024);
 * mem.pageCount; // 1024
 * ```
 */
export class SystemMemory {
  /** Size in bytes (a multiple of 2 MiB). */
  readonly size: number;
  /** Number of 4 KiB pages. */
  readonly pageCount: number;
  /** Raw storage (contents depend on each page's encryption view). */
  readonly bytes: Uint8Array;
  /** The same storage as 32-bit words, for word-wise crypto and zeroing. */
  readonly words: Uint32Array;
  /** The same storage as a DataView, for little-endian register-sized access. */
  readonly view: DataView;

  /** Allocates `sizeBytes` of zeroed memory; throws a `RangeError` unless it is a positive multiple of 2 MiB. */
  constructor(sizeBytes: number) {
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % PAGE_SIZE_2M !== 0) {
      throw new RangeError(
        `system memory size must be a positive multiple of 2 MiB, got ${sizeBytes}`,
      );
    }
    const sab = new SharedArrayBuffer(sizeBytes);
    this.size = sizeBytes;
    this.pageCount = sizeBytes / PAGE_SIZE;
    this.bytes = new Uint8Array(sab);
    this.words = new Uint32Array(sab);
    this.view = new DataView(sab);
  }

  /** True if `spa` is a byte address inside this memory. */
  contains(spa: number): boolean {
    return Number.isInteger(spa) && spa >= 0 && spa < this.size;
  }

  /** The raw 4 KiB page holding `spa` (no encryption view applied). */
  rawPage(spa: number): Uint8Array {
    const base = spa - (spa % PAGE_SIZE);
    return this.bytes.subarray(base, base + PAGE_SIZE);
  }
}
