/**
 * The machine trace in the Chrome Trace Event Format (the JSON that Perfetto and
 * chrome://tracing open; "Trace Event Format", Google, Duffy 2016): one process for the
 * machine, one thread lane per vCPU plus one for the host and firmware acting on their own.
 *
 * - Slices ("X", complete events) for every begin/end pair: each VMPL run, each SVSM call
 *   (protocol/call name, result code), each firmware command, each TPM command.
 * - Instants ("i", thread scope) for faults, #VC, exits, MSR/NAE requests, halts.
 * - Metadata ("M") naming the process and each lane.
 *
 * Time is logical: an event's `ts` is its sequence number in microseconds, so the same seed
 * gives the same file and slices keep their order and nesting.
 *
 * The format requires slices on one lane to nest. Machine slices may cross (an SVSM call
 * outlives the VMPL0 run it began in when the SVSM exits to the host mid-call), so a slice that
 * an outer one's end cuts is split: it closes there and continues as a new slice with
 * `"continued": true` in its args.
 * @module
 */

import type { TraceEvent } from "./trace.ts";

/**
 * One Chrome trace event (the fields this converter emits).
 *
 * @example
 * ```ts
 * import { type ChromeTraceEvent, toChromeTrace } from "./chrome_trace.ts";
 * import { Trace } from "./trace.ts";
 * const t = new Trace();
 * t.begin(0, 0, "call", "CORE.PVALIDATE");
 * t.end(0, 0, "call", "CORE.PVALIDATE", "0x0");
 * const events: ChromeTraceEvent[] = toChromeTrace(t.events).traceEvents;
 * const slices = events.filter((e) => e.ph === "X");
 * slices[0].dur; // 1: one logical tick from begin (seq 0) to end (seq 1)
 * ```
 */
export interface ChromeTraceEvent {
  /** Event name shown on the slice. */
  name: string;
  /** Category: the machine trace kind, or "__metadata". */
  cat: string;
  /** Phase: "X" complete, "i" instant, "M" metadata. */
  ph: "X" | "i" | "M";
  /** Timestamp in microseconds (here: the machine event sequence number). */
  ts: number;
  /** Duration in microseconds ("X" only). */
  dur?: number;
  /** Process id. */
  pid: number;
  /** Thread id: the lane. */
  tid: number;
  /** Instant scope ("i" only): "t" = thread. */
  s?: "t";
  /** Details shown in the slice panel. */
  args?: Record<string, string | number | boolean>;
}

/**
 * A whole trace file.
 *
 * @example
 * ```ts
 * import { type ChromeTrace, toChromeTrace } from "./chrome_trace.ts";
 * import { Trace } from "./trace.ts";
 * const t = new Trace();
 * t.instant(1, 2, "vc", "#VC", "0x404");
 * const file: ChromeTrace = toChromeTrace(t.events, { processName: "demo VM" });
 * const json = JSON.stringify(file); // what ui.perfetto.dev and chrome://tracing open
 * ```
 */
export interface ChromeTrace {
  /** The events. */
  traceEvents: ChromeTraceEvent[];
  /** How the viewer shows times. */
  displayTimeUnit: "ms" | "ns";
  /** Free-form metadata. */
  otherData: Record<string, string>;
}

/**
 * Options for {@link toChromeTrace}.
 *
 * @example
 * ```ts
 * import { toChromeTrace } from "./chrome_trace.ts";
 * const t = toChromeTrace([], { vcpus: 2, processName: "my VM" });
 * t.traceEvents.length; // the lane-name metadata events
 * ```
 */
export interface ChromeTraceOptions {
  /** Lanes to name even if they recorded nothing (default: the vCPUs seen). */
  vcpus?: number;
  /** Process name (default "SEV-SNP machine"). */
  processName?: string;
}

/**
 * The process id of the machine.
 *
 * @example
 * ```ts
 * import { CHROME_TRACE_PID, toChromeTrace } from "./chrome_trace.ts";
 * import { Trace } from "./trace.ts";
 * const t = new Trace();
 * t.instant(0, 0, "msr", "SEV_INFO");
 * toChromeTrace(t.events).traceEvents.every((e) => e.pid === CHROME_TRACE_PID); // true
 * ```
 */
export const CHROME_TRACE_PID = 1;
/**
 * The lane of events with no vCPU (the host and the secure processor on their own).
 *
 * @example
 * ```ts
 * import { HOST_LANE_TID, toChromeTrace } from "./chrome_trace.ts";
 * import { Trace } from "./trace.ts";
 * const t = new Trace();
 * t.instant(-1, -1, "firmware", "SNP_LAUNCH_START");
 * const instant = toChromeTrace(t.events).traceEvents.find((e) => e.ph === "i");
 * instant?.tid === HOST_LANE_TID; // true: vcpu -1 lands on the host lane
 * ```
 */
export const HOST_LANE_TID = 1000;

/** The lane (thread id) of a vCPU: tid 0 is special in some viewers, so vCPU n is n + 1. */
export function vcpuLane(vcpu: number): number {
  return vcpu < 0 ? HOST_LANE_TID : vcpu + 1;
}

/** An open slice on a lane. */
interface Open {
  event: TraceEvent;
  start: number;
  continued: boolean;
}

/**
 * Converts machine trace events to a Chrome trace.
 *
 * @example
 * ```ts
 * import { Trace } from "./trace.ts";
 * import { toChromeTrace } from "./chrome_trace.ts";
 * const t = new Trace();
 * t.begin(0, 2, "run", "VMPL2");
 * t.instant(0, 2, "vc", "#VC", "0x404");
 * t.end(0, 2, "run", "VMPL2", "VMGEXIT");
 * const json = JSON.stringify(toChromeTrace(t.events)); // open it in ui.perfetto.dev
 * ```
 */
export function toChromeTrace(
  events: readonly TraceEvent[],
  options: ChromeTraceOptions = {},
): ChromeTrace {
  const out: ChromeTraceEvent[] = [];
  const lanes = new Map<number, Open[]>();
  const stackOf = (tid: number): Open[] => {
    let s = lanes.get(tid);
    if (s === undefined) lanes.set(tid, s = []);
    return s;
  };
  let last = 0;
  for (const e of events) {
    last = e.seq;
    const tid = vcpuLane(e.vcpu);
    const stack = stackOf(tid);
    if (e.phase === "begin") stack.push({ event: e, start: e.seq, continued: false });
    else if (e.phase === "end") closeSlice(out, stack, tid, e);
    else out.push(instant(e, tid));
  }
  for (const [tid, stack] of lanes) {
    while (stack.length > 0) out.push(slice(stack.pop()!, tid, last + 1, "unfinished"));
  }
  out.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const seen = [...lanes.keys()].filter((tid) => tid !== HOST_LANE_TID); // tid = vCPU + 1
  const vcpus = Math.max(options.vcpus ?? 0, ...seen);
  return {
    traceEvents: [...metadata(options.processName ?? "SEV-SNP machine", vcpus), ...out],
    displayTimeUnit: "ns",
    otherData: { clock: "logical: 1 µs = 1 machine trace event" },
  };
}

/**
 * Converts and serializes (one event per line, so diffs stay readable).
 *
 * @example
 * ```ts
 * import { chromeTraceJson } from "./chrome_trace.ts";
 * import { Machine } from "./machine.ts";
 * const machine = new Machine({ memoryBytes: 4 << 20, vcpus: 1, seed: 1 });
 * const json = chromeTraceJson(machine.trace.events);
 * JSON.parse(json).traceEvents; // an array (opens in Perfetto)
 * ```
 */
export function chromeTraceJson(
  events: readonly TraceEvent[],
  options: ChromeTraceOptions = {},
): string {
  const t = toChromeTrace(events, options);
  const body = t.traceEvents.map((e) => JSON.stringify(e)).join(",\n");
  return `{"displayTimeUnit":"${t.displayTimeUnit}","otherData":${
    JSON.stringify(t.otherData)
  },"traceEvents":[\n${body}\n]}\n`;
}

/** Closes the open slice `end` matches; slices opened above it are split around it. */
function closeSlice(out: ChromeTraceEvent[], stack: Open[], tid: number, end: TraceEvent): void {
  let at = stack.length - 1;
  while (at >= 0 && !matches(stack[at].event, end)) at--;
  if (at < 0) return; // an end without its begin (trace started mid-slice): nothing to draw
  const cut = stack.splice(at + 1);
  for (let i = cut.length - 1; i >= 0; i--) out.push(slice(cut[i], tid, end.seq, ""));
  out.push(slice(stack.pop()!, tid, end.seq, end.detail));
  for (const o of cut) stack.push({ event: o.event, start: end.seq, continued: true });
}

function matches(begin: TraceEvent, end: TraceEvent): boolean {
  return begin.kind === end.kind && begin.name === end.name && begin.vmpl === end.vmpl;
}

function slice(o: Open, tid: number, endTs: number, result: string): ChromeTraceEvent {
  const e = o.event;
  const args: Record<string, string | number | boolean> = { vmpl: e.vmpl };
  if (e.detail !== "") args.detail = e.detail;
  if (result !== "") args.result = result;
  if (o.continued) args.continued = true;
  const name = e.kind === "call" && result !== "" && result !== "unfinished"
    ? `${e.name} → ${result}`
    : e.name;
  return {
    name,
    cat: e.kind,
    ph: "X",
    ts: o.start,
    dur: endTs - o.start,
    pid: CHROME_TRACE_PID,
    tid,
    args,
  };
}

function instant(e: TraceEvent, tid: number): ChromeTraceEvent {
  const args: Record<string, string | number> = { vmpl: e.vmpl };
  if (e.detail !== "") args.detail = e.detail;
  return {
    name: e.name,
    cat: e.kind,
    ph: "i",
    s: "t",
    ts: e.seq,
    pid: CHROME_TRACE_PID,
    tid,
    args,
  };
}

function metadata(processName: string, vcpus: number): ChromeTraceEvent[] {
  const m = (name: string, tid: number, args: Record<string, string | number>) => ({
    name,
    cat: "__metadata",
    ph: "M" as const,
    ts: 0,
    pid: CHROME_TRACE_PID,
    tid,
    args,
  });
  const out = [m("process_name", 0, { name: processName })];
  for (let v = 0; v < vcpus; v++) {
    out.push(m("thread_name", vcpuLane(v), { name: `vCPU ${v}` }));
    out.push(m("thread_sort_index", vcpuLane(v), { sort_index: v }));
  }
  out.push(m("thread_name", HOST_LANE_TID, { name: "host + secure processor" }));
  out.push(m("thread_sort_index", HOST_LANE_TID, { sort_index: -1 }));
  return out;
}
