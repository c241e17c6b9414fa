/**
 * A small stand-in for one SVSM CPU, for unit tests of the protocol handlers:
 * guest memory is a flat array at GPA 0 (the memory map is `[0, size)`), and
 * PVALIDATE/RMPADJUST act on a per-page table that mimics the RMP bits the
 * handlers rely on. The real machine is exercised by the boot tests.
 */
import { fail, SvsmResultCode } from "../../lib/svsm/protocols/errors.ts";
import type {
  AttestationService,
  GuestMemory,
  GuestVcpu,
  ReportOutcome,
  SvsmCpu,
  SvsmKernelServices,
  SvsmRequest,
  VtpmService,
} from "../../lib/svsm/request_context.ts";
import { createPvalidateLock } from "../../lib/svsm/locking/pvalidate_lock.ts";
import { ListDepositPool } from "../../lib/svsm/protocols/core_memory.ts";
import { KernelStack } from "../../lib/svsm/debug/stacktrace.ts";
import type { CpuContext } from "../../lib/snp/cpu_context.ts";

export class FlatGuestMemory implements GuestMemory {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  contains(gpa: number, length: number): boolean {
    return gpa >= 0 && length >= 0 && gpa + length <= this.bytes.length;
  }
  #check(gpa: number, length: number): void {
    if (!this.contains(gpa, length)) fail(SvsmResultCode.INVALID_ADDRESS);
  }
  read(gpa: number, length: number): Uint8Array {
    this.#check(gpa, length);
    return this.bytes.slice(gpa, gpa + length);
  }
  write(gpa: number, data: Uint8Array): void {
    this.#check(gpa, data.length);
    this.bytes.set(data, gpa);
  }
  readU16(gpa: number): number {
    this.#check(gpa, 2);
    return this.dv.getUint16(gpa, true);
  }
  readU32(gpa: number): number {
    this.#check(gpa, 4);
    return this.dv.getUint32(gpa, true);
  }
  readU64(gpa: number): bigint {
    this.#check(gpa, 8);
    return this.dv.getBigUint64(gpa, true);
  }
  writeU16(gpa: number, v: number): void {
    this.#check(gpa, 2);
    this.dv.setUint16(gpa, v, true);
  }
  writeU64(gpa: number, v: bigint): void {
    this.#check(gpa, 8);
    this.dv.setBigUint64(gpa, v, true);
  }
  zero(gpa: number, length: number): void {
    this.#check(gpa, length);
    this.bytes.fill(0, gpa, gpa + length);
  }
}

/** Per-page state the fake instructions keep: validated, VMPL2 perms, VMSA bit. */
export interface FakePage {
  validated: boolean;
  vmpl2Perms: number;
  vmsa: boolean;
}

export interface FakeCpuOptions {
  memoryBytes?: number;
  apicIds?: number[];
  vtpm?: VtpmService;
  attestation?: AttestationService;
}

export function fakeSvsmCpu(opts: FakeCpuOptions = {}): {
  cpu: SvsmCpu;
  mem: FlatGuestMemory;
  pages: Map<number, FakePage>;
  notified: number[];
  request(protocol: number, call: number, rcx?: bigint, rdx?: bigint, r8?: bigint): SvsmRequest;
} {
  const mem = new FlatGuestMemory(opts.memoryBytes ?? 0x40_0000);
  const pages = new Map<number, FakePage>();
  const page = (gpa: number) => {
    const p = gpa - (gpa % 4096);
    let e = pages.get(p);
    if (!e) pages.set(p, e = { validated: false, vmpl2Perms: 0, vmsa: false });
    return e;
  };
  const ctx = {
    vcpuId: 0,
    apicId: 0,
    vmpl: 0,
    pvalidate(gpa: number, size2M: boolean, validate: boolean) {
      const n = size2M ? 512 : 1;
      const first = page(gpa);
      if (first.validated === validate) return { rc: 0, cf: true };
      for (let i = 0; i < n; i++) page(gpa + i * 4096).validated = validate;
      return { rc: 0, cf: false };
    },
    rmpadjust(gpa: number, size2M: boolean, attrs: number) {
      const n = size2M ? 512 : 1;
      for (let i = 0; i < n; i++) {
        const e = page(gpa + i * 4096);
        if (!e.validated) return 1; // FAIL_INPUT
        if ((attrs & 0xff) === 2) {
          e.vmpl2Perms = (attrs >> 8) & 0xf;
          e.vmsa = (attrs & 0x1_0000) !== 0;
        }
      }
      return 0;
    },
    pause: () => Promise.resolve(),
  } as unknown as CpuContext;
  const guestVcpus = new Map<number, GuestVcpu>();
  for (const apicId of opts.apicIds ?? [0, 1]) {
    guestVcpus.set(apicId, { apicId, vmsaGpa: -1, caGpa: -1 });
  }
  guestVcpus.get(0)!.caGpa = 0x1000;
  const notified: number[] = [];
  const noAttestation: AttestationService = {
    requestReport(): Promise<ReportOutcome> {
      return Promise.reject(new Error("no attestation in this test"));
    },
  };
  const kernel: SvsmKernelServices = {
    guestVcpus,
    pvalidateLock: createPvalidateLock(),
    notifyVcpu: (apicId) => notified.push(apicId),
    vtpm: opts.vtpm,
    attestation: opts.attestation ?? noAttestation,
    depositedPages: new ListDepositPool(),
  };
  const cpu: SvsmCpu = {
    ctx,
    lockCpu: { cpuId: 0, pause: () => {} },
    stack: new KernelStack(0),
    guestMem: mem,
    guest: guestVcpus.get(0)!,
    kernel,
  };
  return {
    cpu,
    mem,
    pages,
    notified,
    request: (protocol, call, rcx = 0n, rdx = 0n, r8 = 0n) => ({
      protocol,
      call,
      regs: { rcx, rdx, r8 },
      callerSevFeatures: 1n,
      cpu,
    }),
  };
}
