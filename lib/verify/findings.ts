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
    this.list.push({ check, ok, detail: text });
  }

  /** The failed findings' details, in order. */
  get failures(): string[] {
    return this.list.filter((f) => !f.ok).map((f) => `${f.check}: ${f.detail}`);
  }
}
