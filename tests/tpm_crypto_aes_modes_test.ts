import assert from "node:assert/strict";
import { openssl } from "./support/openssl.ts";
import { toHex } from "../lib/common/hex.ts";
import { AES_MODE, aesCrypt } from "../lib/tpm/crypto/mod.ts";

const MODES: [number, string, boolean][] = [
  [AES_MODE.CTR, "ctr", false],
  [AES_MODE.OFB, "ofb", false],
  [AES_MODE.CBC, "cbc", true],
  [AES_MODE.ECB, "ecb", true],
  [AES_MODE.CFB, "cfb", false],
];

Deno.test("AES CTR/OFB/CBC/ECB/CFB match `openssl enc` both ways", async (t) => {
  for (const bits of [128, 256]) {
    for (const [mode, name, blocksOnly] of MODES) {
      for (const len of blocksOnly ? [16, 48] : [1, 17, 40]) {
        const key = new Uint8Array(bits / 8).map((_, i) => i * 3 + 1);
        const iv = new Uint8Array(16).map((_, i) => 0xf0 + i);
        const data = new Uint8Array(len).map((_, i) => i * 7);
        const args = ["enc", `-aes-${bits}-${name}`, "-K", toHex(key), "-nopad"];
        if (mode !== AES_MODE.ECB) args.push("-iv", toHex(iv));
        const ref = await openssl(args, data);
        if (!ref) {
          await t.step({ name: "openssl unavailable", ignore: true, fn() {} });
          return;
        }
        const enc = aesCrypt(mode, key, iv, data, false)!;
        assert.equal(toHex(enc.data), toHex(ref), `${name}-${bits} len ${len}`);
        assert.deepEqual(aesCrypt(mode, key, iv, ref, true)!.data, data);
      }
    }
  }
});

Deno.test("AES modes chain through ivOut; CBC/ECB refuse partial blocks", () => {
  const key = new Uint8Array(16).fill(5), iv = new Uint8Array(16).fill(9);
  const data = new Uint8Array(64).map((_, i) => i);
  for (const [mode] of MODES) {
    const whole = aesCrypt(mode, key, iv, data, false)!;
    const a = aesCrypt(mode, key, iv, data.subarray(0, 32), false)!;
    const b = aesCrypt(mode, key, mode === AES_MODE.ECB ? iv : a.ivOut, data.subarray(32), false)!;
    assert.deepEqual([...a.data, ...b.data], [...whole.data], `mode 0x${mode.toString(16)}`);
  }
  assert.equal(aesCrypt(AES_MODE.CBC, key, iv, new Uint8Array(15), false), undefined);
  assert.equal(aesCrypt(AES_MODE.ECB, key, iv, new Uint8Array(17), false), undefined);
  assert.equal(aesCrypt(0x10, key, iv, data, false), undefined);
});
