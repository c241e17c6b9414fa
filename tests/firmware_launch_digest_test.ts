import assert from "node:assert/strict";
import { fromHex, toHex } from "../lib/common/hex.ts";
import {
  LaunchDigest,
  measureLaunch,
  PAGE_INFO,
  PageType,
  parseLaunchDescription,
} from "../lib/snp/firmware/mod.ts";
import { pageInfo } from "../lib/snp/firmware/launch_digest.ts";
import { VMSA_LAUNCH_GPA } from "../lib/snp/constants.ts";

const vec = (name: string) => new URL(`./vectors/launch-digest/${name}`, import.meta.url);
const ovmf = Deno.readFileSync(vec("ovmf_AmdSev_suffix.bin"));
interface TraceStep {
  page_type: number;
  gpa: string;
  contents: string;
  ld_after: string;
}
const trace = JSON.parse(Deno.readTextFileSync(vec("trace_snp_1vcpu_epycv4_gf1.json"))) as {
  initial_ld: string;
  final_ld: string;
  updates: TraceStep[];
};

Deno.test("PAGE_INFO: offsets of snp-abi.md §6.1", () => {
  const f = PAGE_INFO.fields;
  assert.equal(PAGE_INFO.size, 0x70);
  assert.deepEqual(
    [f.digestCur.offset, f.contents.offset, f.length.offset, f.pageType.offset],
    [0x00, 0x30, 0x60, 0x62],
  );
  assert.deepEqual(
    [f.imiPage.offset, f.vmpl3Perms.offset, f.vmpl1Perms.offset, f.gpa.offset],
    [0x63, 0x64, 0x66, 0x68],
  );
});

Deno.test("launch digest vector 1: one NORMAL OVMF page at 4 GiB - 4 KiB", () => {
  const ld = new LaunchDigest();
  const out = ld.update({ type: PageType.NORMAL, gpa: 0xfffff000, data: ovmf });
  assert.equal(
    toHex(out),
    "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74",
  );
  assert.equal(
    toHex(PAGE_INFO.get(
      pageInfo(new Uint8Array(48), {
        type: PageType.NORMAL,
        gpa: 0xfffff000,
        data: ovmf,
      }),
      "contents",
    )),
    trace.updates[0].contents,
  );
});

Deno.test("launch digest vector 2: every intermediate digest of the 33-update trace", () => {
  const updates = trace.updates.map((u) => ({
    type: u.page_type as PageType,
    gpa: parseInt(u.gpa, 16),
    data: u.page_type === PageType.NORMAL ? ovmf : undefined,
    contents: u.page_type === PageType.NORMAL ? undefined : fromHex(u.contents),
  }));
  const steps = measureLaunch(updates, fromHex(trace.initial_ld));
  assert.equal(steps.length, 33);
  steps.forEach((d, i) => assert.equal(toHex(d), trace.updates[i].ld_after, `update ${i}`));
  assert.equal(toHex(steps[32]), trace.final_ld);
});

Deno.test("VMSA pages are measured at 0xFFFFFFFFF000 whatever GPA is given", () => {
  const contents = fromHex(trace.updates[32].contents);
  const a = pageInfo(new Uint8Array(48), { type: PageType.VMSA, gpa: 0x1000, contents });
  const b = pageInfo(new Uint8Array(48), { type: PageType.VMSA, gpa: 0x2000, contents });
  assert.deepEqual(a, b);
  assert.equal(VMSA_LAUNCH_GPA, 0xfffffffff000);
  assert.equal(PAGE_INFO.get(a, "gpa"), 0xfffffffff000n);
});

Deno.test("launch digest: each input field changes the digest", () => {
  const base = { type: PageType.NORMAL, gpa: 0x1000, data: ovmf } as const;
  const d0 = toHex(measureLaunch([base])[0]);
  const page2 = ovmf.slice();
  page2[100] ^= 1;
  assert.notEqual(toHex(measureLaunch([{ ...base, gpa: 0x2000 }])[0]), d0);
  assert.notEqual(toHex(measureLaunch([{ ...base, data: page2 }])[0]), d0);
  assert.notEqual(toHex(measureLaunch([base], new Uint8Array(48).fill(1))[0]), d0);
  const z = toHex(measureLaunch([{ type: PageType.ZERO, gpa: 0x1000 }])[0]);
  const u = toHex(measureLaunch([{ type: PageType.UNMEASURED, gpa: 0x1000 }])[0]);
  assert.notEqual(z, u);
});

Deno.test("launch description: hostile input is refused with a located message", () => {
  const bad: [unknown, RegExp][] = [
    [[], /must be an object/],
    [{}, /'updates' must be an array/],
    [{ updates: [{ type: "BOGUS", gpa: "0x0" }] }, /updates\[0\]\.type/],
    [{ updates: [{ type: "ZERO", gpa: "0x1001" }] }, /page-aligned/],
    [{ updates: [{ type: "ZERO", gpa: 4096 }] }, /hex string/],
    [{ updates: [{ type: "ZERO", gpa: "0x10000000000000" }] }, /beyond the 52-bit/],
    [{ updates: [{ type: "ZERO", gpa: "0xfffffffffffff000" }] }, /beyond the 52-bit/],
    [{ updates: [{ type: "NORMAL", gpa: "0x0" }] }, /needs 4096 bytes/],
    [{ updates: [{ type: "NORMAL", gpa: "0x0", data: "00" }] }, /8192 hex/],
    [{ updates: [{ type: "ZERO", gpa: "0x0", contents: "11".repeat(48) }] }, /must be zero/],
    [{ updates: [{ type: "ZERO", gpa: "0x0", data: "00".repeat(4096) }] }, /carry data/],
    [{ seed: "zz".repeat(48), updates: [] }, /seed: invalid hex/],
  ];
  for (const [json, re] of bad) assert.throws(() => parseLaunchDescription(json), re);
  const top = parseLaunchDescription({ updates: [{ type: "ZERO", gpa: "0x000ffffffffff000" }] });
  assert.equal(top.updates[0].gpa, 2 ** 52 - 4096, "the highest page; leading zeros are fine");
});
