import assert from "node:assert/strict";
import { type Fiber, Scheduler, type Thread } from "../lib/snp/scheduler.ts";
import { Trace } from "../lib/snp/trace.ts";

interface Worker extends Thread {
  fiber: Fiber;
}

/** `count` threads each looping `steps` times, recording who ran at each step. */
async function contend(seed: number, count: number, steps: number): Promise<string[]> {
  const s = new Scheduler(seed);
  const order: string[] = [];
  for (let id = 0; id < count; id++) {
    const w: Worker = {
      id,
      fiber: s.fiber(`t${id}`, async () => {
        for (let i = 0; i < steps; i++) {
          order.push(`t${id}:${i}`);
          await s.yieldFrom(w.fiber);
        }
      }, () => s.setRunnable(w, false)),
    };
    s.setRunnable(w, true);
  }
  assert.equal(await s.run(), "idle");
  return order;
}

Deno.test("scheduler: same seed gives the same interleaving", async () => {
  assert.deepEqual(await contend(11, 4, 20), await contend(11, 4, 20));
});

Deno.test("scheduler: different seeds give different interleavings", async () => {
  const seen = new Set<string>();
  for (let seed = 0; seed < 8; seed++) seen.add((await contend(seed, 4, 20)).join(","));
  assert.ok(seen.size >= 7, `only ${seen.size} distinct interleavings from 8 seeds`);
});

Deno.test("scheduler: every step of every thread runs exactly once", async () => {
  const order = await contend(3, 3, 10);
  assert.equal(order.length, 30);
  assert.equal(new Set(order).size, 30);
});

Deno.test("scheduler: a foreign await does not let another fiber run", async () => {
  const s = new Scheduler(5);
  const log: string[] = [];
  const mk = (id: number): Worker => {
    const w: Worker = {
      id,
      fiber: s.fiber(`t${id}`, async () => {
        for (let i = 0; i < 5; i++) {
          log.push(`enter ${id}`);
          // WebCrypto settles on a later macrotask turn: nobody else may run meanwhile.
          await crypto.subtle.digest("SHA-256", new Uint8Array(8));
          await new Promise((r) => setTimeout(r, 0));
          log.push(`leave ${id}`);
          await s.yieldFrom(w.fiber);
        }
      }, () => s.setRunnable(w, false)),
    };
    s.setRunnable(w, true);
    return w;
  };
  mk(0);
  mk(1);
  await s.run();
  for (let i = 0; i < log.length; i += 2) {
    assert.equal(log[i].slice(6), log[i + 1].slice(6), `interleaved at ${i}: ${log[i + 1]}`);
  }
});

Deno.test("scheduler: stop ends the run and parks every fiber for good", async () => {
  const s = new Scheduler(1);
  let after = false;
  const w: Worker = {
    id: 0,
    fiber: s.fiber("t0", async () => {
      s.stop();
      await s.yieldFrom(w.fiber);
      after = true;
    }, () => {}),
  };
  s.setRunnable(w, true);
  assert.equal(await s.run(), "stopped");
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(after, false);
});

Deno.test("scheduler: a thrown program reports its error to onEnd", async () => {
  const s = new Scheduler(1);
  let seen: unknown;
  const w: Worker = {
    id: 0,
    fiber: s.fiber("t0", () => Promise.reject(new Error("boom")), (_f, e) => {
      seen = e;
      s.setRunnable(w, false);
    }),
  };
  s.setRunnable(w, true);
  assert.equal(await s.run(), "idle");
  assert.match(String(seen), /boom/);
});

Deno.test("scheduler: yielding without the processor is a bug, reported", () => {
  const s = new Scheduler(1);
  const f = s.fiber("t", async () => {}, () => {});
  assert.throws(() => s.yieldFrom(f), /without the processor/);
});

Deno.test("trace: lines are stable and the limit counts drops", () => {
  const t = new Trace({ limit: 2 });
  t.begin(0, 2, "run", "VMPL2");
  t.end(0, 2, "run", "VMPL2", "VMGEXIT");
  t.instant(1, 0, "halt", "HLT");
  assert.deepEqual(t.lines(), ["0 v0 vmpl2 run begin VMPL2", "1 v0 vmpl2 run end VMPL2 VMGEXIT"]);
  assert.equal(t.dropped, 1);
  const off = new Trace({ enabled: false });
  off.instant(0, 0, "vc", "x");
  assert.equal(off.events.length, 0);
});
