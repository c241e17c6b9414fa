/**
 * The untrusted host attacks its confidential VM, once per power it has (lib/host/attacks.ts),
 * each on a fresh VM: the SVSM at VMPL0, a guest at VMPL2 keeping a secret in a private page.
 * Every attack fails, and the output says which hardware or protocol check stopped it.
 *
 * `deno run examples/attack.ts [--seed N]` (no permissions needed). Exit code 0 when every
 * defense held, 1 otherwise.
 * @module
 */

import { parseArgs } from "node:util";
import { toHex } from "../lib/common/hex.ts";
import { type GuestCpu, type GuestOs, SvsmCallError } from "../lib/guest/mod.ts";
import { requestAttestation } from "../lib/guest/attest.ts";
import type { Host } from "../lib/host/mod.ts";
import { MachineFault, PFERR_GUEST_RMP, type RunResult, SecureProcessor } from "../lib/snp/mod.ts";
import { CoreCall, SvsmProtocol } from "../lib/svsm/abi/mod.ts";
import { RelyingParty } from "./verifier.ts";
import { type ConfidentialVm, createVm, expectedMeasurement, launch } from "./vm.ts";
import { decimal } from "./story.ts";

const SECRET = new TextEncoder().encode("the guest's secret never leaves it in clear");

/** One attack: what the host does, and what it got. */
export interface AttackOutcome {
  /** The attack. */
  readonly attack: string;
  /** True when the guest's confidentiality and integrity held. */
  readonly held: boolean;
  /** What stopped it. */
  readonly reason: string;
}

/** One scenario's world: the VM, the guest's secret page, notes, a verifier. */
interface Stage {
  readonly vm: ConfidentialVm;
  /** GPA of the guest's secret (the next page is the guest's too). */
  secretGpa: number;
  /** What the host saw or did. */
  note: string;
  /** A verifier expecting this VM's image, with a fresh nonce. */
  readonly verifier: () => RelyingParty;
  /** Another chip's certificate table (VCEK, ASK, ARK). */
  readonly otherChip: Uint8Array;
}

/** A scenario: arm the host, run the guest, judge the outcome (false: the attack worked). */
interface Scenario {
  attack: string;
  host: (stage: Stage) => void;
  guest: (stage: Stage, os: GuestOs, cpu: GuestCpu) => Promise<string>;
  judge: (stage: Stage, seen: string, result: RunResult) => string | false;
}

/** Runs `fn` inside the host's exit handler when the guest next calls the SVSM. */
function atNextExit(host: Host, fn: () => void): void {
  host.attacks.reorderRuns((_vcpu, vmpl, wanted) => {
    if (vmpl !== 2) return wanted; // the SVSM's replies pass
    host.attacks.behave();
    fn();
    return wanted;
  });
}

/** The guest's access, or the fault it gets (what its #VC/#NPF handler would see). */
function access(read: () => Uint8Array): string {
  try {
    return `reads "${new TextDecoder().decode(read())}"`;
  } catch (e) {
    if (!(e instanceof MachineFault)) throw e;
    const rmp = e.kind !== "vc" && e.has(PFERR_GUEST_RMP) ? " (RMP check)" : "";
    return `#${e.kind.toUpperCase()} 0x${e.code.toString(16)}${rmp}`;
  }
}

/** A call into the SVSM: the exit in which the host acts. */
async function callSvsm(os: GuestOs, cpu: GuestCpu): Promise<string> {
  try {
    const r = await os.svsmCall(cpu, SvsmProtocol.CORE, CoreCall.QUERY_PROTOCOL, 1n);
    return `SVSM answered 0x${r.rax.toString(16)}`;
  } catch (e) {
    if (e instanceof SvsmCallError) return `the guest caught it: ${e.message}`;
    throw e;
  }
}

/** Exit to the host once, then read the secret back. */
async function readAfterExit(stage: Stage, os: GuestOs, cpu: GuestCpu): Promise<string> {
  await callSvsm(os, cpu);
  return access(() => cpu.ctx.read(stage.secretGpa, SECRET.length));
}

/** Asks for a report and hands it to `rp`; returns the verifier's verdict. */
async function attest(rp: RelyingParty, os: GuestOs, cpu: GuestCpu, nonce = rp.nonce) {
  const v = rp.checkReport(await requestAttestation(os, cpu, nonce)).verify;
  return v.valid ? "accepted it" : `rejected it: ${v.reasons[0]}`;
}

/** A judge: the guest's access must raise `expected`, for the reason `why`. */
function faults(expected: string, why: string): Scenario["judge"] {
  return (_stage, seen) => seen.startsWith(expected) && `guest gets ${seen}: ${why}`;
}

const SCENARIOS: Scenario[] = [
  {
    attack: "read the guest's private page",
    host: () => {},
    guest: () => Promise.resolve(""),
    judge: (stage) => {
      const seen = stage.vm.host.attacks.readGuestPage(stage.secretGpa).subarray(0, 12);
      const plain = toHex(seen) === toHex(SECRET.subarray(0, 12));
      return !plain && `the host reads ciphertext ${toHex(seen)}… (AES-XTS, the VM's own key)`;
    },
  },
  {
    attack: "write the guest's private page",
    host: (stage) =>
      atNextExit(stage.vm.host, () => {
        try {
          stage.vm.host.attacks.writeGuestPage(stage.secretGpa, new Uint8Array(4096));
          stage.note = "written";
        } catch (e) {
          if (!(e instanceof MachineFault)) throw e;
          stage.note = `#${e.kind.toUpperCase()} (RMP: the page is the guest's)`;
        }
      }),
    guest: readAfterExit,
    judge: (stage, seen) =>
      seen.includes("never leaves") && `the host's write faults ${stage.note}; the guest ${seen}`,
  },
  {
    attack: "swap two guest pages in the nested page table",
    host: (s) =>
      atNextExit(s.vm.host, () => s.vm.host.attacks.swap(s.secretGpa, s.secretGpa + 4096)),
    guest: readAfterExit,
    judge: faults("#NPF", "the RMP entry records which GPA a page belongs to"),
  },
  {
    attack: "RMPUPDATE the page behind the guest's back",
    host: (s) => atNextExit(s.vm.host, () => s.vm.host.attacks.reassignBehindGuest(s.secretGpa)),
    guest: readAfterExit,
    judge: faults("#VC 0x404", "the page lost its VALIDATED bit"),
  },
  {
    attack: "replay old ciphertext of the page",
    host: (s) =>
      atNextExit(s.vm.host, () => {
        const old = s.vm.host.attacks.snapshot(s.secretGpa);
        atNextExit(s.vm.host, () => s.vm.host.attacks.replay(s.secretGpa, old));
      }),
    guest: async (stage, os, cpu) => {
      await callSvsm(os, cpu); // the host takes its snapshot
      cpu.ctx.write(stage.secretGpa, new TextEncoder().encode("a newer value"));
      return await readAfterExit(stage, os, cpu);
    },
    judge: faults("#VC 0x404", "writing old bytes back costs the page its VALIDATED bit"),
  },
  {
    attack: "resume the guest without running the SVSM",
    host: (s) => s.vm.host.attacks.reorderRuns((_v, vmpl, wanted) => vmpl === 2 ? 2 : wanted),
    guest: (_s, os, cpu) => callSvsm(os, cpu),
    judge: (_s, seen) => seen.includes("did not take the call") && `${seen} (call_pending still 1)`,
  },
  {
    attack: "refuse to run the SVSM",
    host: (s) =>
      s.vm.host.attacks.reorderRuns((_v, vmpl, wanted) => vmpl === 2 ? "refuse" : wanted),
    guest: (_s, os, cpu) => callSvsm(os, cpu),
    judge: (_s, seen) =>
      seen.includes("RUN_VMPL(0) answered") && `${seen} (denial of service only)`,
  },
  {
    attack: "forge the guest's VMSA (its registers)",
    host: (s) =>
      atNextExit(s.vm.host, () => {
        const spa = s.vm.machine.vcpus[0].context(2)!.vmsaSpa;
        s.vm.host.attacks.rmpupdate(spa, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
        s.vm.host.attacks.writeSystemPage(spa, new Uint8Array(4096));
      }),
    guest: (_s, os, cpu) => callSvsm(os, cpu),
    judge: (_s, seen, r) =>
      seen === "" && r.status === "terminated" &&
      "VMRUN refuses a page the RMP does not mark VMSA; the SVSM ends the VM (forged state never runs)",
  },
  {
    attack: "hand out another chip's certificates",
    host: (s) => s.vm.host.certificates = s.otherChip,
    guest: (s, os, cpu) => attest(s.verifier(), os, cpu),
    judge: (_s, seen) => seen.startsWith("rejected") && `the verifier ${seen}`,
  },
  {
    attack: "replay an old attestation report",
    host: () => {},
    guest: (s, os, cpu) => attest(s.verifier(), os, cpu, new Uint8Array(64).fill(7)),
    judge: (_s, seen) => seen.startsWith("rejected") && `the verifier ${seen}`,
  },
];

/** Runs one scenario on a fresh VM. */
async function run(s: Scenario, seed: number, otherChip: Uint8Array): Promise<AttackOutcome> {
  let seen = "";
  const vm = await createVm({
    seed,
    vcpus: 1,
    memMiB: 8,
    vtpm: false,
    main: async (os, cpu) => {
      stage.secretGpa = await os.allocPages(cpu, 2);
      cpu.ctx.write(stage.secretGpa, SECRET);
      s.host(stage); // the host moves now that there is a secret: at once or at the next exit
      seen = await s.guest(stage, os, cpu);
    },
  });
  const measurement = expectedMeasurement(vm.layout);
  const stage: Stage = {
    vm,
    secretGpa: 0,
    note: "",
    otherChip,
    verifier: () => new RelyingParty({ measurement, nonceSeed: seed }),
  };
  launch(vm);
  const result = await vm.host.run();
  const reason = s.judge(stage, seen, result);
  return {
    attack: s.attack,
    held: reason !== false,
    reason: reason || `NOT STOPPED (${seen || result.status} ${result.reason ?? ""})`,
  };
}

/**
 * Runs every attack; returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./attack.ts";
 * await main(["--seed", "2"]); // 0: every defense held
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let seed: number;
  try {
    seed = decimal(
      parseArgs({ args, options: { seed: { type: "string", default: "1" } } }).values.seed,
    );
    if (!Number.isSafeInteger(seed)) throw new Error("--seed must be an integer");
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: deno run examples/attack.ts [--seed N]`);
    return 2;
  }
  const otherChip = new SecureProcessor({ chipSecret: new Uint8Array(32).fill(0x3c) }).certTable();
  let held = 0;
  for (const s of SCENARIOS) {
    const o = await run(s, seed, otherChip);
    if (o.held) held++;
    const reason = o.reason.length > 110 ? `${o.reason.slice(0, 109)}…` : o.reason;
    console.log(`${o.held ? "✓" : "✗"} ${o.attack.padEnd(46)} ${reason}`);
  }
  console.log(`${held}/${SCENARIOS.length} attacks stopped`);
  return held === SCENARIOS.length ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
