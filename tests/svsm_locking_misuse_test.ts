/**
 * A refused unlock (a CPU releasing a lock nobody lets it release) must leave the lock word
 * untouched at every instant, not only once the call returns: another CPU polling the word in
 * between would otherwise act on a state that never legitimately existed (e.g. an rwlock word
 * with the writer bit gone, letting a second writer claim it). A Worker polls the word while this
 * thread repeats the refused unlock.
 * @module
 */

import assert from "node:assert/strict";
import { LockError, RwLock, SpinLock, SpinWait } from "../lib/svsm/locking/mod.ts";
import type { ObserveReport } from "./svsm_locking_observer.ts";

/** Refused unlocks per case: enough for a transient write to be seen on two cores. */
const MISUSES = 100_000;
const STARTED = 2;
const STOP = 3;

async function observeWhile(
  words: Int32Array,
  index: number,
  misuse: () => void,
): Promise<ObserveReport> {
  const worker = new Worker(new URL("./svsm_locking_observer.ts", import.meta.url), {
    type: "module",
  });
  try {
    const report = new Promise<ObserveReport>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<ObserveReport>) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`observer worker failed: ${e.message}`));
      };
    });
    const expected = Atomics.load(words, index);
    worker.postMessage({ buffer: words.buffer, index, expected, started: STARTED, stop: STOP });
    // Bounded: a worker that never starts fails the test instead of hanging CI.
    const deadline = Date.now() + 30_000;
    while (Atomics.load(words, STARTED) === 0) {
      if (Date.now() > deadline) throw new Error("observer worker did not start in 30 s");
      await new Promise((r) => setTimeout(r, 1));
    }
    for (let i = 0; i < MISUSES; i++) {
      assert.throws(misuse, (e) => e instanceof LockError && e.kind === "not-locked");
    }
    Atomics.store(words, STOP, 1);
    return await report;
  } finally {
    worker.terminate();
  }
}

function lockWords(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
}

Deno.test("rwlock: a refused read unlock never clears the writer bit, even for an instant", async () => {
  const words = lockWords();
  const lock = new RwLock({ words });
  const cpu = new SpinWait(0);
  lock.lockWrite(cpu);
  const seen = await observeWhile(words, 0, () => lock.unlockRead(cpu));
  assert.deepEqual(seen.wrong, [], `writer bit dropped transiently (${seen.polls} polls)`);
  assert.deepEqual(lock.counts(), { readers: 0, writers: 1 });
  lock.unlockWrite(cpu);
});

Deno.test("rwlock: a refused write unlock never touches the readers' word", async () => {
  const words = lockWords();
  const lock = new RwLock({ words });
  const cpu = new SpinWait(0);
  lock.lockRead(cpu);
  const seen = await observeWhile(words, 0, () => lock.unlockWrite(cpu));
  assert.deepEqual(seen.wrong, [], `word changed transiently (${seen.polls} polls)`);
  assert.deepEqual(lock.counts(), { readers: 1, writers: 0 });
  lock.unlockRead(cpu);
});

Deno.test("spinlock: a refused unlock never serves a ticket, even for an instant", async () => {
  const words = lockWords();
  const lock = new SpinLock({ words });
  const cpu = new SpinWait(0);
  const seen = await observeWhile(words, 1, () => lock.unlock(cpu));
  assert.deepEqual(seen.wrong, [], `holder moved transiently (${seen.polls} polls)`);
  assert.ok(!lock.isLocked());
});
