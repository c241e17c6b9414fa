/**
 * Fixups: faults while the SVSM serves a request become INVALID_ADDRESS and the SVSM keeps
 * serving; a fault outside a guarded region panics (VMPCKs wiped, backtrace, guest terminated).
 */
import assert from "node:assert/strict";
import { SECRETS_PAGE } from "../lib/snp/firmware/mod.ts";
import { MachineFault } from "../lib/snp/mod.ts";
import { KernelStack, PanicHandler, SvsmPanic } from "../lib/svsm/debug/mod.ts";
import { ExceptionTable, GeneralProtectionFault, Vector } from "../lib/svsm/cpu/mod.ts";
import { faultVector } from "../lib/svsm/cpu/idt.ts";
import { CoreCall, SvsmProtocol, SvsmResultCode } from "../lib/svsm/abi/mod.ts";
import type { GuestCpu, GuestOs } from "../lib/guest/mod.ts";
import { svsmImage } from "../lib/svsm/boot/mod.ts";
import { createTestVm, type TestVm } from "./svsm_test_vm.ts";

const { CORE } = SvsmProtocol;
const { INVALID_ADDRESS } = SvsmResultCode;

/** Runs `main` in the guest of a fresh 1-vCPU VM that `main` may attack through `vm`. */
async function attackVm(main: (vm: TestVm, os: GuestOs, cpu: GuestCpu) => Promise<void>) {
  const vm: TestVm = createTestVm({ trace: true, main: (os, cpu) => main(vm, os, cpu) });
  vm.host.launch(svsmImage(vm.layout));
  const result = await vm.host.run();
  return { vm, result };
}

/** The faults the SVSM (VMPL0) took, as trace names: "#VC", "#NPF". */
function svsmFaults(vm: TestVm): string[] {
  return vm.machine.trace.events.filter((e) =>
    e.vmpl === 0 && (e.kind === "vc" || e.kind === "fault")
  )
    .map((e) => e.name);
}

/** QUERY_PROTOCOL still works: the SVSM kept serving. */
async function stillServing(os: GuestOs, cpu: GuestCpu): Promise<void> {
  const r = await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, 1n << 32n | 1n);
  assert.equal(r.rax, 0n);
  assert.equal(r.rcx, 1n << 32n | 1n);
}

/** A PVALIDATE list at `rcx`: the SVSM's read of its header is what faults. */
function pvalidateAt(os: GuestOs, cpu: GuestCpu, rcx: bigint) {
  return os.svsmCall(cpu, CORE, CoreCall.PVALIDATE, rcx);
}

Deno.test("a list in a page that is not validated: INVALID_ADDRESS, SVSM keeps serving", async () => {
  const { vm, result } = await attackVm(async (_vm, os, cpu) => {
    const r = await pvalidateAt(os, cpu, 0x60008n);
    assert.equal(Number(r.rax), INVALID_ADDRESS);
    await stillServing(os, cpu);
  });
  assert.equal(result.status, "finished", String(result.reason));
  assert.deepEqual(svsmFaults(vm), ["#VC"]);
});

Deno.test("RMP violation after the host's RMPUPDATE: INVALID_ADDRESS, SVSM keeps serving", async () => {
  const { vm, result } = await attackVm(async (vm, os, cpu) => {
    await os.pvalidate(cpu, 0x60000, 0x2000);
    cpu.ctx.write(0x60008, new Uint8Array([1, 0, 0, 0])); // a well-formed header
    // The host takes the first page back (shared) and re-assigns the second one to another
    // GPA: the SVSM's private accesses now fail the RMP check (#NPF).
    const a = vm.host.attacks;
    a.rmpupdate(a.spaOf(0x60000), { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
    a.rmpupdate(a.spaOf(0x61000), { assigned: true, asid: 1, gpa: 0x90000, pageSize2M: false });
    assert.equal(Number((await pvalidateAt(os, cpu, 0x60008n)).rax), INVALID_ADDRESS);
    assert.equal(Number((await pvalidateAt(os, cpu, 0x61008n)).rax), INVALID_ADDRESS);
    await stillServing(os, cpu);
  });
  assert.equal(result.status, "finished", String(result.reason));
  assert.deepEqual(svsmFaults(vm), ["#NPF", "#NPF"]);
});

Deno.test("outside the guest memory map (SVSM region, beyond memory, near 2^64): INVALID_ADDRESS", async () => {
  const { result } = await attackVm(async (vm, os, cpu) => {
    const addresses = [
      BigInt(vm.layout.svsmBase + 0x2008), // the SVSM heap: validated, but not guest memory
      BigInt(vm.layout.vmMemoryBytes + 0x8), // no memory at all
      1n << 52n,
      0xFFFFFFFFFFFFF008n,
    ];
    for (const rcx of addresses) {
      const r = await pvalidateAt(os, cpu, rcx);
      assert.equal(Number(r.rax), INVALID_ADDRESS, `RCX 0x${rcx.toString(16)}`);
    }
    await stillServing(os, cpu);
  });
  assert.equal(result.status, "finished", String(result.reason));
});

Deno.test("a fault outside a guarded region panics: VMPCKs wiped, backtrace, guest terminated", async () => {
  let returned = false;
  const { vm, result } = await attackVm(async (vm, os, cpu) => {
    // The host pulls the guest VMSA (SVSM memory) out from under the SVSM: its next access
    // to it, in the request loop and not in any guarded accessor, faults.
    vm.host.attacks.reassignBehindGuest(vm.svsm.guestVcpus.get(0)!.vmsaGpa);
    await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, 1n << 32n | 1n);
    returned = true;
  });
  assert.equal(result.status, "terminated");
  assert.match(String(result.reason), /guest requested termination/);
  assert.equal(returned, false, "the guest never got an answer");
  const secrets = vm.machine.encryption.privateView(1, vm.host.attacks.spaOf(vm.layout.secretsGpa));
  const s = SECRETS_PAGE.decode(secrets);
  for (const k of [s.vmpck0, s.vmpck1, s.vmpck2, s.vmpck3]) assert.deepEqual(k, new Uint8Array(32));
  const log = vm.svsm.log.join("\n");
  assert.match(log, /SVSM panic on CPU 0: unhandled fault outside a guarded region: .*#VC 0x404/);
  assert.match(log, /---BACKTRACE---\n {2}\[#0\] requests::request_loop/);
  // Every printed frame names a real line of its file, the one that enters that function.
  const frames = [...log.matchAll(/\[#\d+\] [\w:]+::(\w+) \((\S+):(\d+)\)/g)];
  assert.ok(frames.length >= 2);
  for (const [, fn, file, line] of frames) {
    const source = Deno.readTextFileSync(new URL(`../lib/svsm/${file}`, import.meta.url));
    assert.match(source.split("\n")[Number(line) - 1], new RegExp(`"${fn}"`), `${file}:${line}`);
  }
  assert.equal(vm.svsm.panics.panicked?.cpuId, 0);
});

Deno.test("exception dispatch: vectors by fault kind; guarded faults come back, others panic", () => {
  assert.equal(faultVector(new MachineFault("vc", 0x404, 0x1000)), Vector.VC);
  assert.equal(faultVector(new MachineFault("pf", 3, 0x1000)), Vector.PF);
  assert.equal(faultVector(new MachineFault("npf", 1, 0x1000)), Vector.NPF);
  assert.equal(faultVector(new GeneralProtectionFault("non-canonical")), Vector.GP);
  assert.equal(faultVector(new Error("no exception")), -1);
  const log: string[] = [];
  const panics = new PanicHandler({
    secretsPage: () => undefined,
    terminate: () => {},
    log: (l) => log.push(l),
  });
  const idt = new ExceptionTable(panics);
  const stack = new KernelStack(0);
  const fault = new MachineFault("vc", 0x404, 0x2000);
  {
    using _g = stack.guard();
    assert.throws(() => idt.dispatch(stack, fault), (e) => e === fault);
  }
  assert.equal(panics.panicked, undefined);
  assert.throws(() => idt.dispatch(stack, new Error("bug")), SvsmPanic);
  assert.throws(() => idt.dispatch(stack, fault), SvsmPanic);
  let seen = 0;
  idt.register(Vector.GP, (_s, f) => {
    seen++;
    throw f;
  });
  const gp = new GeneralProtectionFault("x");
  assert.throws(() => idt.dispatch(stack, gp), (e) => e === gp);
  assert.equal(seen, 1);
});

Deno.test("a host that refuses RUN_VMPL(2) ends in a panic, not in a corrupt loop", async () => {
  let refuse = false;
  const { vm, result } = await attackVm(async (vm, os, cpu) => {
    vm.host.tamper.runVmpl = (_vcpu, vmpl, requested) =>
      refuse && vmpl === 0 && requested === 2 ? "refuse" : undefined;
    refuse = true;
    await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, 1n << 32n | 1n);
  });
  assert.equal(result.status, "terminated");
  assert.match(vm.svsm.log[0], /RUN_VMPL\(2\) failed/);
});
