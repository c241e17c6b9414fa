/**
 * Consistency checker for the allocator metadata: walks every page record,
 * every free list and every slab list and reports each broken invariant. Used
 * by the property tests after random operations and available to a debugger.
 * O(pages); not for hot paths.
 * @module
 */
import type { BuddyAllocator } from "./buddy_allocator.ts";
import {
  HEADER_MAGIC,
  NO_PAGE,
  ORDER_SHIFT,
  PageType,
  readPageInfo,
  TYPE_MASK,
  W,
} from "./page_info.ts";
import type { SlabCache } from "./slab.ts";

/**
 * Answers the list of violated invariants (empty when consistent).
 *
 * @example
 * ```ts
 * import { KernelAllocator } from "./global_alloc.ts";
 * import { checkHeap } from "./check.ts";
 * const heap = new KernelAllocator({ bytes: new Uint8Array(1 << 20), base: 0 });
 * checkHeap(heap.pages, heap.caches); // []
 * ```
 */
export function checkHeap(pages: BuddyAllocator, caches: readonly SlabCache[] = []): string[] {
  const problems: string[] = [];
  const m = pages.meta;
  if (m[0] !== HEADER_MAGIC) problems.push("header magic");
  if (m[W.pageCount] !== pages.pageCount || m[W.metaPages] !== pages.metaPages) {
    problems.push("header sizes");
  }
  const freeHeads = checkBlocks(pages, problems);
  checkFreeLists(pages, freeHeads, problems);
  checkSlabs(pages, caches, problems);
  return problems;
}

/** Walks the records block by block; answers the free block heads by order. */
function checkBlocks(pages: BuddyAllocator, problems: string[]): Set<number>[] {
  const m = pages.meta;
  const heads = Array.from({ length: pages.maxOrder }, () => new Set<number>());
  let freePages = 0;
  let i = 0;
  while (i < pages.pageCount) {
    const p = readPageInfo(m, i);
    if (i < pages.metaPages) {
      if (p.type !== PageType.Reserved) problems.push(`metadata page ${i} not Reserved`);
      i++;
      continue;
    }
    let order = 0;
    if (p.type === PageType.Free || p.type === PageType.Allocated) {
      order = p.param;
      if (order >= pages.maxOrder || (i & ((1 << order) - 1)) !== 0) {
        problems.push(`page ${i}: block of order ${order} misaligned or too large`);
        i++;
        continue;
      }
      if (p.type === PageType.Free) {
        heads[order].add(i);
        freePages += 1 << order;
        if (p.aux !== 0 || extraWords(m, i).some((w) => w !== 0)) {
          problems.push(`free page ${i}: stale words`);
        }
      }
    } else if (p.type === PageType.File) {
      if (p.aux === 0) problems.push(`file page ${i} with reference count 0`);
    } else if (p.type !== PageType.SlabPage) {
      problems.push(`page ${i}: type ${p.type} where a block should start`);
      i++;
      continue;
    }
    checkTails(m, i, order, problems);
    i += 1 << order;
  }
  if (i !== pages.pageCount) problems.push(`last block runs past the region`);
  if (freePages !== m[W.freePages]) {
    problems.push(`free pages: records say ${freePages}, header ${m[W.freePages]}`);
  }
  checkCoalesced(pages, heads, problems);
  return heads;
}

function checkTails(m: Uint32Array, head: number, order: number, problems: string[]): void {
  const want = (order << ORDER_SHIFT) | PageType.Compound;
  for (let t = head + 1; t < head + (1 << order); t++) {
    const r = W.records + t * W.record;
    for (let w = 1; w < W.record; w++) {
      if (m[r + w] !== 0) problems.push(`tail page ${t}: word ${w} not zero`);
    }
    if (m[r] !== want) problems.push(`tail page ${t} of block ${head} not Compound(${order})`);
  }
}

/** No free block may have a free buddy of the same order below the top order. */
function checkCoalesced(pages: BuddyAllocator, heads: Set<number>[], problems: string[]): void {
  for (let k = 0; k < pages.maxOrder - 1; k++) {
    for (const i of heads[k]) {
      if (heads[k].has(i ^ (1 << k))) problems.push(`free buddies ${i} at order ${k} not merged`);
    }
  }
}

function checkFreeLists(pages: BuddyAllocator, heads: Set<number>[], problems: string[]): void {
  const m = pages.meta;
  for (let k = 0; k < pages.maxOrder; k++) {
    const seen = new Set<number>();
    let prev = NO_PAGE;
    let cur = m[W.freeHead + k];
    while (cur !== NO_PAGE && seen.size <= heads[k].size) {
      if (!heads[k].has(cur)) problems.push(`order-${k} list holds ${cur}, not a free head`);
      if (m[W.records + cur * W.record + W.prev] !== prev) problems.push(`bad prev link at ${cur}`);
      if (seen.has(cur)) problems.push(`order-${k} list loops at ${cur}`);
      seen.add(cur);
      prev = cur;
      cur = m[W.records + cur * W.record + W.next];
    }
    if (seen.size !== heads[k].size || m[W.freeCount + k] !== heads[k].size) {
      problems.push(
        `order ${k}: ${heads[k].size} free blocks, list ${seen.size}, count ${m[W.freeCount + k]}`,
      );
    }
    const bit = (m[W.orderMask] >>> k) & 1;
    if (bit !== (heads[k].size > 0 ? 1 : 0)) problems.push(`order mask bit ${k} wrong`);
  }
}

function checkSlabs(pages: BuddyAllocator, caches: readonly SlabCache[], problems: string[]): void {
  const m = pages.meta;
  for (const c of caches) {
    const owned: number[] = [];
    for (let i = pages.metaPages; i < pages.pageCount; i++) {
      const info = m[W.records + i * W.record];
      if ((info & TYPE_MASK) === PageType.SlabPage && info >>> ORDER_SHIFT === c.itemSize) {
        owned.push(i);
      }
    }
    const onList = new Set<number>();
    let prev = NO_PAGE;
    for (let p = c.head; p !== NO_PAGE && onList.size <= owned.length;) {
      if (m[W.records + p * W.record + W.prev] !== prev) problems.push(`slab ${c.itemSize}: prev`);
      onList.add(p);
      prev = p;
      p = m[W.records + p * W.record + W.next];
    }
    if (prev !== c.tail) problems.push(`slab ${c.itemSize}: tail ${c.tail}, list ends ${prev}`);
    let empty = 0;
    for (const p of owned) {
      const free = m[W.records + p * W.record + W.aux];
      const used = extraWords(m, p).reduce((n, w) => n + popcount(w), 0) - (128 - c.slots);
      if (used !== c.slots - free) problems.push(`slab page ${p}: bitmap disagrees with count`);
      if ((free > 0) !== onList.has(p)) problems.push(`slab page ${p}: free ${free}, listed?`);
      if (free === c.slots) empty++;
    }
    const ownedSet = new Set(owned);
    if ([...onList].some((p) => !ownedSet.has(p))) {
      problems.push(`slab ${c.itemSize}: list holds pages it does not own`);
    }
    if (owned.length !== c.pages || empty !== c.emptyPages || empty > c.reserve) {
      problems.push(`slab ${c.itemSize}: ${owned.length} pages/${empty} empty vs counters`);
    }
  }
}

function extraWords(m: Uint32Array, page: number): number[] {
  const r = W.records + page * W.record + W.extra;
  return [m[r], m[r + 1], m[r + 2], m[r + 3]];
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
}
