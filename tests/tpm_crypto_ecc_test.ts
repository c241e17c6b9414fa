import assert from "node:assert/strict";
import { createECDH, randomBytes } from "node:crypto";
import {
  bigIntToBytes,
  bytesToBigInt,
  concat,
  digest,
  type EccCurve,
  eccCurve,
  eccPublicFromPrivate,
  ecdhPoint,
  ecdhZ,
  ecdsaSign,
  ecdsaVerify,
  generateEccKey,
  isOnCurve,
  NIST_P256,
  NIST_P384,
  SeededRandom,
  systemRandom,
} from "../lib/tpm/crypto/mod.ts";

const CASES: [EccCurve, number, string][] = [[NIST_P256, 0x000b, "SHA-256"], [
  NIST_P384,
  0x000c,
  "SHA-384",
]];

function jwkOf(c: EccCurve, d: bigint | undefined, q: { x: bigint; y: bigint }): JsonWebKey {
  const b64 = (v: bigint) =>
    btoa(String.fromCharCode(...bigIntToBytes(v, c.size))).replaceAll("+", "-").replaceAll(
      "/",
      "_",
    ).replace(/=+$/, "");
  return {
    kty: "EC",
    crv: c.webName,
    x: b64(q.x),
    y: b64(q.y),
    ...(d === undefined ? {} : { d: b64(d) }),
  };
}

function fromB64(s: string): bigint {
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  return bytesToBigInt(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
}

Deno.test("curve constants: G on the curve, 1·G = G, n·G = ∞; d·G agrees with node:crypto", () => {
  for (const [c] of CASES) {
    assert.ok(isOnCurve(c, c.g));
    assert.deepEqual(eccPublicFromPrivate(c, 1n), c.g);
    const ecdh = createECDH(c.nodeName);
    for (
      const d of [2n, 15n, 16n, 17n, c.n - 1n, c.n - 16n, bytesToBigInt(randomBytes(c.size)) % c.n]
    ) {
      ecdh.setPrivateKey(bigIntToBytes(d, c.size));
      const pub = new Uint8Array(ecdh.getPublicKey());
      assert.deepEqual(eccPublicFromPrivate(c, d), {
        x: bytesToBigInt(pub.subarray(1, 1 + c.size)),
        y: bytesToBigInt(pub.subarray(1 + c.size)),
      }, `${c.webName} d=${d}`);
    }
    assert.equal(eccPublicFromPrivate(c, c.n), undefined);
    assert.equal(eccPublicFromPrivate(c, 0n), undefined);
    assert.equal(eccCurve(c.curveId), c);
  }
  assert.equal(eccCurve(0x0010), undefined);
});

Deno.test("ECDSA over a digest: ours verified by WebCrypto, WebCrypto's verified by ours", async () => {
  for (const [c, alg, web] of CASES) {
    const key = generateEccKey(c, systemRandom);
    const msg = new TextEncoder().encode(`message for ${c.webName}`);
    const sig = ecdsaSign(c, key.d, digest(alg, msg));
    const pub = await crypto.subtle.importKey(
      "jwk",
      jwkOf(c, undefined, key.q),
      { name: "ECDSA", namedCurve: c.webName },
      false,
      ["verify"],
    );
    const p1363 = concat(bigIntToBytes(sig.r, c.size), bigIntToBytes(sig.s, c.size));
    assert.ok(await crypto.subtle.verify({ name: "ECDSA", hash: web }, pub, p1363, msg));

    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: c.webName }, true, [
      "sign",
      "verify",
    ]);
    const wsig = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: web }, pair.privateKey, msg),
    );
    const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
    const q = { x: fromB64(jwk.x!), y: fromB64(jwk.y!) };
    const ws = {
      r: bytesToBigInt(wsig.subarray(0, c.size)),
      s: bytesToBigInt(wsig.subarray(c.size)),
    };
    assert.ok(ecdsaVerify(c, q, digest(alg, msg), ws));
    // The attacker's edits: another digest, a flipped s, a point off the curve.
    assert.ok(!ecdsaVerify(c, q, digest(alg, msg.subarray(1)), ws));
    assert.ok(!ecdsaVerify(c, q, digest(alg, msg), { r: ws.r, s: ws.s ^ 1n }));
    assert.ok(!ecdsaVerify(c, { x: q.x, y: q.y ^ 1n }, digest(alg, msg), ws));
    assert.ok(!ecdsaVerify(c, q, digest(alg, msg), { r: 0n, s: ws.s }));
  }
});

Deno.test("ECDSA with a digest longer than the curve order uses its leftmost bits", () => {
  const key = generateEccKey(NIST_P256, systemRandom);
  const long = digest(0x000d, new Uint8Array([1, 2, 3]));
  const sig = ecdsaSign(NIST_P256, key.d, long);
  assert.ok(ecdsaVerify(NIST_P256, key.q, long.subarray(0, 32), sig));
});

Deno.test("ECDH: Z equals WebCrypto deriveBits; the full point has the same x", async () => {
  for (const [c] of CASES) {
    const a = generateEccKey(c, systemRandom), b = generateEccKey(c, systemRandom);
    const priv = await crypto.subtle.importKey(
      "jwk",
      jwkOf(c, a.d, a.q),
      { name: "ECDH", namedCurve: c.webName },
      false,
      ["deriveBits"],
    );
    const pub = await crypto.subtle.importKey(
      "jwk",
      jwkOf(c, undefined, b.q),
      { name: "ECDH", namedCurve: c.webName },
      false,
      [],
    );
    const web = new Uint8Array(
      await crypto.subtle.deriveBits({ name: "ECDH", public: pub }, priv, c.size * 8),
    );
    assert.deepEqual(ecdhZ(c, a.d, b.q), web);
    const pt = ecdhPoint(c, a.d, b.q)!;
    assert.deepEqual(bigIntToBytes(pt.x, c.size), web);
    assert.ok(isOnCurve(c, pt));
    assert.deepEqual(ecdhPoint(c, b.d, a.q), pt);
    assert.equal(ecdhZ(c, a.d, { x: b.q.x, y: b.q.y ^ 1n }), undefined, "invalid point refused");
  }
});

Deno.test("ECC keys from a seeded stream are deterministic and in range", () => {
  const seed = new Uint8Array(32).fill(5);
  const mk = (ctx: number) =>
    new SeededRandom(0x000b, seed, "test", new Uint8Array([ctx]), new Uint8Array(0));
  const k1 = generateEccKey(NIST_P256, mk(1));
  assert.deepEqual(generateEccKey(NIST_P256, mk(1)), k1);
  assert.notEqual(generateEccKey(NIST_P256, mk(2)).d, k1.d);
  assert.ok(k1.d >= 1n && k1.d < NIST_P256.n);
  assert.ok(isOnCurve(NIST_P256, k1.q));
});
