import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import {
  concat,
  digest,
  hmac,
  kdfa,
  kdfe,
  SeededRandom,
  xorObfuscate,
} from "../lib/tpm/crypto/mod.ts";

const enc = new TextEncoder();

// Independent references: WebCrypto HMAC / digest, and the formulas of
// TCG TPM 2.0 Part 1 §11.4.10.2 (KDFa) and §11.4.10.3 (KDFe) written out.
async function webHmac(
  hash: string,
  key: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, data));
}

function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v);
  return b;
}

Deno.test("KDFa equals SP800-108 counter-mode HMAC computed by WebCrypto", async () => {
  const key = new Uint8Array(
    fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"),
  );
  const u = enc.encode("context-U"), v = enc.encode("context-V");
  for (const [alg, name] of [[0x000b, "SHA-256"], [0x0004, "SHA-1"]] as const) {
    for (const bits of [128, 256, 520, 1024]) {
      let expected: Uint8Array<ArrayBuffer> = new Uint8Array(0);
      for (let i = 1; expected.length * 8 < bits; i++) {
        const block = await webHmac(
          name,
          key,
          concat(u32(i), enc.encode("STORAGE\0"), u, v, u32(bits)),
        );
        expected = concat(expected, block);
      }
      assert.equal(
        toHex(kdfa(alg, key, "STORAGE", u, v, bits)),
        toHex(expected.slice(0, bits / 8)),
        `${name} ${bits}`,
      );
    }
  }
});

Deno.test("KDFa: a label already ending in zero is not extended; odd bit counts mask the top", () => {
  const key = new Uint8Array(32).fill(9);
  assert.deepEqual(
    kdfa(0x000b, key, "XOR", undefined, undefined, 64),
    kdfa(0x000b, key, enc.encode("XOR\0"), undefined, undefined, 64),
  );
  const odd = kdfa(0x000b, key, "A", undefined, undefined, 12);
  assert.equal(odd.length, 2);
  assert.ok(odd[0] < 16, "only the low 4 bits of the first octet survive");
  assert.throws(() => kdfa(0x000b, key, "A", undefined, undefined, 0), RangeError);
});

Deno.test("KDFe equals the SP800-56A concatenation KDF computed by WebCrypto digest", async () => {
  const z = fromHex("aa".repeat(32)), pu = fromHex("bb".repeat(32)), pv = fromHex("cc".repeat(32));
  let expected: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  for (let i = 1; expected.length < 48; i++) {
    const block = await crypto.subtle.digest(
      "SHA-256",
      concat(u32(i), z, enc.encode("SECRET\0"), pu, pv),
    );
    expected = concat(expected, new Uint8Array(block));
  }
  assert.equal(toHex(kdfe(0x000b, z, "SECRET", pu, pv, 384)), toHex(expected.slice(0, 48)));
});

Deno.test("hash and HMAC match WebCrypto for every TPM hash", async () => {
  const data = enc.encode("The quick brown fox");
  const key = new Uint8Array(enc.encode("key"));
  for (const [alg, name] of [[4, "SHA-1"], [0xb, "SHA-256"], [0xc, "SHA-384"], [0xd, "SHA-512"]]) {
    const web = new Uint8Array(await crypto.subtle.digest(name as string, data));
    assert.deepEqual(digest(alg as number, data.subarray(0, 5), data.subarray(5)), web);
    assert.deepEqual(hmac(alg as number, key, data), await webHmac(name as string, key, data));
  }
});

Deno.test('XOR obfuscation is data ⊕ KDFa("XOR") and undoes itself', () => {
  const key = enc.encode("session-key"), u = new Uint8Array(32).fill(1), v = new Uint8Array(32);
  const data = enc.encode("parameter bytes!");
  const masked = xorObfuscate(0x000b, key, u, v, data);
  const mask = kdfa(0x000b, key, "XOR", u, v, data.length * 8);
  assert.deepEqual(masked, data.map((b, i) => b ^ mask[i]));
  assert.deepEqual(xorObfuscate(0x000b, key, u, v, masked), data);
  assert.equal(xorObfuscate(0x000b, key, u, v, new Uint8Array(0)).length, 0);
});

Deno.test("SeededRandom: same seed and context repeat; any change diverges", () => {
  const seed = new Uint8Array(32).fill(3);
  const mk = (s: Uint8Array, ctx: string) =>
    new SeededRandom(0x000b, s, "Primary Object Creation", enc.encode(ctx), new Uint8Array(0));
  const a = mk(seed, "t"), b = mk(seed, "t");
  assert.deepEqual(a.bytes(40), b.bytes(40));
  assert.deepEqual(a.bytes(8), b.bytes(8));
  assert.notDeepEqual(mk(seed, "t").bytes(16), mk(seed, "u").bytes(16));
  const other = seed.slice();
  other[0] ^= 1;
  assert.notDeepEqual(mk(seed, "t").bytes(16), mk(other, "t").bytes(16));
  const c = mk(seed, "t");
  c.bytes(16);
  assert.notDeepEqual(c.bytes(16), mk(seed, "t").bytes(16), "successive requests differ");
});
