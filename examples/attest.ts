/**
 * A guest asks its SVSM for an attestation report (the SVSM attestation protocol,
 * SVSM_ATTEST_SERVICES) and hands it out with its certificate chain, so anyone can check it
 * with openssl alone:
 *
 * `deno run --allow-write=DIR examples/attest.ts --out DIR [--seed N]` writes
 * report.bin, vcek.pem, ask.pem, ark.pem, the signed bytes and signature of the report,
 * nonce.bin and manifest.bin, and verify.sh with the openssl command lines that check them.
 * @module
 */

import { parseArgs } from "node:util";
import { requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { CertGuid, parseCertTable, reportSignatureDer, toPem } from "../lib/snp/firmware/mod.ts";
import { Tss } from "./tss.ts";
import { RelyingParty } from "./verifier.ts";
import { createVm, expectedMeasurement, launch } from "./vm.ts";
import { decimal } from "./story.ts";

const USAGE = "usage: deno run --allow-write=DIR examples/attest.ts --out DIR [--seed N]";
const SIGNED_BYTES = 0x2a0; // the report's signature covers bytes 0x000..0x29F (snp-abi.md §3)
const REPORT_DATA_OFFSET = 0x50;

/** The openssl command lines, run inside DIR. */
export const VERIFY_SCRIPT = `#!/bin/sh
# Run inside this directory. Each command prints OK / "Verified OK" when the check passes.
set -e
# 1. The AMD chain: ARK (self-signed) -> ASK -> VCEK, RSA-PSS SHA-384.
openssl verify -CAfile ark.pem ark.pem
openssl verify -CAfile ark.pem ask.pem
openssl verify -CAfile ark.pem -untrusted ask.pem vcek.pem
# 2. The report: ECDSA P-384 SHA-384 by the VCEK over bytes 0x000..0x29F.
openssl x509 -in vcek.pem -pubkey -noout > vcek_pub.pem
openssl dgst -sha384 -verify vcek_pub.pem -signature report_signature.der report_signed.bin
# 3. REPORT_DATA (64 bytes at 0x50) = SHA-512(nonce || services manifest).
cat nonce.bin manifest.bin | openssl dgst -sha512 -r | cut -c1-128
od -An -v -tx1 -j 80 -N 64 report.bin | tr -d ' \\n'; echo
`;

/**
 * Runs the example; returns the exit code (0 written and verified, 1 the report did not
 * verify, 2 bad arguments or an unwritable DIR).
 *
 * @example
 * ```ts
 * import { main } from "./attest.ts";
 * await main(["--out", "/tmp/snp-report"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let out: string, seed: number;
  try {
    const { values } = parseArgs({
      args,
      options: { out: { type: "string" }, seed: { type: "string", default: "1" } },
    });
    // An empty DIR (an unset shell variable) must not become "/".
    if (!values.out) throw new Error("--out DIR is required");
    out = values.out.replace(/\/+$/, "") || "/";
    seed = decimal(values.seed);
    if (!Number.isSafeInteger(seed)) throw new Error("--seed must be an integer");
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  // The guest: start the vTPM (its EK goes into the manifest), then ask for the report.
  let files: Record<string, Uint8Array | string> = {};
  let verified = false;
  const vm = await createVm({
    seed,
    vcpus: 1,
    memMiB: 8,
    main: async (os, cpu) => {
      const tpm = await TpmSvsm.probe(os, cpu);
      await new Tss((c) => tpm.transmit(c)).startup();
      const evidence = await requestAttestation(os, cpu, rp.nonce);
      const certs = parseCertTable(evidence.certificates);
      const pem = (guid: string) => toPem(certs.get(guid) ?? new Uint8Array());
      files = {
        "report.bin": evidence.report,
        "report_signed.bin": evidence.report.subarray(0, SIGNED_BYTES),
        "report_signature.der": reportSignatureDer(evidence.report),
        "vcek.pem": pem(CertGuid.VCEK),
        "ask.pem": pem(CertGuid.ASK),
        "ark.pem": pem(CertGuid.ARK),
        "nonce.bin": rp.nonce,
        "manifest.bin": evidence.manifest,
        "verify.sh": VERIFY_SCRIPT,
      };
      const v = rp.checkReport(evidence).verify;
      verified = v.valid;
      console.log(`report: ${v.valid ? "valid" : `INVALID: ${v.reasons.join("; ")}`}`);
    },
  });
  const rp = new RelyingParty({ measurement: expectedMeasurement(vm.layout), nonceSeed: seed });
  launch(vm);
  const result = await vm.host.run();
  if (result.status !== "finished") {
    console.error(`the VM did not finish: ${result.reason ?? result.status}`);
    return 1;
  }
  try {
    await Deno.mkdir(out, { recursive: true });
    for (const [name, data] of Object.entries(files)) {
      const path = `${out}/${name}`;
      if (typeof data === "string") await Deno.writeTextFile(path, data, { mode: 0o755 });
      else await Deno.writeFile(path, data);
    }
  } catch (e) {
    console.error(`cannot write ${out}: ${(e as Error).message}`);
    return 2;
  }
  console.log(`wrote ${Object.keys(files).join(", ")} to ${out}`);
  console.log(`REPORT_DATA is at 0x${REPORT_DATA_OFFSET.toString(16)}; check it all with:`);
  console.log(`  cd ${out} && sh verify.sh\n`);
  console.log(VERIFY_SCRIPT.split("\n").filter((l) => /^(openssl|cat|od)/.test(l)).join("\n"));
  return verified ? 0 : 1; // the files are written either way, for a look at what failed
}

if (import.meta.main) Deno.exit(await main(Deno.args));
