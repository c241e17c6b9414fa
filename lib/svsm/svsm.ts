/**
 * The SVSM kernel object (COCONUT kernel/src/svsm.rs): the program every vCPU runs at VMPL0.
 *
 * Boot on the BSP (svsm-abi.md §11): read the image header; PVALIDATE the heap and build the
 * allocator over it; set up the per-CPU area (per-CPU page table, data page) and the GHCB;
 * install the exception table; start every AP with AP_CREATION and wait for it; prepare the
 * guest (secrets-page copy, calling area, VMPL2 VMSA, registered for the BSP); then run the
 * request loop. An AP sets up its own per-CPU area and GHCB, reports online and runs its loop,
 * idle until the guest gives it a VMSA with CREATE_VCPU.
 *
 * A fatal condition anywhere panics: VMPCK0–3 are wiped in the SVSM's secrets page, the
 * backtrace is printed, and the panicking CPU asks the host to terminate the guest (GHCB MSR
 * protocol TERM_REQ).
 * @module
 */

import { KernelAllocator, PerCpuPageTables } from "../mm/mod.ts";
import { SECRETS_PAGE } from "../snp/firmware/mod.ts";
import type { CpuContext, Machine, VmplProgram } from "../snp/mod.ts";
import { PAGE_SIZE } from "../snp/mod.ts";
import { SVSM_IMAGE_HEADER, SVSM_IMAGE_MAGIC } from "./boot/image.ts";
import type { SvsmLayout } from "./boot/memory_layout.ts";
import { prepareGuest } from "./boot/prepare_guest.ts";
import { PanicHandler, SvsmPanic } from "./debug/panic.ts";
import { KernelStack } from "./debug/stacktrace.ts";
import { ExceptionTable } from "./cpu/idt.ts";
import { PerCpu } from "./cpu/percpu.ts";
import { allocVmsaPage, AP_ENTRY_OFFSET, startAp } from "./cpu/smp.ts";
import { GuardedGuestMemory } from "./fixups/guest_memory.ts";
import { createPvalidateLock } from "./locking/pvalidate_lock.ts";
import type { LockDebugger } from "./locking/lock_debug.ts";
import type { RwLock } from "./locking/rwlock.ts";
import { SpinLock } from "./locking/spinlock.ts";
import { dispatchRequest, ListDepositPool } from "./protocols/mod.ts";
import { fail, SvsmResultCode } from "./protocols/errors.ts";
import type {
  AttestationService,
  DepositPool,
  GuestVcpu,
  ProtocolHandler,
  ReportOutcome,
  SvsmCpu,
  SvsmKernelServices,
  VtpmService,
} from "./request_context.ts";
import { requestLoop, type RequestLoopCpu } from "./requests.ts";
import { Ghcb } from "./sev/ghcb.ts";
import { GREQ_CERT_PAGES, GuestRequestDriver, GuestRequestError } from "./sev/guest_request.ts";
import { makePageShared, terminate } from "./sev/msr_protocol.ts";

/**
 * How an {@link Svsm} is built.
 *
 * @example
 * ```ts
 * import { svsmLayout } from "./boot/mod.ts";
 * import { LockDebugger } from "./locking/mod.ts";
 * import type { SvsmOptions } from "./svsm.ts";
 * const options: SvsmOptions = {
 *   layout: svsmLayout({ vmMemoryBytes: 16 << 20 }),
 *   lockDebug: new LockDebugger(), // watch every kernel lock
 * };
 * ```
 */
export interface SvsmOptions {
  /** Where everything sits (must match the image the host launched). */
  layout: SvsmLayout;
  /** The protocol dispatcher (default: lib/svsm/protocols `dispatchRequest`). */
  dispatch?: ProtocolHandler;
  /** The vTPM, when this SVSM runs one. */
  vtpm?: VtpmService;
  /** Console output (panic reports); default `console.error`. */
  log?: (line: string) => void;
  /** Lock debugging for every kernel lock (holders, backtraces, order inversions). */
  lockDebug?: LockDebugger;
}

/** One booted CPU: what its request loop and handlers use. */
interface BootedCpu extends RequestLoopCpu {
  readonly lockCpu: PerCpu;
}

/**
 * The SVSM.
 *
 * @example
 * ```ts
 * import { Machine } from "../snp/mod.ts";
 * import { Svsm } from "./svsm.ts";
 * import { svsmLayout } from "./boot/mod.ts";
 * const machine = new Machine({ memoryBytes: 20 << 20, vcpus: 1, seed: 1 });
 * const svsm = new Svsm(machine, { layout: svsmLayout({ vmMemoryBytes: 16 << 20 }) });
 * svsm.install(); // VMPL0 of every vCPU now runs the SVSM
 * ```
 */
export class Svsm implements SvsmKernelServices {
  /** The machine it runs on. */
  readonly machine: Machine;
  /** The memory layout. */
  readonly layout: SvsmLayout;
  /** Guest vCPUs by APIC ID (COCONUT `PERCPU_AREAS` shared parts). */
  readonly guestVcpus: Map<number, GuestVcpu> = new Map();
  /** The PVALIDATE lock. */
  readonly pvalidateLock: RwLock;
  /** The vTPM, if any. */
  readonly vtpm?: VtpmService;
  /** Attestation reports through the VMPCK0 driver. */
  readonly attestation: AttestationService;
  /** Guest-deposited pages. */
  readonly depositedPages: DepositPool = new ListDepositPool();
  /** The panic handler. */
  readonly panics: PanicHandler;
  /** The exception table. */
  readonly idt: ExceptionTable;
  /** The protocol dispatcher. */
  readonly dispatch: ProtocolHandler;
  /** The VMPL0 program (installed by {@link Svsm.install}). */
  readonly program: VmplProgram = (ctx) => this.#main(ctx);
  /** The booted CPUs by vCPU index. */
  readonly cpus: (RequestLoopCpu | undefined)[] = [];
  /** The kernel heap, once memory is initialized. */
  heap: KernelAllocator | undefined;
  /** The kernel's page tables: the shared half and one table per CPU. */
  pageTables: PerCpuPageTables | undefined;
  /** Lines the panic handler printed. */
  readonly log: string[] = [];
  readonly #heapLock: SpinLock;
  readonly #online: Int32Array;
  #driver: GuestRequestDriver | undefined;
  readonly #lockDebug: LockDebugger | undefined;
  #bsp: CpuContext | undefined;

  /** An SVSM for `machine`; nothing runs until {@link Svsm.install} and the host's launch. */
  constructor(machine: Machine, options: SvsmOptions) {
    this.machine = machine;
    this.layout = options.layout;
    this.vtpm = options.vtpm;
    this.dispatch = options.dispatch ?? dispatchRequest;
    this.#lockDebug = options.lockDebug;
    this.pvalidateLock = createPvalidateLock(options.lockDebug);
    this.#heapLock = new SpinLock({ name: "ROOT_MEM", debug: options.lockDebug });
    this.#online = new Int32Array(new SharedArrayBuffer(4 * machine.vcpus.length));
    const out = options.log ?? ((line: string) => console.error(line));
    this.panics = new PanicHandler({
      secretsPage: () => this.#secretsPage(),
      terminate: () => this.#driver?.wipe(),
      log: (line) => {
        this.log.push(line);
        out(line);
      },
    });
    this.idt = new ExceptionTable(this.panics);
    this.attestation = { requestReport: (cpu, data, size) => this.#report(cpu, data, size) };
    // The boot parameters (ACPI MADT in COCONUT) name the vCPUs by APIC ID.
    for (const v of machine.vcpus) {
      this.guestVcpus.set(v.apicId, { apicId: v.apicId, vmsaGpa: -1, caGpa: -1 });
    }
  }

  /** Loads the SVSM as the VMPL0 program of every vCPU. */
  install(): void {
    this.machine.setProgram(0, this.program);
  }

  /** IPI to the vCPU with `apicId`: its idle loop wakes and picks up its new guest VMSA/CA. */
  notifyVcpu(apicId: number): void {
    this.machine.vcpuByApicId(apicId)?.wake();
  }

  async #main(ctx: CpuContext): Promise<void> {
    const stack = new KernelStack(ctx.vcpuId);
    try {
      using _f = stack.frame("svsm", ctx.vcpuId === 0 ? "svsm_main" : "ap_main", 173);
      const cpu = ctx.vcpuId === 0
        ? await this.#bootBsp(ctx, stack)
        : await this.#bootAp(ctx, stack);
      await requestLoop(this.#loopKernel(), cpu);
    } catch (e) {
      if (!(e instanceof SvsmPanic)) this.panics.uncaught(stack, e); // stops the SVSM
      await terminate(ctx); // the host ends the VM; this CPU never returns here
    }
  }

  #loopKernel(): {
    dispatch: ProtocolHandler;
    idt: ExceptionTable;
    panics: PanicHandler;
    trace: Machine["trace"];
  } {
    return {
      dispatch: this.dispatch,
      idt: this.idt,
      panics: this.panics,
      trace: this.machine.trace,
    };
  }

  async #bootBsp(ctx: CpuContext, stack: KernelStack): Promise<BootedCpu> {
    using _f = stack.frame("svsm", "svsm_start", 199);
    this.#bsp = ctx;
    this.#checkImage(ctx, stack);
    this.#memoryInit(ctx, stack);
    const cpu = await this.#cpuInit(ctx, stack);
    cpu.percpu.set("online", 1);
    await this.#greqInit(ctx);
    for (const v of this.machine.vcpus) {
      if (v.id === ctx.vcpuId) continue;
      using _s = stack.frame("svsm", "start_secondary_cpus", 208);
      await startAp({
        ctx,
        ghcb: cpu.ghcb,
        ...this.#pageSource(stack),
        online: (apicId) => Atomics.load(this.#online, this.machine.vcpuByApicId(apicId)!.id) === 1,
        entry: this.layout.imageGpa + AP_ENTRY_OFFSET,
      }, v.apicId);
    }
    using _p = stack.frame("svsm", "prepare_fw", 217);
    const guest = prepareGuest(
      ctx,
      this.layout,
      allocVmsaPage(this.#pageSource(stack)),
    );
    const record = this.guestVcpus.get(ctx.apicId)!;
    record.vmsaGpa = guest.vmsaGpa;
    record.caGpa = guest.caGpa;
    return cpu;
  }

  /** Heap pages for VMSAs. */
  #pageSource(stack: KernelStack): { allocPage(): number; freePage(gpa: number): void } {
    return {
      allocPage: () => this.#allocPage(stack),
      freePage: (gpa) => this.heap!.dealloc(gpa, PAGE_LAYOUT),
    };
  }

  async #bootAp(ctx: CpuContext, stack: KernelStack): Promise<BootedCpu> {
    using _f = stack.frame("svsm", "start_ap", 238);
    const cpu = await this.#cpuInit(ctx, stack);
    Atomics.store(this.#online, ctx.vcpuId, 1);
    cpu.percpu.set("online", 1);
    return cpu;
  }

  /** The launched image header must describe this SVSM's layout. */
  #checkImage(ctx: CpuContext, stack: KernelStack): void {
    const h = SVSM_IMAGE_HEADER.decode(ctx.read(this.layout.imageGpa, SVSM_IMAGE_HEADER.size));
    if (
      h.magic !== SVSM_IMAGE_MAGIC || h.heapBase !== BigInt(this.layout.heapBase) ||
      h.heapSize !== BigInt(this.layout.heapSize) || h.secretsGpa !== BigInt(this.layout.secretsGpa)
    ) {
      this.panics.panic(stack, "SVSM image header does not match the layout");
    }
  }

  /**
   * PVALIDATE every heap page (the image pages were validated by the launch), zero them, and
   * build the allocator over the heap's plaintext (COCONUT `init_memory`).
   */
  #memoryInit(ctx: CpuContext, stack: KernelStack): void {
    using _f = stack.frame("svsm", "init_memory", 261);
    const { heapBase, heapSize } = this.layout;
    let first: Uint8Array | undefined;
    for (let gpa = heapBase; gpa < heapBase + heapSize; gpa += PAGE_SIZE) {
      const r = ctx.pvalidate(gpa, false, true);
      if (r.rc !== 0) {
        this.panics.panic(stack, `PVALIDATE of heap page 0x${gpa.toString(16)}: ${r.rc}`);
      }
      ctx.zeroPage(gpa);
      const page = ctx.page(gpa, "write");
      first ??= page;
      if (page.byteOffset !== first.byteOffset + (gpa - heapBase)) {
        this.panics.panic(stack, "the SVSM heap is not contiguous in system memory");
      }
    }
    const bytes = new Uint8Array(first!.buffer, first!.byteOffset, heapSize);
    this.heap = new KernelAllocator({ bytes, base: heapBase });
    const tables = PerCpuPageTables.create(this.heap.pages);
    if (!tables.ok) this.panics.panic(stack, `page tables: ${tables.error.message}`);
    // The shared half: the SVSM image at the kernel base (slot 511), seen by every CPU.
    for (const [i, gpa] of [this.layout.imageGpa, this.layout.secretsGpa].entries()) {
      const r = tables.value.kernel.map(KERNEL_BASE + BigInt(i * PAGE_SIZE), gpa, PAGE_SIZE, {
        nx: i > 0,
      });
      if (!r.ok) this.panics.panic(stack, `kernel mapping: ${r.error.message}`);
    }
    this.pageTables = tables.value;
  }

  /** The per-CPU area, exception-safe guest memory, and the GHCB of the running CPU. */
  async #cpuInit(ctx: CpuContext, stack: KernelStack): Promise<BootedCpu> {
    using _f = stack.frame("svsm", "setup_percpu", 292);
    const lockCpu = { cpuId: ctx.vcpuId, pause: () => ctx.pause() };
    await this.#heapLock.lock(lockCpu);
    let data: number, ghcbPage: number, table;
    try {
      data = this.#allocPage(stack);
      ghcbPage = this.#allocPage(stack);
      table = this.pageTables!.addCpu();
    } finally {
      this.#heapLock.unlock(lockCpu);
    }
    if (!table.ok) this.panics.panic(stack, `per-CPU page table: ${table.error.message}`);
    const percpu = new PerCpu(ctx, stack, table.value, data);
    const ghcb = await Ghcb.setup(ctx, ghcbPage);
    percpu.set("ghcbGpa", BigInt(ghcb.gpa));
    const cpu: BootedCpu = {
      ctx,
      lockCpu: percpu,
      stack,
      guestMem: new GuardedGuestMemory(ctx, stack, this.idt, this.layout.guestMemoryMap),
      guest: this.guestVcpus.get(ctx.apicId)!,
      kernel: this,
      percpu,
      ghcb,
    };
    this.cpus[ctx.vcpuId] = cpu;
    return cpu;
  }

  /** The guest-request driver: VMPCK0 from the SVSM's secrets page, shared message pages. */
  async #greqInit(ctx: CpuContext): Promise<void> {
    const stack = this.cpus[ctx.vcpuId]!.stack;
    const request = this.#allocPage(stack);
    const response = this.#allocPage(stack);
    const certs = this.#alloc(stack, GREQ_CERT_PAGES * PAGE_SIZE);
    for (const gpa of [request, response]) await makePageShared(ctx, gpa);
    for (let i = 0; i < GREQ_CERT_PAGES; i++) await makePageShared(ctx, certs + i * PAGE_SIZE);
    const vmpck0 = SECRETS_PAGE.get(ctx.read(this.layout.secretsGpa, PAGE_SIZE), "vmpck0");
    this.#driver = new GuestRequestDriver(vmpck0, { request, response, certs }, this.#lockDebug);
  }

  async #report(cpu: SvsmCpu, data: Uint8Array, size: number): Promise<ReportOutcome> {
    const booted = this.cpus[cpu.ctx.vcpuId] as BootedCpu | undefined;
    const driver = this.#driver;
    if (booted === undefined || driver === undefined || driver.disabled) {
      fail(SvsmResultCode.INVALID_REQUEST);
    }
    try {
      return await driver.report(booted, data, size);
    } catch (e) {
      if (!(e instanceof GuestRequestError)) throw e;
      if (driver.disabled) this.#disableVmpck0();
      fail(SvsmResultCode.INVALID_REQUEST);
    }
  }

  /** The driver gave VMPCK0 up: it goes from the secrets page too (COCONUT `disable_vmpck0`). */
  #disableVmpck0(): void {
    const page = this.#secretsPage();
    if (page !== undefined) SECRETS_PAGE.set(page, "vmpck0", new Uint8Array(32));
  }

  #allocPage(stack: KernelStack): number {
    return this.#alloc(stack, PAGE_SIZE);
  }

  /** Zeroed heap memory; out of memory is fatal (COCONUT panics on allocation failure). */
  #alloc(stack: KernelStack, size: number): number {
    const r = this.heap!.allocZeroed({ size, align: PAGE_SIZE });
    if (!r.ok) this.panics.panic(stack, `out of memory: ${r.error.message}`);
    return r.value;
  }

  /** The SVSM's own secrets page, for the panic handler to wipe (undefined if unreachable). */
  #secretsPage(): Uint8Array | undefined {
    try {
      return this.#bsp?.page(this.layout.secretsGpa, "write");
    } catch {
      return undefined;
    }
  }
}

const PAGE_LAYOUT = { size: PAGE_SIZE, align: PAGE_SIZE };
/** PML4 slot 511, where the shared kernel is linked (svsm-abi.md §17). */
const KERNEL_BASE = 0xFFFFFF8000000000n;
