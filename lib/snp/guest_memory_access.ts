/**
 * The checks the hardware makes on every guest memory access (snp-abi.md §7.1,
 * §8), and the host's side of the same memory:
 *
 * 1. nested translation GPA → SPA through the guest's {@link Npt};
 * 2. private (C-bit set): the RMP entry must be assigned to this ASID at this
 *    GPA (else #NPF with PFERR_GUEST_RMP), validated (else #VC 0x404), and the
 *    VMPL's permission mask must allow the access (else #NPF with
 *    PFERR_GUEST_VMPL); a VMSA page is never writable below VMPL0;
 * 3. shared (C-bit clear): the page must NOT be assigned (else #NPF, RMP bit).
 *
 * A small direct-mapped TLB remembers the outcome per guest page; any change to
 * the RMP, the NPT or a page's encryption view invalidates it (epoch counters),
 * so a hit costs a few comparisons and one typed-array access.
 * @module
 */
import { PAGE_SIZE } from "./constants.ts";
import {
  faultBits,
  MachineFault,
  PFERR_FETCH,
  PFERR_GUEST_ENC,
  PFERR_GUEST_FINAL,
  PFERR_GUEST_RMP,
  PFERR_GUEST_VMPL,
  PFERR_PRESENT,
  PFERR_USER,
  PFERR_WRITE,
  VC_PAGE_NOT_VALIDATED,
} from "./faults.ts";
import type { SystemMemory } from "./memory.ts";
import type { MemoryEncryption } from "./memory_encryption.ts";
import { VIEW_RAW } from "./memory_encryption.ts";
import type { Npt } from "./npt.ts";
import {
  type Rmp,
  RMP_FLAG_ASSIGNED,
  RMP_FLAG_VALIDATED,
  RMP_FLAG_VMSA,
  RMP_PERM_EXEC_SUPER,
  RMP_PERM_EXEC_USER,
  RMP_PERM_READ,
  RMP_PERM_WRITE,
} from "./rmp.ts";

/**
 * Who is accessing: the guest's ASID, the VMPL it runs at, and its nested page table.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * import { Npt } from "./npt.ts";
 * import type { AccessContext } from "./guest_memory_access.ts";
 * const m = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * const npt = new Npt();
 * npt.map(0x1000, 0x3000);
 * const guest: AccessContext = { asid: 1, vmpl: 2, npt };
 * m.access.check(guest, 0x1008, "read", false); // 0x3008: a shared read of a host page
 * ```
 */
export interface AccessContext {
  /** Guest ASID (selects the memory encryption key). */
  readonly asid: number;
  /** VMPL of the running software, 0..3. */
  readonly vmpl: number;
  /** The guest's nested page table (owned by the host). */
  readonly npt: Npt;
}

/**
 * The four access types an RMP permission mask distinguishes (snp-abi.md §7.2).
 *
 * @example
 * ```ts
 * import { ACCESS_PERM, type AccessKind } from "./guest_memory_access.ts";
 * const kind: AccessKind = "execute-supervisor";
 * ACCESS_PERM[kind]; // 8, RMP_PERM_EXEC_SUPER: the bit the VMPL's mask must hold
 * ```
 */
export type AccessKind = "read" | "write" | "execute-user" | "execute-supervisor";

/** The RMP permission bit for each access kind. */
export const ACCESS_PERM: Readonly<Record<AccessKind, number>> = {
  read: RMP_PERM_READ,
  write: RMP_PERM_WRITE,
  "execute-user": RMP_PERM_EXEC_USER,
  "execute-supervisor": RMP_PERM_EXEC_SUPER,
};

const TLB_SIZE = 256; // power of two: 64 pages × 4 VMPLs
const VIEW_CACHE_SIZE = 256; // page views handed out, direct-mapped by system page
const DECRYPT_AHEAD = 64; // pages converted together when a guest touches a raw private page

/** One cached translation: the tag (guest page, NPT, ASID, VMPL, epochs) and its outcome. */
interface TlbEntry {
  gfn: number;
  npt: Npt | undefined;
  asid: number;
  vmpl: number;
  /** Allowed RMP_PERM_* bits: low nibble for private accesses, high nibble for shared. */
  perm: number;
  epoch: number;
  /** The NPT's epoch alone: while it holds, `base` is still the translation. */
  nptEpoch: number;
  base: number;
}
const SHARED_SHIFT = 4; // shared-access permissions live in the TLB's high nibble

/**
 * Guest memory as the CPU lets a guest see it. One per machine. Every method
 * throws {@link MachineFault} on a forbidden access, before touching memory.
 *
 * @example
 * ```ts
 * import { GuestMemoryAccess, MemoryEncryption, Npt, Rmp, SystemMemory, pvalidate } from "./core.ts";
 * const mem = new SystemMemory(2 * 1024 * 1024);
 * const rmp = new Rmp(mem.pageCount), enc = new MemoryEncryption(mem), npt = new Npt();
 * enc.installKey(1);
 * npt.map(0x10000, 0x4000);
 * rmp.rmpupdate(0x4000, { assigned: true, asid: 1, gpa: 0x10000, pageSize2M: false });
 * const ctx = { asid: 1, vmpl: 0, npt, rmp };
 * pvalidate(ctx, 0x10000, false, true);
 * const access = new GuestMemoryAccess(mem, rmp, enc);
 * access.writeU32(ctx, 0x10010, 42, true);
 * access.readU32(ctx, 0x10010, true); // 42
 * ```
 */
export class GuestMemoryAccess {
  /** The DRAM. */
  readonly memory: SystemMemory;
  /** The RMP consulted on every access. */
  readonly rmp: Rmp;
  /** The encryption engine whose views the accesses use. */
  readonly encryption: MemoryEncryption;
  #view: DataView;
  #bytes: Uint8Array;
  // Views are windows on DRAM, so one per page can be shared by every caller.
  readonly #viewPages = new Int32Array(VIEW_CACHE_SIZE).fill(-1);
  readonly #views: Uint8Array[] = new Array(VIEW_CACHE_SIZE);
  #tlb: TlbEntry[] = Array.from({ length: TLB_SIZE }, () => ({
    gfn: -1,
    npt: undefined,
    asid: -1,
    vmpl: -1,
    perm: 0,
    epoch: -1,
    nptEpoch: -1,
    base: 0,
  }));

  /** Wires the access path to one machine's memory, RMP and encryption engine. */
  constructor(memory: SystemMemory, rmp: Rmp, encryption: MemoryEncryption) {
    this.memory = memory;
    this.rmp = rmp;
    this.encryption = encryption;
    this.#view = memory.view;
    this.#bytes = memory.bytes;
  }

  /** Checks one access of `kind` to `gpa` and returns the SPA it reaches (the page is left in the right view). */
  check(ctx: AccessContext, gpa: number, kind: AccessKind, cbit: boolean): number {
    const need = ACCESS_PERM[kind];
    return this.#resolve(ctx, gpa, need, cbit || isFetch(need));
  }

  /** Reads `length` bytes (a copy), crossing pages as needed. */
  read(ctx: AccessContext, gpa: number, length: number, cbit: boolean): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = gpa + done;
      const n = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE));
      const spa = this.#resolve(ctx, at, RMP_PERM_READ, cbit);
      out.set(this.#bytes.subarray(spa, spa + n), done);
      done += n;
    }
    return out;
  }

  /** Writes `data`, crossing pages as needed; every page is checked before any byte is written. */
  write(ctx: AccessContext, gpa: number, data: Uint8Array, cbit: boolean): void {
    for (let done = 0; done < data.length; done += PAGE_SIZE - ((gpa + done) % PAGE_SIZE)) {
      this.#resolve(ctx, gpa + done, RMP_PERM_WRITE, cbit);
    }
    let done = 0;
    while (done < data.length) {
      const at = gpa + done;
      const n = Math.min(data.length - done, PAGE_SIZE - (at % PAGE_SIZE));
      const spa = this.#resolve(ctx, at, RMP_PERM_WRITE, cbit);
      this.#bytes.set(data.subarray(done, done + n), spa);
      done += n;
    }
  }

  /** Reads a little-endian u32. */
  readU32(ctx: AccessContext, gpa: number, cbit: boolean): number {
    if ((gpa & 0xFFF) > PAGE_SIZE - 4) return leNumber(this.read(ctx, gpa, 4, cbit));
    return this.#view.getUint32(this.#resolve(ctx, gpa, RMP_PERM_READ, cbit), true);
  }

  /** Reads a little-endian u64. */
  readU64(ctx: AccessContext, gpa: number, cbit: boolean): bigint {
    if ((gpa & 0xFFF) > PAGE_SIZE - 8) return leBigint(this.read(ctx, gpa, 8, cbit));
    return this.#view.getBigUint64(this.#resolve(ctx, gpa, RMP_PERM_READ, cbit), true);
  }

  /** Writes a little-endian u32. */
  writeU32(ctx: AccessContext, gpa: number, value: number, cbit: boolean): void {
    if ((gpa & 0xFFF) > PAGE_SIZE - 4) {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, value, true);
      return this.write(ctx, gpa, b, cbit);
    }
    this.#view.setUint32(this.#resolve(ctx, gpa, RMP_PERM_WRITE, cbit), value, true);
  }

  /** Writes a little-endian u64. */
  writeU64(ctx: AccessContext, gpa: number, value: bigint, cbit: boolean): void {
    if ((gpa & 0xFFF) > PAGE_SIZE - 8) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
      return this.write(ctx, gpa, b, cbit);
    }
    this.#view.setBigUint64(
      this.#resolve(ctx, gpa, RMP_PERM_WRITE, cbit),
      BigInt.asUintN(64, value),
      true,
    );
  }

  /**
   * The checked 4 KiB page holding `gpa`, as a live view for bulk work. Valid
   * until the next RMP, NPT or view change (re-fetch it after a yield point).
   * Views come from a small cache, so asking again for a page returns the same view.
   */
  page(ctx: AccessContext, gpa: number, kind: AccessKind, cbit: boolean): Uint8Array {
    const need = ACCESS_PERM[kind];
    const spa = this.#resolve(ctx, gpa - (gpa % PAGE_SIZE), need, cbit || isFetch(need));
    const page = spa / PAGE_SIZE;
    const slot = page & (VIEW_CACHE_SIZE - 1);
    if (this.#viewPages[slot] === page) return this.#views[slot];
    const view = this.#bytes.subarray(spa, spa + PAGE_SIZE);
    this.#viewPages[slot] = page;
    this.#views[slot] = view;
    return view;
  }

  /**
   * The page holding `gpa`, checked for writing and claimed for the caller to
   * overwrite ENTIRELY (old contents are not decrypted): zeroing, copying in.
   */
  overwritePage(ctx: AccessContext, gpa: number, cbit: boolean): Uint8Array {
    const base = gpa - (gpa % PAGE_SIZE);
    const spa = this.#walk(ctx, base, RMP_PERM_WRITE, cbit, false);
    return this.encryption.overwriteView(cbit ? ctx.asid : VIEW_RAW, spa);
  }

  /** Zeroes the page holding `gpa` (a private write of 4096 zero bytes, no decryption needed). */
  zeroPage(ctx: AccessContext, gpa: number, cbit: boolean): void {
    const spa = this.#walk(ctx, gpa - (gpa % PAGE_SIZE), RMP_PERM_WRITE, cbit, false);
    this.encryption.zeroPage(cbit ? ctx.asid : VIEW_RAW, spa);
  }

  #resolve(ctx: AccessContext, gpa: number, need: number, cbit: boolean): number {
    const gfn = Math.floor(gpa / PAGE_SIZE);
    // Indexed by page and VMPL: the calling area is touched by VMPL0 and VMPL2 on every call.
    const t = this.#tlb[(gfn * 4 + ctx.vmpl) & (TLB_SIZE - 1)];
    const npt = ctx.npt;
    if (t.gfn === gfn && t.npt === npt && t.asid === ctx.asid && t.vmpl === ctx.vmpl) {
      if (
        (t.perm & (cbit ? need : need << SHARED_SHIFT)) !== 0 &&
        t.epoch === this.rmp.epoch + this.encryption.epoch + npt.epoch
      ) {
        return t.base + (gpa - gfn * PAGE_SIZE);
      }
      // The NPT is unchanged since the fill (only the RMP or page views changed, as after every
      // PVALIDATE): the translation holds, the RMP and view checks are made again.
      if (t.nptEpoch === npt.epoch) {
        return this.#checkPage(ctx, gpa, gfn, t.base / PAGE_SIZE, need, cbit, true);
      }
    }
    return this.#walk(ctx, gpa, need, cbit, true);
  }

  /** The slow path: the full checks of the module comment, then a TLB fill. */
  #walk(ctx: AccessContext, gpa: number, need: number, cbit: boolean, convert: boolean): number {
    if (!(ctx.vmpl >= 0 && ctx.vmpl <= 3 && Number.isInteger(ctx.vmpl))) {
      throw new RangeError(`VMPL must be 0..3, got ${ctx.vmpl}`);
    }
    const gfn = Math.floor(gpa / PAGE_SIZE);
    const spa = ctx.npt.translate(gfn * PAGE_SIZE);
    if (spa === undefined || !this.memory.contains(spa)) {
      throw new MachineFault(
        "npf",
        faultBits(errorBits(need), cbit ? PFERR_GUEST_ENC : 0, PFERR_GUEST_FINAL),
        gpa,
        "no nested mapping",
      );
    }
    return this.#checkPage(ctx, gpa, gfn, spa / PAGE_SIZE, need, cbit, convert);
  }

  /** The RMP and view checks of an access to guest page `gfn`, backed by system page `page`. */
  #checkPage(
    ctx: AccessContext,
    gpa: number,
    gfn: number,
    page: number,
    need: number,
    cbit: boolean,
    convert: boolean,
  ): number {
    const accessBits = errorBits(need);
    const enc = cbit ? PFERR_GUEST_ENC : 0;
    const rmp = this.rmp;
    const f = rmp.flags[page];
    let allowed: number;
    if (cbit) {
      if (!(f & RMP_FLAG_ASSIGNED) || rmp.asids[page] !== ctx.asid || rmp.gfns[page] !== gfn) {
        throw new MachineFault(
          "npf",
          rmpFaultBits(accessBits, enc),
          gpa,
          "RMP: page not assigned to this guest at this GPA",
        );
      }
      if (!(f & RMP_FLAG_VALIDATED)) throw new MachineFault("vc", VC_PAGE_NOT_VALIDATED, gpa);
      allowed = rmp.perms[page * 4 + ctx.vmpl];
      if ((f & RMP_FLAG_VMSA) && ctx.vmpl > 0) allowed &= ~RMP_PERM_WRITE;
      if (!(allowed & need)) {
        throw new MachineFault(
          "npf",
          faultBits(rmpFaultBits(accessBits, enc), PFERR_GUEST_VMPL),
          gpa,
          `VMPL${ctx.vmpl} permission`,
        );
      }
      if (convert) this.#decryptAhead(ctx.asid, page);
    } else {
      if (f & RMP_FLAG_ASSIGNED) {
        throw new MachineFault(
          "npf",
          rmpFaultBits(accessBits, enc),
          gpa,
          "RMP: shared access to a guest-assigned page",
        );
      }
      allowed = RMP_PERM_READ | RMP_PERM_WRITE | RMP_PERM_EXEC_USER | RMP_PERM_EXEC_SUPER;
      if (convert) this.encryption.toRaw(page, 1);
    }
    if (convert) {
      // Accesses through the TLB write DRAM without asking the encryption engine.
      this.encryption.markWritten(page);
      this.#fill(ctx, gfn, page * PAGE_SIZE, cbit ? allowed : allowed << SHARED_SHIFT);
    }
    return page * PAGE_SIZE + (gpa - gfn * PAGE_SIZE);
  }

  /**
   * Brings `page` into `asid`'s plaintext view; when it is raw, the raw pages
   * after it that the RMP gives to the same ASID are decrypted in the same
   * cipher call. View flips are lossless, so this only saves later calls.
   */
  #decryptAhead(asid: number, page: number): void {
    const enc = this.encryption, views = enc.views, rmp = this.rmp;
    if (views[page] === asid) return;
    if (views[page] !== VIEW_RAW) return enc.toPrivate(asid, page);
    let end = page + 1;
    while (
      end < page + DECRYPT_AHEAD && end < rmp.pageCount && views[end] === VIEW_RAW &&
      (rmp.flags[end] & RMP_FLAG_ASSIGNED) && rmp.asids[end] === asid
    ) end++;
    enc.toPrivateRun(asid, page, end - page);
  }

  #fill(ctx: AccessContext, gfn: number, base: number, perm: number): void {
    const t = this.#tlb[(gfn * 4 + ctx.vmpl) & (TLB_SIZE - 1)];
    t.gfn = gfn;
    t.npt = ctx.npt;
    t.asid = ctx.asid;
    t.vmpl = ctx.vmpl;
    t.perm = perm;
    t.epoch = this.rmp.epoch + this.encryption.epoch + ctx.npt.epoch;
    t.nptEpoch = ctx.npt.epoch;
    t.base = base;
  }
}

/**
 * The host's (hypervisor's) view of system memory: reads see ciphertext for
 * private pages; writes to a page the RMP marks assigned (guest pages, VMSAs,
 * firmware pages) raise #PF with the RMP bit (snp-abi.md §8, unverified code).
 *
 * @example
 * ```ts
 * import { HostMemoryAccess, MemoryEncryption, Rmp, SystemMemory } from "./core.ts";
 * const mem = new SystemMemory(2 * 1024 * 1024);
 * const host = new HostMemoryAccess(new Rmp(mem.pageCount), new MemoryEncryption(mem));
 * host.write(0x1000, new Uint8Array([1, 2]));
 * host.read(0x1000, 2); // Uint8Array [1, 2]
 * ```
 */
export class HostMemoryAccess {
  /** The RMP checked on writes. */
  readonly rmp: Rmp;
  /** The encryption engine providing the raw view. */
  readonly encryption: MemoryEncryption;

  /** Wires the host view to one machine. */
  constructor(rmp: Rmp, encryption: MemoryEncryption) {
    this.rmp = rmp;
    this.encryption = encryption;
  }

  /** What DRAM holds (ciphertext for private pages). */
  read(spa: number, length: number): Uint8Array {
    return this.encryption.hostRead(spa, length);
  }

  /** Writes raw bytes; faults (#PF, RMP bit) before writing anything if any page is assigned. */
  write(spa: number, data: Uint8Array): void {
    const last = Math.floor((spa + Math.max(data.length, 1) - 1) / PAGE_SIZE);
    for (let p = Math.floor(spa / PAGE_SIZE); p <= last; p++) {
      if (p < this.rmp.pageCount && (this.rmp.flags[p] & RMP_FLAG_ASSIGNED)) {
        const code = faultBits(PFERR_PRESENT, PFERR_WRITE, PFERR_GUEST_RMP);
        throw new MachineFault(
          "pf",
          code,
          Math.max(spa, p * PAGE_SIZE),
          "host write to an RMP-assigned page",
        );
      }
    }
    this.encryption.hostWrite(spa, data);
  }
}

/**
 * Instruction fetches are always private, whatever the C-bit (AMD APM vol. 2, SEV "encrypt
 * decisions"): a guest never executes bytes from a shared page the host controls.
 */
function isFetch(need: number): boolean {
  return (need & (RMP_PERM_EXEC_USER | RMP_PERM_EXEC_SUPER)) !== 0;
}

function errorBits(need: number): number {
  if (need === RMP_PERM_WRITE) return PFERR_WRITE;
  if (need === RMP_PERM_EXEC_USER) return PFERR_FETCH | PFERR_USER;
  if (need === RMP_PERM_EXEC_SUPER) return PFERR_FETCH;
  return 0;
}

/** #NPF error code of an RMP check (built only when one fails: it costs BigInt work). */
function rmpFaultBits(accessBits: number, enc: number): number {
  return faultBits(accessBits, PFERR_PRESENT, PFERR_GUEST_RMP, PFERR_GUEST_FINAL, enc);
}

function leNumber(b: Uint8Array): number {
  return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
}

function leBigint(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}
