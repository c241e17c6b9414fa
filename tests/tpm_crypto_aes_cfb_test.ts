import assert from "node:assert/strict";
import { openssl } from "./support/openssl.ts";
import { fromHex, toHex } from "../lib/common/hex.ts";
import { aesCfbDecrypt, aesCfbEncrypt } from "../lib/tpm/crypto/mod.ts";

// NIST SP 800-38A Appendix F.3.13 (CFB128-AES128.Encrypt), first two blocks.
const KEY = "2b7e151628aed2a6abf7158809cf4f3c";
const IV = "000102030405060708090a0b0c0d0e0f";
const PT = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51";
const CT = "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b";

Deno.test("AES-128-CFB matches the SP 800-38A F.3.13 vector both ways", () => {
  const r = aesCfbEncrypt(fromHex(KEY), fromHex(IV), fromHex(PT));
  assert.equal(toHex(r.data), CT);
  assert.equal(toHex(r.ivOut), CT.slice(32), "ivOut is the last ciphertext block");
  assert.equal(toHex(aesCfbDecrypt(fromHex(KEY), fromHex(IV), fromHex(CT)).data), PT);
});

Deno.test("AES-CFB chains: two calls with ivOut equal one call", () => {
  const key = fromHex("00".repeat(32)), iv = fromHex("11".repeat(16));
  const data = new Uint8Array(64).map((_, i) => i);
  const whole = aesCfbEncrypt(key, iv, data).data;
  const first = aesCfbEncrypt(key, iv, data.subarray(0, 32));
  const second = aesCfbEncrypt(key, first.ivOut, data.subarray(32));
  assert.deepEqual([...first.data, ...second.data], [...whole]);
  assert.throws(() => aesCfbEncrypt(new Uint8Array(15), iv, data), RangeError);
  assert.throws(() => aesCfbEncrypt(key, new Uint8Array(8), data), RangeError);
});

Deno.test("AES-128/256-CFB match `openssl enc` on odd lengths", async (t) => {
  for (const bits of [128, 256]) {
    for (const len of [1, 15, 16, 17, 100]) {
      const key = new Uint8Array(bits / 8).map((_, i) => i * 7 + len);
      const iv = new Uint8Array(16).map((_, i) => 255 - i);
      const data = new Uint8Array(len).map((_, i) => i * 13);
      const ref = await openssl(
        ["enc", `-aes-${bits}-cfb`, "-K", toHex(key), "-iv", toHex(iv), "-nopad"],
        data,
      );
      if (!ref) {
        await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
        return;
      }
      assert.equal(toHex(aesCfbEncrypt(key, iv, data).data), toHex(ref), `${bits}/${len}`);
      assert.deepEqual(aesCfbDecrypt(key, iv, ref).data, data);
    }
  }
});
