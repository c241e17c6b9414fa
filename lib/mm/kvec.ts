/**
 * `KVec<T>`: a growable array of fixed-size elements in modeled memory, on
 * the kernel heap as Rust's `Vec<T>` is on the global allocator. Growth
 * doubles the capacity (at least 4) through `realloc`, so small vectors
 * live in slab slots and large ones move to buddy pages.
 * @module
 */
import type { Codec } from "./codec.ts";
import { type MmResult, ok, OK_VOID } from "./errors.ts";
import type { KernelAllocator } from "./global_alloc.ts";
import { layoutOf } from "./kbox.ts";

/**
 * A growable vector.
 *
 * @example
 * ```ts
 * import { KernelAllocator } from "./global_alloc.ts";
 * import { KVec } from "./kvec.ts";
 * import { U32 } from "./codec.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * const v = KVec.new(heap, U32);
 * if (v.ok) {
 *   v.value.push(7);
 *   v.value.get(0); // 7
 * }
 * ```
 */
export class KVec<T> {
  readonly #heap: KernelAllocator;
  readonly #codec: Codec<T>;
  #addr = 0;
  #capacity = 0;
  #length = 0;

  private constructor(heap: KernelAllocator, codec: Codec<T>) {
    this.#heap = heap;
    this.#codec = codec;
  }

  /** An empty vector with room for `capacity` elements (no allocation when 0). */
  static new<T>(heap: KernelAllocator, codec: Codec<T>, capacity = 0): MmResult<KVec<T>> {
    const v = new KVec(heap, codec);
    const r = v.reserve(capacity);
    return r.ok ? ok(v) : r;
  }

  /** Elements stored. */
  get length(): number {
    return this.#length;
  }

  /** Elements that fit before the next reallocation. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Physical address of element 0, or 0 while nothing is allocated. */
  get addr(): number {
    return this.#addr;
  }

  /** Makes room for `additional` more elements. On failure the vector is unchanged. */
  reserve(additional: number): MmResult<void> {
    const need = this.#length + additional;
    if (need <= this.#capacity) return OK_VOID;
    const cap = Math.max(4, this.#capacity * 2, need);
    const r = this.#capacity === 0
      ? this.#heap.alloc(layoutOf(this.#codec, cap))
      : this.#heap.realloc(
        this.#addr,
        layoutOf(this.#codec, this.#capacity),
        cap * this.#codec.size,
      );
    if (!r.ok) return r;
    this.#addr = r.value;
    this.#capacity = cap;
    return OK_VOID;
  }

  /** Appends `value`, growing if needed. */
  push(value: T): MmResult<void> {
    const r = this.reserve(1);
    if (!r.ok) return r;
    this.#codec.write(this.#heap.view, this.#offset(this.#length), value);
    this.#length++;
    return OK_VOID;
  }

  /** Removes and answers the last element. */
  pop(): T | undefined {
    if (this.#length === 0) return undefined;
    this.#length--;
    return this.#codec.read(this.#heap.view, this.#offset(this.#length));
  }

  /** Element `i`; throws `RangeError` outside 0..length-1. */
  get(i: number): T {
    return this.#codec.read(this.#heap.view, this.#checked(i));
  }

  /** Replaces element `i`; throws `RangeError` outside 0..length-1. */
  set(i: number, value: T): void {
    this.#codec.write(this.#heap.view, this.#checked(i), value);
  }

  /** Copies the elements out. */
  toArray(): T[] {
    return Array.from({ length: this.#length }, (_, i) => this.get(i));
  }

  /** Frees the storage; the vector is empty (and reusable) afterwards. */
  free(): MmResult<void> {
    if (this.#capacity === 0) return OK_VOID;
    const r = this.#heap.dealloc(this.#addr, layoutOf(this.#codec, this.#capacity));
    if (!r.ok) return r;
    this.#addr = 0;
    this.#capacity = 0;
    this.#length = 0;
    return OK_VOID;
  }

  #checked(i: number): number {
    if (!(Number.isInteger(i) && i >= 0 && i < this.#length)) {
      throw new RangeError(`index ${i} outside a KVec of length ${this.#length}`);
    }
    return this.#offset(i);
  }

  #offset(i: number): number {
    return this.#addr - this.#heap.base + i * this.#codec.size;
  }
}
