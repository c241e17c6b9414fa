import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { TPM_ALG, TPM_RH } from "../lib/tpm/constants.ts";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PUBLIC, TPMT_SIGNATURE, type TpmtPublic } from "../lib/tpm/marshal/types.ts";
import {
  b2,
  cat,
  create,
  createPrimary,
  ECC_SIGN,
  hmacSha256,
  kdfa,
  KeyTpm,
  load,
  type Made,
  opensslCfb,
  RSA_STORAGE,
  u16,
  u32,
} from "./tpm_keys_client.ts";

const AES128_CFB = [...u16(TPM_ALG.AES), ...u16(128), ...u16(TPM_ALG.CFB)];
const NULL_SYM = u16(TPM_ALG.NULL);

// PolicyCommandCode(TPM_CC_Duplicate) from a zero digest (Part 3 §23.11).
const DUP_POLICY = new Uint8Array(
  createHash("sha256").update(new Uint8Array([...new Uint8Array(32), 0, 0, 1, 0x6c, 0, 0, 1, 0x4b]))
    .digest(),
);

/** A duplicable ECC signing key: not fixedTPM/fixedParent, Duplicate allowed by policy. */
const DUPLICABLE: TpmtPublic = {
  ...ECC_SIGN,
  objectAttributes: 0x40060, // sign | userWithAuth | sensitiveDataOrigin
  authPolicy: DUP_POLICY,
};

/**
 * TPM2_Import under `parent` (Part 3 §13.3); `args` is encryptionKey,
 * objectPublic, duplicate, inSymSeed and symmetricAlg, marshalled.
 */
function importObject(k: KeyTpm, parent: number, args: Uint8Array): ReturnType<KeyTpm["run"]> {
  return k.run(0x156, [parent], args, [""]);
}

/** Loads a private blob that TPM2_Import returned, with its public area. */
function loadImported(
  k: KeyTpm,
  parent: number,
  pub: TpmtPublic,
  pubBytes: Uint8Array,
  priv: Uint8Array,
): Promise<Made> {
  return load(k, parent, {
    handle: 0,
    pub,
    pubBytes,
    priv,
    creationHash: new Uint8Array(0),
    ticket: { tag: 0, hierarchy: 0, digest: new Uint8Array(0) },
    name: new Uint8Array(0),
  });
}

async function dupSession(k: KeyTpm): Promise<number> {
  const s = await k.run(
    0x176,
    [TPM_RH.NULL, TPM_RH.NULL],
    cat(b2(new Uint8Array(16).fill(1)), [0, 0], [1], NULL_SYM, u16(TPM_ALG.SHA256)),
    [],
    true,
  );
  assert.equal(s.rc, 0);
  const p = await k.run(0x16c, [s.handle], Uint8Array.from(u32(0x14b)));
  assert.equal(p.rc, 0);
  return s.handle;
}

async function signAndCheck(k: KeyTpm, key: Made): Promise<void> {
  const msg = new TextEncoder().encode("moved key");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", msg));
  const r = await k.run(
    0x15d,
    [key.handle],
    cat(b2(digest), u16(0x10), [0x80, 0x24, 0x40, 0, 0, 7, 0, 0]),
    [""],
  );
  assert.equal(r.rc, 0);
  const sig = TPMT_SIGNATURE.read(r.params);
  const b64 = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const pub = await crypto.subtle.importKey(
    "jwk",
    { kty: "EC", crv: "P-256", x: b64(key.pub.unique), y: b64(key.pub.uniqueY) },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  assert.ok(
    await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, cat(sig.sig, sig.s), msg),
  );
}

Deno.test("Duplicate to another TPM's SRK (inner + outer wrapper), Import there, Load, Sign", async () => {
  const a = await KeyTpm.start(1);
  const b = await KeyTpm.start(2);
  const srkA = await createPrimary(a, RSA_STORAGE);
  const srkB = await createPrimary(b, RSA_STORAGE);
  const key = await load(a, srkA.handle, await create(a, srkA.handle, DUPLICABLE));
  const np = await a.run(0x167, [], cat([0, 0], srkB.pubBytes, u32(TPM_RH.OWNER)), [], true);
  assert.equal(np.rc, 0);
  const session = await dupSession(a);
  const d = await a.run(0x14b, [key.handle, np.handle], cat([0, 0], AES128_CFB), [{ session }]);
  assert.equal(d.rc, 0);
  const encKey = d.params.bytes(d.params.u16());
  const dup = d.params.bytes(d.params.u16());
  const seed = d.params.bytes(d.params.u16());
  assert.equal(encKey.length, 16, "the TPM chose the inner key");
  const imp = await importObject(
    b,
    srkB.handle,
    cat(b2(encKey), key.pubBytes, b2(dup), b2(seed), AES128_CFB),
  );
  assert.equal(imp.rc, 0);
  const priv = imp.params.bytes(imp.params.u16());
  const moved = await load(b, srkB.handle, { ...key, priv });
  await signAndCheck(b, moved);
  // The wrong inner key, or a flipped byte, is TPM_RC_INTEGRITY on the duplicate.
  const wrongKey = encKey.map((x) => x ^ 0xff);
  const r1 = await importObject(
    b,
    srkB.handle,
    cat(b2(wrongKey), key.pubBytes, b2(dup), b2(seed), AES128_CFB),
  );
  assert.equal(r1.rc, 0x3df);
  const flipped = dup.slice();
  flipped[5] ^= 1;
  const r2 = await importObject(
    b,
    srkB.handle,
    cat(b2(encKey), key.pubBytes, b2(flipped), b2(seed), AES128_CFB),
  );
  assert.equal(r2.rc, 0x3df);
});

Deno.test("Duplicate refuses fixedParent objects and password authorization", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const fixed = await load(
    k,
    srk.handle,
    await create(k, srk.handle, { ...ECC_SIGN, authPolicy: DUP_POLICY }),
  );
  const s1 = await dupSession(k);
  const r = await k.run(0x14b, [fixed.handle, TPM_RH.NULL], cat([0, 0], NULL_SYM), [{
    session: s1,
  }]);
  assert.equal(r.rc, 0x182, "TPM_RC_ATTRIBUTES on handle 1");
  const dupable = await load(k, srk.handle, await create(k, srk.handle, DUPLICABLE));
  const pw = await k.run(0x14b, [dupable.handle, TPM_RH.NULL], cat([0, 0], NULL_SYM), [""]);
  assert.notEqual(pw.rc, 0, "the DUP role needs a policy session");
});

Deno.test("Import of a key generated outside any TPM (plain TPM2B_SENSITIVE), then Load and Sign", async () => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
  ]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const unb64 = (s: string) =>
    Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  const pub: TpmtPublic = {
    ...DUPLICABLE,
    objectAttributes: 0x40040,
    unique: unb64(jwk.x!),
    uniqueY: unb64(jwk.y!),
  };
  const sensitive = cat(u16(TPM_ALG.ECC), b2(""), b2(""), b2(unb64(jwk.d!)));
  const pubBytes = encode(TPM2B_PUBLIC, pub);
  const imp = await importObject(
    k,
    srk.handle,
    cat([0, 0], pubBytes, b2(b2(sensitive)), [0, 0], NULL_SYM),
  );
  assert.equal(imp.rc, 0);
  const priv = imp.params.bytes(imp.params.u16());
  const key = await loadImported(k, srk.handle, pub, pubBytes, priv);
  await signAndCheck(k, key);
  // Someone else's private scalar for this public key is TPM_RC_BINDING.
  const other = cat(u16(TPM_ALG.ECC), b2(""), b2(""), b2(new Uint8Array(32).fill(3)));
  const bad = await importObject(
    k,
    srk.handle,
    cat([0, 0], pubBytes, b2(b2(other)), [0, 0], NULL_SYM),
  );
  assert.equal(bad.rc, 0x0a5, "a bare TPM_RC_BINDING, as swtpm");
});

// ---- An outer-wrapped duplicate built outside any TPM, as tpm2_import does with OpenSSL ----

Deno.test('Import of a duplicate wrapped outside the TPM (WebCrypto OAEP "DUPLICATE", KDFa, openssl CFB)', async (t) => {
  const k = await KeyTpm.start();
  const srk = await createPrimary(k, RSA_STORAGE);
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
  ]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const unb64 = (s: string) =>
    Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
  const pub: TpmtPublic = {
    ...DUPLICABLE,
    objectAttributes: 0x40040,
    authPolicy: new Uint8Array(0),
    unique: unb64(jwk.x!),
    uniqueY: unb64(jwk.y!),
  };
  const pubBytes = encode(TPM2B_PUBLIC, pub);
  const name = cat(
    u16(TPM_ALG.SHA256),
    new Uint8Array(await crypto.subtle.digest("SHA-256", pubBytes.slice(2))),
  );
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const b64 = (b: Uint8Array) =>
    btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const parentKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: b64(srk.pub.unique), e: "AQAB" },
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["encrypt"],
  );
  const inSymSeed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "RSA-OAEP", label: new TextEncoder().encode("DUPLICATE\0") },
      parentKey,
      seed,
    ),
  );
  const sensitive = b2(cat(u16(TPM_ALG.ECC), b2(""), b2(""), b2(unb64(jwk.d!))));
  const enc = await opensslCfb(await kdfa(seed, "STORAGE", name, 128), sensitive);
  if (!enc) {
    await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
    return;
  }
  const mac = await hmacSha256(
    await kdfa(seed, "INTEGRITY", new Uint8Array(0), 256),
    cat(enc, name),
  );
  const duplicate = cat(b2(mac), enc);
  const imp = await importObject(
    k,
    srk.handle,
    cat([0, 0], pubBytes, b2(duplicate), b2(inSymSeed), NULL_SYM),
  );
  assert.equal(imp.rc, 0);
  const priv = imp.params.bytes(imp.params.u16());
  const key = await loadImported(k, srk.handle, pub, pubBytes, priv);
  assert.deepEqual(key.name, name, "the TPM computes the same Name");
  await signAndCheck(k, key);
});
