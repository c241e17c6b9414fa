/**
 * The core-protocol reference table (svsm-abi.md §4, §6) on the booted
 * machine: a guest at VMPL2 makes each call through its calling area and
 * VMGEXIT, and RAX/RCX/RDX/R8 come back through the real request loop.
 */
import assert from "node:assert/strict";
import { SvsmResultCode as R } from "../lib/svsm/abi/mod.ts";
import { SvsmVtpm } from "../lib/svsm/vtpm/mod.ts";
import { runTestVm } from "./svsm_test_vm.ts";

type Row = [
  name: string,
  protocol: number,
  call: number,
  args: [bigint, bigint, bigint],
  want: { rax: number; rcx?: bigint; rdx?: bigint; r8?: bigint },
];

const Q = (p: bigint, v: bigint) => (p << 32n) | v;
const PAGE = 0x100000n; // a guest page the test validates first
const FAR = 0xffff_ffff_ffff_f000n;

const ROWS: Row[] = [
  ["QUERY_PROTOCOL core 1", 0, 6, [Q(0n, 1n), 7n, 9n], { rax: 0, rcx: Q(1n, 1n), rdx: 7n, r8: 9n }],
  ["QUERY_PROTOCOL attest 1", 0, 6, [Q(1n, 1n), 0n, 0n], { rax: 0, rcx: Q(1n, 1n) }],
  ["QUERY_PROTOCOL vTPM 1", 0, 6, [Q(2n, 1n), 0n, 0n], { rax: 0, rcx: Q(1n, 1n) }],
  ["QUERY_PROTOCOL core 2", 0, 6, [Q(0n, 2n), 0n, 0n], { rax: 0, rcx: 0n }],
  ["QUERY_PROTOCOL APIC (not modeled)", 0, 6, [Q(3n, 1n), 0n, 0n], { rax: 0, rcx: 0n }],
  ["CONFIGURE_VTOM query", 0, 7, [1n, 0n, 0n], { rax: 0, rcx: 0n }],
  ["CONFIGURE_VTOM set", 0, 7, [0n, 5n, 6n], { rax: R.INVALID_REQUEST, rcx: 0n, rdx: 5n, r8: 6n }],
  ["call 8", 0, 8, [1n, 2n, 3n], { rax: R.UNSUPPORTED_CALL, rcx: 1n, rdx: 2n, r8: 3n }],
  ["protocol 7", 7, 0, [1n, 2n, 3n], { rax: R.UNSUPPORTED_PROTOCOL, rcx: 1n }],
  ["attestation call 5 (quirk)", 1, 5, [0n, 0n, 0n], { rax: R.UNSUPPORTED_PROTOCOL }],
  ["vTPM QUERY", 2, 0, [0n, 0n, 0n], { rax: 0, rcx: 0x100n, rdx: 0n }],
  ["vTPM CMD at 0", 2, 1, [0n, 0n, 0n], { rax: R.INVALID_PARAMETER }],
  ["REMAP_CA unaligned", 0, 0, [PAGE + 8n, 0n, 0n], { rax: R.INVALID_PARAMETER, rcx: PAGE + 8n }],
  ["REMAP_CA outside memory", 0, 0, [FAR, 0n, 0n], { rax: R.INVALID_ADDRESS, rcx: FAR }],
  ["REMAP_CA onto the current CA", 0, 0, [0x2000n, 0n, 0n], { rax: R.INVALID_ADDRESS }],
  ["PVALIDATE list not 8-aligned", 0, 1, [PAGE + 4n, 0n, 0n], { rax: R.INVALID_PARAMETER }],
  ["PVALIDATE list with 0 entries", 0, 1, [PAGE, 0n, 0n], { rax: R.INVALID_PARAMETER }],
  ["PVALIDATE list outside memory", 0, 1, [FAR, 0n, 0n], { rax: R.INVALID_ADDRESS }],
  ["CREATE_VCPU unaligned VMSA", 0, 2, [PAGE + 8n, PAGE + 0x1000n, 1n], { rax: R.INVALID_ADDRESS }],
  ["CREATE_VCPU VMSA = CA", 0, 2, [PAGE, PAGE, 1n], { rax: R.INVALID_ADDRESS }],
  ["CREATE_VCPU unknown APIC ID", 0, 2, [PAGE, PAGE + 0x1000n, 99n], { rax: R.INVALID_PARAMETER }],
  ["DELETE_VCPU unregistered", 0, 3, [PAGE, 0n, 0n], { rax: R.INVALID_PARAMETER }],
  ["WITHDRAW_MEM list with 0 entries", 0, 5, [PAGE, 0n, 0n], { rax: R.INVALID_PARAMETER }],
];

Deno.test("core calls on the booted machine: codes and RAX/RCX/RDX/R8 as the reference gives them", async () => {
  const seen: string[] = [];
  const vm = await runTestVm({
    vcpus: 2,
    vtpm: await SvsmVtpm.create({ seed: new Uint8Array(32) }),
    main: async (os, cpu) => {
      await os.pvalidate(cpu, Number(PAGE), 0x2000);
      for (const [name, protocol, call, [rcx, rdx, r8], want] of ROWS) {
        const out = await os.svsmCall(cpu, protocol, call, rcx, rdx, r8);
        assert.equal(out.rax, BigInt(want.rax), `${name}: RAX`);
        // On success and on a soft error the loop writes RCX/RDX/R8 back.
        assert.equal(out.rcx, want.rcx ?? rcx, `${name}: RCX`);
        assert.equal(out.rdx, want.rdx ?? rdx, `${name}: RDX`);
        assert.equal(out.r8, want.r8 ?? r8, `${name}: R8`);
        seen.push(name);
      }
    },
  });
  assert.equal(vm.result.status, "halted", String(vm.result.reason)); // the AP idles: no guest VMSA
  assert.equal(seen.length, ROWS.length);
});
