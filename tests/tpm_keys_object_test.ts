import assert from "node:assert/strict";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PRIVATE, TPM2B_PUBLIC } from "../lib/tpm/marshal/types.ts";
import {
  AES_KEY,
  b2,
  cat,
  create,
  createParams,
  createPrimary,
  ECC_SIGN,
  ECC_STORAGE,
  HMAC_KEY,
  KeyTpm,
  load,
  RSA_STORAGE,
  SEALED,
} from "./tpm_keys_client.ts";

const SECRET = new TextEncoder().encode("disk key 0123456789");

Deno.test("seal under an ECC SRK, load, unseal returns the data; passwords are enforced", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, ECC_STORAGE);
  const sealed = await create(k, srk.handle, SEALED, "s3cret", SECRET);
  assert.equal(sealed.pub.unique.length, 32, "unique = H(seedValue ‖ data), not the data");
  const item = await load(k, srk.handle, sealed);
  const r = await k.run(0x15e, [item.handle], new Uint8Array(0), ["s3cret"]);
  assert.equal(r.rc, 0);
  assert.deepEqual(r.params.bytes(r.params.u16()), SECRET);
  const wrong = await k.run(0x15e, [item.handle], new Uint8Array(0), ["guess"]);
  assert.equal(wrong.rc & 0xbf, 0x8e, "TPM_RC_AUTH_FAIL");
  // The private blob does not contain the secret in the clear.
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  assert.ok(!hex(sealed.priv).includes(hex(SECRET)));
});

Deno.test("Unseal refuses keys: a signing key is TPM_RC_ATTRIBUTES, an RSA key TPM_RC_TYPE", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const hmacKey = await load(k, srk.handle, await create(k, srk.handle, HMAC_KEY));
  assert.equal((await k.run(0x15e, [hmacKey.handle], new Uint8Array(0), [""])).rc, 0x182);
  const ecc = await load(k, srk.handle, await create(k, srk.handle, ECC_SIGN));
  assert.equal((await k.run(0x15e, [ecc.handle], new Uint8Array(0), [""])).rc, 0x18a);
});

Deno.test("a tampered private blob, or one loaded under another parent, is TPM_RC_INTEGRITY", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const other = await createPrimary(k, ECC_STORAGE);
  const made = await create(k, srk.handle, SEALED, "", SECRET);
  for (const i of [0, 2, 10, made.priv.length - 1]) {
    const priv = made.priv.slice();
    priv[i] ^= 0x40;
    const r = await k.run(0x157, [srk.handle], cat(b2(priv), made.pubBytes), [""], true);
    assert.notEqual(r.rc, 0, `flipped byte ${i}`);
  }
  const flipLast = made.priv.slice();
  flipLast[flipLast.length - 1] ^= 1;
  const r = await k.run(0x157, [srk.handle], cat(b2(flipLast), made.pubBytes), [""], true);
  assert.equal(r.rc, 0x1df, "TPM_RC_INTEGRITY on parameter 1");
  const moved = await k.run(0x157, [other.handle], cat(b2(made.priv), made.pubBytes), [""], true);
  assert.equal(moved.rc, 0x1df);
  // The same private blob with another public area (another Name) fails too.
  const swapped = { ...made.pub, objectAttributes: made.pub.objectAttributes ^ 0x40 };
  const r2 = await k.run(0x157, [srk.handle], cat(b2(made.priv), encode(TPM2B_PUBLIC, swapped)), [
    "",
  ], true);
  assert.equal(r2.rc, 0x1df);
  // A non-storage parent is TPM_RC_TYPE on handle 1.
  const signer = await createPrimary(k, ECC_SIGN);
  const r3 = await k.run(0x157, [signer.handle], cat(b2(made.priv), made.pubBytes), [""], true);
  assert.equal(r3.rc, 0x18a);
});

Deno.test("ObjectChangeAuth: the new blob carries the new password, the old one still the old", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const made = await create(k, srk.handle, SEALED, "old", SECRET);
  const item = await load(k, srk.handle, made);
  const r = await k.run(0x150, [item.handle, srk.handle], b2("new"), ["old"]);
  assert.equal(r.rc, 0);
  const newPriv = TPM2B_PRIVATE.read(r.params);
  const again = await load(k, srk.handle, { ...made, priv: newPriv });
  const u = await k.run(0x15e, [again.handle], new Uint8Array(0), ["new"]);
  assert.equal(u.rc, 0);
  assert.deepEqual(u.params.bytes(u.params.u16()), SECRET);
  assert.notEqual((await k.run(0x15e, [again.handle], new Uint8Array(0), ["old"])).rc, 0);
  // Another storage key is not this object's parent.
  const other = await createPrimary(k, ECC_STORAGE);
  const bad = await k.run(0x150, [item.handle, other.handle], b2("x"), ["old"]);
  assert.equal(bad.rc, 0x28a, "TPM_RC_TYPE on handle 2");
});

Deno.test("LoadExternal: a public key loads in any hierarchy; a private part only in NULL", async () => {
  const k = await KeyTpm.start();
  const key = await createPrimary(k, ECC_SIGN);
  const pub = cat(key.pubBytes);
  const ok = await k.run(0x167, [], cat([0, 0], pub, [0x40, 0, 0, 1]), [], true);
  assert.equal(ok.rc, 0);
  assert.deepEqual(ok.params.bytes(ok.params.u16()), key.name, "same Name as the loaded key");
  const offCurve = { ...key.pub, uniqueY: key.pub.uniqueY.map((b, i) => i === 0 ? b ^ 1 : b) };
  const bad = await k.run(
    0x167,
    [],
    cat([0, 0], encode(TPM2B_PUBLIC, offCurve), [0x40, 0, 0, 7]),
    [],
    true,
  );
  assert.equal(bad.rc, 0x2e7, "TPM_RC_ECC_POINT on parameter 2");
  // A made-up sensitive area that does not match the public key: TPM_RC_BINDING.
  const external = { ...key.pub, objectAttributes: 0x40060 };
  const sens = cat([0, 0x23], [0, 0], [0, 0], b2(new Uint8Array(32).fill(9)));
  const r = await k.run(
    0x167,
    [],
    cat(b2(sens), encode(TPM2B_PUBLIC, external), [0x40, 0, 0, 7]),
    [],
    true,
  );
  assert.equal(r.rc, 0x0a5, "a bare TPM_RC_BINDING, as swtpm");
  const inOwner = await k.run(
    0x167,
    [],
    cat(b2(sens), encode(TPM2B_PUBLIC, external), [0x40, 0, 0, 1]),
    [],
    true,
  );
  assert.equal(inOwner.rc, 0x3c5, "TPM_RC_HIERARCHY on parameter 3");
});

Deno.test("CreateLoaded: under a hierarchy it equals CreatePrimary; under a key its blob loads again", async () => {
  const k = await KeyTpm.start();
  const primary = await createPrimary(k, ECC_STORAGE);
  const params = cat(b2(cat(b2(""), b2(""))), encode(TPM2B_PUBLIC, ECC_STORAGE));
  const r = await k.run(0x191, [0x40000001], params, [""], true);
  assert.equal(r.rc, 0);
  assert.equal(r.params.u16(), 0, "no private blob for a primary");
  const pub = r.params.bytes(r.params.u16());
  assert.deepEqual(cat([pub.length >> 8, pub.length & 0xff], pub), primary.pubBytes);
  const child = await k.run(
    0x191,
    [primary.handle],
    cat(b2(cat(b2(""), b2(SECRET))), encode(TPM2B_PUBLIC, SEALED)),
    [""],
    true,
  );
  assert.equal(child.rc, 0);
  const priv = TPM2B_PRIVATE.read(child.params);
  const size = child.params.u16();
  const pubBytes = cat([size >> 8, size & 0xff], child.params.bytes(size));
  const name = child.params.bytes(child.params.u16());
  const again = await k.run(0x157, [primary.handle], cat(b2(priv), pubBytes), [""], true);
  assert.equal(again.rc, 0);
  assert.deepEqual(again.params.bytes(again.params.u16()), name);
  const u = await k.run(0x15e, [child.handle], new Uint8Array(0), [""]);
  assert.deepEqual(u.params.bytes(u.params.u16()), SECRET);
});

Deno.test("a symmetric (AES-CFB) storage parent protects children like an asymmetric one", async () => {
  const k = await KeyTpm.start();
  const aesParent = {
    ...AES_KEY,
    objectAttributes: 0x72 | (1 << 16) | (1 << 17),
    symmetric: { algorithm: 0x0006, keyBits: 256, mode: 0x0043 },
  };
  const parent = await createPrimary(k, aesParent);
  const item = await load(k, parent.handle, await create(k, parent.handle, SEALED, "", SECRET));
  const u = await k.run(0x15e, [item.handle], new Uint8Array(0), [""]);
  assert.deepEqual(u.params.bytes(u.params.u16()), SECRET);
  // It cannot receive a credential: no asymmetric key to share a seed with.
  const mc = await k.run(0x168, [parent.handle], cat(b2("c"), b2(item.name)));
  assert.equal(mc.rc, 0x18a);
  // A restricted symmetric key that also encrypts is not a valid template.
  const bad = { ...aesParent, objectAttributes: aesParent.objectAttributes | (1 << 18) };
  const r = await k.run(0x131, [0x40000001], createParams(bad), [""], true);
  assert.equal(r.rc, 0x2c2);
});
