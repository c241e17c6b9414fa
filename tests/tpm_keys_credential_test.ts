import assert from "node:assert/strict";
import { TPM_RH } from "../lib/tpm/constants.ts";
import {
  b2,
  cat,
  createPrimary,
  ECC_AK,
  ECC_STORAGE,
  hmacSha256,
  kdfa,
  KeyTpm,
  type Made,
  opensslCfb,
  RSA_STORAGE,
} from "./tpm_keys_client.ts";

const CREDENTIAL = new TextEncoder().encode("the credential!!");

async function makeCredential(k: KeyTpm, key: number, name: Uint8Array) {
  const r = await k.run(0x168, [key], cat(b2(CREDENTIAL), b2(name)));
  assert.equal(r.rc, 0);
  return { blob: r.params.bytes(r.params.u16()), secret: r.params.bytes(r.params.u16()) };
}

function activate(k: KeyTpm, ak: Made, ek: Made, blob: Uint8Array, secret: Uint8Array) {
  return k.run(0x147, [ak.handle, ek.handle], cat(b2(blob), b2(secret)), ["", ""]);
}

Deno.test("MakeCredential → ActivateCredential round trip with RSA and ECC protectors", async () => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK);
  for (const tpl of [RSA_STORAGE, ECC_STORAGE]) {
    const ek = await createPrimary(k, tpl, TPM_RH.ENDORSEMENT);
    const { blob, secret } = await makeCredential(k, ek.handle, ak.name);
    const r = await activate(k, ak, ek, blob, secret);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.params.bytes(r.params.u16()), CREDENTIAL);
    // A credential made for another Name does not activate for this object.
    const other = ak.name.map((b, i) => i === ak.name.length - 1 ? b ^ 1 : b);
    const wrong = await makeCredential(k, ek.handle, other);
    assert.equal((await activate(k, ak, ek, wrong.blob, wrong.secret)).rc, 0x1df);
    // A secret for another key does not decrypt.
    const bad = secret.slice();
    bad[bad.length - 3] ^= 1;
    const r2 = await activate(k, ak, ek, blob, bad);
    assert.ok(r2.rc === 0x2c4 || r2.rc === 0x2e7 || r2.rc === 0x1df, `got 0x${r2.rc.toString(16)}`);
  }
});

Deno.test("MakeCredential needs a restricted decryption key (TPM_RC_TYPE otherwise)", async () => {
  const k = await KeyTpm.start();
  const signer = await createPrimary(k, ECC_AK);
  const r = await k.run(0x168, [signer.handle], cat(b2(CREDENTIAL), b2(signer.name)));
  assert.equal(r.rc, 0x18a);
});

// ---- A credential made outside the TPM, as tpm2_makecredential does with OpenSSL ----

Deno.test("a credential built outside the TPM (WebCrypto OAEP + HMAC, openssl CFB) activates", async (t) => {
  const k = await KeyTpm.start();
  const ak = await createPrimary(k, ECC_AK);
  const ek = await createPrimary(k, RSA_STORAGE, TPM_RH.ENDORSEMENT);
  const b64 = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const pub = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: b64(ek.pub.unique), e: "AQAB" },
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["encrypt"],
  );
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const secret = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "RSA-OAEP", label: new TextEncoder().encode("IDENTITY\0") },
      pub,
      seed,
    ),
  );
  const symKey = await kdfa(seed, "STORAGE", ak.name, 128);
  const encIdentity = await opensslCfb(symKey, b2(CREDENTIAL));
  if (!encIdentity) {
    await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
    return;
  }
  const hmacKey = await kdfa(seed, "INTEGRITY", new Uint8Array(0), 256);
  const outer = await hmacSha256(hmacKey, cat(encIdentity, ak.name));
  const blob = cat(b2(outer), encIdentity);
  const r = await activate(k, ak, ek, blob, secret);
  assert.equal(r.rc, 0);
  assert.deepEqual(r.params.bytes(r.params.u16()), CREDENTIAL);
});
