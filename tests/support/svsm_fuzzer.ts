/**
 * SVSM call fuzzer: a guest that sends random registers and random calling
 * area, PVALIDATE-list and attestation-op contents, and checks after each
 * call that the SVSM answered with a defined result code, took the call, and
 * left the guest's other memory alone. Shared by `tests/svsm_fuzz_test.ts`
 * (the CI run) and `tools/svsm_fuzz.ts` (long runs).
 */
import { createHash } from "node:crypto";
import { Prng } from "../../lib/common/prng.ts";
import { ATTEST_SERVICES_OP, SvsmResultCode } from "../../lib/svsm/abi/mod.ts";
import type { GuestCpu, GuestOs } from "../../lib/guest/mod.ts";
import { runTestVm, type TestVm } from "../svsm_test_vm.ts";
import type { RunResult } from "../../lib/snp/mod.ts";
import { SvsmVtpm } from "../../lib/svsm/vtpm/mod.ts";

/** Where the fuzzing guest keeps things (all below the SVSM region of a 16 MiB VM). */
const SCRATCH = { base: 0x100000, size: 0x40000 }; // buffers the fuzzer writes calls into
const CA_POOL = { base: 0x180000, size: 0x10000 }; // targets for REMAP_CA
const VICTIM = { base: 0x200000, size: 0x400000 }; // pages the SVSM may (in)validate or take
const SENTINEL = { base: 0x800000, size: 0x80000 }; // never named: must never change

/** Every result code the SVSM may answer with (svsm-abi.md §3). */
const DEFINED = new Set<number>([
  ...Object.values(SvsmResultCode).filter((v) => v !== SvsmResultCode.PROTOCOL_BASE),
  ...[1, 2, 6, 0x10].map((n) => SvsmResultCode.PROTOCOL_BASE + n),
]);

/** What a run saw. */
export interface FuzzReport {
  readonly calls: number;
  readonly seed: number;
  /** Result code → count. */
  readonly results: Map<number, number>;
  /** Problems found; empty when the SVSM behaved. */
  readonly problems: string[];
  readonly run: RunResult;
}

/**
 * Runs `calls` fuzzed calls on a fresh VM seeded with `seed`; `onProgress`
 * hears the count every 1024 calls.
 */
export async function fuzzSvsm(
  calls: number,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<FuzzReport> {
  const results = new Map<number, number>();
  const problems: string[] = [];
  let vm: TestVm | undefined;
  const r = new Prng(seed);
  const vmRun = await runTestVm({
    vcpus: 2,
    seed,
    vtpm: await SvsmVtpm.create({ seed: new Uint8Array(32).fill(seed & 0xff) }),
    setup: (v) => vm = v,
    main: async (os, bsp) => {
      let cpu = bsp;
      await os.pvalidate(cpu, SCRATCH.base, SCRATCH.size);
      await os.pvalidate(cpu, CA_POOL.base, CA_POOL.size);
      await os.pvalidate(cpu, VICTIM.base, VICTIM.size / 2);
      await os.pvalidate(cpu, SENTINEL.base, SENTINEL.size);
      cpu.ctx.write(SENTINEL.base, r.fill(new Uint8Array(SENTINEL.size)));
      const sentinel = digest(cpu.ctx.read(SENTINEL.base, SENTINEL.size));
      for (let i = 0; i < calls; i++) {
        const call = makeCall(r, cpu);
        const out = await os.svsmCall(cpu, call.protocol, call.call, call.rcx, call.rdx, call.r8);
        const rax = Number(out.rax);
        results.set(rax, (results.get(rax) ?? 0) + 1);
        if (!DEFINED.has(rax)) problems.push(`call ${i}: undefined result 0x${rax.toString(16)}`);
        if (call.protocol === 0 && call.call === 0 && rax === 0) {
          cpu = { ctx: cpu.ctx, caGpa: Number(call.rcx) }; // REMAP_CA moved our CA
        }
        if ((i & 1023) === 1023 || i === calls - 1) {
          onProgress?.(i + 1);
          await checkAlive(os, cpu, problems, i);
          if (digest(cpu.ctx.read(SENTINEL.base, SENTINEL.size)) !== sentinel) {
            problems.push(`after call ${i}: memory the calls never named has changed`);
            break;
          }
        }
        if (problems.length > 10) break;
      }
    },
  });
  if (vm!.svsm.log.length > 0) problems.push(`the SVSM panicked: ${vm!.svsm.log[0]}`);
  // "halted": the second vCPU never got a guest VMSA, so it idles to the end.
  if (vmRun.result.status === "terminated") {
    problems.push(`the VM ended ${vmRun.result.status}: ${vmRun.result.reason}`);
  }
  return { calls, seed, results, problems, run: vmRun.result };
}

async function checkAlive(os: GuestOs, cpu: GuestCpu, problems: string[], i: number) {
  const q = await os.svsmCall(cpu, 0, 6, 1n);
  if (q.rax !== 0n || q.rcx !== ((1n << 32n) | 1n)) {
    problems.push(`after call ${i}: QUERY_PROTOCOL(core, 1) answered ${q.rax}/${q.rcx}`);
  }
}

function digest(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

interface FuzzCall {
  protocol: number;
  call: number;
  rcx: bigint;
  rdx: bigint;
  r8: bigint;
}

/** Draws one call; writes any structure it points at into scratch memory. */
function makeCall(r: Prng, cpu: GuestCpu): FuzzCall {
  const pick = r.below(100);
  const protocol = pick < 70 ? 0 : pick < 80 ? 1 : pick < 85 ? 2 : r.nextU32();
  const call = r.below(10) < 9 ? r.below(10) : r.nextU32();
  const c: FuzzCall = { protocol, call, rcx: reg(r), rdx: reg(r), r8: reg(r) };
  const listCall = protocol === 0 && (call === 1 || call === 4 || call === 5);
  if (listCall && r.below(4) > 0) {
    c.rcx = BigInt(writeList(r, cpu));
  } else if (listCall) {
    c.rcx = outsideScratch(c.rcx);
  } else if (protocol === 0 && call === 0 && r.below(2) === 0) {
    c.rcx = BigInt(CA_POOL.base + r.below(CA_POOL.size / 4096) * 4096);
  } else if (protocol === 1 && call <= 1 && r.below(10) === 0) {
    c.rcx = BigInt(writeAttestOp(r, cpu)); // reports are slow: only now and then
  } else if (protocol === 1 && call <= 1) {
    c.rcx = 0n; // an op the guest never wrote: rejected before any report is made
  } else if (protocol === 2 && call === 1 && r.below(2) === 0) {
    c.rcx = BigInt(writeTpmCommand(r, cpu));
  }
  return c;
}

/**
 * A hostile register value: random, small, aligned or not, near 2^64, or
 * pointing at buffers — but never at the sentinel, which no call may touch.
 */
function reg(r: Prng): bigint {
  const v = anyReg(r);
  const inSentinel = v >= BigInt(SENTINEL.base) && v < BigInt(SENTINEL.base + SENTINEL.size);
  return inSentinel ? v + BigInt(SENTINEL.size) : v;
}

/**
 * A random list address that is not in scratch memory: stale bytes there (an attestation op, an
 * old list) name the fuzzer's own pages, and PVALIDATE or DEPOSIT_MEM would take them away from
 * the guest, which then faults on its next write (seed 5154858 found this at call 487380).
 */
function outsideScratch(v: bigint): bigint {
  const inScratch = v >= BigInt(SCRATCH.base) && v < BigInt(SCRATCH.base + SCRATCH.size);
  return inScratch ? v + BigInt(VICTIM.base - SCRATCH.base) : v;
}

/**
 * A random list entry that never names the fuzzer's own buffers: the guest
 * keeps writing there, so it must stay validated and its own.
 */
function entryReg(r: Prng): bigint {
  const v = reg(r);
  const own = v >= BigInt(SCRATCH.base) && v < BigInt(VICTIM.base);
  return own ? v + BigInt(VICTIM.base - SCRATCH.base) : v;
}

function anyReg(r: Prng): bigint {
  switch (r.below(8)) {
    case 0:
      return (BigInt(r.nextU32()) << 32n) | BigInt(r.nextU32());
    case 1:
      return BigInt(r.below(0x1000000));
    case 2:
      return BigInt(r.below(0x1000)) * 0x1000n;
    case 3:
      return 0xffff_ffff_ffff_f000n - BigInt(r.below(16)) * 0x1000n;
    case 4:
      return BigInt(VICTIM.base + r.below(VICTIM.size / 4096) * 4096);
    case 5:
      return BigInt(SCRATCH.base + r.below(SCRATCH.size));
    case 6:
      return BigInt(r.below(16));
    default:
      return 0n;
  }
}

function scratchSlot(r: Prng, align: number): number {
  return SCRATCH.base + r.below(SCRATCH.size / align - 1) * align;
}

/** A PVALIDATE-format list with mostly plausible, sometimes broken, entries. */
function writeList(r: Prng, cpu: GuestCpu): number {
  const gpa = scratchSlot(r, 8);
  const room = Math.floor((4096 - (gpa % 4096) - 8) / 8);
  const n = Math.min(room, r.below(5) === 0 ? r.below(0x10000) : 1 + r.below(8));
  // Every entry the header declares is written: stale scratch bytes could name the fuzzer's
  // own pages, and the guest would then lose memory it keeps using.
  const shown = Math.min(n, room);
  const buf = new Uint8Array(8 + 8 * shown);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, n, true);
  dv.setUint16(2, r.below(6) === 0 ? r.below(n + 2) : 0, true);
  if (r.below(10) === 0) dv.setUint32(4, r.nextU32(), true);
  for (let i = 0; i < shown; i++) {
    const twoM = r.below(8) === 0;
    const page = twoM
      ? VICTIM.base + r.below(VICTIM.size / 0x200000) * 0x200000
      : VICTIM.base + r.below(VICTIM.size / 4096) * 4096;
    let e = r.below(10) === 0 ? entryReg(r) : BigInt(page) | (twoM ? 1n : 0n) |
      (r.below(2) ? 4n : 0n) | (r.below(2) ? 8n : 0n);
    if (r.below(20) === 0) e |= BigInt(r.below(256)) << 4n; // reserved bits
    dv.setBigUint64(8 + 8 * i, BigInt.asUintN(64, e), true);
  }
  cpu.ctx.write(gpa, buf);
  return gpa;
}

/**
 * A TPM_SEND_COMMAND buffer (svsm-abi.md §7): mostly a well-formed TPM command
 * (GetRandom, Startup, PCR_Read) mutated now and then, sometimes a bad header.
 */
function writeTpmCommand(r: Prng, cpu: GuestCpu): number {
  // Unaligned buffers span two pages, as the protocol allows; keep them inside scratch.
  const gpa = r.below(4) === 0
    ? SCRATCH.base + r.below(SCRATCH.size - 0x1000)
    : scratchSlot(r, 0x1000);
  const commands = [
    [0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 32], // GetRandom(32)
    [0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0], // Startup(CLEAR)
    [0x80, 1, 0, 0, 0, 20, 0, 0, 1, 0x7e, 0, 0, 0, 1, 0, 0xb, 3, 0xff, 0xff, 0xff], // PCR_Read
  ];
  const body = Uint8Array.from(commands[r.below(commands.length)]);
  if (r.below(4) === 0) body[r.below(body.length)] ^= 1 << r.below(8);
  const buf = new Uint8Array(9 + body.length);
  const dv = new DataView(buf.buffer);
  dv.setUint32(0, r.below(10) === 0 ? r.below(16) : 8, true); // TPM_SEND_COMMAND
  buf[4] = r.below(10) === 0 ? r.below(5) : 0; // locality
  dv.setUint32(5, r.below(10) === 0 ? r.nextU32() : body.length, true);
  buf.set(body, 9);
  cpu.ctx.write(gpa, buf);
  return gpa;
}

/** An attestation op pointing at scratch buffers, sometimes corrupted. */
function writeAttestOp(r: Prng, cpu: GuestCpu): number {
  const gpa = scratchSlot(r, 0x40);
  const page = () => BigInt(scratchSlot(r, 0x1000));
  const values = {
    reportGpa: page(),
    reportSize: r.below(3) === 0 ? r.below(0x2000) : 0x1000,
    nonceGpa: page(),
    nonceSize: r.below(8) === 0 ? r.below(128) : 64,
    manifestGpa: page(),
    manifestSize: r.below(3) === 0 ? r.below(64) : 0x1000,
    certificateGpa: r.below(2) ? page() : 0n,
    certificateSize: r.below(2) ? r.below(0x5000) : 0,
  };
  const op = ATTEST_SERVICES_OP.encode(values);
  if (r.below(8) === 0) op[r.below(op.length)] ^= 1 << r.below(8);
  cpu.ctx.write(gpa, op);
  return gpa;
}
