/**
 * Boots a confidential VM on the SEV-SNP machine model and tells the story, phase by phase:
 *
 * 1. the host launches the SVSM image; the AMD secure processor measures it;
 * 2. the SVSM boots at VMPL0 and brings up the APs; the guest (VMPL2) starts its vCPUs;
 * 3. the guest validates its memory through the SVSM (PVALIDATE lists);
 * 4. the guest starts the vTPM and reads its endorsement key (EK);
 * 5. the guest asks the SVSM for an attestation report bound to a verifier's nonce;
 * 6. the verifier checks the report against the AMD chain, finds the EK it binds, proves an
 *    attestation key lives in that same TPM, and checks a PCR quote signed by it.
 *
 * Runs with no permission flags: `deno run examples/boot.ts [--seed N] [--vcpus N]
 * [--mem MiB] [--quiet]`.
 * @module
 */

import { createHash } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import type { GuestCpu, GuestOs } from "../lib/guest/mod.ts";
import type { Machine } from "../lib/snp/mod.ts";
import { requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { EK_RSA2048_TEMPLATE } from "../lib/tpm/ek.ts";
import { TPM_RH } from "../lib/tpm/mod.ts";
import { describeReport } from "../lib/verify/mod.ts";
import { AK_TEMPLATE, tpmCommandName, Tss } from "./tss.ts";
import { RelyingParty, replayPcr } from "./verifier.ts";
import { createVm, expectedMeasurement, launch } from "./vm.ts";
import {
  type BootOptions,
  type BootPhase,
  parseOptions,
  printPhase,
  Story,
  ttyProgress,
} from "./story.ts";

const USAGE = "usage: deno run examples/boot.ts [--seed N] [--vcpus N] [--mem MiB] [--quiet]";
const POOL_END = 2 << 20; // the guest OS allocates its own pages below 2 MiB
const CHUNK = 16 << 20; // the vCPUs validate memory in chunks, sharing the work
const PCR = 23; // the application PCR: the guest measures its workload here
const WORKLOAD = new TextEncoder().encode("the confidential workload, version 1");
const REPORT_FIELDS = ["VERSION", "VMPL", "POLICY", "MEASUREMENT", "REPORT_DATA", "CHIP_ID"];

/** What a boot established, for people (`main`) and tools (`svsm boot --json`). */
export interface BootSummary {
  /** "finished" when the VM ran to its end. */
  status: string;
  /** Why it did not finish. */
  reason?: string;
  /** The launch digest (hex). */
  measurement: string;
  /** It equals the digest computed from the image. */
  measurementExpected: boolean;
  /** vCPUs of the VM. */
  vcpus: number;
  /** Guest vCPUs running at VMPL2. */
  vcpusUp: number;
  /** Pages the guest validated through the SVSM. */
  validatedPages: number;
  /** The EK's TPM Name (hex). */
  ekName: string;
  /** Key report fields, as text. */
  report: Record<string, string>;
  /** The report verified (chain, signature, measurement, REPORT_DATA, VMPL). */
  reportValid: boolean;
  /** Why not. */
  reportReasons: string[];
  /** The report-bound manifest holds the vTPM's EK. */
  ekBound: boolean;
  /** The AK activated a credential made for the EK. */
  akBound: boolean;
  /** The AK's quote verified (signature, nonce, PCR digest). */
  quoteValid: boolean;
  /** Each phase. */
  phases: BootPhase[];
}

/**
 * Boots the default VM and runs phases 1 to 6; `onPhase` sees each phase as it ends.
 *
 * @example
 * ```ts
 * import { boot } from "./boot.ts";
 * const { summary } = await boot({ seed: 1, vcpus: 2, memMiB: 8, quiet: true });
 * summary.quoteValid; // true
 * ```
 */
export async function boot(
  options: BootOptions & {
    trace?: boolean;
    progress?: (validated: number, total: number) => void;
  },
  onPhase: (phase: BootPhase) => void = () => {},
): Promise<{ summary: BootSummary; machine: Machine }> {
  const story = new Story(onPhase);
  const summary: BootSummary = {
    status: "running",
    measurement: "",
    measurementExpected: false,
    vcpus: options.vcpus,
    vcpusUp: 0,
    validatedPages: 0,
    ekName: "",
    report: {},
    reportValid: false,
    reportReasons: [],
    ekBound: false,
    akBound: false,
    quoteValid: false,
    phases: story.phases,
  };
  const vm = await createVm({
    seed: options.seed,
    vcpus: options.vcpus,
    memMiB: options.memMiB,
    trace: options.trace,
    main: (os, cpu) => guest(os, cpu, { vcpus: options.vcpus, memory, story, summary, rp }),
    apMain: (os, cpu) => validateShare(os, cpu, memory),
  });
  const end = vm.layout.svsmBase; // the guest's memory map ends where the SVSM begins
  const memory: MemoryWork = {
    next: POOL_END,
    end,
    size: end - POOL_END,
    validated: 0,
    cpus: new Set(),
    progress: options.progress,
  };

  // 1. The host launches; the firmware measures. The verifier computes the same from the image.
  const measurement = toHex(launch(vm));
  const expected = expectedMeasurement(vm.layout);
  const rp = new RelyingParty({ measurement: expected, nonceSeed: options.seed });
  summary.measurement = measurement;
  summary.measurementExpected = measurement === toHex(expected);
  story.phase(`launch: ${options.memMiB} MiB, ${options.vcpus} vCPUs, SVSM image measured`, [
    `MEASUREMENT ${measurement}`,
    `${summary.measurementExpected ? "equals" : "DIFFERS FROM"} the digest the verifier ` +
    "computes from the image",
  ]);

  // 2–6 happen inside the VM: the guest's program.
  const result = await vm.host.run();
  summary.status = result.status;
  if (result.reason) summary.reason = result.reason;
  return { summary, machine: vm.machine };
}

/** True when the VM finished and every check held. */
export function bootSucceeded(s: BootSummary): boolean {
  return s.status === "finished" && s.measurementExpected && s.reportValid && s.ekBound &&
    s.akBound && s.quoteValid;
}

/**
 * Runs the example with command-line `args`; returns the exit code (0 booted and verified,
 * 1 something did not check out, 2 bad arguments).
 *
 * @example
 * ```ts
 * import { main } from "./boot.ts";
 * await main(["--quiet", "--vcpus", "2", "--mem", "8"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (typeof options === "string") {
    console.error(`${options}\n${USAGE}`);
    return 2;
  }
  const progress = options.quiet ? undefined : ttyProgress();
  const { summary } = await boot({ ...options, progress }, options.quiet ? undefined : printPhase);
  console.log(summaryLines(summary).join("\n"));
  return bootSucceeded(summary) ? 0 : 1;
}

/** The closing facts, one per line. */
export function summaryLines(s: BootSummary): string[] {
  const ok = (b: boolean, yes: string) => b ? yes : "FAILED";
  return [
    `measurement: ${s.measurement.slice(0, 32)}… (${ok(s.measurementExpected, "as expected")})`,
    `vCPUs up: ${s.vcpusUp}/${s.vcpus}`,
    `validated: ${s.validatedPages} pages`,
    `EK: ${s.ekName.slice(0, 24)}…`,
    `report: ${ok(s.reportValid, "valid")}`,
    `EK bound to the report: ${ok(s.ekBound, "yes")}`,
    `AK bound to the EK: ${ok(s.akBound, "yes")}`,
    `quote: ${ok(s.quoteValid, "valid")}`,
    `status: ${s.status}${s.reason ? ` (${s.reason})` : ""}`,
  ];
}

/** What the guest's program reports into. */
interface GuestContext {
  vcpus: number;
  memory: MemoryWork;
  story: Story;
  summary: BootSummary;
  rp: RelyingParty;
}

/** Guest memory to validate, shared by the guest's vCPUs (a work queue in the guest kernel). */
interface MemoryWork {
  /** First GPA not yet handed out. */
  next: number;
  /** End of the range. */
  readonly end: number;
  /** Bytes in the range. */
  readonly size: number;
  /** Bytes validated so far. */
  validated: number;
  /** APIC IDs that took part. */
  readonly cpus: Set<number>;
  /** Reports progress. */
  readonly progress?: (validated: number, total: number) => void;
}

/** Takes chunks until none is left: run by every guest vCPU. */
async function validateShare(os: GuestOs, cpu: GuestCpu, work: MemoryWork): Promise<void> {
  while (work.next < work.end) {
    const gpa = work.next;
    const size = Math.min(CHUNK, work.end - gpa);
    work.next += size;
    work.cpus.add(cpu.ctx.apicId);
    await os.pvalidate(cpu, gpa, size);
    work.validated += size;
    work.progress?.(work.validated, work.size);
  }
}

/** The guest's program on its boot CPU (VMPL2): phases 2 to 6. */
async function guest(os: GuestOs, cpu: GuestCpu, g: GuestContext): Promise<void> {
  const { story, summary, rp } = g;

  // 2. The SVSM booted (its APs are up at VMPL0); the guest starts its own vCPUs, which
  //    start validating memory at once (phase 3) while the boot CPU starts the next one.
  let started = 1;
  for (let apicId = 1; apicId < g.vcpus; apicId++) {
    if (await os.startAp(cpu, apicId) === 0) started++;
  }
  summary.vcpusUp = started;
  story.phase(`SVSM boot: VMPL0 on ${g.vcpus} vCPUs (APs by AP_CREATION); guest at VMPL2`, [
    `the guest found the SVSM at 0x${os.svsm!.base.toString(16)} in its secrets page`,
    `CREATE_VCPU: ${started}/${g.vcpus} guest vCPUs running at VMPL2`,
  ]);

  // 3. The rest of guest memory (everything below the SVSM), validated through the SVSM by
  //    every vCPU: the boot CPU joins the APs, then waits for the last chunk.
  const work = g.memory;
  await validateShare(os, cpu, work);
  while (work.validated < work.size) await cpu.ctx.pause();
  summary.validatedPages = work.size / 4096;
  story.phase(`guest memory: ${work.size / (1 << 20)} MiB validated through SVSM PVALIDATE lists`, [
    `${work.size / 4096} pages by ${work.cpus.size} vCPUs at once; the guest cannot PVALIDATE ` +
    "at VMPL2, so the SVSM does it",
  ]);

  // 4. The vTPM: the guest's driver probes it, sends Startup and reads the EK.
  const driver = await TpmSvsm.probe(os, cpu, { commandName: tpmCommandName });
  const tpm = new Tss((command) => driver.transmit(command));
  await tpm.startup();
  const ek = await tpm.createPrimary(TPM_RH.ENDORSEMENT, EK_RSA2048_TEMPLATE);
  summary.ekName = toHex(ek.name);
  story.phase("vTPM: TPM2_Startup, EK RSA-2048 (TCG EK profile template L-1, policy A)", [
    `EK name ${summary.ekName}`,
  ]);

  // 5. The attestation report, through the SVSM attestation protocol.
  const evidence = await requestAttestation(os, cpu, rp.nonce);
  const verdict = rp.checkReport(evidence);
  const fields = describeReport(verdict.report).filter((f) => REPORT_FIELDS.includes(f.name));
  summary.report = Object.fromEntries(fields.map((f) => [f.name, f.value]));
  const resized = evidence.calls > 1 ? `, ${evidence.calls} calls: the guest grew its buffers` : "";
  story.phase(`attestation report: SVSM_ATTEST_SERVICES${resized}`, [
    ...fields.map((f) => `${f.name.padEnd(12)} ${short(f.value)}`),
    "REPORT_DATA = SHA-512(nonce ‖ services manifest); the manifest holds the EK",
  ]);

  // 6. The verifier's side: report, EK, AK, quote.
  const v = verdict.verify;
  summary.reportValid = v.valid;
  summary.reportReasons = v.reasons;
  summary.ekBound = verdict.ekPublic !== undefined &&
    toHex(verdict.ekPublic) === toHex(ek.publicArea);
  const ak = await tpm.createPrimary(TPM_RH.OWNER, AK_TEMPLATE);
  const challenge = await rp.challengeAk(ak.publicArea);
  const session = await tpm.startPolicySession();
  await tpm.policySecret(TPM_RH.ENDORSEMENT, session); // the EK's policy A
  const recovered = await tpm.activateCredential(
    ak.handle,
    ek.handle,
    session,
    challenge.credentialBlob,
    challenge.secret,
  );
  summary.akBound = rp.akBound(recovered);
  const measured = sha256(WORKLOAD);
  await tpm.pcrExtend(PCR, measured);
  const quote = await tpm.quote(ak.handle, rp.nonce, [PCR]);
  const q = await rp.checkQuote(quote, [PCR], [replayPcr([measured])]);
  summary.quoteValid = q.signatureValid && q.nonceMatches && q.pcrDigestMatches;
  story.phase("verification", [
    `report: ${v.valid ? "valid" : "INVALID"} (${v.checks.length} checks: ARK → ASK → VCEK, ` +
    "signature, measurement, REPORT_DATA, VMPL 0)",
    ...v.reasons.map((r) => `  ✗ ${r}`),
    `EK in the report-bound manifest = the vTPM's EK: ${yes(summary.ekBound)}`,
    `AK bound to that EK: ${yes(summary.akBound)} — the verifier encrypted a credential to the EK`,
    "  for the AK's Name (MakeCredential); only the TPM holding that EK's private key,",
    "  with this exact AK loaded, recovers it (ActivateCredential)",
    `quote of PCR ${PCR} by the AK: signature ${yes(q.signatureValid)}, nonce ` +
    `${yes(q.nonceMatches)}, PCR matches the workload's measurement ${yes(q.pcrDigestMatches)}`,
  ]);
}

function yes(b: boolean): string {
  return b ? "yes" : "NO";
}

function short(value: string): string {
  return value.length > 72 ? `${value.slice(0, 69)}…` : value;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
