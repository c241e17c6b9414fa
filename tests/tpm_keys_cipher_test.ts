import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { TPM_ALG } from "../lib/tpm/constants.ts";
import {
  AES_KEY,
  b2,
  cat,
  create,
  createPrimary,
  ECC_DECRYPT,
  KeyTpm,
  load,
  RSA_DECRYPT,
  RSA_STORAGE,
  u16,
} from "./tpm_keys_client.ts";

const b64 = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const OAEP_SHA256 = [...u16(TPM_ALG.OAEP), ...u16(TPM_ALG.SHA256)];

Deno.test("RSA_Encrypt/RSA_Decrypt with OAEP and a label interoperate with WebCrypto", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const key = await load(k, srk.handle, await create(k, srk.handle, RSA_DECRYPT));
  const label = new TextEncoder().encode("label\0");
  const msg = new TextEncoder().encode("a secret message");
  // WebCrypto encrypts to the TPM key; the TPM decrypts.
  const pub = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: b64(key.pub.unique), e: "AQAB" },
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["encrypt"],
  );
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP", label }, pub, msg));
  const d = await k.run(0x159, [key.handle], cat(b2(ct), OAEP_SHA256, b2(label)), [""]);
  assert.equal(d.rc, 0);
  assert.deepEqual(d.params.bytes(d.params.u16()), msg);
  // The TPM encrypts; it decrypts its own ciphertext, and not with another label.
  const e = await k.run(0x174, [key.handle], cat(b2(msg), OAEP_SHA256, b2(label)));
  assert.equal(e.rc, 0);
  const ct2 = e.params.bytes(e.params.u16());
  assert.equal(ct2.length, 256);
  const d2 = await k.run(0x159, [key.handle], cat(b2(ct2), OAEP_SHA256, b2(label)), [""]);
  assert.deepEqual(d2.params.bytes(d2.params.u16()), msg);
  const d3 = await k.run(0x159, [key.handle], cat(b2(ct2), OAEP_SHA256, b2("other\0")), [""]);
  assert.equal(d3.rc, 0x1c4, "TPM_RC_VALUE on parameter 1");
  // A label without its terminating zero is TPM_RC_VALUE on parameter 3.
  const e2 = await k.run(0x174, [key.handle], cat(b2(msg), OAEP_SHA256, b2("x")));
  assert.equal(e2.rc, 0x3c4);
  // RSA_Decrypt refuses a restricted (storage) key.
  const s = await k.run(0x159, [srk.handle], cat(b2(ct2), OAEP_SHA256, b2(label)), [""]);
  assert.equal(s.rc, 0x182);
});

Deno.test("RSA_Encrypt NULL scheme is textbook RSA: m^e mod n", async () => {
  const k = await KeyTpm.start();
  const key = await createPrimary(k, RSA_DECRYPT);
  const m = new Uint8Array([2]);
  const e = await k.run(0x174, [key.handle], cat(b2(m), u16(TPM_ALG.NULL), [0, 0]));
  assert.equal(e.rc, 0);
  const c = e.params.bytes(e.params.u16());
  const n = BigInt("0x" + toHex(key.pub.unique));
  let r = 1n, b = 2n, x = 65537n;
  while (x > 0n) {
    if (x & 1n) r = (r * b) % n;
    b = (b * b) % n;
    x >>= 1n;
  }
  assert.equal(BigInt("0x" + toHex(c)), r);
});

Deno.test("ECDH_KeyGen's Z equals ECDH_ZGen on its ephemeral point; WebCrypto agrees", async () => {
  const k = await KeyTpm.start();
  const key = await createPrimary(k, ECC_DECRYPT);
  const g = await k.run(0x163, [key.handle], new Uint8Array(0));
  assert.equal(g.rc, 0);
  g.params.u16();
  const zx = g.params.bytes(g.params.u16());
  const zy = g.params.bytes(g.params.u16());
  g.params.u16();
  const px = g.params.bytes(g.params.u16());
  const py = g.params.bytes(g.params.u16());
  const z = await k.run(0x154, [key.handle], b2(cat(b2(px), b2(py))), [""]);
  assert.equal(z.rc, 0);
  z.params.u16();
  assert.deepEqual(z.params.bytes(z.params.u16()), zx);
  assert.deepEqual(z.params.bytes(z.params.u16()), zy);
  // A WebCrypto key pair: the TPM's d·Q_web has the x-coordinate WebCrypto derives.
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const zt = await k.run(
    0x154,
    [key.handle],
    b2(cat(b2(raw.subarray(1, 33)), b2(raw.subarray(33)))),
    [""],
  );
  assert.equal(zt.rc, 0);
  zt.params.u16();
  const tpmX = zt.params.bytes(zt.params.u16());
  const tpmPub = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: b64(key.pub.unique), y: b64(key.pub.uniqueY) },
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const web = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: tpmPub }, pair.privateKey, 256),
  );
  assert.deepEqual(tpmX, web);
  // A point off the curve is refused (invalid-curve attack).
  const bad = raw.slice();
  bad[40] ^= 1;
  const r = await k.run(
    0x154,
    [key.handle],
    b2(cat(b2(bad.subarray(1, 33)), b2(bad.subarray(33)))),
    [""],
  );
  assert.equal(r.rc, 0x1e7);
});

Deno.test("EncryptDecrypt and EncryptDecrypt2 (AES-128-CFB) match SP 800-38A and invert each other", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  // Load the SP 800-38A F.3.13 key as an external AES key to compare against the published vector.
  const key = fromHex("2b7e151628aed2a6abf7158809cf4f3c");
  const made = await create(
    k,
    srk.handle,
    { ...AES_KEY, objectAttributes: AES_KEY.objectAttributes & ~0x20 },
    "",
    key,
  );
  const loaded = await load(k, srk.handle, made);
  const iv = fromHex("000102030405060708090a0b0c0d0e0f");
  const pt = fromHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const enc = await k.run(0x164, [loaded.handle], cat([0], u16(TPM_ALG.CFB), b2(iv), b2(pt)), [""]);
  assert.equal(enc.rc, 0);
  const ct = enc.params.bytes(enc.params.u16());
  assert.equal(toHex(ct), "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b");
  const ivOut = enc.params.bytes(enc.params.u16());
  assert.deepEqual(ivOut, ct.subarray(16));
  const dec = await k.run(0x193, [loaded.handle], cat(b2(ct), [1], u16(TPM_ALG.NULL), b2(iv)), [
    "",
  ]);
  assert.equal(dec.rc, 0);
  assert.deepEqual(dec.params.bytes(dec.params.u16()), pt);
  // A mode other than the key's is TPM_RC_MODE; a short IV is TPM_RC_SIZE.
  const m = await k.run(0x164, [loaded.handle], cat([0], u16(TPM_ALG.CBC), b2(iv), b2(pt)), [""]);
  assert.equal(m.rc, 0x2c9);
  const s = await k.run(
    0x164,
    [loaded.handle],
    cat([0], u16(TPM_ALG.CFB), b2(iv.subarray(0, 8)), b2(pt)),
    [""],
  );
  assert.equal(s.rc, 0x3d5);
});
