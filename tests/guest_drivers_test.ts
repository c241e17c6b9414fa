// lib/guest/attest.ts and lib/guest/tpm_svsm.ts against the real SVSM, vTPM and firmware.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import type { GuestCpu, GuestOs } from "../lib/guest/mod.ts";
import { GuestAttestError, requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm, TpmSvsmError } from "../lib/guest/tpm_svsm.ts";
import { ATTESTATION_REPORT, parseCertTable } from "../lib/snp/firmware/mod.ts";
import { SvsmResultCode, VTPM_SERVICE_GUID } from "../lib/svsm/abi/mod.ts";
import { type ConfidentialVm, createVm, launch } from "../examples/vm.ts";
import { manifestEntry } from "../examples/verifier.ts";

const STARTUP = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]);
const NONCE = new Uint8Array(64).map((_, i) => i * 3);

/** Boots a one-vCPU VM and runs `main` as the guest; fails the test if the VM does not finish. */
async function inGuest(
  main: (os: GuestOs, cpu: GuestCpu) => Promise<void>,
  vtpm = true,
): Promise<ConfidentialVm> {
  const vm = await createVm({ seed: 11, vcpus: 1, memMiB: 8, vtpm, trace: true, main });
  launch(vm);
  const r = await vm.host.run();
  assert.equal(r.status, "finished", r.reason);
  return vm;
}

async function startedTpm(os: GuestOs, cpu: GuestCpu): Promise<TpmSvsm> {
  const tpm = await TpmSvsm.probe(os, cpu, { commandName: (c) => `cc${c.toString(16)}` });
  assert.equal(toHex(await tpm.transmit(STARTUP)), "80010000000a00000000");
  return tpm;
}

Deno.test("attest driver: report, manifest and certificates; REPORT_DATA binds nonce and manifest", async () => {
  let ev: Awaited<ReturnType<typeof requestAttestation>> | undefined;
  await inGuest(async (os, cpu) => {
    await startedTpm(os, cpu); // the manifest's EK needs a started TPM
    ev = await requestAttestation(os, cpu, NONCE);
  });
  assert.equal(ev!.report.length, 0x4a0);
  const report = ATTESTATION_REPORT.decode(ev!.report);
  const bound = createHash("sha512").update(NONCE).update(ev!.manifest).digest();
  assert.deepEqual(report.reportData, new Uint8Array(bound));
  assert.equal(report.vmpl, 0, "the SVSM asks at VMPL0");
  assert.ok(manifestEntry(ev!.manifest, VTPM_SERVICE_GUID)!.length > 256, "the EK is listed");
  assert.equal(parseCertTable(ev!.certificates).size, 3, "VCEK, ASK, ARK");
  assert.equal(ev!.calls, 2, "one page is too small for the certificates: one resize");
});

Deno.test("attest driver: too-small buffers grow from the sizes the SVSM returns", async () => {
  let ev: Awaited<ReturnType<typeof requestAttestation>> | undefined;
  await inGuest(async (os, cpu) => {
    await startedTpm(os, cpu);
    ev = await requestAttestation(os, cpu, NONCE, {
      initialSizes: { report: 0x100, manifest: 16, certificates: 0x1000 },
    });
  });
  assert.ok(ev!.calls >= 2);
  assert.equal(ev!.report.length, 0x4a0);
  assert.equal(ev!.manifest.length, new DataView(ev!.manifest.buffer).getUint32(0x10, true));
});

Deno.test("attest driver: SINGLE_SERVICE, no certificates, and the errors", async () => {
  let single: Uint8Array | undefined, bare: Awaited<ReturnType<typeof requestAttestation>>;
  let unknown: unknown, badNonce: unknown;
  await inGuest(async (os, cpu) => {
    await startedTpm(os, cpu);
    single = (await requestAttestation(os, cpu, NONCE, { serviceGuid: VTPM_SERVICE_GUID }))
      .manifest;
    bare = await requestAttestation(os, cpu, NONCE, { certificates: false });
    unknown = await requestAttestation(os, cpu, NONCE, {
      serviceGuid: "00000000-0000-0000-0000-000000000001",
    }).catch((e) => e);
    badNonce = await requestAttestation(os, cpu, new Uint8Array(32)).catch((e) => e);
  });
  assert.equal(single![0], 0x00, "a TPMT_PUBLIC (type RSA 0x0001), not a GUID table");
  assert.equal(single![1], 0x01);
  assert.equal(bare!.certificates.length, 0);
  assert.equal(bare!.calls, 1);
  assert.ok(unknown instanceof GuestAttestError);
  assert.equal(unknown.code, SvsmResultCode.UNSUPPORTED_PROTOCOL);
  assert.ok(badNonce instanceof RangeError);
});

Deno.test("vTPM driver: commands and TPM errors come back as responses; traced by name", async () => {
  const out: string[] = [];
  let tooLong: unknown;
  const vm = await inGuest(async (os, cpu) => {
    const tpm = await startedTpm(os, cpu);
    out.push(toHex(await tpm.transmit(STARTUP))); // again: TPM_RC_INITIALIZE
    const getRandom = new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x7b, 0, 16]);
    out.push(toHex(await tpm.transmit(getRandom)));
    tooLong = await tpm.transmit(new Uint8Array(4096)).catch((e) => e);
  });
  assert.equal(out[0], "80010000000a00000100");
  assert.match(out[1], /^80010000001c000000000010[0-9a-f]{32}$/); // 16 random bytes
  assert.ok(tooLong instanceof TpmSvsmError);
  const slices = vm.machine.trace.events.filter((e) => e.kind === "call" && e.phase === "end");
  assert.ok(slices.some((e) => e.name === "cc144" && e.detail === "rc 0x100"));
  assert.ok(slices.some((e) => e.name === "cc17b" && e.detail === "rc 0x0"));
});

Deno.test("vTPM driver: without a vTPM the probe fails with the SVSM's code", async () => {
  let err: unknown;
  await inGuest(async (os, cpu) => {
    err = await TpmSvsm.probe(os, cpu).catch((e) => e);
  }, false);
  assert.ok(err instanceof TpmSvsmError);
  assert.equal(err.code, SvsmResultCode.UNSUPPORTED_PROTOCOL);
});
