import assert from "node:assert/strict";
import { checkPrimeSync, constants, createPublicKey, publicEncrypt } from "node:crypto";
import {
  bytesToBigInt,
  digest,
  generateRsaKey,
  millerRabin,
  rsaDecrypt,
  rsaEncrypt,
  rsaKeyFromPrime,
  rsaPrivateJwk,
  type RsaPrivateKey,
  rsaPublicKey,
  rsaSign,
  rsaVerify,
  SeededRandom,
  systemRandom,
} from "../lib/tpm/crypto/mod.ts";

const enc = new TextEncoder();
const seeded = (seed: number, ctx = "template") =>
  new SeededRandom(
    0x000b,
    new Uint8Array(32).fill(seed),
    "Primary Object Creation",
    enc.encode(ctx),
    new Uint8Array(0),
  );

// One derived 2048-bit key shared by the tests below (derivation costs tens of ms).
const KEY: RsaPrivateKey = generateRsaKey(2048, 0, seeded(1));

function publicJwk(k: RsaPrivateKey): JsonWebKey {
  const { n, e } = rsaPrivateJwk(k);
  return { kty: "RSA", n, e };
}

Deno.test("Miller–Rabin: primes pass; composites, Carmichael and base-2 pseudoprimes fail", () => {
  for (const p of [5n, 7919n, 1000003n, (1n << 127n) - 1n]) assert.ok(millerRabin(p, 2n), `${p}`);
  assert.ok(!millerRabin(561n, 2n), "Carmichael number 561");
  assert.ok(millerRabin(2047n, 2n), "2047 = 23·89 is a strong pseudoprime to base 2");
  assert.ok(!millerRabin(2047n, 3n), "… but base 3 exposes it");
  assert.ok(!millerRabin(1000001n, 2n));
});

Deno.test("derived RSA-2048 key: p·q = n, primes probable, exact size, CRT values consistent", () => {
  const k = KEY;
  assert.equal(k.p * k.q, k.n);
  assert.equal(k.n.toString(2).length, 2048);
  assert.equal(k.size, 256);
  assert.equal(k.e, 65537n);
  assert.ok(checkPrimeSync(k.p) && checkPrimeSync(k.q), "node:crypto agrees both are prime");
  assert.equal((k.e * k.d) % ((k.p - 1n) * (k.q - 1n) / gcd(k.p - 1n, k.q - 1n)), 1n);
  assert.equal((k.qi * k.q) % k.p, 1n);
  assert.deepEqual(rsaKeyFromPrime(k.n, 0, k.p), k);
  assert.equal(rsaKeyFromPrime(k.n, 0, k.p + 2n), undefined, "a wrong prime is refused");
});

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

Deno.test("same seed ⇒ same key; another seed or template ⇒ another key", () => {
  assert.deepEqual(generateRsaKey(2048, 0, seeded(1)), KEY);
  assert.notEqual(generateRsaKey(2048, 0, seeded(2)).n, KEY.n);
  assert.notEqual(generateRsaKey(2048, 0, seeded(1, "other")).n, KEY.n);
});

Deno.test("RSASSA-PKCS1-v1_5 and RSA-PSS signatures over a digest verify in WebCrypto", async () => {
  const msg = enc.encode("signed by the vTPM");
  const hash = digest(0x000b, msg);
  for (
    const [scheme, name, params] of [
      ["rsassa", "RSASSA-PKCS1-v1_5", { name: "RSASSA-PKCS1-v1_5" }],
      ["rsapss", "RSA-PSS", { name: "RSA-PSS", saltLength: 32 }],
    ] as const
  ) {
    const sig = rsaSign(KEY, scheme, 0x000b, hash)!;
    const pub = await crypto.subtle.importKey(
      "jwk",
      publicJwk(KEY),
      { name, hash: "SHA-256" },
      false,
      ["verify"],
    );
    assert.ok(await crypto.subtle.verify(params, pub, new Uint8Array(sig), msg), scheme);
    assert.ok(rsaVerify(KEY, scheme, 0x000b, hash, sig));
    const bad = sig.slice();
    bad[10] ^= 1;
    assert.ok(!rsaVerify(KEY, scheme, 0x000b, hash, bad));
    assert.ok(!rsaVerify(KEY, scheme, 0x000b, digest(0x000b, bad), sig));
  }
  assert.equal(rsaSign(KEY, "rsassa", 0x000b, new Uint8Array(20)), undefined, "wrong digest size");
});

Deno.test("WebCrypto signatures verify with ours (PSS with another salt length too)", async () => {
  const priv = await crypto.subtle.importKey(
    "jwk",
    { ...rsaPrivateJwk(KEY), kty: "RSA" },
    { name: "RSA-PSS", hash: "SHA-384" },
    false,
    ["sign"],
  );
  const msg = enc.encode("m");
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "RSA-PSS", saltLength: 20 }, priv, msg),
  );
  assert.ok(rsaVerify(KEY, "rsapss", 0x000c, digest(0x000c, msg), sig));
});

Deno.test("RSA-OAEP with a TPM label interoperates with WebCrypto both ways", async () => {
  const label = enc.encode("IDENTITY\0");
  const secret = new Uint8Array(32).fill(0x42);
  const ct = rsaEncrypt(KEY, "oaep", 0x000b, secret, label)!;
  const priv = await crypto.subtle.importKey(
    "jwk",
    { ...rsaPrivateJwk(KEY), kty: "RSA" },
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["decrypt"],
  );
  const pt = await crypto.subtle.decrypt({ name: "RSA-OAEP", label }, priv, new Uint8Array(ct));
  assert.deepEqual(new Uint8Array(pt), secret);
  const pub = await crypto.subtle.importKey(
    "jwk",
    publicJwk(KEY),
    { name: "RSA-OAEP", hash: "SHA-256" },
    false,
    ["encrypt"],
  );
  const wct = new Uint8Array(await crypto.subtle.encrypt({ name: "RSA-OAEP", label }, pub, secret));
  assert.deepEqual(rsaDecrypt(KEY, "oaep", 0x000b, wct, label), secret);
  assert.equal(rsaDecrypt(KEY, "oaep", 0x000b, wct, enc.encode("DUPLICATE\0")), undefined);
  const tampered = wct.slice();
  tampered[100] ^= 0x80;
  assert.equal(rsaDecrypt(KEY, "oaep", 0x000b, tampered, label), undefined);
});

Deno.test("RSAES-PKCS1-v1_5 and the unpadded NULL scheme round-trip; node's PKCS1 decrypts", () => {
  const m = enc.encode("hello");
  assert.deepEqual(rsaDecrypt(KEY, "rsaes", 0x000b, rsaEncrypt(KEY, "rsaes", 0x000b, m, m)!, m), m);
  const nodeCt = publicEncrypt(
    {
      key: createPublicKey({ key: publicJwk(KEY) as Record<string, string>, format: "jwk" }),
      padding: constants.RSA_PKCS1_PADDING,
    },
    m,
  );
  assert.deepEqual(rsaDecrypt(KEY, "rsaes", 0x000b, new Uint8Array(nodeCt), m), m);
  const raw = rsaEncrypt(KEY, "null", 0x000b, m, new Uint8Array(0))!;
  assert.equal(
    bytesToBigInt(rsaDecrypt(KEY, "null", 0x000b, raw, new Uint8Array(0))!),
    bytesToBigInt(m),
  );
  const tooBig = new Uint8Array(256).fill(0xff);
  assert.equal(rsaEncrypt(KEY, "null", 0x000b, tooBig, new Uint8Array(0)), undefined);
  assert.equal(
    rsaEncrypt(rsaPublicKey(KEY.n, 0), "oaep", 0x000b, new Uint8Array(200), m),
    undefined,
  );
});

Deno.test("fresh (non-seeded) RSA-1024 keys generate and sign", () => {
  const k = generateRsaKey(1024, 3, systemRandom);
  assert.equal(k.e, 3n);
  const h = digest(0x0004, enc.encode("x"));
  assert.ok(rsaVerify(k, "rsassa", 0x0004, h, rsaSign(k, "rsassa", 0x0004, h)!));
  assert.throws(() => generateRsaKey(1000, 0, systemRandom), RangeError);
  assert.throws(() => generateRsaKey(2048, 4, systemRandom), RangeError);
});
