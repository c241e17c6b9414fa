import assert from "node:assert/strict";
import { TPM_ALG, TPM_RH } from "../lib/tpm/constants.ts";
import { TpmReader } from "../lib/tpm/marshal/buffer.ts";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPMT_SIGNATURE, TPMT_TK, type TpmtPublic } from "../lib/tpm/marshal/types.ts";
import {
  b2,
  cat,
  createPrimary,
  ECC_AK,
  KeyTpm,
  RSA_STORAGE,
  u16,
  u32,
} from "./tpm_keys_client.ts";

const b64 = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");

async function verifyEcdsa(pub: TpmtPublic, data: Uint8Array, sigBytes: Uint8Array) {
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: b64(pub.unique), y: b64(pub.uniqueY) },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const sig = TPMT_SIGNATURE.read(new TpmReader(sigBytes));
  assert.equal(sig.sigAlg, TPM_ALG.ECDSA);
  return await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    cat(sig.sig, sig.s),
    new Uint8Array(data),
  );
}

/** Splits a TPMS_ATTEST into its header fields and the attested arm (Part 2 §10.12.12). */
function parseAttest(a: Uint8Array) {
  const r = new TpmReader(a);
  const magic = r.u32();
  const type = r.u16();
  const signer = r.bytes(r.u16());
  const extra = r.bytes(r.u16());
  const clock = r.u64();
  r.bytes(9); // resetCount, restartCount, safe
  const fw = r.u64();
  return { magic, type, signer, extra, clock, fw, rest: r };
}

Deno.test("Quote: WebCrypto verifies the signature and the PCR digest matches PCR_Read", async () => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK, TPM_RH.ENDORSEMENT);
  const ext = await k.run(
    0x182,
    [16],
    cat(u32(1), u16(TPM_ALG.SHA256), new Uint8Array(32).fill(7)),
    [""],
  );
  assert.equal(ext.rc, 0);
  const sel = cat(u32(1), u16(TPM_ALG.SHA256), [3, 0x01, 0x00, 0x01]); // PCRs 0 and 16
  const nonce = new TextEncoder().encode("fresh nonce");
  const q = await k.run(0x158, [ak.handle], cat(b2(nonce), u16(TPM_ALG.NULL), sel), [""]);
  assert.equal(q.rc, 0);
  const quoted = q.params.bytes(q.params.u16());
  const sig = q.params.bytes(q.params.remaining);
  assert.ok(await verifyEcdsa(ak.pub, quoted, sig));
  const a = parseAttest(quoted);
  assert.equal(a.magic, 0xff544347);
  assert.equal(a.type, 0x8018);
  assert.deepEqual(a.extra, nonce);
  assert.equal(a.rest.u32(), 1);
  assert.equal(a.rest.u16(), TPM_ALG.SHA256);
  a.rest.bytes(a.rest.u8());
  const pcrDigest = a.rest.bytes(a.rest.u16());
  // Read the same PCRs and hash them here.
  const rd = await k.run(0x17e, [], sel);
  assert.equal(rd.rc, 0);
  rd.params.u32();
  rd.params.bytes(4 + 2 + 1 + 3);
  const n = rd.params.u32();
  const values: Uint8Array[] = [];
  for (let i = 0; i < n; i++) values.push(rd.params.bytes(rd.params.u16()));
  assert.equal(values.length, 2);
  assert.notDeepEqual(values[1], new Uint8Array(32), "PCR 16 was extended");
  const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", cat(...values)));
  assert.deepEqual(pcrDigest, expected);
  // Tampering with any byte of the quote breaks the signature.
  const forged = quoted.slice();
  forged[forged.length - 1] ^= 1;
  assert.ok(!(await verifyEcdsa(ak.pub, forged, sig)));
});

Deno.test("owner-hierarchy signers get obfuscated counters; endorsement ones do not", async () => {
  const k = await KeyTpm.start();
  const ek = await createPrimary(k, ECC_AK, TPM_RH.ENDORSEMENT);
  const own = await createPrimary(k, ECC_AK, TPM_RH.OWNER);
  const sel = cat(u32(0));
  const fw = async (h: number) => {
    const q = await k.run(0x158, [h], cat([0, 0], u16(TPM_ALG.NULL), sel), [""]);
    return parseAttest(q.params.bytes(q.params.u16())).fw;
  };
  assert.equal(await fw(ek.handle), 0x0001000000000000n, "GetCapability's FIRMWARE_VERSION_1/2");
  assert.notEqual(await fw(own.handle), 0x0001000000000000n);
});

Deno.test("Certify and CertifyCreation vouch for an object; a wrong creation hash is TPM_RC_TICKET", async () => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK, TPM_RH.ENDORSEMENT);
  const srk = await createPrimary(k, RSA_STORAGE);
  const c = await k.run(0x148, [srk.handle, ak.handle], cat([0, 0], u16(TPM_ALG.NULL)), ["", ""]);
  assert.equal(c.rc, 0);
  const info = c.params.bytes(c.params.u16());
  assert.ok(await verifyEcdsa(ak.pub, info, c.params.bytes(c.params.remaining)));
  const a = parseAttest(info);
  assert.equal(a.type, 0x8017);
  assert.deepEqual(a.rest.bytes(a.rest.u16()), srk.name);

  const ticket = encode(TPMT_TK, srk.ticket);
  const cc = await k.run(
    0x14a,
    [ak.handle, srk.handle],
    cat([0, 0], b2(srk.creationHash), u16(TPM_ALG.NULL), ticket),
    [""],
  );
  assert.equal(cc.rc, 0);
  const ci = parseAttest(cc.params.bytes(cc.params.u16()));
  assert.equal(ci.type, 0x801a);
  assert.deepEqual(ci.rest.bytes(ci.rest.u16()), srk.name);
  assert.deepEqual(ci.rest.bytes(ci.rest.u16()), srk.creationHash);
  const wrong = srk.creationHash.map((b, i) => i === 0 ? b ^ 1 : b);
  const bad = await k.run(
    0x14a,
    [ak.handle, srk.handle],
    cat([0, 0], b2(wrong), u16(TPM_ALG.NULL), ticket),
    [""],
  );
  assert.equal(bad.rc, 0x4e0);
});

Deno.test("GetTime: signed time and clock, unsigned with a NULL signer", async () => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK, TPM_RH.ENDORSEMENT);
  const r = await k.run(0x14c, [TPM_RH.ENDORSEMENT, ak.handle], cat(b2("t"), u16(TPM_ALG.NULL)), [
    "",
    "",
  ]);
  assert.equal(r.rc, 0);
  const info = r.params.bytes(r.params.u16());
  assert.ok(await verifyEcdsa(ak.pub, info, r.params.bytes(r.params.remaining)));
  const a = parseAttest(info);
  assert.equal(a.type, 0x8019);
  a.rest.u64();
  assert.equal(a.rest.u64(), a.clock, "the time info repeats the clock");
  const unsigned = await k.run(
    0x14c,
    [TPM_RH.ENDORSEMENT, TPM_RH.NULL],
    cat(b2("t"), u16(TPM_ALG.NULL)),
    ["", ""],
  );
  assert.equal(unsigned.rc, 0);
  unsigned.params.bytes(unsigned.params.u16());
  assert.equal(unsigned.params.u16(), TPM_ALG.NULL);
});
