/**
 * How the examples tell a boot: phases with their wall-clock times, progress on a terminal,
 * and the command-line options they share with `svsm boot`.
 * @module
 */

import { parseArgs } from "node:util";

/** Options of the example. */
export interface BootOptions {
  /** Scheduler, firmware and vTPM seed. */
  seed: number;
  /** vCPUs. */
  vcpus: number;
  /** VM memory in MiB. */
  memMiB: number;
  /** Only the summary. */
  quiet: boolean;
}

/** One phase of the story: what happened, how long it took, the details. */
export interface BootPhase {
  /** 1..6. */
  readonly step: number;
  /** One line. */
  readonly title: string;
  /** Wall-clock milliseconds since the previous phase. */
  readonly ms: number;
  /** Indented detail lines. */
  readonly details: string[];
}

/** Collects phases with the wall-clock time since the previous one. */
export class Story {
  /** The phases so far. */
  readonly phases: BootPhase[] = [];
  readonly #onPhase: (phase: BootPhase) => void;
  #last = performance.now();

  /** Reports each phase to `onPhase`. */
  constructor(onPhase: (phase: BootPhase) => void) {
    this.#onPhase = onPhase;
  }

  /** Ends the current phase. */
  phase(title: string, details: string[]): void {
    const now = performance.now();
    const p = { step: this.phases.length + 1, title, ms: now - this.#last, details };
    this.#last = now;
    this.phases.push(p);
    this.#onPhase(p);
  }
}

/** A phase as the example prints it: `[   12.3 ms] 4 vTPM: …` and its details. */
export function printPhase(p: BootPhase): void {
  console.log(`[${p.ms.toFixed(1).padStart(7)} ms] ${p.step} ${p.title}`);
  for (const d of p.details) console.log(`    ${d}`);
}

/** Progress of long phases on a terminal's stderr; nothing when stderr is piped. */
export function ttyProgress(): ((done: number, total: number) => void) | undefined {
  if (!Deno.stderr.isTerminal()) return undefined;
  const text = new TextEncoder();
  return (done, total) =>
    Deno.stderr.writeSync(text.encode(`\r\x1b[K${progressText(done, total)}`));
}

/**
 * The progress line for `done` of `total` bytes validated; empty once done. Division, not
 * `>> 20`: `--mem` reaches 4096 MiB, past int32.
 *
 * @example
 * ```ts
 * import { progressText } from "./story.ts";
 * progressText(16 << 20, 254 << 20); // "  validating 16/254 MiB"
 * ```
 */
export function progressText(done: number, total: number): string {
  const mib = (bytes: number) => Math.floor(bytes / (1 << 20));
  return done < total ? `  validating ${mib(done)}/${mib(total)} MiB` : "";
}

/**
 * A command-line integer, plain decimal only (NaN otherwise): Number() would also take "" as 0,
 * and "1e1", "0x4" or " 4".
 *
 * @example
 * ```ts
 * import { decimal } from "./story.ts";
 * decimal("-7"); // -7
 * decimal(""); // NaN
 * ```
 */
export function decimal(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : NaN;
}

/** Checks `--seed`, `--vcpus` and `--mem` (as given on a command line); a string is the error. */
export function checkOptions(
  values: { seed: string; vcpus: string; mem: string },
): Omit<BootOptions, "quiet"> | string {
  const seed = decimal(values.seed);
  const vcpus = decimal(values.vcpus);
  const memMiB = decimal(values.mem);
  if (!Number.isSafeInteger(seed) || seed < 0) return `--seed must be a non-negative integer`;
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 64) return `--vcpus must be 1..64`;
  if (!Number.isInteger(memMiB) || memMiB < 8 || memMiB % 2 !== 0 || memMiB > 4096) {
    return `--mem must be an even number of MiB, 8..4096`;
  }
  return { seed, vcpus, memMiB };
}

/** Parses and checks the options; a string is the error. */
export function parseOptions(args: string[]): BootOptions | string {
  try {
    const { values } = parseArgs({
      args,
      options: {
        seed: { type: "string", default: "1" },
        vcpus: { type: "string", default: "4" },
        mem: { type: "string", default: "256" },
        quiet: { type: "boolean", default: false },
      },
      strict: true,
    });
    const checked = checkOptions(values);
    return typeof checked === "string" ? checked : { ...checked, quiet: values.quiet };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
