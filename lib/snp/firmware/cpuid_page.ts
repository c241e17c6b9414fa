/**
 * The SNP CPUID page: up to 64 CPUID results the host proposes at launch and
 * the firmware checks before the guest may trust them.
 * @module
 */
import { type Field, Layout, u32, u64 } from "../../common/layout.ts";

/**
 * Maximum entries in a CPUID page. snp-abi.md §11.
 *
 * @example
 * ```ts
 * import { CPUID_PAGE, CPUID_PAGE_MAX_ENTRIES } from "./cpuid_page.ts";
 * const page = new Uint8Array(4096); // the CPUID page the host proposes
 * CPUID_PAGE.set(page, "count", 65); // a hostile host claims 65 entries
 * const tooMany = CPUID_PAGE.get(page, "count") > CPUID_PAGE_MAX_ENTRIES; // true
 * ```
 */
export const CPUID_PAGE_MAX_ENTRIES = 64;

/**
 * CPUID page header, snp-abi.md §11 (Linux `snp_cpuid_table`).
 *
 * @example
 * ```ts
 * import { CPUID_PAGE } from "./cpuid_page.ts";
 * CPUID_PAGE.get(new Uint8Array(4096), "count"); // 0
 * ```
 */
export const CPUID_PAGE: Layout<{
  count: Field<"u32">;
  reserved1: Field<"u32">;
  reserved2: Field<"u64">;
}> = new Layout("CPUID page", 4096, {
  count: u32(0x00),
  reserved1: u32(0x04),
  reserved2: u64(0x08),
});

/**
 * Offset of entry 0; entry i sits at `CPUID_ENTRIES_OFFSET + 48·i`.
 *
 * @example
 * ```ts
 * import { CPUID_ENTRIES_OFFSET, CPUID_ENTRY, writeCpuidPage } from "./cpuid_page.ts";
 * const page = writeCpuidPage([
 *   { eaxIn: 0x8000001f, ecxIn: 0, xcr0In: 0n, xssIn: 0n, eax: 0x1, ebx: 0x33, ecx: 0, edx: 0 },
 * ]);
 * const i = 0; // entry index
 * CPUID_ENTRY.get(page, "ebx", CPUID_ENTRIES_OFFSET + i * CPUID_ENTRY.size); // 0x33
 * ```
 */
export const CPUID_ENTRIES_OFFSET = 0x10;

/**
 * One CPUID page entry (48 bytes), snp-abi.md §11 (Linux `snp_cpuid_fn`).
 *
 * @example
 * ```ts
 * import { CPUID_ENTRY, CPUID_ENTRIES_OFFSET } from "./cpuid_page.ts";
 * const page = new Uint8Array(4096);
 * CPUID_ENTRY.set(page, "eaxIn", 0x8000001f, CPUID_ENTRIES_OFFSET);
 * ```
 */
export const CPUID_ENTRY: Layout<{
  eaxIn: Field<"u32">;
  ecxIn: Field<"u32">;
  xcr0In: Field<"u64">;
  xssIn: Field<"u64">;
  eax: Field<"u32">;
  ebx: Field<"u32">;
  ecx: Field<"u32">;
  edx: Field<"u32">;
  reserved: Field<"u64">;
}> = new Layout("CPUID entry", 48, {
  eaxIn: u32(0x00),
  ecxIn: u32(0x04),
  xcr0In: u64(0x08),
  xssIn: u64(0x10),
  eax: u32(0x18),
  ebx: u32(0x1c),
  ecx: u32(0x20),
  edx: u32(0x24),
  reserved: u64(0x28),
});

/**
 * One CPUID result as the page holds it.
 *
 * @example
 * ```ts
 * import { type CpuidEntry, writeCpuidPage } from "./cpuid_page.ts";
 * // leaf 0x8000001F: EAX bit 1 = SEV, EBX[5:0] = C-bit position (51)
 * const sev: CpuidEntry = {
 *   eaxIn: 0x8000001f, ecxIn: 0, xcr0In: 0n, xssIn: 0n, eax: 0x2, ebx: 0x33, ecx: 0, edx: 0,
 * };
 * const page = writeCpuidPage([sev]);
 * ```
 */
export interface CpuidEntry {
  /** Leaf (EAX input). */
  eaxIn: number;
  /** Sub-leaf (ECX input). */
  ecxIn: number;
  /** XCR0 input (for leaf 0xD). */
  xcr0In: bigint;
  /** XSS input (for leaf 0xD). */
  xssIn: bigint;
  /** Output EAX. */
  eax: number;
  /** Output EBX. */
  ebx: number;
  /** Output ECX. */
  ecx: number;
  /** Output EDX. */
  edx: number;
}

/**
 * Reads the entries of a CPUID page; throws a `RangeError` when COUNT exceeds 64.
 *
 * @example
 * ```ts
 * import { readCpuidPage, writeCpuidPage } from "./cpuid_page.ts";
 * const page = writeCpuidPage([{ eaxIn: 1, ecxIn: 0, xcr0In: 0n, xssIn: 0n,
 *   eax: 0xa00f11, ebx: 0, ecx: 0, edx: 0 }]);
 * readCpuidPage(page)[0].eax; // 0xa00f11
 * ```
 */
export function readCpuidPage(page: Uint8Array): CpuidEntry[] {
  const count = CPUID_PAGE.get(page, "count");
  if (count > CPUID_PAGE_MAX_ENTRIES) {
    throw new RangeError(`CPUID page count ${count} exceeds ${CPUID_PAGE_MAX_ENTRIES}`);
  }
  return Array.from({ length: count }, (_, i) => {
    const { reserved: _r, ...entry } = CPUID_ENTRY.decode(page, entryOffset(i));
    return entry;
  });
}

/**
 * Builds a CPUID page holding `entries` (at most 64).
 *
 * @example
 * ```ts
 * import { readCpuidPage, writeCpuidPage } from "./cpuid_page.ts";
 * const page = writeCpuidPage([
 *   { eaxIn: 0x8000001f, ecxIn: 0, xcr0In: 0n, xssIn: 0n, eax: 0x1, ebx: 0x33, ecx: 0, edx: 0 },
 * ]);
 * readCpuidPage(page).length; // 1
 * ```
 */
export function writeCpuidPage(entries: readonly CpuidEntry[]): Uint8Array {
  if (entries.length > CPUID_PAGE_MAX_ENTRIES) {
    throw new RangeError(`at most ${CPUID_PAGE_MAX_ENTRIES} CPUID entries`);
  }
  const page = CPUID_PAGE.encode({ count: entries.length });
  entries.forEach((e, i) => {
    const base = entryOffset(i);
    for (const k of Object.keys(e) as (keyof CpuidEntry)[]) {
      CPUID_ENTRY.set(page, k, e[k] as never, base);
    }
  });
  return page;
}

function entryOffset(i: number): number {
  return CPUID_ENTRIES_OFFSET + CPUID_ENTRY.size * i;
}

/**
 * The firmware's CPUID page check at SNP_LAUNCH_UPDATE: the host may hide
 * feature bits but not claim ones the platform lacks. Entries for leaves the
 * platform table does not list pass unchanged (the model checks no more).
 * Returns the page to install, with `rejected` and the corrected entries
 * when some claim was refused; undefined when the page is malformed.
 */
export function checkCpuidPage(
  proposed: Uint8Array,
  platform: readonly CpuidEntry[],
): { bytes: Uint8Array; rejected: boolean } | undefined {
  let entries: CpuidEntry[];
  try {
    entries = readCpuidPage(proposed);
  } catch {
    return undefined;
  }
  let rejected = false;
  const fixed = entries.map((e) => {
    const real = platform.find((r) => r.eaxIn === e.eaxIn && r.ecxIn === e.ecxIn);
    if (!real) return e;
    const out = { ...e };
    for (const reg of ["eax", "ebx", "ecx", "edx"] as const) {
      if ((e[reg] & ~real[reg]) !== 0) {
        rejected = true;
        out[reg] = (e[reg] & real[reg]) >>> 0;
      }
    }
    return out;
  });
  return { bytes: rejected ? writeCpuidPage(fixed) : proposed.slice(), rejected };
}
