/**
 * TPM command fuzzer: random, mutated, truncated, extended and spliced
 * commands (mutations of real tpm2-tools commands from a corpus) straight
 * into a TPM's `execute`, checking that nothing escapes as an exception,
 * every response is a well-formed TPM response, and the TPM still works
 * afterwards (GetRandom, PCR_Extend/PCR_Read, and again after a reset).
 *
 * @example
 * ```sh
 * deno run --allow-read tools/tpm_fuzz.ts --iterations 100000 --seed 1
 * ```
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { Prng } from "../lib/common/prng.ts";
import { fromHex, toHex } from "../lib/common/hex.ts";
import {
  be16,
  be32,
  putBe32,
  TPM_BUFFER_MAX,
  TPM_HEADER_SIZE,
  TPM_ST_NO_SESSIONS,
  TPM_ST_SESSIONS,
  type TpmDevice,
} from "../lib/tpm/server/mod.ts";
import { decimalAtLeast, exitUsage } from "./usage.ts";

/** How a fuzz command was made. */
export type FuzzStrategy = "random" | "mutate" | "truncate" | "extend" | "splice";

/** Fuzzer options. */
export interface FuzzOptions {
  /** Number of fuzz commands. */
  readonly iterations: number;
  /** PRNG seed: the same seed replays the same commands. */
  readonly seed: number;
  /** Valid commands to mutate. */
  readonly corpus: readonly Uint8Array[];
  /** Called every `progressEvery` commands with the count so far. */
  readonly onProgress?: (done: number) => void;
  /** Count of exceptions the engine caught internally so far, if it reports them. */
  readonly internalErrors?: () => number;
  /** Progress interval (default 1000). */
  readonly progressEvery?: number;
}

/** One finding: a command that escaped, or drew a malformed response. */
export interface FuzzFinding {
  /** What went wrong. */
  readonly problem: string;
  /** The command, hex. */
  readonly command: string;
}

/** What a fuzz run saw. */
export interface FuzzReport {
  /** Commands sent (excluding set-up and sanity commands). */
  readonly commands: number;
  /** Commands per strategy. */
  readonly byStrategy: Record<FuzzStrategy, number>;
  /** Response code histogram. */
  readonly byRc: Map<number, number>;
  /** Exceptions out of `execute` (must be 0). */
  readonly escapes: number;
  /** Exceptions the engine caught itself and answered TPM_RC_FAILURE (must be 0). */
  readonly internalErrors: number;
  /** Malformed responses (must be 0). */
  readonly malformed: number;
  /** First findings, for replay. */
  readonly findings: FuzzFinding[];
  /** Sanity failures after the run (must be empty). */
  readonly sanity: string[];
  /** Wall time of the fuzz loop, ms. */
  readonly millis: number;
}

const MAX_FINDINGS = 10;
const FLUSH_EVERY = 1000;
const RESET_EVERY = 20_000;
/** Replaying the corpus loads objects and defines NV, so mutants reach past handle checks. */
const REPLAY_EVERY = FLUSH_EVERY;
/**
 * A command whose tag is neither TPM 2.0 tag is answered as TPM 1.2 would:
 * tag TPM_ST_RSP_COMMAND, TPM_RC_BAD_TAG (TCG TPM 2.0 Part 1 §18.4, Part 2 §6.9).
 */
const TPM_ST_RSP_COMMAND = 0x00c4;
const TPM_RC_BAD_TAG = 0x01e;
/** TPM_CC_FIRST..TPM_CC_LAST (TCG TPM 2.0 Part 2 §6.5.2). */
const CC_FIRST = 0x11f;
const CC_LAST = 0x198;
const INTERESTING_32 = [
  0,
  1,
  0x7f,
  0x80,
  0xff,
  0x100,
  0x7fff,
  0x8000,
  0xffff,
  0x7fffffff,
  0x80000000,
  0xffffffff,
  0x40000001,
  0x40000007,
  0x40000009,
  0x80000000,
  0x81000001,
  0x01500016,
  0x02000000,
];

/** Startup(CLEAR) (Part 3 §9.3). */
export const STARTUP_CLEAR: Uint8Array = fromHex("80010000000c000001440000");
const GET_RANDOM_16 = fromHex("80010000000c0000017b0010");
const PCR_READ_16_SHA256 = fromHex("8001000000140000017e00000001000b03000001");
const FLUSHABLE_RANGES = [0x80000000, 0x02000000, 0x03000000];

/** Parses a corpus file: one hex command per line, `#` comments. */
export function parseCorpus(text: string): Uint8Array[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map(
    fromHex,
  );
}

/**
 * Runs the fuzzer against a powered, started TPM.
 *
 * @example
 * ```ts
 * import { fuzzTpm, parseCorpus } from "./tpm_fuzz.ts";
 * import type { TpmDevice } from "../lib/tpm/server/mod.ts";
 * declare const tpm: TpmDevice;
 * const report = await fuzzTpm(tpm, { iterations: 1000, seed: 1, corpus: parseCorpus("") });
 * console.log(report.escapes, report.malformed, report.sanity);
 * ```
 */
export async function fuzzTpm(tpm: TpmDevice, options: FuzzOptions): Promise<FuzzReport> {
  const rng = new Prng(options.seed);
  const gen = new CommandGen(rng, options.corpus);
  const report = {
    commands: 0,
    byStrategy: { random: 0, mutate: 0, truncate: 0, extend: 0, splice: 0 },
    byRc: new Map<number, number>(),
    escapes: 0,
    internalErrors: 0,
    malformed: 0,
    findings: [] as FuzzFinding[],
    sanity: [] as string[],
    millis: 0,
  };
  const finding = (problem: string, command: Uint8Array) => {
    if (report.findings.length < MAX_FINDINGS) {
      report.findings.push({ problem, command: toHex(command) });
    }
  };
  const every = options.progressEvery ?? 1000;
  /** Set-up commands (flush, replay): unchecked responses, but exceptions still count. */
  const upkeep: Exec = async (command) => {
    try {
      return await tpm.execute(command, 0);
    } catch (e) {
      report.escapes++;
      finding(`escape: ${(e as Error)?.message ?? e}`, command);
      return new Uint8Array(0);
    }
  };
  const start = performance.now();
  for (let i = 0; i < options.iterations; i++) {
    if (i % FLUSH_EVERY === 0) await flushAll(upkeep);
    if (i % REPLAY_EVERY === 0) await replay(upkeep, options.corpus);
    if (i > 0 && i % RESET_EVERY === 0) {
      tpm.reset();
      await upkeep(STARTUP_CLEAR);
    }
    const { strategy, command } = gen.next();
    report.byStrategy[strategy]++;
    report.commands++;
    const locality = rng.below(10) === 0 ? rng.below(256) : rng.below(5);
    let rsp: Uint8Array;
    try {
      rsp = await tpm.execute(command, locality);
    } catch (e) {
      report.escapes++;
      finding(`escape: ${(e as Error)?.message ?? e}`, command);
      continue;
    }
    const bad = checkResponse(rsp);
    if (bad) {
      report.malformed++;
      finding(bad, command);
      continue;
    }
    const rc = be32(rsp, 6);
    report.byRc.set(rc, (report.byRc.get(rc) ?? 0) + 1);
    if ((i + 1) % every === 0) options.onProgress?.(i + 1);
  }
  report.millis = performance.now() - start;
  report.internalErrors = options.internalErrors?.() ?? 0;
  report.sanity = await sanityCheck(tpm);
  return report;
}

/**
 * Why `rsp` is not a well-formed TPM 2.0 response, or null: header present,
 * size field equal to the length, a TPM 2.0 tag (or the TPM 1.2 bad-tag
 * answer), bounded, and an error response carries only its header (TCG TPM
 * 2.0 Part 1 §18).
 */
export function checkResponse(rsp: unknown): string | null {
  if (!(rsp instanceof Uint8Array)) return "response is not bytes";
  if (rsp.length < TPM_HEADER_SIZE) return `response of ${rsp.length} bytes`;
  if (rsp.length > TPM_BUFFER_MAX) return `response of ${rsp.length} bytes > ${TPM_BUFFER_MAX}`;
  const tag = be16(rsp, 0);
  if (be32(rsp, 2) !== rsp.length) return `size field ${be32(rsp, 2)} != length ${rsp.length}`;
  const rc = be32(rsp, 6);
  if (tag === TPM_ST_RSP_COMMAND) {
    return rc === TPM_RC_BAD_TAG && rsp.length === TPM_HEADER_SIZE
      ? null
      : `TPM_ST_RSP_COMMAND with rc ${rc.toString(16)}, ${rsp.length} bytes`;
  }
  if (tag !== TPM_ST_NO_SESSIONS && tag !== TPM_ST_SESSIONS) return `response tag ${tag}`;
  if (rc !== 0 && (rsp.length !== TPM_HEADER_SIZE || tag !== TPM_ST_NO_SESSIONS)) {
    return `error ${rc.toString(16)} with a ${rsp.length}-byte response, tag ${tag.toString(16)}`;
  }
  return null;
}

/** Makes fuzz commands from a corpus and a PRNG. */
class CommandGen {
  #rng: Prng;
  #corpus: readonly Uint8Array[];

  constructor(rng: Prng, corpus: readonly Uint8Array[]) {
    this.#rng = rng;
    this.#corpus = corpus;
  }

  next(): { strategy: FuzzStrategy; command: Uint8Array } {
    const r = this.#rng.below(100);
    if (this.#corpus.length === 0 || r < 15) return { strategy: "random", command: this.#random() };
    if (r < 65) return { strategy: "mutate", command: this.#mutate() };
    if (r < 80) return { strategy: "truncate", command: this.#truncate() };
    if (r < 90) return { strategy: "extend", command: this.#extend() };
    return { strategy: "splice", command: this.#splice() };
  }

  #pick(): Uint8Array {
    return this.#corpus[this.#rng.below(this.#corpus.length)].slice();
  }

  #bytes(n: number): Uint8Array {
    return this.#rng.fill(new Uint8Array(n));
  }

  /** Valid-looking header (mostly), random body. */
  #random(): Uint8Array {
    const rng = this.#rng;
    const body = this.#bytes(rng.below(8) === 0 ? rng.below(TPM_BUFFER_MAX) : rng.below(128));
    const cmd = new Uint8Array(TPM_HEADER_SIZE + body.length);
    const tag = [TPM_ST_NO_SESSIONS, TPM_ST_SESSIONS, rng.below(0x10000)][rng.below(3)];
    cmd[0] = tag >> 8;
    cmd[1] = tag;
    putBe32(cmd, 2, rng.below(4) === 0 ? rng.nextU32() : cmd.length);
    putBe32(
      cmd,
      6,
      rng.below(8) === 0 ? rng.nextU32() : CC_FIRST + rng.below(CC_LAST - CC_FIRST + 1),
    );
    cmd.set(body, TPM_HEADER_SIZE);
    return cmd;
  }

  #mutate(): Uint8Array {
    let cmd = this.#pick();
    const rng = this.#rng;
    for (let n = 1 + rng.below(4); n > 0 && cmd.length > 0; n--) {
      const at = rng.below(cmd.length);
      switch (rng.below(6)) {
        case 0:
          cmd[at] ^= 1 << rng.below(8);
          break;
        case 1:
          cmd[at] = [0, 0xff, 0x7f, 0x80, 1][rng.below(5)];
          break;
        case 2:
          if (at + 2 <= cmd.length) {
            const v = INTERESTING_32[rng.below(INTERESTING_32.length)];
            cmd[at] = v >> 8;
            cmd[at + 1] = v;
          }
          break;
        case 3:
          if (at + 4 <= cmd.length) {
            putBe32(cmd, at, INTERESTING_32[rng.below(INTERESTING_32.length)]);
          }
          break;
        case 4: {
          const ins = this.#bytes(1 + rng.below(16));
          const out = new Uint8Array(cmd.length + ins.length);
          out.set(cmd.subarray(0, at));
          out.set(ins, at);
          out.set(cmd.subarray(at), at + ins.length);
          cmd = out;
          break;
        }
        default: {
          const len = 1 + rng.below(Math.min(16, cmd.length - at));
          const out = new Uint8Array(cmd.length - len);
          out.set(cmd.subarray(0, at));
          out.set(cmd.subarray(at + len), at);
          cmd = out;
        }
      }
    }
    return this.#maybeFixSize(cmd, 70);
  }

  #truncate(): Uint8Array {
    const cmd = this.#pick();
    return this.#maybeFixSize(cmd.slice(0, this.#rng.below(cmd.length)), 50);
  }

  #extend(): Uint8Array {
    const cmd = this.#pick();
    const out = new Uint8Array(cmd.length + 1 + this.#rng.below(64));
    out.set(cmd);
    out.set(this.#bytes(out.length - cmd.length), cmd.length);
    return this.#maybeFixSize(out, 50);
  }

  #splice(): Uint8Array {
    const a = this.#pick();
    const b = this.#pick();
    const cut = this.#rng.below(a.length);
    const from = this.#rng.below(b.length);
    const out = new Uint8Array(cut + b.length - from);
    out.set(a.subarray(0, cut));
    out.set(b.subarray(from), cut);
    return this.#maybeFixSize(out, 80);
  }

  /** With `percent` probability, make the header's size field match the length. */
  #maybeFixSize(cmd: Uint8Array, percent: number): Uint8Array {
    if (cmd.length >= 6 && this.#rng.below(100) < percent) putBe32(cmd, 2, cmd.length);
    return cmd;
  }
}

/** Runs one command; never throws. */
type Exec = (command: Uint8Array) => Promise<Uint8Array>;

/** Flushes every transient object and session the TPM lists (GetCapability HANDLES). */
async function flushAll(exec: Exec): Promise<void> {
  for (const first of FLUSHABLE_RANGES) {
    const cmd = fromHex("800100000016" + "0000017a" + "00000001" + "00000000" + "00000040");
    putBe32(cmd, 14, first);
    const rsp = await exec(cmd);
    if (rsp.length < 19 || be32(rsp, 6) !== 0) continue;
    const count = Math.min(be32(rsp, 15), (rsp.length - 19) / 4);
    for (let i = 0; i < count; i++) {
      const flush = fromHex("80010000000e0000016500000000");
      putBe32(flush, 10, be32(rsp, 19 + 4 * i));
      await exec(flush);
    }
  }
}

/** Runs every corpus command once, in order (responses are not checked here). */
async function replay(exec: Exec, corpus: readonly Uint8Array[]): Promise<void> {
  for (const command of corpus) await exec(command.slice());
}

/** PCR_Extend(16, SHA-256 `digest`) with an empty password session. */
function pcrExtend16(digest: Uint8Array): Uint8Array {
  return fromHex(
    "80020000004100000182000000100000000940000009000000000000000001000b" + toHex(digest),
  );
}

/**
 * The TPM still works: GetRandom, then PCR_Extend + PCR_Read with the value
 * checked against a software SHA-256, then the same after _TPM_Init and
 * Startup(CLEAR). Resolves to the failures (empty = healthy).
 */
export async function sanityCheck(tpm: TpmDevice): Promise<string[]> {
  const problems: string[] = [];
  const expectOk = async (what: string, cmd: Uint8Array): Promise<Uint8Array | null> => {
    try {
      const rsp = await tpm.execute(cmd, 0);
      const bad = checkResponse(rsp);
      if (bad) problems.push(`${what}: ${bad}`);
      else if (be32(rsp, 6) !== 0) problems.push(`${what}: rc 0x${be32(rsp, 6).toString(16)}`);
      else return rsp;
    } catch (e) {
      problems.push(`${what}: threw ${(e as Error)?.message ?? e}`);
    }
    return null;
  };
  const round = async (label: string) => {
    const rnd = await expectOk(`${label} GetRandom`, GET_RANDOM_16);
    if (rnd && be16(rnd, 10) !== 16) {
      problems.push(`${label} GetRandom returned ${be16(rnd, 10)} bytes`);
    }
    const before = await expectOk(`${label} PCR_Read`, PCR_READ_16_SHA256);
    const digest = createHash("sha256").update(label).digest();
    await expectOk(`${label} PCR_Extend`, pcrExtend16(digest));
    const after = await expectOk(`${label} PCR_Read`, PCR_READ_16_SHA256);
    if (before && after) {
      const old = before.subarray(before.length - 32);
      const want = createHash("sha256").update(old).update(digest).digest();
      if (toHex(after.subarray(after.length - 32)) !== toHex(want)) {
        problems.push(`${label} PCR 16 is not SHA-256(old || digest) after PCR_Extend`);
      }
    }
  };
  await round("after fuzzing:");
  try {
    tpm.reset();
  } catch (e) {
    problems.push(`reset threw ${(e as Error)?.message ?? e}`);
  }
  await expectOk("Startup(CLEAR) after reset", STARTUP_CLEAR);
  await round("after reset:");
  return problems;
}

/** No escapes, no internal errors, no malformed response, sanity passed. */
export function isClean(report: FuzzReport): boolean {
  return report.escapes === 0 && report.internalErrors === 0 && report.malformed === 0 &&
    report.sanity.length === 0;
}

/** Prints a report; resolves to the exit code (0 clean, 1 findings). */
function printReport(report: FuzzReport, seed: number): number {
  const rate = Math.round(report.commands / (report.millis / 1000));
  console.log(
    `tpm-fuzz: ${report.commands} commands, seed ${seed}, ${(report.millis / 1000).toFixed(1)} s` +
      ` (${rate}/s); escapes ${report.escapes}, internal errors ${report.internalErrors},` +
      ` malformed ${report.malformed}, successes ${report.byRc.get(0) ?? 0}`,
  );
  console.log(`  strategies: ${JSON.stringify(report.byStrategy)}`);
  const top = [...report.byRc].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`  top rc: ${top.map(([rc, n]) => `0x${rc.toString(16)}×${n}`).join(" ")}`);
  for (const f of report.findings) console.log(`  FINDING ${f.problem}: ${f.command}`);
  for (const s of report.sanity) console.log(`  SANITY ${s}`);
  const clean = isClean(report);
  console.log(clean ? "  result: clean" : "  result: FAILED");
  return clean ? 0 : 1;
}

const USAGE = "usage: tpm_fuzz.ts [--iterations N] [--seed S] [--corpus FILE]";

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        iterations: { type: "string", default: "100000" },
        seed: { type: "string", default: "1" },
        corpus: {
          type: "string",
          default: new URL("../tests/vectors/tpm_fuzz/corpus.hex", import.meta.url).pathname,
        },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    exitUsage(USAGE, e);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const iterations = decimalAtLeast(values.iterations, 0);
  const seed = decimalAtLeast(values.seed, Number.MIN_SAFE_INTEGER);
  if (Number.isNaN(iterations) || Number.isNaN(seed)) {
    exitUsage(USAGE, "tpm-fuzz: --iterations and --seed must be integers");
  }
  let corpusText: string;
  try {
    corpusText = await Deno.readTextFile(values.corpus);
  } catch (e) {
    exitUsage(USAGE, `tpm-fuzz: cannot read ${values.corpus}: ${(e as Error).message}`);
  }
  const { Tpm } = await import("../lib/tpm/tpm.ts");
  let internal = 0;
  const tpm = await Tpm.manufacture({
    seed: new Uint8Array(32).fill(seed & 0xff),
    onInternalError: (cc, e) => {
      if (internal++ < 5) console.error(`tpm-fuzz: internal error in ${cc}:`, e);
    },
  });
  tpm.powerOn();
  await tpm.execute(STARTUP_CLEAR, 0);
  const tty = Deno.stdout.isTerminal();
  const report = await fuzzTpm(tpm, {
    iterations,
    seed,
    corpus: parseCorpus(corpusText),
    progressEvery: 5000,
    internalErrors: () => internal,
    onProgress: tty
      ? (n) => Deno.stdout.writeSync(new TextEncoder().encode(`\r  ${n}/${iterations}`))
      : undefined,
  });
  if (tty) console.log();
  return printReport(report, seed);
}

if (import.meta.main) Deno.exit(await main(Deno.args));
