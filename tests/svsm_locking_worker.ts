/// <reference lib="deno.worker" />
/**
 * One lock-stress Worker (see svsm_locking_stress.ts): waits for the start word, performs its
 * lock operations with a spin-then-sleep PAUSE, posts its report.
 * @module
 */

import { RwLock, SpinLock, SpinWait } from "../lib/svsm/locking/mod.ts";
import {
  ARRIVED,
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
  const { buffer, role, ops, cpuId, peers } = e.data;
  const words = new Int32Array(buffer);
  self.postMessage({ ready: true, role, ops: 0, torn: 0, handoffs: 0 } satisfies StressReport);
  Atomics.wait(words, START, 0);
  startTogether(words, peers);
  const tally = { torn: 0, handoffs: 0 };
  if (role === "spin") spinOps(words, ops, cpuId, tally);
  else rwOps(words, role, ops, cpuId, tally);
  self.postMessage({ role, ops, ...tally } satisfies StressReport);
};

interface Tally {
  torn: number;
  handoffs: number;
}

/** Start barrier: the last worker to arrive wakes the others. */
function startTogether(words: Int32Array, peers: number): void {
  if (Atomics.add(words, ARRIVED, 1) + 1 === peers) Atomics.notify(words, ARRIVED);
  for (let seen; (seen = Atomics.load(words, ARRIVED)) < peers;) {
    Atomics.wait(words, ARRIVED, seen, 1);
  }
}

// SpinWait's PAUSE is synchronous, so lock() never returns a Promise here.

function spinOps(words: Int32Array, ops: number, cpuId: number, tally: Tally): void {
  const lock = new SpinLock({ words, index: SPIN_LOCK });
  const cpu = new SpinWait(cpuId);
  for (let i = 0; i < ops; i++) {
    lock.lock(cpu);
    increment(words, SPIN_DATA, cpuId, tally);
    lock.unlock(cpu);
  }
}

function rwOps(
  words: Int32Array,
  role: "write" | "read",
  ops: number,
  cpuId: number,
  tally: Tally,
): void {
  const lock = new RwLock({ words, index: RW_LOCK });
  const cpu = new SpinWait(cpuId);
  for (let i = 0; i < ops; i++) {
    if (role === "write") {
      lock.lockWrite(cpu);
      increment(words, RW_DATA, cpuId, tally);
      lock.unlockWrite(cpu);
    } else {
      lock.lockRead(cpu);
      if (!consistent(words, RW_DATA)) tally.torn++;
      lock.unlockRead(cpu);
    }
  }
}

/** Plain (non-atomic) read-modify-write of the record: only the lock keeps it whole. */
function increment(words: Int32Array, at: number, cpuId: number, tally: Tally): void {
  if (!consistent(words, at)) tally.torn++;
  if (words[at + RECORD_WORDS] !== cpuId + 1) tally.handoffs++;
  const next = words[at] + 1;
  for (let k = 0; k < RECORD_WORDS; k++) words[at + k] = next;
  words[at + RECORD_WORDS] = cpuId + 1;
}

function consistent(words: Int32Array, at: number): boolean {
  for (let k = 1; k < RECORD_WORDS; k++) if (words[at + k] !== words[at]) return false;
  return true;
}
