/**
 * `KBox<T>`: one value living in modeled memory on the kernel heap, the way
 * Rust's `Box<T>` lives on the global allocator (COCONUT allocates its
 * per-CPU and protocol state this way).
 * @module
 */
import type { Codec } from "./codec.ts";
import { type MmResult, ok } from "./errors.ts";
import type { AllocLayout, KernelAllocator } from "./global_alloc.ts";

/**
 * A boxed value.
 *
 * @example
 * ```ts
 * import { KernelAllocator } from "./global_alloc.ts";
 * import { KBox } from "./kbox.ts";
 * import { U64 } from "./codec.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const b = KBox.new(heap, U64, 42n);
 * if (b.ok) {
 *   b.value.set(b.value.get() + 1n);
 *   b.value.free();
 * }
 * ```
 */
export class KBox<T> {
  /** Physical address of the value. */
  readonly addr: number;
  readonly #heap: KernelAllocator;
  readonly #codec: Codec<T>;
  #live = true;

  private constructor(heap: KernelAllocator, codec: Codec<T>, addr: number) {
    this.#heap = heap;
    this.#codec = codec;
    this.addr = addr;
  }

  /** Allocates room for one value and stores `value` there. */
  static new<T>(heap: KernelAllocator, codec: Codec<T>, value: T): MmResult<KBox<T>> {
    const r = heap.alloc(layoutOf(codec));
    if (!r.ok) return r;
    const box = new KBox(heap, codec, r.value);
    box.set(value);
    return ok(box);
  }

  /** The stored value (decoded afresh from memory). */
  get(): T {
    return this.#codec.read(this.#heap.view, this.#offset());
  }

  /** Stores a new value. */
  set(value: T): void {
    this.#codec.write(this.#heap.view, this.#offset(), value);
  }

  /** Frees the memory (drop); a second free reports `double-free`. */
  free(): MmResult<void> {
    const r = this.#heap.dealloc(this.addr, layoutOf(this.#codec));
    if (r.ok) this.#live = false;
    return r;
  }

  #offset(): number {
    if (!this.#live) {
      throw new ReferenceError(`KBox at 0x${this.addr.toString(16)} used after free`);
    }
    return this.addr - this.#heap.base;
  }
}

/** The heap layout of one codec element. */
export function layoutOf<T>(codec: Codec<T>, count = 1): AllocLayout {
  return { size: codec.size * count, align: codec.align };
}
