/**
 * The machine's event trace: what ran where, every exit, fault, firmware command and SVSM
 * call, in the order the seeded scheduler produced them. Events carry a logical sequence
 * number instead of a wall-clock time, so the same seed yields a byte-identical trace and
 * tools (the Chrome/Perfetto exporter) can still lay slices out on one time axis.
 * @module
 */

/**
 * What an event is about.
 *
 * @example
 * ```ts
 * import { Trace, type TraceKind } from "./trace.ts";
 * const t = new Trace();
 * t.instant(0, 2, "vc", "#VC", "0x404");
 * const kind: TraceKind = "vc";
 * t.ofKind(kind).length; // 1
 * ```
 */
export type TraceKind =
  | "run" // a VMPL running on a vCPU (VMRUN .. #VMEXIT), a slice
  | "exit" // a #VMEXIT reaching the host (VMGEXIT 0x403, NPF 0x400)
  | "msr" // a GHCB MSR protocol request handled by the host (snp-abi.md §9.2)
  | "nae" // a GHCB NAE event handled by the host (snp-abi.md §9.3)
  | "fault" // a fault raised by the access checks (#NPF, #PF)
  | "vc" // a #VC delivered to the guest (e.g. 0x404, page not validated)
  | "firmware" // a secure-processor command
  | "halt" // HLT, wake-up, or a vCPU whose programs ended
  | "terminate" // the VM ends
  | "call"; // an SVSM protocol call or a TPM command, recorded by software

/**
 * Slice boundaries follow the Chrome trace format's B/E/i phases.
 *
 * @example
 * ```ts
 * import { Trace, type TracePhase } from "./trace.ts";
 * const t = new Trace();
 * const phase: TracePhase = "instant";
 * t.record(-1, -1, "firmware", phase, "SNP_GUEST_REQUEST", "MSG_REPORT_REQ");
 * t.lines(); // ["0 v-1 vmpl-1 firmware instant SNP_GUEST_REQUEST MSG_REPORT_REQ"]
 * ```
 */
export type TracePhase = "begin" | "end" | "instant";

/**
 * One recorded event. `vcpu` and `vmpl` are -1 when the host or firmware acts on its own.
 *
 * @example
 * ```ts
 * import { Trace, type TraceEvent } from "./trace.ts";
 * const t = new Trace();
 * t.begin(0, 0, "run", "VMPL0");
 * t.instant(0, 0, "exit", "VMGEXIT", "0x403");
 * const exit: TraceEvent | undefined = t.events.find((e) => e.kind === "exit");
 * exit?.seq; // 1
 * ```
 */
export interface TraceEvent {
  /** Position in the machine's total order of events, from 0. */
  readonly seq: number;
  /** The vCPU lane. */
  readonly vcpu: number;
  /** The VMPL that was running (or is targeted). */
  readonly vmpl: number;
  /** Category. */
  readonly kind: TraceKind;
  /** Slice begin, slice end, or an instant. */
  readonly phase: TracePhase;
  /** Short name, e.g. `RUN_VMPL`, `PSC`, `CORE.QUERY_PROTOCOL`. */
  readonly name: string;
  /** Free text: codes, addresses, results. */
  readonly detail: string;
}

/**
 * Options for a {@link Trace}.
 *
 * @example
 * ```ts
 * import { Machine } from "./machine.ts";
 * // Keep the last-run trace small: at most 10,000 events, later ones only counted.
 * const trace = { limit: 10_000 };
 * const machine = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1, trace });
 * machine.trace.events.length; // 0
 * ```
 */
export interface TraceOptions {
  /** Record events at all (default true). A disabled trace costs one branch per event. */
  enabled?: boolean;
  /** Keep at most this many events; later ones are counted in `dropped` (default 1,000,000). */
  limit?: number;
}

/**
 * An append-only event log shared by the whole machine.
 *
 * @example
 * ```ts
 * import { Trace } from "./trace.ts";
 * const t = new Trace();
 * t.begin(0, 2, "run", "VMPL2");
 * t.end(0, 2, "run", "VMPL2", "VMGEXIT");
 * t.lines(); // ["0 v0 vmpl2 run begin VMPL2", "1 v0 vmpl2 run end VMPL2 VMGEXIT"]
 * ```
 */
export class Trace {
  /** Whether `record` stores anything. */
  enabled: boolean;
  /** The recorded events, in order. */
  readonly events: TraceEvent[] = [];
  /** Events not stored because `limit` was reached. */
  dropped = 0;
  readonly #limit: number;
  #seq = 0;

  /** Creates an empty trace. */
  constructor(options: TraceOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.#limit = options.limit ?? 1_000_000;
  }

  /** Appends one event (if enabled). */
  record(
    vcpu: number,
    vmpl: number,
    kind: TraceKind,
    phase: TracePhase,
    name: string,
    detail = "",
  ): void {
    if (!this.enabled) return;
    const seq = this.#seq++;
    if (this.events.length >= this.#limit) {
      this.dropped++;
      return;
    }
    this.events.push({ seq, vcpu, vmpl, kind, phase, name, detail });
  }

  /** Opens a slice. */
  begin(vcpu: number, vmpl: number, kind: TraceKind, name: string, detail = ""): void {
    this.record(vcpu, vmpl, kind, "begin", name, detail);
  }

  /** Closes the slice opened by the matching {@link Trace.begin}. */
  end(vcpu: number, vmpl: number, kind: TraceKind, name: string, detail = ""): void {
    this.record(vcpu, vmpl, kind, "end", name, detail);
  }

  /** Records a point event. */
  instant(vcpu: number, vmpl: number, kind: TraceKind, name: string, detail = ""): void {
    this.record(vcpu, vmpl, kind, "instant", name, detail);
  }

  /** Events of one kind (for tests and reports). */
  ofKind(kind: TraceKind): TraceEvent[] {
    return this.events.filter((e) => e.kind === kind);
  }

  /** One stable text line per event: equal traces give equal lines. */
  lines(): string[] {
    return this.events.map(formatEvent);
  }
}

/**
 * The text form of one event: `seq vN vmplM kind phase name [detail]`.
 *
 * @example
 * ```ts
 * import { formatEvent } from "./trace.ts";
 * const e = { seq: 0, vcpu: 1, vmpl: 0, name: "VMRUN", detail: "" };
 * formatEvent({ ...e, kind: "run", phase: "begin" }); // "0 v1 vmpl0 run begin VMRUN"
 * ```
 */
export function formatEvent(e: TraceEvent): string {
  const head = `${e.seq} v${e.vcpu} vmpl${e.vmpl} ${e.kind} ${e.phase} ${e.name}`;
  return e.detail === "" ? head : `${head} ${e.detail}`;
}
