/**
 * Boots a confidential VM on the SEV-SNP machine model and tells the story, phase by phase:
 *
 * 1. the untrusted host creates the guest and launches it through the AMD secure processor,
 *    which measures the initial image;
 * 2. the boot vCPU, at VMPL0, validates all guest memory (PVALIDATE), sets up its GHCB and
 *    starts the other vCPUs (AP_CREATION);
 * 3. the host looks at a private page and sees ciphertext, while the guest reads its secret;
 * 4. the RMP tells who owns what.
 *
 * Runs with no permission flags: `deno run examples/boot.ts [--seed N] [--vcpus N]
 * [--mem MiB] [--quiet]`.
 * @module
 */

import { parseArgs } from "node:util";
import {
  AP_CREATE,
  type CpuContext,
  decodeMsrResponse,
  encodeApCreation,
  encodeMsrRequest,
  GhcbPage,
  Machine,
  MSR_GHCB,
  type MsrRequest,
  type MsrResponse,
  NAE_AP_CREATION,
  PAGE_SIZE,
  PSC_OP_SHARED,
  qemuResetVmsa,
  RMP_FLAG_ASSIGNED,
  RMP_FLAG_VALIDATED,
  RMP_FLAG_VMSA,
  rmpadjustAttrs,
} from "../lib/snp/mod.ts";
import { SecureProcessor } from "../lib/snp/firmware/mod.ts";
import { Host, LaunchPageType } from "../lib/host/mod.ts";
import { toHex } from "../lib/common/hex.ts";

// Where things live in guest physical memory.
const IMAGE_GPA = 0x1000; // a measured launch page
const GHCB_GPA = 0x2000; // the boot vCPU's GHCB (shared)
const SECRET_GPA = 0x3000; // a private page holding the guest's secret
const AP_COUNT_GPA = 0x4000; // how many APs came up (private)
const AP_VMSA_GPA = 0x10000; // one VMSA page per AP from here
const IMAGE_TEXT = "hello from the measured launch image";
const SECRET_TEXT = "the guest's secret never leaves it in clear";

const USAGE = "usage: deno run examples/boot.ts [--seed N] [--vcpus N] [--mem MiB] [--quiet]";

/** Options of the example. */
interface Options {
  seed: number;
  vcpus: number;
  memMiB: number;
  quiet: boolean;
}

/**
 * Runs the example with command-line `args`; returns the exit code (0 booted, 1 the VM did
 * not finish, 2 bad arguments).
 *
 * @example
 * ```ts
 * import { main } from "./boot.ts";
 * await main(["--quiet", "--seed", "7"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (typeof options === "string") {
    console.error(`${options}\n${USAGE}`);
    return 2;
  }
  const say = options.quiet ? () => {} : (line: string) => console.log(line);
  const clock = phaseClock(say);
  const guestBytes = options.memMiB << 20;

  // 1. Launch: the host builds the guest, the firmware measures it.
  const machine = new Machine({
    memoryBytes: guestBytes + (4 << 20), // the host keeps a few MiB for itself
    vcpus: options.vcpus,
    seed: options.seed,
  });
  machine.firmware = new SecureProcessor({ machine });
  const host = new Host(machine);
  const vm = host.createVm({ guestMemoryBytes: guestBytes });
  const image = new Uint8Array(PAGE_SIZE);
  image.set(new TextEncoder().encode(IMAGE_TEXT));
  const seen = { image: "", secret: "", validated: 0, apsUp: 0 };
  machine.setProgram(
    0,
    (cpu) => cpu.vcpuId === 0 ? bootCpu(cpu, seen, guestBytes, options.vcpus) : apCpu(cpu),
  );
  const measurement = host.launch({
    pages: [
      { gpa: IMAGE_GPA, type: LaunchPageType.NORMAL, data: image },
      { gpa: 0x5000, type: LaunchPageType.SECRETS },
    ],
    bootVmsa: qemuResetVmsa(),
  });
  clock(`launch: ASID ${vm.asid}, ${options.memMiB} MiB, ${options.vcpus} vCPUs`);
  say(`  measurement ${toHex(measurement ?? new Uint8Array())}`);

  // 2. Boot: the programs run until every vCPU is done.
  const result = await host.run();
  clock(`boot: ${result.status}${result.reason ? ` (${result.reason})` : ""}`);
  say(`  the launch image reads "${seen.image}"`);
  say(`  ${seen.validated} pages validated, ${seen.apsUp} APs up`);

  // 3. Two views of one private page.
  const cipher = host.attacks.readGuestPage(SECRET_GPA).subarray(0, 24);
  clock("host view vs guest view");
  say(`  host reads  ${toHex(cipher)}…`);
  say(`  guest reads "${seen.secret}"`);

  // 4. Who owns what.
  const rmp = rmpCounts(machine, vm.asid);
  clock("RMP");
  say(`  ${rmp.assigned} pages assigned to ASID ${vm.asid}, ${rmp.validated} validated,`);
  say(`  ${rmp.vmsa} VMSA pages, ${rmp.shared} guest pages shared with the host`);

  console.log(
    [
      `measurement: ${toHex(measurement ?? new Uint8Array()).slice(0, 32)}…`,
      `status: ${result.status}`,
      `vCPUs up: ${seen.apsUp + 1}/${options.vcpus}`,
      `validated: ${seen.validated} pages`,
      `host sees ciphertext: ${toHex(cipher.subarray(0, 8))}…`,
      `guest sees: "${seen.secret}"`,
      `RMP: ${rmp.assigned} assigned, ${rmp.validated} validated, ${rmp.vmsa} VMSA, ` +
      `${rmp.shared} shared`,
      `trace: ${machine.trace.events.length} events`,
    ].join("\n"),
  );
  return result.status === "finished" ? 0 : 1;
}

/** What the boot vCPU does at VMPL0: validate memory, set up a GHCB, start the APs. */
async function bootCpu(
  cpu: CpuContext,
  seen: { image: string; secret: string; validated: number; apsUp: number },
  guestBytes: number,
  vcpus: number,
): Promise<void> {
  seen.image = new TextDecoder().decode(cpu.read(IMAGE_GPA, IMAGE_TEXT.length));
  for (let gpa = 0; gpa < guestBytes; gpa += PAGE_SIZE) {
    const { rc, cf } = cpu.pvalidate(gpa, false, true);
    if (rc !== 0) throw new Error(`PVALIDATE 0x${gpa.toString(16)} failed: ${rc}`);
    if (cf) continue; // launched pages were validated by the firmware
    cpu.zeroPage(gpa);
    seen.validated++;
  }
  cpu.write(SECRET_GPA, new TextEncoder().encode(SECRET_TEXT));
  seen.secret = new TextDecoder().decode(cpu.read(SECRET_GPA, SECRET_TEXT.length));

  // The GHCB must be shared: give up the page's validation, then ask the host (PSC).
  cpu.pvalidate(GHCB_GPA, false, false);
  await msr(cpu, { kind: "psc", gfn: GHCB_GPA / PAGE_SIZE, op: PSC_OP_SHARED });
  await msr(cpu, { kind: "reg-gpa", gfn: GHCB_GPA / PAGE_SIZE });
  cpu.zeroPage(GHCB_GPA, false); // shared now: it holds whatever the host left there

  const aps = vcpus - 1; // a real guest learns this from its ACPI tables
  for (let ap = 1; ap <= aps; ap++) await startAp(cpu, ap, AP_VMSA_GPA + (ap - 1) * PAGE_SIZE);
  while (cpu.readU32(AP_COUNT_GPA) < aps) await cpu.pause();
  seen.apsUp = cpu.readU32(AP_COUNT_GPA);
}

/** An AP at VMPL0: reports in and stops. */
function apCpu(cpu: CpuContext): Promise<void> {
  cpu.writeU32(AP_COUNT_GPA, cpu.readU32(AP_COUNT_GPA) + 1);
  cpu.traceInstant("call", "AP up", `APIC ID ${cpu.apicId}`);
  return Promise.resolve();
}

/** Builds an AP's VMSA in a private page, marks it VMSA (RMPADJUST) and asks the host. */
async function startAp(cpu: CpuContext, apicId: number, vmsaGpa: number): Promise<void> {
  cpu.write(vmsaGpa, qemuResetVmsa()); // VMPL field 0: the AP runs at VMPL0
  const rc = cpu.rmpadjust(vmsaGpa, false, rmpadjustAttrs(1, 0, true));
  if (rc !== 0) throw new Error(`RMPADJUST of the AP VMSA failed: ${rc}`);
  const ghcb = new GhcbPage(cpu.page(GHCB_GPA, "write", false));
  ghcb.clearValid();
  ghcb.protocolVersion = 2;
  ghcb.set("swExitCode", BigInt(NAE_AP_CREATION));
  ghcb.set("swExitInfo1", encodeApCreation({ request: AP_CREATE, vmpl: 0, apicId }));
  ghcb.set("swExitInfo2", BigInt(vmsaGpa));
  ghcb.set("rax", cpu.regs.sevFeatures);
  cpu.wrmsr(MSR_GHCB, BigInt(GHCB_GPA));
  await cpu.vmgexit();
  if (ghcb.get("swExitInfo1") !== 0n) throw new Error(`AP_CREATION ${apicId} refused`);
}

/** One GHCB MSR protocol exchange. */
async function msr(cpu: CpuContext, request: MsrRequest): Promise<MsrResponse> {
  cpu.wrmsr(MSR_GHCB, encodeMsrRequest(request));
  await cpu.vmgexit();
  return decodeMsrResponse(cpu.rdmsr(MSR_GHCB));
}

/** Counts RMP entries of the guest. */
function rmpCounts(machine: Machine, asid: number) {
  const { flags, asids, pageCount } = machine.rmp;
  const out = { assigned: 0, validated: 0, vmsa: 0, shared: 0 };
  for (let p = 0; p < pageCount; p++) {
    if (!(flags[p] & RMP_FLAG_ASSIGNED)) continue;
    if (asids[p] !== asid) continue;
    out.assigned++;
    if (flags[p] & RMP_FLAG_VALIDATED) out.validated++;
    if (flags[p] & RMP_FLAG_VMSA) out.vmsa++;
  }
  const vm = machine.guest!;
  for (const [, spa] of vm.npt.entries()) {
    if (!(flags[spa / PAGE_SIZE] & RMP_FLAG_ASSIGNED)) out.shared++;
  }
  return out;
}

/** Prints each phase with the time since the previous one. */
function phaseClock(say: (line: string) => void): (what: string) => void {
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    say(`[${(now - last).toFixed(1).padStart(7)} ms] ${what}`);
    last = now;
  };
}

function parseOptions(args: string[]): Options | string {
  try {
    const { values } = parseArgs({
      args,
      options: {
        seed: { type: "string", default: "1" },
        vcpus: { type: "string", default: "4" },
        mem: { type: "string", default: "256" },
        quiet: { type: "boolean", default: false },
      },
      strict: true,
    });
    const seed = Number(values.seed);
    const vcpus = Number(values.vcpus);
    const memMiB = Number(values.mem);
    if (!Number.isInteger(seed)) return `--seed must be an integer`;
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 64) return `--vcpus must be 1..64`;
    if (!Number.isInteger(memMiB) || memMiB < 2 || memMiB % 2 !== 0 || memMiB > 4096) {
      return `--mem must be an even number of MiB, 2..4096`;
    }
    return { seed, vcpus, memMiB, quiet: values.quiet };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
