import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { toHex } from "../lib/common/hex.ts";
import { Prng } from "../lib/common/prng.ts";
import { digest, hmac } from "../lib/tpm/crypto/hash.ts";
import { sha256 } from "../lib/tpm/crypto/sha256.ts";

const enc = new TextEncoder();
const SHA1 = 0x0004, SHA256 = 0x000b, SHA384 = 0x000c, SHA512 = 0x000d;
const NAMES: Record<number, string> = {
  [SHA1]: "sha1",
  [SHA256]: "sha256",
  [SHA384]: "sha384",
  [SHA512]: "sha512",
};

function nodeDigest(name: string, parts: Uint8Array[]): string {
  const h = createHash(name);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** `data` cut into `cuts` pieces at random points (empty pieces included). */
function split(prng: Prng, data: Uint8Array, cuts: number): Uint8Array[] {
  const at = Array.from({ length: cuts }, () => prng.below(data.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const a of [...at, data.length]) {
    out.push(data.subarray(prev, a));
    prev = a;
  }
  return out;
}

Deno.test("sha256: FIPS 180-4 example vectors (one and two blocks, and the million a's)", () => {
  assert.equal(
    toHex(sha256(enc.encode("abc"))),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(
    toHex(sha256(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.equal(
    toHex(sha256(new Uint8Array(1_000_000).fill(0x61))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("sha256: equals node:crypto for every length 0..300, in random pieces", () => {
  const prng = new Prng(7);
  for (let n = 0; n <= 300; n++) {
    const data = prng.fill(new Uint8Array(n));
    const parts = split(prng, data, n % 4);
    assert.equal(toHex(sha256(...parts)), nodeDigest("sha256", [data]), `length ${n}`);
  }
});

Deno.test("digest and hmac: equal node:crypto for every bank, short and long inputs, long keys", () => {
  const prng = new Prng(11);
  for (const alg of [SHA1, SHA256, SHA384, SHA512]) {
    for (const n of [0, 1, 55, 56, 64, 100, 255, 256, 257, 1024, 4000]) {
      const data = prng.fill(new Uint8Array(n));
      const parts = split(prng, data, 3);
      assert.equal(toHex(digest(alg, ...parts)), nodeDigest(NAMES[alg], [data]), `digest ${n}`);
      for (const keyLen of [0, 20, 64, 65, 128, 200]) {
        const key = prng.fill(new Uint8Array(keyLen));
        const want = createHmac(NAMES[alg], key).update(data).digest("hex");
        assert.equal(toHex(hmac(alg, key, ...parts)), want, `hmac ${n}, key ${keyLen}`);
      }
    }
  }
});
