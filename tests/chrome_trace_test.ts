// lib/snp/chrome_trace.ts: a real machine trace converts to a valid Chrome/Perfetto trace.
import assert from "node:assert/strict";
import {
  type ChromeTrace,
  type ChromeTraceEvent,
  chromeTraceJson,
  HOST_LANE_TID,
  toChromeTrace,
  vcpuLane,
} from "../lib/snp/chrome_trace.ts";
import { Trace } from "../lib/snp/mod.ts";
import { requestAttestation } from "../lib/guest/attest.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { createVm, launch } from "../examples/vm.ts";
import { tpmCommandName } from "../examples/tss.ts";
import { boot } from "../examples/boot.ts";

/** The format's required fields, slice durations, B/E balance, nesting, lane names. */
function assertValid(t: ChromeTrace, vcpus: number): void {
  assert.ok(Array.isArray(t.traceEvents) && t.traceEvents.length > 0);
  const open = new Map<number, number>();
  const stacks = new Map<number, ChromeTraceEvent[]>();
  for (const e of t.traceEvents) {
    assert.equal(typeof e.name, "string", JSON.stringify(e));
    assert.ok(["X", "B", "E", "i", "M"].includes(e.ph), JSON.stringify(e));
    for (const k of ["ts", "pid", "tid"] as const) {
      assert.ok(Number.isFinite(e[k]), `${k} in ${JSON.stringify(e)}`);
    }
    if (e.ph === "X") assert.ok(Number.isFinite(e.dur) && e.dur! >= 0, JSON.stringify(e));
    const phase = e.ph as string;
    if (phase === "B") open.set(e.tid, (open.get(e.tid) ?? 0) + 1);
    if (phase === "E") open.set(e.tid, (open.get(e.tid) ?? 0) - 1);
    if (e.ph !== "X") continue;
    // Slices on one lane must nest: each starts inside every open one and ends before it.
    const stack = stacks.get(e.tid) ?? [];
    while (stack.length && stack.at(-1)!.ts + stack.at(-1)!.dur! <= e.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) {
      assert.ok(e.ts + e.dur! <= parent.ts + parent.dur!, `${e.name} crosses ${parent.name}`);
    }
    stack.push(e);
    stacks.set(e.tid, stack);
  }
  for (const [tid, n] of open) assert.equal(n, 0, `B/E unbalanced on tid ${tid}`);
  const names = t.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name");
  for (let v = 0; v < vcpus; v++) {
    assert.ok(names.some((e) => e.tid === vcpuLane(v) && e.args?.name === `vCPU ${v}`));
  }
  assert.ok(t.traceEvents.some((e) => e.ph === "M" && e.name === "process_name"));
}

Deno.test("chrome trace: a booted, attesting VM gives a valid trace with every slice kind", async () => {
  const vm = await createVm({
    seed: 5,
    vcpus: 2,
    memMiB: 8,
    trace: true,
    main: async (os, cpu) => {
      await os.startAp(cpu, 1);
      const tpm = await TpmSvsm.probe(os, cpu, { commandName: tpmCommandName });
      await tpm.transmit(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
      await requestAttestation(os, cpu, new Uint8Array(64));
    },
  });
  launch(vm);
  assert.equal((await vm.host.run()).status, "finished");
  const trace = JSON.parse(chromeTraceJson(vm.machine.trace.events, { vcpus: 2 })) as ChromeTrace;
  assertValid(trace, 2);
  const slices = trace.traceEvents.filter((e) => e.ph === "X");
  const has = (re: RegExp, tid?: number) =>
    slices.some((e) => re.test(e.name) && (tid === undefined || e.tid === tid));
  assert.ok(has(/^VMPL0$/, vcpuLane(0)) && has(/^VMPL2$/, vcpuLane(0)), "VMPL runs");
  assert.ok(has(/^VMPL0$/, vcpuLane(1)), "the AP's lane");
  assert.ok(has(/^core\/CREATE_VCPU → SUCCESS$/), "SVSM call with its result");
  assert.ok(has(/^attest\/SERVICES → INVALID_PARAMETER$/), "the too-small first try");
  assert.ok(has(/^attest\/SERVICES → SUCCESS$/));
  assert.ok(has(/^vtpm\/CMD → SUCCESS$/));
  assert.ok(has(/^TPM2_Startup$/), "TPM command");
  assert.ok(has(/^SNP_GUEST_REQUEST$/), "firmware command on a vCPU lane");
  assert.ok(has(/^SNP_LAUNCH$/, HOST_LANE_TID), "launch on the host lane");
  assert.ok(trace.traceEvents.some((e) => e.ph === "i" && e.name === "VMGEXIT"));
});

Deno.test("chrome trace: faults and #VC are instants; crossing slices are split, not dropped", () => {
  const t = new Trace();
  t.begin(0, 0, "run", "VMPL0");
  t.begin(0, 0, "call", "attest/SERVICES");
  t.end(0, 0, "run", "VMPL0", "VMGEXIT"); // the SVSM exits to the host mid-call
  t.begin(0, 0, "firmware", "SNP_GUEST_REQUEST");
  t.end(0, 0, "firmware", "SNP_GUEST_REQUEST", "status 0x0");
  t.begin(0, 0, "run", "VMPL0");
  t.end(0, 0, "call", "attest/SERVICES", "SUCCESS");
  t.instant(0, 0, "vc", "#VC", "0x404");
  t.instant(0, 0, "fault", "#NPF", "RMP");
  t.end(0, 0, "run", "VMPL0", "HLT");
  t.begin(1, 2, "run", "VMPL2"); // never ends: drawn to the end of the trace
  const c = toChromeTrace(t.events);
  assertValid(c, 2);
  const calls = c.traceEvents.filter((e) => e.cat === "call");
  assert.equal(calls.length, 2, "the call is split around the run it crossed");
  assert.equal(calls.filter((e) => e.args?.continued === true).length, 1);
  assert.ok(calls.some((e) => e.name === "attest/SERVICES → SUCCESS"));
  const instants = c.traceEvents.filter((e) => e.ph === "i");
  assert.deepEqual(instants.map((e) => [e.name, e.cat, e.s]), [
    ["#VC", "vc", "t"],
    ["#NPF", "fault", "t"],
  ]);
  const unfinished = c.traceEvents.find((e) => e.tid === vcpuLane(1) && e.ph === "X");
  assert.equal(unfinished?.args?.result, "unfinished");
});

Deno.test("chrome trace: an end without its begin is ignored; the same events give the same file", () => {
  const t = new Trace();
  t.end(0, 2, "run", "VMPL2", "VMGEXIT");
  t.instant(-1, -1, "terminate", "terminate", "done");
  const a = chromeTraceJson(t.events, { vcpus: 1 });
  assert.equal(a, chromeTraceJson(t.events, { vcpus: 1 }));
  const c = JSON.parse(a) as ChromeTrace;
  assertValid(c, 1);
  assert.equal(c.traceEvents.filter((e) => e.ph === "X").length, 0);
  assert.equal(c.traceEvents.find((e) => e.ph === "i")?.tid, HOST_LANE_TID);
});

Deno.test("chrome trace: the example boot shows SVSM calls on every vCPU's lane", async () => {
  const { summary, machine } = await boot({
    seed: 2,
    vcpus: 3,
    memMiB: 52,
    quiet: true,
    trace: true,
  });
  assert.equal(summary.quoteValid, true);
  const trace = toChromeTrace(machine.trace.events, { vcpus: 3 });
  assertValid(trace, 3);
  for (let v = 0; v < 3; v++) {
    assert.ok(
      trace.traceEvents.some((e) => e.tid === vcpuLane(v) && /^core\/PVALIDATE/.test(e.name)),
      `PVALIDATE served on vCPU ${v}`,
    );
  }
});
