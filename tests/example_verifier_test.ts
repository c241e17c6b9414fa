// examples/verifier.ts: the chain report → EK → AK → quote holds, and each link can fail.
import assert from "node:assert/strict";
import { TPM_RH, TPMA_OBJECT } from "../lib/tpm/mod.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { EK_RSA2048_TEMPLATE } from "../lib/tpm/ek.ts";
import { requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { AK_TEMPLATE, type Loaded, Tss } from "../examples/tss.ts";
import { RelyingParty, replayPcr } from "../examples/verifier.ts";
import { createVm, expectedMeasurement, launch } from "../examples/vm.ts";

/** A booted guest with a started vTPM, its EK, a verifier that checked the report. */
async function withVerifiedGuest(
  body: (tpm: Tss, ek: Loaded, rp: RelyingParty) => Promise<void>,
): Promise<void> {
  let failure: unknown;
  const vm = await createVm({
    seed: 21,
    vcpus: 1,
    memMiB: 8,
    main: async (os, cpu) => {
      const driver = await TpmSvsm.probe(os, cpu);
      const tpm = new Tss((c) => driver.transmit(c));
      await tpm.startup();
      const ek = await tpm.createPrimary(TPM_RH.ENDORSEMENT, EK_RSA2048_TEMPLATE);
      const verdict = rp.checkReport(await requestAttestation(os, cpu, rp.nonce));
      assert.ok(verdict.verify.valid, verdict.verify.reasons.join("; "));
      await body(tpm, ek, rp).catch((e) => failure = e);
    },
  });
  const rp = new RelyingParty({ measurement: expectedMeasurement(vm.layout), nonceSeed: 21 });
  launch(vm);
  assert.equal((await vm.host.run()).status, "finished");
  if (failure) throw failure;
}

async function activate(tpm: Tss, ak: Loaded, ek: Loaded, rp: RelyingParty) {
  const c = await rp.challengeAk(ak.publicArea);
  const session = await tpm.startPolicySession();
  await tpm.policySecret(TPM_RH.ENDORSEMENT, session);
  return tpm.activateCredential(ak.handle, ek.handle, session, c.credentialBlob, c.secret);
}

Deno.test("verifier: the vTPM's AK activates the credential and its quote verifies", async () => {
  await withVerifiedGuest(async (tpm, ek, rp) => {
    const ak = await tpm.createPrimary(TPM_RH.OWNER, AK_TEMPLATE);
    assert.equal(rp.akBound(await activate(tpm, ak, ek, rp)), true);
    const d = new Uint8Array(32).fill(9);
    await tpm.pcrExtend(16, d);
    const quote = await tpm.quote(ak.handle, rp.nonce, [16]);
    assert.deepEqual(await rp.checkQuote(quote, [16], [replayPcr([d])]), {
      signatureValid: true,
      nonceMatches: true,
      pcrDigestMatches: true,
    });
    // The attacker's edits: a flipped byte, another PCR history, an old nonce.
    const forged = { ...quote, attest: quote.attest.slice() };
    forged.attest[forged.attest.length - 1] ^= 1;
    assert.equal((await rp.checkQuote(forged, [16], [replayPcr([d])])).signatureValid, false);
    const q2 = await rp.checkQuote(quote, [16], [replayPcr([d, d])]);
    assert.equal(q2.pcrDigestMatches, false);
    const stale = await tpm.quote(ak.handle, new Uint8Array(64), [16]);
    assert.equal((await rp.checkQuote(stale, [16], [replayPcr([d])])).nonceMatches, false);
  });
});

Deno.test("verifier: an AK in another TPM cannot answer the report-bound EK's challenge", async () => {
  await withVerifiedGuest(async (_vtpm, _ek, rp) => {
    // The host runs its own TPM (as a software TPM beside the VM) and offers an AK from it.
    const other = await Tpm.manufacture({ seed: new Uint8Array(32).fill(3) });
    other.powerOn();
    const tss = new Tss((c) => other.execute(c));
    await tss.startup();
    const ak = await tss.createPrimary(TPM_RH.OWNER, AK_TEMPLATE);
    const ek = await tss.createPrimary(TPM_RH.ENDORSEMENT, EK_RSA2048_TEMPLATE);
    const recovered = await activate(tss, ak, ek, rp).catch(() => undefined);
    assert.equal(recovered !== undefined && rp.akBound(recovered), false);
  });
});

Deno.test("verifier: an AK that is not a fixedTPM restricted signing key is refused", async () => {
  await withVerifiedGuest(async (tpm, _ek, rp) => {
    const loose = {
      ...AK_TEMPLATE,
      objectAttributes: AK_TEMPLATE.objectAttributes & ~TPMA_OBJECT.restricted,
    };
    const key = await tpm.createPrimary(TPM_RH.OWNER, loose);
    await assert.rejects(() => rp.challengeAk(key.publicArea), /restricted signing key/);
  });
});

Deno.test("verifier: no challenge before a valid report", async () => {
  const rp = new RelyingParty({ measurement: new Uint8Array(48), nonceSeed: 1 });
  await assert.rejects(() => rp.challengeAk(new Uint8Array(10)), /check the report first/);
  assert.equal(rp.akBound(new Uint8Array(32)), false);
});
