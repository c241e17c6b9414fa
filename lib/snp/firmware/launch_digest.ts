/**
 * The launch digest calculator: the SHA-384 chain over PAGE_INFO records that
 * the firmware runs during SNP_LAUNCH_UPDATE and that ends as the report's
 * MEASUREMENT. Usable on its own, without booting anything.
 * @module
 */
import { createHash } from "node:crypto";
import {
  LAUNCH_DIGEST_SIZE,
  PAGE_INFO,
  PageType,
  type PageType as PageTypeValue,
} from "./page_info.ts";
import { PAGE_SIZE, VMSA_LAUNCH_GPA } from "../constants.ts";

/** SHA-384 of `data`, synchronously (node:crypto is faster than WebCrypto for 4 KiB). */
export function sha384(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha384").update(data).digest());
}

/**
 * One page handed to SNP_LAUNCH_UPDATE, as the measurement sees it.
 *
 * @example
 * ```ts
 * import { LaunchDigest, type PageUpdate } from "./launch_digest.ts";
 * import { PageType } from "./page_info.ts";
 * const cpuidPage: PageUpdate = { type: PageType.CPUID, gpa: 0x80e000 }; // measured as zeros
 * new LaunchDigest().update(cpuidPage).length; // 48
 * ```
 */
export interface PageUpdate {
  /** The page type. */
  readonly type: PageTypeValue;
  /** Guest physical address of the page (ignored for VMSA pages, see §6.1). */
  readonly gpa: number;
  /** The 4 KiB page; NORMAL and VMSA pages need it unless `contents` is given. */
  readonly data?: Uint8Array;
  /** The PAGE_INFO CONTENTS field, when the page itself is not at hand. */
  readonly contents?: Uint8Array;
}

/**
 * The CONTENTS field of PAGE_INFO: SHA-384 of the page for NORMAL and VMSA
 * pages, 48 zero bytes for every other type. snp-abi.md §6.2.
 */
export function pageContents(update: PageUpdate): Uint8Array {
  const hashed = update.type === PageType.NORMAL || update.type === PageType.VMSA;
  if (update.contents !== undefined) {
    if (update.contents.length !== LAUNCH_DIGEST_SIZE) {
      throw new RangeError(`contents must be ${LAUNCH_DIGEST_SIZE} bytes`);
    }
    if (!hashed && update.contents.some((b) => b !== 0)) {
      throw new RangeError("contents of a ZERO/UNMEASURED/SECRETS/CPUID page must be zero");
    }
    if (update.data !== undefined) throw new RangeError("give data or contents, not both");
    return update.contents;
  }
  if (!hashed) {
    if (update.data !== undefined) throw new RangeError("only NORMAL and VMSA pages carry data");
    return new Uint8Array(LAUNCH_DIGEST_SIZE);
  }
  if (update.data === undefined || update.data.length !== PAGE_SIZE) {
    throw new RangeError(`a NORMAL or VMSA page needs ${PAGE_SIZE} bytes of data`);
  }
  return sha384(update.data);
}

/**
 * Builds the PAGE_INFO record for `update` chained onto `digest`.
 * VMSA pages are recorded at VMSA_LAUNCH_GPA (0xFFFFFFFFF000, whatever their
 * real GPA: snp-abi.md §6.1, Linux KVM INITIAL_VMSA_GPA).
 */
export function pageInfo(digest: Uint8Array, update: PageUpdate): Uint8Array {
  const gpa = update.type === PageType.VMSA ? VMSA_LAUNCH_GPA : update.gpa;
  if (!Number.isSafeInteger(gpa) || gpa < 0 || gpa % PAGE_SIZE !== 0) {
    throw new RangeError(`gpa 0x${gpa.toString(16)} is not a page-aligned address`);
  }
  return PAGE_INFO.encode({
    digestCur: digest,
    contents: pageContents(update),
    length: PAGE_INFO.size,
    pageType: update.type,
    gpa: BigInt(gpa),
  });
}

/**
 * A running launch digest. Starts at 48 zero bytes (or a given seed); every
 * {@link LaunchDigest.update} sets `LD = SHA-384(PAGE_INFO)`. snp-abi.md §6.1.
 *
 * @example
 * ```ts
 * import { LaunchDigest, PageType } from "./mod.ts";
 * const ld = new LaunchDigest();
 * ld.update({ type: PageType.ZERO, gpa: 0x800000 });
 * ld.update({ type: PageType.NORMAL, gpa: 0xfffff000, data: new Uint8Array(4096) });
 * ld.digest; // the MEASUREMENT a report would carry
 * ```
 */
export class LaunchDigest {
  #digest: Uint8Array;

  /** Starts from `seed` (48 bytes), or from zero. */
  constructor(seed?: Uint8Array) {
    if (seed !== undefined && seed.length !== LAUNCH_DIGEST_SIZE) {
      throw new RangeError(`seed must be ${LAUNCH_DIGEST_SIZE} bytes`);
    }
    this.#digest = seed ? seed.slice() : new Uint8Array(LAUNCH_DIGEST_SIZE);
  }

  /** The current digest (a copy). */
  get digest(): Uint8Array {
    return this.#digest.slice();
  }

  /** Measures one page and returns the new digest. */
  update(update: PageUpdate): Uint8Array {
    this.#digest = sha384(pageInfo(this.#digest, update));
    return this.digest;
  }
}

/**
 * Measures a whole launch; returns the digest after every update (the last is
 * the MEASUREMENT). An empty list yields an empty array.
 *
 * @example
 * ```ts
 * import { measureLaunch, PageType } from "./mod.ts";
 * const steps = measureLaunch([{ type: PageType.SECRETS, gpa: 0x80d000 }]);
 * steps.at(-1); // the final launch digest
 * ```
 */
export function measureLaunch(updates: readonly PageUpdate[], seed?: Uint8Array): Uint8Array[] {
  const ld = new LaunchDigest(seed);
  return updates.map((u) => ld.update(u));
}
