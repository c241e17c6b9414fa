/**
 * SMP boot with 4 vCPUs under many scheduler seeds: every interleaving must boot, serve every
 * CPU, and end in the same guest-visible state (compared as a digest). `SVSM_SMP_SEEDS` sets
 * the number of seeds (default {@link DEFAULT_SEEDS}).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { RMP_FLAG_VALIDATED } from "../lib/snp/mod.ts";
import { parseReport } from "../lib/snp/firmware/mod.ts";
import { LockDebugger } from "../lib/svsm/locking/mod.ts";
import { ATTEST_SERVICES_OP, AttestCall, CoreCall, SvsmProtocol } from "../lib/svsm/abi/mod.ts";
import type { GuestCpu, GuestOs } from "../lib/guest/mod.ts";
import { runTestVm, type TestVm } from "./svsm_test_vm.ts";

const SEEDS = 500;
const VCPUS = 4;
const REGION = 0x10000; // each CPU validates and fills 64 KiB of its own
let order: number[] = []; // the order the CPUs' PVALIDATE calls finished: differs between seeds

/** What every CPU does: validate its region, fill it, ask QUERY_PROTOCOL. */
async function work(os: GuestOs, cpu: GuestCpu): Promise<void> {
  const apic = cpu.ctx.apicId;
  const base = 0x400000 + apic * REGION;
  await os.pvalidate(cpu, base, REGION);
  order.push(apic);
  cpu.ctx.write(base, new Uint8Array(REGION).fill(0x10 + apic));
  const r = await os.svsmCall(cpu, SvsmProtocol.CORE, CoreCall.QUERY_PROTOCOL, 1n << 32n | 1n);
  cpu.ctx.write(base, new TextEncoder().encode(`${r.rax}:${r.rcx}`));
}

/** The boot CPU starts the APs with CREATE_VCPU, then does its share of the work. */
async function bootCpuMain(os: GuestOs, cpu: GuestCpu): Promise<void> {
  for (let apic = 1; apic < VCPUS; apic++) assert.equal(await os.startAp(cpu, apic), 0);
  await work(os, cpu);
}

/** Digest of the guest-visible end state: RMP state of guest pages, CPU records, CPU regions. */
function digest(vm: TestVm): string {
  const h = createHash("sha256");
  const { machine, host, layout } = vm;
  const vmInfo = host.vm!;
  for (let gpa = 0; gpa < layout.svsmBase; gpa += 0x1000) {
    const page = machine.rmp.pageOf(vmInfo.npt.translate(gpa)!);
    const validated = (machine.rmp.flags[page] & RMP_FLAG_VALIDATED) !== 0;
    h.update(`${validated ? 1 : 0}${machine.rmp.perms[page * 4 + 2]}`);
  }
  for (const [apic, g] of [...vm.svsm.guestVcpus].sort((a, b) => a[0] - b[0])) {
    h.update(`${apic}:${g.vmsaGpa}:${g.caGpa}:${vm.os.callingAreas.get(apic)}`);
  }
  for (let apic = 0; apic < VCPUS; apic++) {
    const spa = vmInfo.npt.translate(0x400000 + apic * REGION)!;
    for (let off = 0; off < REGION; off += 0x1000) {
      h.update(machine.encryption.privateView(vmInfo.asid, spa + off));
    }
  }
  return h.digest("hex");
}

async function boot(seed: number, orders: Set<string>): Promise<string> {
  order = [];
  const vm = await runTestVm({
    vcpus: VCPUS,
    seed,
    main: bootCpuMain,
    apMain: work,
  });
  assert.notEqual(vm.result.status, "terminated", `seed ${seed}: ${vm.result.reason}`);
  assert.equal(vm.os.ranOn.size, VCPUS, `seed ${seed}: guest code ran on every CPU`);
  orders.add(order.join());
  return digest(vm);
}

Deno.test(`SMP boot with ${VCPUS} vCPUs: same final state under every scheduler seed`, async () => {
  const seeds = SEEDS;
  const t0 = performance.now();
  const orders = new Set<string>();
  const first = await boot(1, orders);
  for (let seed = 2; seed <= seeds; seed++) {
    assert.equal(await boot(seed, orders), first, `seed ${seed} ended in a different state`);
  }
  assert.ok(orders.size > 1, "the seeds produced different interleavings");
  console.log(
    `${seeds} seeds, ${orders.size} CPU orders, in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
});

Deno.test("the same seed replays the same SMP boot, event for event", async () => {
  const traceOf = async () => {
    const vm = await runTestVm({
      vcpus: VCPUS,
      seed: 7,
      trace: true,
      main: bootCpuMain,
      apMain: work,
    });
    return vm.machine.trace.lines();
  };
  const a = await traceOf();
  assert.ok(a.some((l) => l.includes("call end core/PVALIDATE SUCCESS")));
  assert.deepEqual(await traceOf(), a);
});

const REPORT_SEEDS = 50;
let reports = 0; // reports checked in the current run

/** Each CPU asks for an attestation report; the VMPCK0 driver serializes them. */
async function attest(os: GuestOs, cpu: GuestCpu): Promise<void> {
  const base = await os.allocPages(cpu, 4);
  const [op, nonce, report, manifest] = [0, 1, 2, 3].map((i) => base + i * 0x1000);
  cpu.ctx.write(nonce, new Uint8Array(64).fill(cpu.ctx.apicId + 1));
  cpu.ctx.write(
    op,
    ATTEST_SERVICES_OP.encode({
      reportGpa: BigInt(report),
      reportSize: 0x1000,
      nonceGpa: BigInt(nonce),
      nonceSize: 64,
      manifestGpa: BigInt(manifest),
      manifestSize: 0x1000,
    }),
  );
  const r = await os.svsmCall(cpu, SvsmProtocol.ATTEST, AttestCall.SERVICES, BigInt(op));
  assert.equal(r.rax, 0n);
  const parsed = parseReport(cpu.ctx.read(report, Number(r.r8)));
  const expected = createHash("sha512").update(cpu.ctx.read(nonce, 64))
    .update(cpu.ctx.read(manifest, Number(r.rcx))).digest();
  assert.equal(parsed.vmpl, 0);
  assert.deepEqual(parsed.reportData, new Uint8Array(expected));
  reports++;
}

Deno.test(`${VCPUS} CPUs request reports at once under ${REPORT_SEEDS} seeds`, async () => {
  const lockReports: string[] = [];
  const lockDebug = new LockDebugger({ onReport: (r) => lockReports.push(r.text) });
  for (let seed = 1; seed <= REPORT_SEEDS; seed++) {
    reports = 0;
    const vm = await runTestVm({
      vcpus: VCPUS,
      seed,
      lockDebug,
      main: async (os, cpu) => {
        for (let apic = 1; apic < VCPUS; apic++) assert.equal(await os.startAp(cpu, apic), 0);
        await attest(os, cpu);
      },
      apMain: attest,
    });
    assert.notEqual(vm.result.status, "terminated", `seed ${seed}: ${vm.result.reason}`);
    assert.equal(reports, VCPUS, `seed ${seed}`);
  }
  assert.deepEqual(lockReports, [], "no lock-order inversion or deadlock in the kernel");
});
