import assert from "node:assert/strict";
import { parseReport, SECRETS_PAGE } from "../lib/snp/firmware/mod.ts";
import { ATTEST_SERVICES_OP, CoreCall, SvsmProtocol, SvsmResultCode } from "../lib/svsm/abi/mod.ts";
import { svsmLayout } from "../lib/svsm/boot/mod.ts";
import {
  GHCB_TERM_SVSM_CAA,
  GHCB_TERM_SVSM_VMPL0,
  type GuestCpu,
  type GuestOs,
} from "../lib/guest/mod.ts";
import { allocVmsaPage } from "../lib/svsm/cpu/smp.ts";
import {
  GHCB_INFO,
  MSR_GHCB,
  NAE_EXT_GUEST_REQUEST,
  NAE_GUEST_REQUEST,
  VMSA,
} from "../lib/snp/mod.ts";
import { runTestVm, type TestVm } from "./svsm_test_vm.ts";

const { CORE } = SvsmProtocol;
const QUERY = (protocol: number, version: number) => (BigInt(protocol) << 32n) | BigInt(version);

Deno.test("boot with 1 vCPU: the guest finds the SVSM and QUERY_PROTOCOL answers", async () => {
  const seen: bigint[] = [];
  const vm = await runTestVm({
    vcpus: 1,
    main: async (os, cpu) => {
      for (const q of [QUERY(0, 1), QUERY(1, 1), QUERY(0, 2), QUERY(9, 1)]) {
        const r = await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, q);
        assert.equal(r.rax, 0n);
        seen.push(r.rcx);
      }
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.deepEqual(seen, [(1n << 32n) | 1n, (1n << 32n) | 1n, 0n, 0n]);
  const svsm = vm.os.svsm!;
  assert.equal(svsm.base, vm.layout.svsmBase);
  assert.equal(svsm.size, vm.layout.svsmSize);
  assert.equal(svsm.caa, vm.layout.guestCaGpa);
  assert.equal(svsm.maxVersion, 1);
  assert.equal(svsm.guestVmpl, 2);
});

Deno.test("the guest's secrets page: VMPCK0/1 zeroed, VMPCK2/3 kept, SVSM fields set", async () => {
  let copy: Uint8Array = new Uint8Array();
  const vm = await runTestVm({
    main: (_os, cpu) => {
      copy = cpu.ctx.read(svsmLayout({ vmMemoryBytes: 16 << 20 }).guestSecretsGpa, 4096);
      return Promise.resolve();
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  // The SVSM's own page, as the firmware filled it (read with the guest's key, test privilege).
  const spa = vm.host.attacks.spaOf(vm.layout.secretsGpa);
  const original = vm.machine.encryption.privateView(1, spa).slice();
  const g = SECRETS_PAGE.decode(copy), s = SECRETS_PAGE.decode(original);
  assert.ok(s.vmpck0.some((b) => b !== 0), "firmware wrote a VMPCK0");
  assert.deepEqual(g.vmpck0, new Uint8Array(32));
  assert.deepEqual(g.vmpck1, new Uint8Array(32));
  assert.deepEqual(g.vmpck2, s.vmpck2);
  assert.deepEqual(g.vmpck3, s.vmpck3);
  assert.equal(g.version, s.version);
  assert.equal(g.svsmBase, BigInt(vm.layout.svsmBase));
  assert.equal(g.svsmSize, BigInt(vm.layout.svsmSize));
  assert.equal(g.svsmCaa, BigInt(vm.layout.guestCaGpa));
  assert.equal(g.svsmMaxVersion, 1);
  assert.equal(g.svsmGuestVmpl, 2);
  assert.equal(s.svsmSize, 0n, "the SVSM's own page has no SVSM fields");
});

Deno.test("boot with 4 vCPUs: memory validated through lists, APs started with CREATE_VCPU", async () => {
  const answers = new Map<number, bigint>();
  const query = async (os: GuestOs, cpu: GuestCpu) => {
    const r = await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1));
    answers.set(cpu.ctx.apicId, r.rcx);
  };
  let pattern: Uint8Array = new Uint8Array();
  const vm = await runTestVm({
    vcpus: 4,
    seed: 3,
    main: async (os, cpu) => {
      await query(os, cpu);
      // 4 MiB from 2 MiB (2M entries: the host's 4K RMP entries make the SVSM answer
      // FAIL_SIZEMISMATCH, the guest retries with 4K entries) and 64 KiB of 4K entries.
      await os.pvalidate(cpu, 0x200000, 0x400000);
      await os.pvalidate(cpu, 0x10000, 0x10000);
      cpu.ctx.write(0x3FF000, new Uint8Array([1, 2, 3]));
      cpu.ctx.write(0x1F000, new Uint8Array([4, 5, 6]));
      pattern = new Uint8Array([...cpu.ctx.read(0x3FF000, 3), ...cpu.ctx.read(0x1F000, 3)]);
      for (const apic of [1, 2, 3]) assert.equal(await os.startAp(cpu, apic), 0);
    },
    apMain: query,
  });
  assert.equal(vm.result.status !== "terminated", true, String(vm.result.reason));
  assert.deepEqual(pattern, new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.deepEqual([...answers.keys()].sort(), [0, 1, 2, 3]);
  for (const rcx of answers.values()) assert.equal(rcx, (1n << 32n) | 1n);
  assert.deepEqual([...vm.os.ranOn].sort(), [0, 1, 2, 3]);
  for (const apic of [1, 2, 3]) {
    const g = vm.svsm.guestVcpus.get(apic)!;
    assert.equal(g.caGpa, vm.os.callingAreas.get(apic));
  }
});

Deno.test("an unvalidated page faults in the guest; after PVALIDATE it is zeroed and usable", async () => {
  let before = "";
  let after: Uint8Array = new Uint8Array();
  const vm = await runTestVm({
    main: async (os, cpu) => {
      try {
        cpu.ctx.read(0x50000, 1);
      } catch (e) {
        before = (e as Error).message;
      }
      await os.pvalidate(cpu, 0x50000, 0x1000);
      after = cpu.ctx.read(0x50000, 16);
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.match(before, /#VC 0x404/);
  assert.deepEqual(after, new Uint8Array(16));
});

/**
 * Four fresh guest pages holding an SVSM_ATTEST_SERVICES op at the first,
 * its nonce at +0x800, report buffer at +0x1000 and manifest at +0x2000.
 */
async function writeServicesOp(os: GuestOs, cpu: GuestCpu): Promise<number> {
  const base = await os.allocPages(cpu, 4);
  cpu.ctx.write(
    base,
    ATTEST_SERVICES_OP.encode({
      reportGpa: BigInt(base + 0x1000),
      reportSize: 0x1000,
      nonceGpa: BigInt(base + 0x800),
      nonceSize: 64,
      manifestGpa: BigInt(base + 0x2000),
      manifestSize: 0x1000,
    }),
  );
  return base;
}

Deno.test("VMPCK0 driver: reports at VMPL0, certificates, a too-small buffer keeps seqnos in step", async () => {
  const results: { rax: bigint; rdx: bigint; r8: bigint }[] = [];
  const reports: Uint8Array[] = [];
  const vm = await runTestVm({
    setup: (vm) => vm.host.certificates = vm.firmware.certTable(),
    main: async (os, cpu) => {
      const base = await os.allocPages(cpu, 8);
      const [op, nonce, report, manifest, certs] = [0, 1, 2, 3, 4].map((i) => base + i * 0x1000);
      cpu.ctx.write(nonce, new Uint8Array(64).fill(9));
      for (const certificateSize of [0, 0x1000, 0x4000, 0]) {
        cpu.ctx.write(
          op,
          ATTEST_SERVICES_OP.encode({
            reportGpa: BigInt(report),
            reportSize: 0x1000,
            nonceGpa: BigInt(nonce),
            nonceSize: 64,
            manifestGpa: BigInt(manifest),
            manifestSize: 0x1000,
            certificateGpa: BigInt(certs),
            certificateSize,
          }),
        );
        const r = await os.svsmCall(cpu, SvsmProtocol.ATTEST, 0, BigInt(op));
        results.push(r);
        reports.push(cpu.ctx.read(report, 0x4A0));
      }
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  const table = vm.firmware.certTable();
  const pages = Math.ceil(table.length / 0x1000);
  assert.ok(pages > 1, "the certificate table needs more than one page");
  assert.equal(results[0].rax, 0n);
  assert.equal(results[0].r8, 0x4A0n);
  // One page offered: the host asks for more; the driver still consumed its sequence number.
  assert.equal(Number(results[1].rax), SvsmResultCode.INVALID_PARAMETER);
  assert.equal(results[1].rdx, BigInt(pages << 12));
  assert.equal(results[2].rax, 0n);
  assert.ok(results[2].rdx > 0n);
  assert.equal(results[3].rax, 0n, "the channel still works after the short buffer");
  for (const i of [0, 2, 3]) assert.equal(parseReport(reports[i]).vmpl, 0);
});

Deno.test("REMAP_CA: the loop follows the new calling area on the next call", async () => {
  const codes: number[] = [];
  const vm = await runTestVm({
    main: async (os, cpu) => {
      const page = await os.allocPages(cpu, 1);
      const moved = await os.remapCallingArea(cpu, page);
      codes.push(moved.rax);
      const r = await os.svsmCall(moved.cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1));
      codes.push(Number(r.rax));
      // The old calling area is no longer looked at: a call through it is not taken.
      await assert.rejects(() => os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1)));
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.deepEqual(codes, [0, 0]);
  assert.equal(vm.svsm.guestVcpus.get(0)!.caGpa, vm.os.callingAreas.get(0));
});

Deno.test("every call is a trace slice named protocol/call, closed with the result's name", async () => {
  const vm = await runTestVm({
    trace: true,
    main: async (os, cpu) => {
      await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1));
      await os.svsmCall(cpu, CORE, 99);
      await os.svsmCall(cpu, 77, 1);
    },
  });
  const calls = vm.machine.trace.ofKind("call").map((e) => `${e.phase} ${e.name} ${e.detail}`);
  assert.deepEqual(calls, [
    "begin core/QUERY_PROTOCOL ",
    "end core/QUERY_PROTOCOL SUCCESS",
    "begin core/99 ",
    "end core/99 UNSUPPORTED_CALL",
    "begin protocol77/1 ",
    "end protocol77/1 UNSUPPORTED_PROTOCOL",
  ]);
  assert.ok(vm.machine.trace.ofKind("call").every((e) => e.vcpu === 0 && e.vmpl === 0));
});

Deno.test("the guest notices a host that refuses or skips the SVSM (Linux: -EINVAL)", async () => {
  const errors: string[] = [];
  let mode: "refuse" | "skip" | "honest" = "honest";
  const vm = await runTestVm({
    setup: (vm) => {
      vm.host.tamper.runVmpl = (_vcpu, vmpl, requested) => {
        if (vmpl !== 2 || requested !== 0 || mode === "honest") return undefined;
        return mode === "refuse" ? "refuse" : 2; // "skip": claims success, resumes the guest
      };
    },
    main: async (os, cpu) => {
      for (const m of ["refuse", "skip"] as const) {
        mode = m;
        await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1)).catch((e) =>
          errors.push(`${e.name}: ${e.message}`)
        );
      }
      mode = "honest";
      const r = await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1));
      errors.push(`ok ${r.rcx}`);
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.equal(errors.length, 3);
  assert.match(errors[0], /SvsmCallError: RUN_VMPL\(0\) answered/);
  assert.match(errors[1], /SvsmCallError: the SVSM did not take the call/);
  assert.equal(errors[2], `ok ${(1n << 32n) | 1n}`);
});

Deno.test("a VMSA deleted while its guest runs: the SVSM neither serves it nor writes to the page", async () => {
  let testVm: TestVm | undefined;
  let go = false, deleted = -1n, apAnswered = false;
  let page: Uint8Array = new Uint8Array();
  const vm = await runTestVm({
    vcpus: 2,
    setup: (v) => testVm = v,
    main: async (os, cpu) => {
      assert.equal(await os.startAp(cpu, 1), 0);
      while (!os.ranOn.has(1)) await cpu.ctx.pause();
      const apVmsa = testVm!.svsm.guestVcpus.get(1)!.vmsaGpa;
      deleted = (await os.svsmCall(cpu, CORE, CoreCall.DELETE_VCPU, BigInt(apVmsa))).rax;
      // The page is the guest's again: it stores its own data there (EFER.SVME set, too).
      cpu.ctx.write(apVmsa, new Uint8Array(4096).fill(0xFF));
      go = true; // the AP, still running its deleted VMSA, now calls the SVSM
      for (let i = 0; i < 200; i++) await cpu.ctx.pause();
      page = cpu.ctx.read(apVmsa, 4096);
    },
    apMain: async (os, cpu) => {
      while (!go) await cpu.ctx.pause();
      await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1));
      apAnswered = true;
    },
  });
  assert.notEqual(vm.result.status, "terminated", String(vm.result.reason));
  assert.equal(deleted, 0n);
  assert.equal(apAnswered, false);
  const v = new DataView(page.buffer);
  // Only the AP's own register writes reached the page: RAX is its request, not a result,
  // and the SVSM did not clear EFER.SVME in it.
  assert.equal(v.getBigUint64(VMSA.fields.rax.offset, true), BigInt(CoreCall.QUERY_PROTOCOL));
  assert.equal(v.getBigUint64(VMSA.fields.efer.offset, true), 0xFFFF_FFFF_FFFF_FFFFn);
});

Deno.test("DELETE_VCPU of the caller's own VMSA: no results written into the returned page", async () => {
  let testVm: TestVm | undefined;
  let apVmsa = -1, rax = -1n;
  const vm = await runTestVm({
    vcpus: 2,
    setup: (v) => testVm = v,
    main: async (os, cpu) => {
      assert.equal(await os.startAp(cpu, 1), 0);
      while (testVm!.svsm.guestVcpus.get(1)!.vmsaGpa >= 0) await cpu.ctx.pause();
      rax = new DataView(cpu.ctx.read(apVmsa, 4096).buffer).getBigUint64(
        VMSA.fields.rax.offset,
        true,
      );
    },
    apMain: async (os, cpu) => {
      apVmsa = testVm!.svsm.guestVcpus.get(1)!.vmsaGpa;
      await os.svsmCall(cpu, CORE, CoreCall.DELETE_VCPU, BigInt(apVmsa));
    },
  });
  assert.notEqual(vm.result.status, "terminated", String(vm.result.reason));
  assert.equal(
    rax,
    BigInt(CoreCall.DELETE_VCPU),
    "the request, not a result written after the delete",
  );
});

Deno.test("a failed guest request disables VMPCK0 in the SVSM's secrets page too (COCONUT disable_vmpck0)", async () => {
  const codes: bigint[] = [];
  const vm = await runTestVm({
    setup: (vm) =>
      vm.host.attacks.corruptGhcbResponses((_vcpu, vmpl, ghcb) => {
        const code = Number(ghcb.get("swExitCode"));
        if (vmpl !== 0 || (code !== NAE_GUEST_REQUEST && code !== NAE_EXT_GUEST_REQUEST)) return;
        ghcb.set("swExitInfo2", 0x16n); // the host claims a firmware error
      }),
    main: async (os, cpu) => {
      const base = await writeServicesOp(os, cpu);
      for (let i = 0; i < 2; i++) {
        codes.push((await os.svsmCall(cpu, SvsmProtocol.ATTEST, 0, BigInt(base))).rax);
      }
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.deepEqual(
    codes,
    [SvsmResultCode.INVALID_REQUEST, SvsmResultCode.INVALID_REQUEST].map(BigInt),
  );
  const s = SECRETS_PAGE.decode(
    vm.machine.encryption.privateView(1, vm.host.attacks.spaOf(vm.layout.secretsGpa)),
  );
  assert.deepEqual(s.vmpck0, new Uint8Array(32), "VMPCK0 is gone from the SVSM's page");
  assert.ok(s.vmpck1.some((b) => b !== 0), "no panic: the other keys stay");
});

Deno.test("call_pending: a VMGEXIT without it is not served; any non-zero value is; 0 written back", async () => {
  const seen: { rax: bigint; ca: number }[] = [];
  const vm = await runTestVm({
    main: async (_os, cpu) => {
      for (const pending of [0x00, 0x05]) {
        cpu.ctx.writeU32(cpu.caGpa, 0xABCDEF00 | pending); // the other CA bytes must survive
        cpu.ctx.regs.rax = BigInt(CoreCall.QUERY_PROTOCOL);
        cpu.ctx.regs.rcx = QUERY(0, 1);
        cpu.ctx.wrmsr(MSR_GHCB, BigInt(GHCB_INFO.RUN_VMPL_REQ)); // RUN_VMPL(0), raw
        await cpu.ctx.vmgexit();
        seen.push({ rax: cpu.ctx.regs.rax, ca: cpu.ctx.readU32(cpu.caGpa) });
      }
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.deepEqual(seen, [
    { rax: BigInt(CoreCall.QUERY_PROTOCOL), ca: 0xABCDEF00 }, // untouched: no call
    { rax: 0n, ca: 0xABCDEF00 },
  ]);
});

Deno.test("a calling area the host pulls away during a call: not served, the SVSM keeps running", async () => {
  let attack = false, error = "";
  let testVm: TestVm | undefined;
  const vm = await runTestVm({
    setup: (v) => {
      testVm = v;
      v.host.attacks.reorderRuns((_vcpu, vmpl, requested) => {
        if (attack && vmpl === 2 && requested === 0) {
          attack = false;
          v.host.attacks.reassignBehindGuest(v.layout.guestCaGpa); // VALIDATED is lost
        }
        return requested;
      });
    },
    main: async (os, cpu) => {
      attack = true;
      await os.svsmCall(cpu, CORE, CoreCall.QUERY_PROTOCOL, QUERY(0, 1)).catch((e) =>
        error = String(e)
      );
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.match(error, /#VC 0x404/, "the guest's own read of its CA faults");
  assert.equal(testVm!.svsm.panics.panicked, undefined);
});

Deno.test("a replayed guest-request response is rejected; VMPCK0 is disabled for good", async () => {
  const codes: bigint[] = [];
  let replay = false, replayed = 0;
  let saved: { page: Uint8Array; bytes: Uint8Array } | undefined;
  const vm = await runTestVm({
    setup: (vm) =>
      vm.host.attacks.corruptGhcbResponses((_vcpu, vmpl, ghcb) => {
        if (vmpl !== 0 || Number(ghcb.get("swExitCode")) !== NAE_GUEST_REQUEST) return;
        if (saved !== undefined) {
          if (replay) {
            saved.page.set(saved.bytes); // the first, genuine answer, once more
            replayed++;
          }
          return;
        }
        // The SVSM's response page: the shared page holding a MSG_REPORT_RSP (type 6) header.
        for (
          let gpa = vm.layout.svsmBase;
          gpa < vm.layout.svsmBase + vm.layout.svsmSize;
          gpa += 4096
        ) {
          const page = vm.host.sharedPage(gpa);
          if (page !== undefined && page[0x34] === 6 && page[0x31] === 1) {
            saved = { page, bytes: page.slice() };
          }
        }
      }),
    main: async (os, cpu) => {
      const base = await writeServicesOp(os, cpu);
      for (let i = 0; i < 3; i++) {
        replay = i === 1;
        codes.push((await os.svsmCall(cpu, SvsmProtocol.ATTEST, 0, BigInt(base))).rax);
      }
    },
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.equal(replayed, 1);
  const { INVALID_REQUEST } = SvsmResultCode;
  assert.deepEqual(codes, [0n, BigInt(INVALID_REQUEST), BigInt(INVALID_REQUEST)]);
  const s = SECRETS_PAGE.decode(
    vm.machine.encryption.privateView(1, vm.host.attacks.spaOf(vm.layout.secretsGpa)),
  );
  assert.deepEqual(s.vmpck0, new Uint8Array(32));
});

Deno.test("a host that acknowledges AP_CREATION but never runs the AP: the SVSM panics, no hang", async () => {
  const vm = await runTestVm({ vcpus: 2, setup: (vm) => vm.host.attacks.ignoreApStarts() });
  assert.equal(vm.result.status, "terminated");
  assert.match(vm.svsm.panics.panicked?.message ?? "", /AP 1 did not come online/);
  assert.equal(vm.os.ranOn.size, 0, "the guest never ran");
});

Deno.test("VMSA pages are never 2 MiB-aligned: the SVSM's allocator and the guest's AP pages", async () => {
  const freed: number[] = [];
  const pages = [0x400000, 0x401000];
  const alloc = { allocPage: () => pages.shift()!, freePage: (gpa: number) => freed.push(gpa) };
  assert.equal(allocVmsaPage(alloc), 0x401000);
  assert.deepEqual(freed, [0x400000]);
  assert.equal(allocVmsaPage({ allocPage: () => 0x403000, freePage: alloc.freePage }), 0x403000);
  // The guest's pool starts 2 MiB-aligned: its first AP's VMSA skips that page.
  const vm = await runTestVm({
    vcpus: 2,
    poolBase: 0x200000,
    main: async (os, cpu) => assert.equal(await os.startAp(cpu, 1), 0),
  });
  assert.equal(vm.result.status, "finished", String(vm.result.reason));
  assert.equal(vm.svsm.guestVcpus.get(1)!.vmsaGpa, 0x201000);
  assert.notEqual(vm.svsm.guestVcpus.get(0)!.vmsaGpa % 0x200000, 0);
});

Deno.test("the guest refuses SVSM_GUEST_VMPL 0 or an unaligned SVSM_CAA (Linux set 1, codes 8/9)", async () => {
  const cases = [
    { field: "svsmGuestVmpl", value: 0, code: GHCB_TERM_SVSM_VMPL0 },
    { field: "svsmCaa", value: 0x10n, code: GHCB_TERM_SVSM_CAA },
  ] as const;
  for (const c of cases) {
    let mainRan = false;
    const vm = await runTestVm({
      setup: (vm) => {
        vm.machine.setProgram(2, async (ctx) => {
          const at = vm.layout.guestSecretsGpa;
          const page = ctx.read(at, SECRETS_PAGE.size);
          SECRETS_PAGE.set(page, c.field, c.value);
          ctx.write(at, page);
          await vm.os.program(ctx);
        });
      },
      main: () => Promise.resolve(void (mainRan = true)),
    });
    assert.equal(vm.result.status, "terminated", c.field);
    assert.match(String(vm.result.reason), new RegExp(`reason set 1, code ${c.code}\\)`));
    assert.equal(mainRan, false);
  }
});
