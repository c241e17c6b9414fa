/**
 * Second review pass over the SVSM and the enlightened guest: attacks a guest can mount with
 * its call arguments, each against a spec fact (svsm-abi.md).
 */
import assert from "node:assert/strict";
import { ATTEST_SERVICES_OP, SvsmResultCode as R } from "../lib/svsm/mod.ts";
import { AttestCall, SvsmProtocol } from "../lib/svsm/abi/protocol_ids.ts";
import { dispatchRequest } from "../lib/svsm/protocols/mod.ts";
import type { SvsmRequest, VtpmService } from "../lib/svsm/request_context.ts";
import { runTestVm, type TestVm } from "./svsm_test_vm.ts";
import { fakeSvsmCpu } from "./support/fake_svsm_cpu.ts";

/** One handler call; a soft error thrown by the handler is its result code. */
async function call(req: SvsmRequest): Promise<number> {
  try {
    return await dispatchRequest(req);
  } catch (e) {
    const err = (e as { error?: { kind: string; code: number } }).error;
    if (err?.kind === "result") return err.code;
    throw e;
  }
}

Deno.test("attestation: the report cannot be written over another vCPU's registered VMSA", async () => {
  let testVm: TestVm | undefined;
  let done = false, rax = -1n;
  let before: Uint8Array = new Uint8Array(), after: Uint8Array = new Uint8Array();
  const vm = await runTestVm({
    vcpus: 2,
    setup: (v) => testVm = v,
    main: async (os, cpu) => {
      assert.equal(await os.startAp(cpu, 1), 0);
      while (!os.ranOn.has(1)) await cpu.ctx.pause();
      const apVmsa = testVm!.svsm.guestVcpus.get(1)!.vmsaGpa;
      const page = await os.allocPages(cpu, 3);
      cpu.ctx.write(
        page,
        ATTEST_SERVICES_OP.encode({
          reportGpa: BigInt(apVmsa), // the attack: the AP's VMSA as the report buffer
          reportSize: 0x1000,
          nonceGpa: BigInt(page + 0x1000),
          nonceSize: 64,
          manifestGpa: BigInt(page + 0x2000),
          manifestSize: 0x1000,
        }),
      );
      before = cpu.ctx.read(apVmsa, 4096);
      const r = await os.svsmCall(cpu, SvsmProtocol.ATTEST, AttestCall.SERVICES, BigInt(page));
      rax = r.rax;
      after = cpu.ctx.read(apVmsa, 4096);
      done = true;
    },
    apMain: async (_os, cpu) => {
      while (!done) await cpu.ctx.pause();
    },
  });
  assert.notEqual(vm.result.status, "terminated", String(vm.result.reason));
  assert.equal(rax, BigInt(R.INVALID_ADDRESS));
  assert.deepEqual(after, before, "the AP's VMSA is unchanged");
});

Deno.test("no call has the SVSM write into a registered VMSA: vTPM buffer, PVALIDATE and WITHDRAW_MEM lists", async () => {
  const vtpm: VtpmService = {
    poweredOn: true,
    execute: () => Promise.resolve(new Uint8Array(4092).fill(0xcc)),
    ekPublic: () => Promise.resolve(new Uint8Array(4)),
  };
  const { mem, cpu, request } = fakeSvsmCpu({ vtpm, memoryBytes: 0x40000 });
  const VMSA_GPA = 0x20000;
  cpu.kernel.guestVcpus.get(1)!.vmsaGpa = VMSA_GPA; // APIC 1's VMSA, registered
  const dv = new DataView(mem.bytes.buffer);
  dv.setUint32(VMSA_GPA, 8, true); // looks like TPM_SEND_COMMAND, locality 0, inbuf_size 0
  dv.setUint32(VMSA_GPA - 8, 8, true); // a buffer that starts 8 bytes before it
  dv.setUint16(VMSA_GPA + 0x100, 1, true); // a PVALIDATE / WITHDRAW_MEM header: 1 entry
  const before = mem.bytes.slice(VMSA_GPA, VMSA_GPA + 0x1000);
  const cases: [string, SvsmRequest, number][] = [
    ["vTPM buffer on the VMSA", request(2, 1, BigInt(VMSA_GPA)), R.INVALID_PARAMETER],
    ["vTPM buffer running into it", request(2, 1, BigInt(VMSA_GPA - 8)), R.INVALID_ADDRESS],
    ["PVALIDATE list in it", request(0, 1, BigInt(VMSA_GPA + 0x100)), R.INVALID_ADDRESS],
    ["WITHDRAW_MEM list in it", request(0, 5, BigInt(VMSA_GPA + 0x100)), R.INVALID_ADDRESS],
  ];
  for (const [name, req, want] of cases) assert.equal(await call(req), want, name);
  assert.deepEqual(mem.bytes.slice(VMSA_GPA, VMSA_GPA + 0x1000), before, "VMSA unchanged");
});

Deno.test("vTPM: a buffer page that becomes a VMSA while the TPM runs gets no response written", async () => {
  const BUF = 0x20000;
  let registerMeanwhile = () => {};
  const vtpm: VtpmService = {
    poweredOn: true,
    execute: () => {
      registerMeanwhile(); // another vCPU's CREATE_VCPU, between the read and the write-back
      return Promise.resolve(new Uint8Array(64).fill(0xcc));
    },
    ekPublic: () => Promise.resolve(new Uint8Array(4)),
  };
  const { mem, cpu, request } = fakeSvsmCpu({ vtpm, memoryBytes: 0x40000 });
  registerMeanwhile = () => cpu.kernel.guestVcpus.get(1)!.vmsaGpa = BUF;
  new DataView(mem.bytes.buffer).setUint32(BUF, 8, true);
  const before = mem.bytes.slice(BUF, BUF + 0x1000);
  assert.equal(await call(request(2, 1, BigInt(BUF))), R.INVALID_ADDRESS);
  assert.deepEqual(mem.bytes.slice(BUF, BUF + 0x1000), before, "the new VMSA is unchanged");
});

Deno.test("vTPM buffer limits: a 4087-byte command and a 4092-byte response fit; 4097 bytes is INVALID_REQUEST", async () => {
  let seen = -1, answer = 0;
  const vtpm: VtpmService = {
    poweredOn: true,
    execute: (cmd) => {
      seen = cmd.length;
      return Promise.resolve(new Uint8Array(answer).fill(0xab));
    },
    ekPublic: () => Promise.resolve(new Uint8Array(4)),
  };
  const { mem, request } = fakeSvsmCpu({ vtpm, memoryBytes: 0x10000 });
  const dv = new DataView(mem.bytes.buffer);
  const send = (inSize: number, outSize: number) => {
    answer = outSize;
    dv.setUint32(0x3000, 8, true);
    mem.bytes[0x3004] = 0;
    dv.setUint32(0x3005, inSize, true);
    return call(request(2, 1, 0x3000n));
  };
  assert.equal(await send(4087, 4092), R.SUCCESS);
  assert.equal(seen, 4087, "the whole 4087-byte command reached the TPM");
  assert.equal(dv.getUint32(0x3000, true), 4092);
  assert.ok(mem.bytes.subarray(0x3004, 0x4000).every((b) => b === 0xab), "to the last byte");
  assert.equal(await send(10, 4097), R.INVALID_REQUEST, "longer than the buffer");
});

Deno.test("DEPOSIT_MEM of the list's own page is refused: the SVSM never acts on entries it zeroed", async () => {
  const { mem, pages, cpu, request } = fakeSvsmCpu({ memoryBytes: 0x40000 });
  for (const p of [0x0, 0x6000, 0x30000]) {
    pages.set(p, { validated: true, vmpl2Perms: 0xf, vmsa: false });
  }
  mem.bytes.fill(0x55, 0, 0x1000); // page 0: guest data no list names
  const dv = new DataView(mem.bytes.buffer);
  dv.setUint16(0x6000, 3, true); // entries
  dv.setUint16(0x6002, 0, true); // next
  dv.setBigUint64(0x6008, 0x30000n, true);
  dv.setBigUint64(0x6010, 0x6000n, true); // the list's own page
  dv.setBigUint64(0x6018, 0x30000n, true);
  assert.equal(await call(request(0, 4, 0x6000n)), R.INVALID_ADDRESS);
  assert.equal(dv.getUint16(0x6002, true), 1, "next names the refused entry");
  assert.ok(!cpu.kernel.depositedPages.has(0x6000) && !cpu.kernel.depositedPages.has(0));
  assert.ok(mem.bytes.subarray(0, 0x1000).every((b) => b === 0x55), "page 0 untouched");
});
