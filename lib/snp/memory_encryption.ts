/**
 * The memory encryption engine: one AES-128-XTS key per ASID (IEEE 1619, data
 * unit = the 4 KiB page, tweak = the page's system physical address as a
 * 128-bit little-endian number), so ciphertext depends on the key and on the
 * SPA. Built on synchronous `node:crypto` AES-128-ECB, which has no XTS.
 *
 * DRAM holds each page in one of two "views": raw (ciphertext of a private
 * page, or plaintext of a shared one) or plaintext for one ASID. A page is
 * converted only when its view flips (the host looks or writes; a guest
 * accesses a page last seen by the other side), so guest and SVSM accesses
 * cost a typed-array access, not a cipher call.
 * @module
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { PAGE_SIZE } from "./constants.ts";
import type { SystemMemory } from "./memory.ts";
import { MAX_ASID } from "./rmp.ts";

/** View tag of a page that holds raw DRAM bytes. */
export const VIEW_RAW = 0;

/** Bytes of an XTS key: key1 (data) || key2 (tweak), AES-128 each. */
export const XTS_KEY_SIZE = 32;

// Pages per ECB call: large enough to amortise the call, small enough for the scratch buffer.
const RUN_PAGES = 64;
const WORDS_PER_PAGE = PAGE_SIZE / 4;
const LANES_PER_PAGE = PAGE_SIZE / 8;

interface Ecb {
  update(data: Uint8Array): Uint8Array;
}

interface XtsKey {
  /** E_K1, D_K1 for data blocks; E_K2 for tweaks. */
  readonly enc1: Ecb;
  readonly dec1: Ecb;
  readonly enc2: Ecb;
  /** E_K2(SPA) per system page (4 words each), filled a chunk at a time on first use. */
  readonly tweaks: Uint32Array;
  /** Which TWEAK_CHUNK-page chunks of `tweaks` are filled. */
  readonly filled: Uint8Array;
}

// Pages whose encrypted tweaks are computed together (one 4 KiB ECB call).
const TWEAK_CHUNK = 256;

function ecb(key: Uint8Array, encrypt: boolean): Ecb {
  const c = encrypt
    ? createCipheriv("aes-128-ecb", key, null)
    : createDecipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  return c;
}

/**
 * Per-ASID keys and per-page views over one {@link SystemMemory}.
 *
 * @example
 * ```ts
 * import { SystemMemory } from "./memory.ts";
 * import { MemoryEncryption } from "./memory_encryption.ts";
 * const enc = new MemoryEncryption(new SystemMemory(2 * 1024 * 1024));
 * enc.installKey(1);
 * enc.privateView(1, 0x3000).set([1, 2, 3]);  // guest plaintext
 * enc.hostRead(0x3000, 3);                     // ciphertext bytes
 * ```
 */
export class MemoryEncryption {
  /** The DRAM being encrypted. */
  readonly memory: SystemMemory;
  /** Per system page: {@link VIEW_RAW} or the ASID whose plaintext the page currently holds. */
  readonly views: Uint16Array;
  /** Bumped whenever a view flips, so cached guest translations re-check. */
  epoch = 0;
  #keys: (XtsKey | undefined)[] = [];
  // Per system page: 1 while DRAM still holds the zeroes it was allocated with (nothing wrote
  // it and no view of it was handed out). Zeroing such a page stores nothing, so the OS never
  // has to back it: a guest validating all its memory would otherwise fault in every page.
  // DRAM is written only through this engine and GuestMemoryAccess (which calls markWritten);
  // a write straight into SystemMemory's arrays would go unseen here.
  readonly #pristine: Uint8Array;
  // DRAM as 8-byte lanes, only ever filled with +0.0 (all bits zero): on a SharedArrayBuffer
  // the widest element fills fastest.
  readonly #lanes: Float64Array;

  /** An engine with no keys and every page raw. */
  constructor(memory: SystemMemory) {
    this.memory = memory;
    this.views = new Uint16Array(memory.pageCount);
    this.#pristine = new Uint8Array(memory.pageCount).fill(1);
    const b = memory.bytes;
    this.#lanes = new Float64Array(b.buffer, b.byteOffset, b.length / 8);
  }

  /**
   * Installs ASID `asid`'s key (32 bytes, key1 || key2), random when omitted.
   * Pages still holding plaintext under an older key are first encrypted with it.
   */
  installKey(asid: number, key?: Uint8Array): void {
    if (!Number.isInteger(asid) || asid < 1 || asid > MAX_ASID) {
      throw new RangeError(`ASID must be 1..${MAX_ASID}, got ${asid}`);
    }
    const k = key ?? crypto.getRandomValues(new Uint8Array(XTS_KEY_SIZE));
    if (k.length !== XTS_KEY_SIZE) {
      throw new RangeError(`XTS key must be 32 bytes, got ${k.length}`);
    }
    if (this.#keys[asid]) {
      for (let p = 0; p < this.views.length; p++) if (this.views[p] === asid) this.toRaw(p, 1);
    }
    this.#keys[asid] = {
      enc1: ecb(k.subarray(0, 16), true),
      dec1: ecb(k.subarray(0, 16), false),
      enc2: ecb(k.subarray(16, 32), true),
      tweaks: new Uint32Array(this.views.length * 4),
      filled: new Uint8Array(Math.ceil(this.views.length / TWEAK_CHUNK)),
    };
  }

  /** True once `asid` has a key. */
  hasKey(asid: number): boolean {
    return this.#keys[asid] !== undefined;
  }

  /** The 4 KiB page at `spa` as plaintext for `asid` (no RMP check: that is the caller's). */
  privateView(asid: number, spa: number): Uint8Array {
    const page = this.#page(spa);
    this.toPrivate(asid, page);
    this.#pristine[page] = 0;
    return this.memory.bytes.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }

  /**
   * The page at `spa` claimed for `asid` (or {@link VIEW_RAW}) WITHOUT converting
   * its old contents: for a caller that overwrites the whole page (zeroing, copying in).
   */
  overwriteView(asid: number, spa: number): Uint8Array {
    const page = this.#page(spa);
    if (asid !== VIEW_RAW) this.#key(asid);
    this.#setView(page, asid);
    this.#pristine[page] = 0;
    return this.memory.bytes.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }

  /**
   * Claims the page at `spa` for `asid` (or {@link VIEW_RAW}) and zeroes it, as
   * `overwriteView(asid, spa).fill(0)` does, with no store to DRAM that still holds its
   * initial zeroes.
   */
  zeroPage(asid: number, spa: number): void {
    const page = this.#page(spa);
    if (asid !== VIEW_RAW) this.#key(asid);
    this.#setView(page, asid);
    if (this.#pristine[page] === 0) {
      this.#lanes.fill(0, page * LANES_PER_PAGE, (page + 1) * LANES_PER_PAGE);
    }
  }

  /**
   * Records that DRAM page `page` may be written from now on (the guest access path calls it
   * before it caches a translation of the page; every other writer here does it itself).
   */
  markWritten(page: number): void {
    this.#pristine[page] = 0;
  }

  /** The page at `spa` raw (C-bit clear): what DRAM holds. */
  sharedView(spa: number): Uint8Array {
    const page = this.#page(spa);
    this.toRaw(page, 1);
    this.#pristine[page] = 0;
    return this.memory.bytes.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  }

  /**
   * A copy of what DRAM holds at `spa`..`spa+length`: ciphertext for private
   * pages. Looking changes nothing: a page the guest (or the SVSM's heap) keeps
   * in its plaintext view stays in it, as real DRAM does not change when read.
   */
  hostRead(spa: number, length: number): Uint8Array {
    const [first, count] = this.#range(spa, length);
    const out = new Uint8Array(count * PAGE_SIZE);
    out.set(this.memory.bytes.subarray(first * PAGE_SIZE, (first + count) * PAGE_SIZE));
    const words = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) {
      const tag = this.views[first + i];
      if (tag !== VIEW_RAW) {
        xtsInPlace(this.#key(tag), first + i, 1, true, words, i * WORDS_PER_PAGE);
      }
    }
    const skip = spa - first * PAGE_SIZE;
    return out.slice(skip, skip + length);
  }

  /** Writes raw bytes into DRAM (RMP rules are the caller's); whole pages need no cipher call. */
  hostWrite(spa: number, data: Uint8Array): void {
    const [first, count] = this.#range(spa, data.length);
    const end = spa + data.length;
    for (let p = first; p < first + count; p++) {
      const whole = p * PAGE_SIZE >= spa && (p + 1) * PAGE_SIZE <= end;
      if (whole) this.#setView(p, VIEW_RAW);
      else this.toRaw(p, 1);
    }
    this.#pristine.fill(0, first, first + count);
    this.memory.bytes.set(data, spa);
  }

  /** Makes `count` pages from `first` raw, batching runs that share a key. */
  toRaw(first: number, count: number): void {
    const end = first + count;
    let p = first;
    while (p < end) {
      const tag = this.views[p];
      if (tag === VIEW_RAW) {
        p++;
        continue;
      }
      let q = p + 1;
      while (q < end && q - p < RUN_PAGES && this.views[q] === tag) q++;
      this.#xts(this.#key(tag), p, q - p, true);
      this.views.fill(VIEW_RAW, p, q);
      this.epoch++;
      p = q;
    }
  }

  /** Makes page `page` hold `asid`'s plaintext (re-keying through raw if another ASID had it). */
  toPrivate(asid: number, page: number): void {
    const tag = this.views[page];
    if (tag === asid) return;
    const key = this.#key(asid);
    if (tag !== VIEW_RAW) this.toRaw(page, 1);
    this.#xts(key, page, 1, false);
    this.#setView(page, asid);
  }

  /**
   * Makes `count` raw pages from `first` hold `asid`'s plaintext with one cipher
   * call (decrypt-ahead). Every page in the range must currently be raw.
   */
  toPrivateRun(asid: number, first: number, count: number): void {
    const key = this.#key(asid);
    for (let p = first; p < first + count; p++) {
      if (this.views[p] !== VIEW_RAW) throw new RangeError(`page ${p} is not raw`);
    }
    for (let p = first; p < first + count; p += RUN_PAGES) {
      this.#xts(key, p, Math.min(RUN_PAGES, first + count - p), false);
    }
    this.views.fill(asid, first, first + count);
    this.epoch++;
  }

  #setView(page: number, tag: number): void {
    if (this.views[page] === tag) return;
    this.views[page] = tag;
    this.epoch++;
  }

  #key(asid: number): XtsKey {
    const k = this.#keys[asid];
    if (!k) throw new RangeError(`no memory encryption key installed for ASID ${asid}`);
    return k;
  }

  #page(spa: number): number {
    if (!this.memory.contains(spa)) throw new RangeError(`SPA ${spa} is outside system memory`);
    return Math.floor(spa / PAGE_SIZE);
  }

  #range(spa: number, length: number): [number, number] {
    if (
      !Number.isInteger(length) || length < 0 || !this.memory.contains(spa) ||
      spa + length > this.memory.size
    ) {
      throw new RangeError(`range ${spa}+${length} is outside system memory`);
    }
    const first = Math.floor(spa / PAGE_SIZE);
    const last = length === 0 ? first : Math.floor((spa + length - 1) / PAGE_SIZE);
    return [first, last - first + 1];
  }

  /** XTS over `count` contiguous pages in place: C = E_K1(P ^ T) ^ T, T_j = E_K2(SPA) * alpha^j. */
  #xts(key: XtsKey, first: number, count: number, encrypt: boolean): void {
    this.#pristine.fill(0, first, first + count);
    xtsInPlace(key, first, count, encrypt, this.memory.words, first * WORDS_PER_PAGE);
  }
}

/**
 * AES-XTS over `count` pages whose tweaks are those of system pages
 * `first`.., held in `words` from word `base` (DRAM itself, or a copy).
 */
function xtsInPlace(
  key: XtsKey,
  first: number,
  count: number,
  encrypt: boolean,
  words: Uint32Array,
  base: number,
): void {
  const tweaks = tweakBlocks(key, first, count);
  xorTweaks(words, base, tweaks, count);
  const bytes = new Uint8Array(words.buffer, words.byteOffset + base * 4, count * PAGE_SIZE);
  const out = aligned((encrypt ? key.enc1 : key.dec1).update(bytes));
  words.set(out, base);
  xorTweaks(words, base, tweaks, count);
}

/** XORs each page's tweak sequence T_j = T_0 * alpha^j into `words` from `base`. */
function xorTweaks(words: Uint32Array, base: number, tweaks: Uint32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    let w0 = tweaks[4 * i], w1 = tweaks[4 * i + 1], w2 = tweaks[4 * i + 2], w3 = tweaks[4 * i + 3];
    const end = base + (i + 1) * WORDS_PER_PAGE;
    for (let k = base + i * WORDS_PER_PAGE; k < end; k += 4) {
      words[k] ^= w0;
      words[k + 1] ^= w1;
      words[k + 2] ^= w2;
      words[k + 3] ^= w3;
      // Multiply by alpha in GF(2^128), little-endian (IEEE 1619 §5.2).
      const carry = w3 >> 31; // 0 or -1
      w3 = (w3 << 1) | (w2 >>> 31);
      w2 = (w2 << 1) | (w1 >>> 31);
      w1 = (w1 << 1) | (w0 >>> 31);
      w0 = (w0 << 1) ^ (carry & 0x87);
    }
  }
}

/** E_K2(tweak) for each page (the tweak is the page's SPA as a 128-bit little-endian number), cached. */
function tweakBlocks(key: XtsKey, first: number, count: number): Uint32Array {
  for (let c = Math.floor(first / TWEAK_CHUNK); c * TWEAK_CHUNK < first + count; c++) {
    if (key.filled[c]) continue;
    const start = c * TWEAK_CHUNK;
    const n = Math.min(TWEAK_CHUNK, key.tweaks.length / 4 - start);
    const input = new Uint32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const spa = (start + i) * PAGE_SIZE;
      input[4 * i] = spa % 0x100000000;
      input[4 * i + 1] = Math.floor(spa / 0x100000000);
    }
    key.tweaks.set(aligned(key.enc2.update(new Uint8Array(input.buffer))), start * 4);
    key.filled[c] = 1;
  }
  return key.tweaks.subarray(first * 4, (first + count) * 4);
}

/** The bytes as 32-bit words (copying if the Buffer is not 4-byte aligned). */
function aligned(b: Uint8Array): Uint32Array {
  if (b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  return new Uint32Array(b.slice().buffer);
}
