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

import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import type { GuestCpu, GuestOs } from "../lib/guest/mod.ts";
import { requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { EK_RSA2048_TEMPLATE } from "../lib/tpm/ek.ts";
import { TPM_RH } from "../lib/tpm/mod.ts";
import { describeReport } from "../lib/verify/mod.ts";
import { AK_TEMPLATE, tpmCommandName, Tss } from "./tss.ts";
import { RelyingParty, replayPcr } from "./verifier.ts";
import { createVm, expectedMeasurement, launch } from "./vm.ts";

const USAGE = "usage: deno run examples/boot.ts [--seed N] [--vcpus N] [--mem MiB] [--quiet]";
const POOL_END = 2 << 20; // the guest OS allocates its own pages below 2 MiB
const PCR = 23; // the application PCR: the guest measures its workload here
const WORKLOAD = new TextEncoder().encode("the confidential workload, version 1");
const REPORT_FIELDS = ["VERSION", "VMPL", "POLICY", "MEASUREMENT", "REPORT_DATA", "CHIP_ID"];

/** Options of the example. */
export interface BootOptions {
  /** Scheduler, firmware and vTPM seed. */
  seed: number;
  /** vCPUs. */
  vcpus: number;
  /** VM memory in MiB. */
  memMiB: number;
  /** Only the summary. */
  quiet: boolean;
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
  const say = options.quiet ? () => {} : (line: string) => console.log(line);
  const phase = phaseClock(say);
  const facts: string[] = [];

  const vm = await createVm({
    seed: options.seed,
    vcpus: options.vcpus,
    memMiB: options.memMiB,
    main: (os, cpu) => guest(os, cpu, { vcpus: options.vcpus, phase, say, facts, rp }),
  });

  // 1. The host launches; the firmware measures. The verifier computes the same from the image.
  const measurement = launch(vm);
  const expected = expectedMeasurement(vm.layout);
  const rp = new RelyingParty({ measurement: expected, nonceSeed: options.seed });
  const same = toHex(measurement) === toHex(expected);
  phase(`1 launch: ${options.memMiB} MiB, ${options.vcpus} vCPUs, SVSM image measured`);
  say(`    MEASUREMENT ${toHex(measurement)}`);
  say(`    ${same ? "equals" : "DIFFERS FROM"} the digest the verifier computes from the image`);
  facts.push(
    `measurement: ${toHex(measurement).slice(0, 32)}… (${same ? "as expected" : "unexpected"})`,
  );

  // 2–6 happen inside the VM; the guest's program narrates them.
  const result = await vm.host.run();
  facts.push(`status: ${result.status}${result.reason ? ` (${result.reason})` : ""}`);
  console.log(facts.join("\n"));
  const ok = result.status === "finished" && facts.every((f) => !/FAILED|unexpected/.test(f));
  return ok ? 0 : 1;
}

/** What the guest's boot CPU narrates with. */
interface Narration {
  vcpus: number;
  phase: (what: string) => void;
  say: (line: string) => void;
  facts: string[];
  rp: RelyingParty;
}

/** The guest's program on its boot CPU (VMPL2): phases 2 to 6. */
async function guest(os: GuestOs, cpu: GuestCpu, n: Narration): Promise<void> {
  const { phase, say, facts, rp } = n;

  // 2. The SVSM booted (its APs are up at VMPL0); the guest starts its own vCPUs.
  let started = 1;
  for (let apicId = 1; apicId < n.vcpus; apicId++) {
    if (await os.startAp(cpu, apicId) === 0) started++;
  }
  phase(`2 SVSM boot: VMPL0 on ${n.vcpus} vCPUs (APs by AP_CREATION); guest at VMPL2`);
  say(`    the guest found the SVSM at 0x${os.svsm!.base.toString(16)} in its secrets page`);
  say(`    CREATE_VCPU: ${started}/${n.vcpus} guest vCPUs running at VMPL2`);
  facts.push(`vCPUs up: ${started}/${n.vcpus}`);

  // 3. Validate the rest of guest memory (everything below the SVSM) through the SVSM.
  const size = os.svsm!.base - POOL_END;
  await os.pvalidate(cpu, POOL_END, size);
  phase(`3 guest memory: ${size >> 20} MiB validated through SVSM PVALIDATE lists`);
  say(`    ${size / 4096} pages; the guest cannot PVALIDATE at VMPL2, so the SVSM does it`);
  facts.push(`validated: ${size / 4096} pages`);

  // 4. The vTPM: the guest's driver probes it, sends Startup and reads the EK.
  const driver = await TpmSvsm.probe(os, cpu, { commandName: tpmCommandName });
  const tpm = new Tss((command) => driver.transmit(command));
  await tpm.startup();
  const ek = await tpm.createPrimary(TPM_RH.ENDORSEMENT, EK_RSA2048_TEMPLATE);
  phase("4 vTPM: TPM2_Startup, EK RSA-2048 (TCG EK profile template L-1, policy A)");
  say(`    EK name ${toHex(ek.name)}`);
  facts.push(`EK: ${toHex(ek.name).slice(0, 24)}…`);

  // 5. The attestation report, through the SVSM attestation protocol.
  const evidence = await requestAttestation(os, cpu, rp.nonce);
  const verdict = rp.checkReport(evidence);
  const resized = evidence.calls > 1 ? `, ${evidence.calls} calls: the guest grew its buffers` : "";
  phase(`5 attestation report: SVSM_ATTEST_SERVICES${resized}`);
  for (const f of describeReport(verdict.report)) {
    if (REPORT_FIELDS.includes(f.name)) say(`    ${f.name.padEnd(12)} ${short(f.value)}`);
  }
  say("    REPORT_DATA = SHA-512(nonce ‖ services manifest); the manifest holds the EK");

  // 6. The verifier's side: report, EK, AK, quote.
  const v = verdict.verify;
  const ekBound = verdict.ekPublic !== undefined &&
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
  const akBound = rp.akBound(recovered);
  const measured = sha256(WORKLOAD);
  await tpm.pcrExtend(PCR, measured);
  const quote = await tpm.quote(ak.handle, rp.nonce, [PCR]);
  const q = await rp.checkQuote(quote, [PCR], [replayPcr([measured])]);
  const quoteOk = q.signatureValid && q.nonceMatches && q.pcrDigestMatches;
  phase("6 verification");
  say(
    `    report: ${v.valid ? "valid" : "INVALID"} (${v.checks.length} checks: ARK → ASK → VCEK, ` +
      `signature, measurement, REPORT_DATA, VMPL 0)`,
  );
  for (const reason of v.reasons) say(`      ✗ ${reason}`);
  say(`    EK in the report-bound manifest = the vTPM's EK: ${yes(ekBound)}`);
  say(`    AK bound to that EK: ${yes(akBound)} — the verifier encrypted a credential to the EK`);
  say("      for the AK's Name (MakeCredential); only the TPM holding that EK's private key,");
  say("      with this exact AK loaded, recovers it (ActivateCredential)");
  say(
    `    quote of PCR ${PCR} by the AK: signature ${yes(q.signatureValid)}, nonce ` +
      `${yes(q.nonceMatches)}, PCR matches the workload's measurement ${yes(q.pcrDigestMatches)}`,
  );
  facts.push(`report: ${v.valid ? "valid" : "FAILED"}`);
  facts.push(`EK bound to the report: ${ekBound ? "yes" : "FAILED"}`);
  facts.push(`AK bound to the EK: ${akBound ? "yes" : "FAILED"}`);
  facts.push(`quote: ${quoteOk ? "valid" : "FAILED"}`);
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

/** Prints each phase with the time since the previous one. */
function phaseClock(say: (line: string) => void): (what: string) => void {
  let last = performance.now();
  return (what) => {
    const now = performance.now();
    say(`[${(now - last).toFixed(1).padStart(7)} ms] ${what}`);
    last = now;
  };
}

/** Parses and checks the options; a string is the error. */
export function parseOptions(args: string[]): BootOptions | string {
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
    if (!Number.isInteger(memMiB) || memMiB < 8 || memMiB % 2 !== 0 || memMiB > 4096) {
      return `--mem must be an even number of MiB, 8..4096`;
    }
    return { seed, vcpus, memMiB, quiet: values.quiet };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
