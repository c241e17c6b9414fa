/// <reference lib="deno.worker" />
/**
 * One lock-stress Worker (see svsm_locking_stress.ts): waits for the start word, performs its
 * lock operations with a spin-then-sleep PAUSE, posts its report.
 * @module
 */

import { RwLock, SpinLock, SpinWait } from "../lib/svsm/locking/mod.ts";
import {
  RECORD_WORDS,
  RW_DATA,
  RW_LOCK,
  SPIN_DATA,
  SPIN_LOCK,
  START,
  type StressJob,
  type StressReport,
} from "./svsm_locking_stress.ts";

self.onmessage = (e: MessageEvent<StressJob>) => {
  const { buffer, role, ops, cpuId } = e.data;
  const words = new Int32Array(buffer);
  self.postMessage({ ready: true, role, ops: 0, torn: 0 } satisfies StressReport);
  Atomics.wait(words, START, 0);
  const torn = role === "spin" ? spinOps(words, ops, cpuId) : rwOps(words, role, ops, cpuId);
  self.postMessage({ role, ops, torn } satisfies StressReport);
};

// SpinWait's PAUSE is synchronous, so lock() never returns a Promise here.

function spinOps(words: Int32Array, ops: number, cpuId: number): number {
  const lock = new SpinLock({ words, index: SPIN_LOCK });
  const cpu = new SpinWait(cpuId);
  let torn = 0;
  for (let i = 0; i < ops; i++) {
    lock.lock(cpu);
    torn += increment(words, SPIN_DATA);
    lock.unlock(cpu);
  }
  return torn;
}

function rwOps(words: Int32Array, role: "write" | "read", ops: number, cpuId: number): number {
  const lock = new RwLock({ words, index: RW_LOCK });
  const cpu = new SpinWait(cpuId);
  let torn = 0;
  for (let i = 0; i < ops; i++) {
    if (role === "write") {
      lock.lockWrite(cpu);
      torn += increment(words, RW_DATA);
      lock.unlockWrite(cpu);
    } else {
      lock.lockRead(cpu);
      torn += consistent(words, RW_DATA) ? 0 : 1;
      lock.unlockRead(cpu);
    }
  }
  return torn;
}

/** Plain (non-atomic) read-modify-write of the record: only the lock keeps it whole. */
function increment(words: Int32Array, at: number): number {
  const ok = consistent(words, at);
  const next = words[at] + 1;
  for (let k = 0; k < RECORD_WORDS; k++) words[at + k] = next;
  return ok ? 0 : 1;
}

function consistent(words: Int32Array, at: number): boolean {
  for (let k = 1; k < RECORD_WORDS; k++) if (words[at + k] !== words[at]) return false;
  return true;
}
