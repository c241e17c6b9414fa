/**
 * How the long-run tools refuse bad input: one line saying why, the usage line, exit 2 (the
 * `svsm` CLI's contract, cli/common.ts), never a stack trace or a clean report of nothing.
 * @module
 */

/**
 * Prints `why` (on one line) and `usage` to stderr and exits 2.
 *
 * @example
 * ```ts
 * import { exitUsage } from "./usage.ts";
 * function checked(calls: number): number {
 *   return calls >= 0 ? calls : exitUsage("usage: tool.ts [--calls N]", "--calls must be ≥ 0");
 * }
 * ```
 */
export function exitUsage(usage: string, why: unknown): never {
  const text = why instanceof Error ? why.message : String(why);
  console.error(`${text.trim().replace(/\s*\n\s*/g, " ")}\n${usage}`);
  Deno.exit(2);
}

/**
 * A plain decimal integer ≥ `min`, or NaN (Number() would take "", "1e3" or "0x4").
 *
 * @example
 * ```ts
 * import { decimalAtLeast } from "./usage.ts";
 * decimalAtLeast("12", 0); // 12
 * decimalAtLeast("abc", 0); // NaN
 * ```
 */
export function decimalAtLeast(text: string, min: number): number {
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(n) && n >= min ? n : NaN;
}
