import assert from "node:assert/strict";
import { Prng } from "../lib/common/prng.ts";
import { bigIntToBytes, generateRsaKey, SeededRandom } from "../lib/tpm/crypto/mod.ts";
import { TPM_ALG, TPM_RH } from "../lib/tpm/constants.ts";
import { encode } from "../lib/tpm/marshal/codec.ts";
import { TPM2B_PUBLIC, type TpmtPublic } from "../lib/tpm/marshal/types.ts";
import { Tpm } from "../lib/tpm/tpm.ts";
import { createHash } from "node:crypto";
import {
  AES_KEY,
  b2,
  buildCommand,
  cat,
  create,
  createParams,
  createPrimary,
  ECC_AK,
  ECC_DECRYPT,
  ECC_SIGN,
  ECC_STORAGE,
  KeyTpm,
  load,
  RSA_DECRYPT,
  SEALED,
  u16,
  u32,
} from "./tpm_keys_client.ts";

/**
 * Mutated commands per run. A long soak sets TPM_KEYS_FUZZ_ROUNDS, e.g.
 * `TPM_KEYS_FUZZ_ROUNDS=200000 deno test -P --allow-env=TPM_KEYS_FUZZ_ROUNDS tests/tpm_keys_hostile_test.ts`.
 */
const ROUNDS = rounds(3000);

function rounds(fallback: number): number {
  const variable = "TPM_KEYS_FUZZ_ROUNDS";
  if (Deno.permissions.querySync({ name: "env", variable }).state !== "granted") return fallback;
  const v = Number(Deno.env.get(variable));
  return Number.isInteger(v) && v > 0 ? v : fallback;
}
const NULL_TICKET = [0x80, 0x24, 0x40, 0, 0, 7, 0, 0];

function wellFormed(rsp: Uint8Array): boolean {
  if (rsp.length < 10) return false;
  const v = new DataView(rsp.buffer, rsp.byteOffset);
  const tag = v.getUint16(0);
  return (tag === 0x8001 || tag === 0x8002 || tag === 0x00c4) && v.getUint32(2) === rsp.length;
}

function mutate(p: Prng, cmd: Uint8Array): Uint8Array {
  const out = cmd.slice();
  switch (p.below(4)) {
    case 0: // truncate, keeping the size field honest sometimes
    {
      const n = p.below(cmd.length);
      const t = out.slice(0, n);
      if (n >= 6 && p.below(2)) new DataView(t.buffer).setUint32(2, n);
      return t;
    }
    case 1: // flip bytes after the header
      for (let i = 0; i < 1 + p.below(4); i++) {
        out[10 + p.below(out.length - 10)] ^= 1 << p.below(8);
      }
      return out;
    case 2: // a size field somewhere set to something large
    {
      const i = 10 + p.below(out.length - 11);
      out[i] = 0xff;
      out[i + 1] = p.below(256);
      return out;
    }
    default: // random tail appended, size patched
    {
      const extra = new Uint8Array(1 + p.below(16));
      p.fill(extra);
      const t = cat(out, extra);
      new DataView(t.buffer).setUint32(2, t.length);
      return t;
    }
  }
}

Deno.test(`key commands: ${ROUNDS} mutated and truncated commands, all answered well-formed, TPM still works`, async () => {
  const k = await KeyTpm.start(3);
  const srk = await createPrimary(k, ECC_STORAGE);
  const signer = await load(k, srk.handle, await create(k, srk.handle, ECC_SIGN));
  const ak = await createPrimary(k, ECC_AK, TPM_RH.ENDORSEMENT);
  const sealed = await create(k, srk.handle, SEALED, "", new Uint8Array([1, 2, 3]));
  const item = await load(k, srk.handle, sealed);
  const rsa = await createPrimary(k, RSA_DECRYPT);
  const ecdh = await createPrimary(k, ECC_DECRYPT);
  const aes = await load(k, srk.handle, await create(k, srk.handle, AES_KEY));
  const baseline = k.tpm.state.objects.transientCount;
  const digest = new Uint8Array(32).fill(9);
  const seeds: Uint8Array[] = [
    buildCommand(0x131, [TPM_RH.OWNER], createParams(ECC_SIGN), [""]),
    buildCommand(0x153, [srk.handle], createParams(SEALED, "", new Uint8Array([5])), [""]),
    buildCommand(0x157, [srk.handle], cat(b2(sealed.priv), sealed.pubBytes), [""]),
    buildCommand(0x167, [], cat([0, 0], signer.pubBytes, u32(TPM_RH.NULL))),
    buildCommand(0x15d, [signer.handle], cat(b2(digest), u16(0x10), NULL_TICKET), [""]),
    buildCommand(0x158, [ak.handle], cat(b2("n"), u16(0x10), u32(1), u16(0xb), [3, 1, 0, 0]), [""]),
    buildCommand(0x148, [srk.handle, ak.handle], cat([0, 0], u16(0x10)), ["", ""]),
    buildCommand(0x15e, [item.handle], new Uint8Array(0), [""]),
    buildCommand(0x174, [rsa.handle], cat(b2("m"), u16(TPM_ALG.OAEP), u16(0xb), [0, 0])),
    buildCommand(0x159, [rsa.handle], cat(b2(new Uint8Array(256).fill(1)), u16(0x10), [0, 0]), [
      "",
    ]),
    buildCommand(0x154, [ecdh.handle], b2(cat(b2(ecdh.pub.unique), b2(ecdh.pub.uniqueY))), [""]),
    buildCommand(0x163, [ecdh.handle], new Uint8Array(0)),
    buildCommand(0x193, [aes.handle], cat(b2("data"), [0], u16(0x43), b2(new Uint8Array(16))), [
      "",
    ]),
    buildCommand(0x168, [srk.handle], cat(b2("cred"), b2(signer.name))),
    buildCommand(0x150, [item.handle, srk.handle], b2("x"), [""]),
  ];
  const p = new Prng(20261130);
  let rejected = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const cmd = mutate(p, seeds[p.below(seeds.length)]);
    const rsp = await k.tpm.execute(cmd);
    assert.ok(wellFormed(rsp), `round ${i}: malformed response`);
    if (new DataView(rsp.buffer, rsp.byteOffset).getUint32(6) !== 0) rejected++;
    // Objects a mutated command happened to create are flushed again.
    for (const h of k.tpm.state.objects.transientHandles().slice(baseline)) {
      k.tpm.state.objects.flush(h);
    }
  }
  assert.deepEqual(k.tpm.internalErrors, [], "no exception escaped a command");
  assert.ok(rejected > ROUNDS / 2, "most mutations are refused");
  // The keys still work.
  const s = await k.run(0x15d, [signer.handle], cat(b2(digest), u16(0x10), NULL_TICKET), [""]);
  assert.equal(s.rc, 0);
  const u = await k.run(0x15e, [item.handle], new Uint8Array(0), [""]);
  assert.equal(u.rc, 0);
  assert.deepEqual(u.params.bytes(u.params.u16()), new Uint8Array([1, 2, 3]));
});

Deno.test("a huge RSA size, an unknown curve, data with sensitiveDataOrigin, a long authValue: their codes", async () => {
  const k = await KeyTpm.start();
  const tooBig = { ...RSA_DECRYPT, keyBits: 4096 };
  let r = await k.run(0x131, [TPM_RH.OWNER], createParams(tooBig), [""], true);
  assert.equal(r.rc, 0x2c4, "TPM_RC_VALUE on parameter 2, as swtpm");
  const p521 = { ...ECC_SIGN, curveID: 0x0005 };
  r = await k.run(0x131, [TPM_RH.OWNER], createParams(p521), [""], true);
  assert.equal(r.rc, 0x2e6, "TPM_RC_CURVE on parameter 2");
  const sealedWithOrigin = { ...SEALED, objectAttributes: SEALED.objectAttributes | 0x20 };
  r = await k.run(0x131, [TPM_RH.OWNER], createParams(sealedWithOrigin, "", new Uint8Array([1])), [
    "",
  ], true);
  assert.equal(r.rc, 0x2c2, "TPM_RC_ATTRIBUTES: data given but sensitiveDataOrigin set");
  const longAuth = "x".repeat(33);
  r = await k.run(0x131, [TPM_RH.OWNER], createParams(ECC_SIGN, longAuth), [""], true);
  assert.equal(r.rc, 0x1d5, "TPM_RC_SIZE on parameter 1: authValue longer than the nameAlg digest");
});

Deno.test("LoadExternal of forged RSA private parts (n = p², shared factors) and NULL-named secrets: codes, no crash", async () => {
  const k = await KeyTpm.start();
  const p = generateRsaKey(
    2048,
    0,
    new SeededRandom(0xb, new Uint8Array(32), "t", new Uint8Array(0), new Uint8Array(0)),
  ).p;
  const third = ((1n << 1024n) - 1n) / 3n;
  const forgeries: [string, bigint, bigint][] = [
    ["n = p²", p * p, p],
    ["p, q share 3", 3n * third * (3n * (third - 1n)), 3n * third],
  ];
  for (const [what, n, prime] of forgeries) {
    const pub = { ...RSA_DECRYPT, objectAttributes: 0x20060, unique: bigIntToBytes(n, 256) };
    const sens = b2(cat(u16(TPM_ALG.RSA), b2(""), b2(""), b2(bigIntToBytes(prime, 128))));
    const r = await k.run(
      0x167,
      [],
      cat(sens, encode(TPM2B_PUBLIC, pub), u32(TPM_RH.NULL)),
      [],
      true,
    );
    assert.equal(r.rc, 0x0a5, `${what}: TPM_RC_BINDING`);
  }
  const nullName = { ...ECC_SIGN, nameAlg: TPM_ALG.NULL, objectAttributes: 0x40060 };
  const sens = b2(cat(u16(TPM_ALG.ECC), b2(""), b2(""), b2(new Uint8Array(32).fill(1))));
  const r = await k.run(
    0x167,
    [],
    cat(sens, encode(TPM2B_PUBLIC, nullName), u32(TPM_RH.NULL)),
    [],
    true,
  );
  assert.equal(r.rc, 0x2c3, "TPM_RC_HASH on parameter 2");
  assert.deepEqual(k.tpm.internalErrors, []);
});

Deno.test("public keys without a Name algorithm: MakeCredential, VerifySignature, CertifyCreation answer codes", async () => {
  const k = await KeyTpm.start();
  const storage = await createPrimary(k, ECC_STORAGE);
  const noName = { ...storage.pub, nameAlg: TPM_ALG.NULL };
  const h = await k.run(
    0x167,
    [],
    cat([0, 0], encode(TPM2B_PUBLIC, noName), u32(TPM_RH.OWNER)),
    [],
    true,
  );
  assert.equal(h.rc, 0);
  const mc = await k.run(0x168, [h.handle], cat(b2("c"), b2(storage.name)));
  assert.equal(mc.rc, 0x183, "TPM_RC_HASH on handle 1");
  const signer = await createPrimary(k, ECC_SIGN);
  const sPub = { ...signer.pub, nameAlg: TPM_ALG.NULL };
  const sh = await k.run(
    0x167,
    [],
    cat([0, 0], encode(TPM2B_PUBLIC, sPub), u32(TPM_RH.OWNER)),
    [],
    true,
  );
  const digest = new Uint8Array(32).fill(1);
  const sig = await k.run(0x15d, [signer.handle], cat(b2(digest), u16(0x10), NULL_TICKET), [""]);
  const v = await k.run(
    0x177,
    [sh.handle],
    cat(b2(digest), sig.params.bytes(sig.params.remaining)),
  );
  assert.equal(v.rc, 0, "verified, with a NULL ticket");
  assert.deepEqual(
    v.params.bytes(v.params.remaining),
    Uint8Array.from([0x80, 0x22, 0x40, 0, 0, 7, 0, 0]),
  );
  const cc = await k.run(
    0x14a,
    [signer.handle, sh.handle],
    cat([0, 0], b2(new Uint8Array(32)), u16(0x10), [0x80, 0x21, 0x40, 0, 0, 1, 0, 0]),
    [""],
  );
  assert.equal(cc.rc, 0x4e0, "TPM_RC_TICKET");
  assert.deepEqual(k.tpm.internalErrors, []);
});

const FORGE_KEY = generateRsaKey(
  2048,
  0,
  new SeededRandom(0xb, new Uint8Array(32), "x", new Uint8Array(0), new Uint8Array(0)),
);

/** A random, often inconsistent, external object: public area and secrets. */
function randomObject(
  p: Prng,
): { pub: TpmtPublic; secret: Uint8Array; seed: Uint8Array; type: number } {
  const pick = <T>(a: T[]) => a[p.below(a.length)];
  const bytes = (n: number) => p.fill(new Uint8Array(n));
  const type = pick([1, 0x23, 8, 0x25]);
  const nameAlg = pick([0x10, 4, 0xb, 0xc, 0xd]);
  let attrs = pick([0x40060, 0x20060, 0x60060, 0x30060, 0x50060, 0x60, 0x40, 0x20]) |
    (p.below(2) ? 0x400 : 0);
  const sym = pick([{ algorithm: 0x10, keyBits: 0, mode: 0 }, {
    algorithm: 6,
    keyBits: 128,
    mode: 0x43,
  }, { algorithm: 6, keyBits: 256, mode: pick([0x40, 0x41, 0x42, 0x43, 0x44, 0x10]) }]);
  const scheme = pick([
    { scheme: 0x10, hashAlg: 0, extra: 0 },
    { scheme: 0x14, hashAlg: 0xb, extra: 0 },
    { scheme: 0x16, hashAlg: 0x4, extra: 0 },
    { scheme: 0x17, hashAlg: 0xd, extra: 0 },
    { scheme: 0x15, hashAlg: 0, extra: 0 },
    { scheme: 0x18, hashAlg: 0xb, extra: 0 },
    { scheme: 0x19, hashAlg: 0xc, extra: 0 },
    { scheme: 5, hashAlg: 0xb, extra: 0 },
  ]);
  let unique: Uint8Array = bytes(pick([0, 1, 32, 48, 128, 256]));
  let uniqueY: Uint8Array = new Uint8Array(0);
  let secret: Uint8Array = bytes(pick([0, 1, 16, 32, 48, 128]));
  const seed = bytes(pick([0, 20, 32, 64]));
  const keyBits = type === 1 ? pick([1024, 2048, 2048, 3072]) : 0;
  const curveID = type === 0x23 ? pick([3, 4, 3]) : 0;
  if (type === 1 && p.below(2)) {
    unique = bigIntToBytes(FORGE_KEY.n, 256);
    secret = bigIntToBytes(pick([FORGE_KEY.p, FORGE_KEY.q, FORGE_KEY.p + 2n]), 128);
  }
  if (type === 0x23) uniqueY = bytes(pick([0, 32, 48]));
  if ((type === 8 || type === 0x25) && p.below(2) && nameAlg !== 0x10) {
    const alg = { 4: "sha1", 0xb: "sha256", 0xc: "sha384", 0xd: "sha512" }[nameAlg as 4]!;
    unique = new Uint8Array(createHash(alg).update(seed).update(secret).digest());
  }
  if (p.below(4) === 0) attrs |= 1 << pick([0, 3, 12, 20]);
  return {
    pub: {
      type,
      nameAlg,
      objectAttributes: attrs,
      authPolicy: bytes(pick([0, 0, 32])),
      symmetric: sym,
      scheme,
      keyBits,
      exponent: pick([0, 0, 3, 65537]),
      curveID,
      kdf: { scheme: 0x10, hashAlg: 0, extra: 0 },
      unique,
      uniqueY,
    },
    secret,
    seed,
    type: pick([type, type, type, 1, 8]),
  };
}

Deno.test(`${ROUNDS / 5} random external objects (LoadExternal) driven through every key command: no escapes`, async () => {
  const tpm = await Tpm.manufacture({
    seed: new Uint8Array(32).fill(9),
    onInternalError: () => {},
  });
  tpm.powerOn();
  const exec = (c: Uint8Array) => tpm.execute(c);
  await exec(Uint8Array.from([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
  const p = new Prng(77);
  const pick = <T>(a: T[]) => a[p.below(a.length)];
  const bytes = (n: number) => p.fill(new Uint8Array(n));
  const rcOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(6);
  const handleOf = (r: Uint8Array) => new DataView(r.buffer, r.byteOffset).getUint32(10);
  let loaded = 0;
  for (let i = 0; i < ROUNDS / 5; i++) {
    const { pub, secret, seed, type } = randomObject(p);
    const withPrivate = p.below(3) !== 0;
    const sens = withPrivate
      ? b2(cat(u16(type), b2(bytes(pick([0, 4]))), b2(seed), b2(secret)))
      : Uint8Array.from([0, 0]);
    const pubBytes = encode(TPM2B_PUBLIC, pub);
    const r = await exec(
      buildCommand(0x167, [], cat(sens, pubBytes, u32(pick([0x40000007, 0x40000001, 0x4000000b])))),
    );
    if (rcOf(r) !== 0) continue;
    loaded++;
    const h = handleOf(r);
    const d32 = new Uint8Array(32).fill(i & 255);
    const cmds = [
      buildCommand(
        0x15d,
        [h],
        cat(
          b2(d32),
          pick([
            u16(0x10),
            cat(u16(0x14), u16(0xb)),
            cat(u16(0x18), u16(0xb)),
            cat(u16(5), u16(0xb)),
          ]),
          [0x80, 0x24, 0x40, 0, 0, 7, 0, 0],
        ),
        [""],
      ),
      buildCommand(0x177, [h], cat(b2(d32), u16(0x14), u16(0xb), b2(bytes(256)))),
      buildCommand(0x177, [h], cat(b2(d32), u16(5), u16(0xb), bytes(32))),
      buildCommand(
        0x174,
        [h],
        cat(
          b2(bytes(pick([1, 100, 256]))),
          pick([u16(0x10), cat(u16(0x17), u16(0xb)), u16(0x15)]),
          b2(pick([new Uint8Array(0), Uint8Array.from([97, 0])])),
        ),
      ),
      buildCommand(
        0x159,
        [h],
        cat(b2(bytes(pick([1, 256]))), pick([u16(0x10), cat(u16(0x17), u16(0xb)), u16(0x15)]), [
          0,
          0,
        ]),
        [""],
      ),
      buildCommand(0x163, [h], new Uint8Array(0)),
      buildCommand(0x154, [h], b2(cat(b2(bytes(32)), b2(bytes(32)))), [""]),
      buildCommand(
        0x193,
        [h],
        cat(
          b2(bytes(pick([0, 5, 16, 33]))),
          [p.below(2)],
          u16(pick([0x10, 0x43, 0x40, 0x44, 0x42])),
          b2(bytes(pick([0, 16]))),
        ),
        [""],
      ),
      buildCommand(0x15e, [h], new Uint8Array(0), [""]),
      buildCommand(0x168, [h], cat(b2(bytes(16)), b2(bytes(34)))),
      buildCommand(0x147, [h, h], cat(b2(bytes(50)), b2(bytes(pick([32, 65, 256])))), ["", ""]),
      buildCommand(
        0x153,
        [h],
        createParams(pick([SEALED, ECC_SIGN]), "", pick([new Uint8Array([1]), undefined])),
        [""],
      ),
      buildCommand(
        0x191,
        [h],
        cat(b2(cat(b2(""), b2(new Uint8Array([1])))), encode(TPM2B_PUBLIC, SEALED)),
        [""],
      ),
      buildCommand(
        0x156,
        [h],
        cat([0, 0], pubBytes, b2(bytes(60)), b2(bytes(pick([0, 68, 256]))), u16(0x10)),
        [""],
      ),
      buildCommand(0x148, [h, h], cat([0, 0], u16(0x10)), ["", ""]),
      buildCommand(0x158, [h], cat([0, 0], u16(0x10), u32(1), u16(0xb), [3, 1, 0, 0]), [""]),
      buildCommand(0x14b, [h, 0x40000007], cat([0, 0], u16(0x10)), [""]),
      buildCommand(0x150, [h, h], b2("x"), [""]),
      buildCommand(
        0x176,
        [h, 0x40000007],
        cat(b2(bytes(16)), b2(bytes(pick([0, 68, 256]))), [0], u16(0x10), u16(0xb)),
      ),
    ];
    for (const c of cmds) await exec(c);
    await exec(Uint8Array.from([0x80, 1, 0, 0, 0, 14, 0, 0, 1, 0x65, ...u32(h)]));
    for (const t of tpm.state.objects.transientHandles()) tpm.state.objects.flush(t);
    for (const s of tpm.state.sessions.all()) tpm.state.sessions.remove(s.handle);
  }

  assert.ok(loaded > ROUNDS / 100, "some objects were accepted and exercised");
  assert.deepEqual(tpm.internalErrors, []);
});
