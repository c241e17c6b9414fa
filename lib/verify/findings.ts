/**
 * The verifier's vocabulary: each check yields a finding, and a report is
 * valid only when every finding passed.
 * @module
 */

/**
 * The outcome of one check.
 *
 * @example
 * ```ts
 * import { type Finding, Findings } from "./findings.ts";
 * const f = new Findings();
 * f.add("vmpl", true, "VMPL is 0");
 * const first: Finding = f.list[0]; // { check: "vmpl", ok: true, detail: "VMPL is 0" }
 * ```
 */
export interface Finding {
  /** Short stable id, e.g. `report-signature`. */
  readonly check: string;
  /** Whether it passed. */
  readonly ok: boolean;
  /** What was found, in words. */
  readonly detail: string;
}

/**
 * Collects findings in order.
 *
 * @example
 * ```ts
 * import { Findings } from "./findings.ts";
 * const f = new Findings();
 * f.add("measurement", false, ["as expected", "differs from the expected launch digest"]);
 * f.failures; // ["measurement: differs from the expected launch digest"]
 * ```
 */
export class Findings {
  /** Every finding so far. */
  readonly list: Finding[] = [];

  /**
   * Records a check. `detail` is either one text for both outcomes or a
   * `[passed, failed]` pair, so a failure reads as a reason.
   */
  add(check: string, ok: boolean, detail: string | [string, string]): void {
    const text = typeof detail === "string" ? detail : detail[ok ? 0 : 1];
    this.list.push({ check, ok, detail: printable(text) });
  }

  /** The failed findings' details, in order. */
  get failures(): string[] {
    return this.list.filter((f) => !f.ok).map((f) => `${f.check}: ${f.detail}`);
  }
}

/**
 * Control and bidi-override characters: details quote certificate names, which a hostile
 * certificate may fill with newlines (a forged "VALID" line) or terminal escapes.
 */
// deno-lint-ignore no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every {@link UNPRINTABLE} character escaped, so a detail stays one plain line. */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16)}`;
  });
}
