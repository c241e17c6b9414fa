import assert from "node:assert/strict";
import { bytes, fromHex, Layout, Prng, toHex, u16, u32, u64, u8 } from "../lib/common/mod.ts";

Deno.test("layout: encode then decode round-trips every kind, little-endian", () => {
  const L = new Layout("t", 24, { a: u8(0), b: u16(2), c: u32(4), d: u64(8), e: bytes(16, 8) });
  const buf = L.encode({
    a: 0x12,
    b: 0x3456,
    c: 0x789abcde,
    d: 0x0102030405060708n,
    e: fromHex("aabb"),
  });
  assert.equal(
    toHex(buf),
    "1200563 4debc9a7808070605040302 01aabb000000000000".replaceAll(" ", ""),
  );
  assert.deepEqual(L.decode(buf), {
    a: 0x12,
    b: 0x3456,
    c: 0x789abcde,
    d: 0x0102030405060708n,
    e: fromHex("aabb000000000000"),
  });
});

Deno.test("layout: overlapping or out-of-range fields are rejected", () => {
  assert.throws(() => new Layout("x", 8, { a: u32(0), b: u32(2) }), /b overlaps a/);
  assert.throws(() => new Layout("x", 8, { a: u64(4) }), /ends past 8/);
});

Deno.test("hex: rejects odd length and bad digits", () => {
  assert.throws(() => fromHex("abc"), /odd length/);
  assert.throws(() => fromHex("zz"), /invalid hex/);
  assert.equal(toHex(fromHex("00ff7A")), "00ff7a");
});

Deno.test("prng: same seed, same sequence; different seed, different sequence", () => {
  const a = new Prng(7), b = new Prng(7), c = new Prng(8);
  const sa = Array.from({ length: 16 }, () => a.nextU32());
  assert.deepEqual(sa, Array.from({ length: 16 }, () => b.nextU32()));
  assert.notDeepEqual(sa, Array.from({ length: 16 }, () => c.nextU32()));
  const r = new Prng(1);
  for (let i = 0; i < 1000; i++) assert.ok(r.below(10) < 10);
});
