import assert from "node:assert/strict";
import {
  Backtrace,
  formatFrame,
  KernelStack,
  PanicHandler,
  SvsmPanic,
} from "../lib/svsm/debug/mod.ts";
import { wipeVmpcks } from "../lib/svsm/debug/panic.ts";
import { frameFile } from "../lib/svsm/debug/stacktrace.ts";

Deno.test("stack: frames push and pop with `using`, innermost first", () => {
  const stack = new KernelStack(2);
  const inner = (): string[] => {
    using _f = stack.frame("protocols::core", "core_pvalidate_one", 180);
    return stack.backtrace().lines();
  };
  const outer = (): string[] => {
    using _f = stack.frame("requests", "request_loop", 42);
    return inner();
  };
  assert.deepEqual(outer(), [
    "  [#0] protocols::core::core_pvalidate_one (protocols/core.ts:180)",
    "  [#1] requests::request_loop (requests.ts:42)",
  ]);
  assert.equal(stack.depth, 0);
  assert.deepEqual(stack.backtrace().lines(), ["  (no kernel frames)"]);
});

Deno.test("stack: `using` pops on exceptions and stays put across await", async () => {
  const stack = new KernelStack(0);
  const failing = () => {
    using _f = stack.frame("mm::alloc", "allocate_page", 9);
    throw new Error("boom");
  };
  assert.throws(failing, /boom/);
  assert.equal(stack.depth, 0);
  const slow = async (): Promise<string[]> => {
    using _f = stack.frame("svsm", "svsm_main", 1);
    await new Promise((r) => setTimeout(r, 1));
    return stack.backtrace().names();
  };
  assert.deepEqual(await slow(), ["svsm::svsm_main"]);
  assert.equal(stack.depth, 0);
});

Deno.test("stack: underflow is an error, push/pop pair by hand", () => {
  const stack = new KernelStack(1);
  assert.throws(() => stack.pop(), RangeError);
  stack.push("cpu::idt", "handle_exception", 5);
  assert.equal(stack.backtrace().cpuId, 1);
  stack.pop();
  assert.equal(stack.depth, 0);
});

Deno.test("stack: guarded regions nest and end with their block", () => {
  const stack = new KernelStack(0);
  assert.ok(!stack.isInGuardedRegion());
  {
    using _g = stack.guard();
    {
      using _h = stack.guard();
      assert.ok(stack.isInGuardedRegion());
    }
    assert.ok(stack.isInGuardedRegion());
  }
  assert.ok(!stack.isInGuardedRegion());
});

Deno.test("backtrace: frame file comes from the module path", () => {
  assert.equal(
    formatFrame({ module: "cpu::percpu", function: "this_cpu", line: 7 }, 3),
    "  [#3] cpu::percpu::this_cpu (cpu/percpu.ts:7)",
  );
  assert.equal(new Backtrace(0, []).toString(), "  (no kernel frames)");
});

Deno.test("backtrace: every kernel frame names its own file and the line it is pushed on", () => {
  const root = new URL("../lib/svsm/", import.meta.url);
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of Deno.readDirSync(new URL(dir, root))) {
      if (e.isDirectory) walk(`${dir}${e.name}/`);
      else if (e.name.endsWith(".ts")) files.push(`${dir}${e.name}`);
    }
  };
  walk("");
  let frames = 0;
  for (const file of files) {
    const lines = Deno.readTextFileSync(new URL(file, root)).split("\n");
    lines.forEach((text, i) => {
      if (text.trimStart().startsWith("*")) return; // JSDoc examples
      const m = text.match(/\.frame\("([^"]+)", [^,]+, (\d+)\)/);
      if (m === null) return;
      frames++;
      assert.equal(frameFile(m[1]), file, `${file}:${i + 1} names module ${m[1]}`);
      assert.equal(Number(m[2]), i + 1, `${file}:${i + 1} says line ${m[2]}`);
    });
  }
  assert.ok(frames >= 8, `found ${frames} frame pushes`);
});

/** A panic handler over a filled secrets page, recording what it does. */
function harness() {
  const secrets = new Uint8Array(4096).fill(0xa5);
  const terminated: SvsmPanic[] = [];
  const log: string[] = [];
  const panics = new PanicHandler({
    secretsPage: () => secrets,
    terminate: (p) => {
      // Termination comes after the wipe: the keys must already be gone.
      assert.ok(secrets.subarray(0x20, 0xa0).every((b) => b === 0));
      terminated.push(p);
    },
    log: (line) => log.push(line),
  });
  return { secrets, terminated, log, panics };
}

Deno.test("panic: wipes VMPCK0-3 only, logs the backtrace, terminates, throws SvsmPanic", () => {
  const { secrets, terminated, log, panics } = harness();
  const stack = new KernelStack(1);
  const handleRequest = () => {
    using _f = stack.frame("requests", "request_loop", 30);
    using _g = stack.frame("protocols::attest", "attest_single_service", 250);
    panics.panic(stack, "report buffer overflow");
  };
  let panic: unknown;
  try {
    handleRequest();
  } catch (e) {
    panic = e;
  }
  assert.ok(panic instanceof SvsmPanic);
  assert.equal(panic.reason, "report buffer overflow");
  assert.equal(panic.cpuId, 1);
  assert.deepEqual(panic.backtrace.names(), [
    "protocols::attest::attest_single_service",
    "requests::request_loop",
  ]);
  // Only the four 32-byte VMPCKs at 0x20..0x9F are zeroed.
  assert.ok(secrets.subarray(0x20, 0xa0).every((b) => b === 0));
  assert.ok(secrets.subarray(0, 0x20).every((b) => b === 0xa5));
  assert.ok(secrets.subarray(0xa0).every((b) => b === 0xa5));
  // The guest is terminated once, with the first panic and its backtrace.
  assert.equal(terminated.length, 1);
  assert.equal(terminated[0], panic);
  assert.deepEqual(log.slice(0, 5), [
    "SVSM panic on CPU 1: report buffer overflow",
    "---BACKTRACE---",
    "  [#0] protocols::attest::attest_single_service (protocols/attest.ts:250)",
    "  [#1] requests::request_loop (requests.ts:30)",
    "---END---",
  ]);
  assert.equal(panics.panicked, terminated[0]);
  assert.equal(stack.depth, 0, "the panic unwound the frames");
});

Deno.test("panic: a fault inside a guarded region is left to the fixup; outside it panics", () => {
  const { terminated, panics } = harness();
  const stack = new KernelStack(0);
  const fault = new Error("#PF at 0x1000");
  const guardedRead = (): string => {
    using _g = stack.guard();
    try {
      panics.fault(stack, fault);
      return "no fault";
    } catch (e) {
      assert.equal(e, fault, "the original fault reaches the fixup");
      return "Fault";
    }
  };
  assert.equal(guardedRead(), "Fault");
  assert.equal(terminated.length, 0);
  const unguardedRead = () => {
    using _f = stack.frame("mm::pagetable", "map_4k", 12);
    panics.fault(stack, fault);
  };
  assert.throws(unguardedRead, (e) =>
    e instanceof SvsmPanic && e.cause === fault &&
    /outside a guarded region: Error: #PF at 0x1000/.test(e.reason) &&
    e.backtrace.names()[0] === "mm::pagetable::map_4k");
  assert.equal(terminated.length, 1);
});

Deno.test("panic: uncaught errors become panics; later panics wipe but terminate once", () => {
  const { secrets, terminated, panics } = harness();
  const stack = new KernelStack(3);
  const first = panics.uncaught(stack, new TypeError("x is undefined"));
  assert.equal(first.reason, "unhandled error: TypeError: x is undefined");
  assert.equal(panics.uncaught(stack, first), first, "a panic passes through unchanged");
  secrets.fill(0x11);
  assert.throws(() => panics.panic(stack, "again"), SvsmPanic);
  assert.ok(secrets.subarray(0x20, 0xa0).every((b) => b === 0), "wiped again");
  assert.deepEqual(terminated, [first]);
});

Deno.test("panic: before the secrets page exists there is nothing to wipe", () => {
  const terminated: string[] = [];
  const panics = new PanicHandler({
    secretsPage: () => undefined,
    terminate: (p) => terminated.push(p.reason),
    log: () => {},
  });
  assert.throws(() => panics.panic(new KernelStack(0), "early boot"), SvsmPanic);
  assert.deepEqual(terminated, ["early boot"]);
  assert.throws(() => wipeVmpcks(new Uint8Array(0x9f)), RangeError);
});
