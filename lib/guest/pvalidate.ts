/**
 * Validating guest memory through the SVSM (Linux arch/x86/coco/sev `svsm_pval_pages`;
 * svsm-abi.md §6): a guest below VMPL0 cannot PVALIDATE, so it writes a PVALIDATE list into its
 * calling area at offset 8 (up to 510 entries, 2 MiB entries where the range is 2 MiB-aligned)
 * and calls core PVALIDATE. A 2 MiB entry refused with FAIL_SIZEMISMATCH (the host backs it
 * with 4 KiB RMP entries) is retried as 512 4 KiB entries, as Linux does.
 * @module
 */

import {
  encodePvalidateEntry,
  maxPvalidateEntries,
  PVALIDATE_ENTRY_SIZE,
  PVALIDATE_LIST_HEADER,
} from "../svsm/abi/pvalidate_list.ts";
import { CoreCall, SvsmProtocol } from "../svsm/abi/protocol_ids.ts";
import { SvsmResultCode } from "../svsm/protocols/errors.ts";
import type { SvsmCallResult } from "./svsm_call.ts";

/** Where Linux puts the list: right after the 8-byte calling area. */
export const PVALIDATE_LIST_CA_OFFSET = 8;
/** The FAIL_SIZEMISMATCH result (PROTOCOL_BASE + 6; Linux `SVSM_PVALIDATE_FAIL_SIZEMISMATCH`). */
export const PVALIDATE_FAIL_SIZEMISMATCH: number = SvsmResultCode.PROTOCOL_BASE + 6;

const PAGE = 0x1000, PAGE_2M = 0x200000;

/**
 * A PVALIDATE call the SVSM answered with an error.
 *
 * @example
 * ```ts
 * import { GuestPvalidateError } from "./pvalidate.ts";
 * const e = new GuestPvalidateError(0x80001006, 0x200000);
 * e.code; // 0x80001006
 * ```
 */
export class GuestPvalidateError extends Error {
  /** The error name. */
  override name = "GuestPvalidateError";
  /** The SVSM result code. */
  readonly code: number;

  /** `code` for the list entry at `gpa`. */
  constructor(code: number, gpa: number) {
    super(`SVSM PVALIDATE of 0x${gpa.toString(16)} failed: 0x${code.toString(16)}`);
    this.code = code;
  }
}

/**
 * One list entry before encoding.
 *
 * @example
 * ```ts
 * import { type GuestPvalidateEntry, pvalidateEntries } from "./pvalidate.ts";
 * const entries: GuestPvalidateEntry[] = pvalidateEntries(0x200000, 0x201000);
 * entries[0]; // { gpa: 0x200000, size2M: true }
 * entries[1]; // { gpa: 0x400000, size2M: false }
 * ```
 */
export interface GuestPvalidateEntry {
  /** Page address. */
  gpa: number;
  /** A 2 MiB entry. */
  size2M: boolean;
}

/**
 * What the list builder needs: write guest memory, and call the SVSM.
 *
 * @example
 * ```ts
 * import { type PvalidateCaller, svsmPvalidate } from "./pvalidate.ts";
 * import type { GuestCpu, GuestOs } from "./guest_os.ts";
 * // Validate [1 MiB, 3 MiB) through `cpu`'s calling area.
 * async function validate(os: GuestOs, cpu: GuestCpu): Promise<void> {
 *   const caller: PvalidateCaller = {
 *     caGpa: cpu.caGpa,
 *     write: (gpa, data) => cpu.ctx.write(gpa, data),
 *     read: (gpa, length) => cpu.ctx.read(gpa, length),
 *     call: (protocol, call, rcx) => os.svsmCall(cpu, protocol, call, rcx),
 *   };
 *   // 512 4 KiB entries: 1 MiB is not 2 MiB-aligned (pvalidateEntries).
 *   await svsmPvalidate(caller, 0x100000, 0x200000, true);
 * }
 * ```
 */
export interface PvalidateCaller {
  /** GPA of this CPU's calling area. */
  readonly caGpa: number;
  /** Writes guest memory (the CA page). */
  write(gpa: number, data: Uint8Array): void;
  /** Reads guest memory (the list header after the call). */
  read(gpa: number, length: number): Uint8Array;
  /** A raw SVSM call. */
  call(protocol: number, call: number, rcx: bigint): Promise<SvsmCallResult>;
}

/**
 * The entries covering `[gpa, gpa + size)`: 2 MiB where aligned (unless `only4K`), else 4 KiB.
 *
 * @example
 * ```ts
 * import { pvalidateEntries } from "./pvalidate.ts";
 * pvalidateEntries(0x1ff000, 0x201000).length; // 2: one 4K, one 2M
 * ```
 */
export function pvalidateEntries(gpa: number, size: number, only4K = false): GuestPvalidateEntry[] {
  const out: GuestPvalidateEntry[] = [];
  let at = gpa;
  const end = gpa + size;
  while (at < end) {
    const big = !only4K && at % PAGE_2M === 0 && end - at >= PAGE_2M;
    out.push({ gpa: at, size2M: big });
    at += big ? PAGE_2M : PAGE;
  }
  return out;
}

/**
 * Validates (or invalidates) `[gpa, gpa + size)`, page-aligned, through SVSM PVALIDATE lists.
 *
 * @example
 * ```ts
 * // await svsmPvalidate(caller, 0x100000, 0x400000, true);
 * import { svsmPvalidate } from "./pvalidate.ts";
 * typeof svsmPvalidate; // "function"
 * ```
 */
export async function svsmPvalidate(
  caller: PvalidateCaller,
  gpa: number,
  size: number,
  validate: boolean,
): Promise<void> {
  if (gpa % PAGE !== 0 || size % PAGE !== 0 || size <= 0) {
    throw new RangeError("PVALIDATE ranges are page-aligned and non-empty");
  }
  await runEntries(caller, pvalidateEntries(gpa, size), validate);
}

async function runEntries(
  caller: PvalidateCaller,
  entries: GuestPvalidateEntry[],
  validate: boolean,
) {
  const listGpa = caller.caGpa + PVALIDATE_LIST_CA_OFFSET;
  const max = maxPvalidateEntries(listGpa);
  for (let first = 0; first < entries.length; first += max) {
    const chunk = entries.slice(first, first + max);
    const mismatch = await runList(caller, listGpa, chunk, validate);
    if (mismatch >= 0) {
      // The 2M entry at `mismatch` split into 4K ones, then the rest of this chunk.
      const big = chunk[mismatch];
      await runEntries(caller, pvalidateEntries(big.gpa, PAGE_2M, true), validate);
      await runEntries(
        caller,
        [...chunk.slice(mismatch + 1), ...entries.slice(first + max)],
        validate,
      );
      return;
    }
  }
}

/** Writes one list and calls PVALIDATE; returns the index of a 2M size-mismatch entry, else -1. */
async function runList(
  caller: PvalidateCaller,
  listGpa: number,
  chunk: GuestPvalidateEntry[],
  validate: boolean,
): Promise<number> {
  const list = new Uint8Array(8 + chunk.length * PVALIDATE_ENTRY_SIZE);
  PVALIDATE_LIST_HEADER.encode({ entries: chunk.length, next: 0 }, list);
  const view = new DataView(list.buffer);
  chunk.forEach((e, i) => {
    const word = encodePvalidateEntry({ gpa: e.gpa, pageSize: e.size2M ? 1 : 0, validate });
    view.setBigUint64(8 + i * PVALIDATE_ENTRY_SIZE, word, true);
  });
  caller.write(listGpa, list);
  const r = await caller.call(SvsmProtocol.CORE, CoreCall.PVALIDATE, BigInt(listGpa));
  const code = Number(r.rax);
  if (code === SvsmResultCode.SUCCESS) return -1;
  const next = PVALIDATE_LIST_HEADER.decode(caller.read(listGpa, 8)).next;
  const failed = chunk[next];
  if (code === PVALIDATE_FAIL_SIZEMISMATCH && failed?.size2M) return next;
  throw new GuestPvalidateError(code, failed?.gpa ?? listGpa);
}
