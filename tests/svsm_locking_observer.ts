/// <reference lib="deno.worker" />
/**
 * Observer Worker for svsm_locking_misuse_test.ts: polls one lock word as fast as it can until
 * told to stop, and reports every value it saw that differs from the expected one.
 * @module
 */

/** The job: the shared words, the word to watch and the value it must keep. */
export interface ObserveJob {
  /** Lock words plus two control words at `started` and `stop`. */
  buffer: SharedArrayBuffer;
  /** Index of the watched word. */
  index: number;
  /** The value the word must hold throughout. */
  expected: number;
  /** Control word the observer sets to 1 once it polls. */
  started: number;
  /** Control word the test sets to 1 to end the polling. */
  stop: number;
}

/** The report: polls made and distinct wrong values seen. */
export interface ObserveReport {
  /** Number of loads. */
  polls: number;
  /** Values other than `expected` that the word held at some load. */
  wrong: number[];
}

self.onmessage = (e: MessageEvent<ObserveJob>) => {
  const { buffer, index, expected, started, stop } = e.data;
  const words = new Int32Array(buffer);
  const wrong = new Set<number>();
  let polls = 0;
  Atomics.store(words, started, 1);
  Atomics.notify(words, started);
  while (Atomics.load(words, stop) === 0) {
    for (let i = 0; i < 1024; i++) {
      const v = Atomics.load(words, index);
      if (v !== expected) wrong.add(v);
    }
    polls += 1024;
  }
  self.postMessage({ polls, wrong: [...wrong] } satisfies ObserveReport);
};
