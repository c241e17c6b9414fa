/**
 * The SEV-SNP machine: the hardware core (memory, RMP, memory encryption, nested paging,
 * access checks, RMP instructions, VMSA/GHCB layouts, MSR protocol, NAE events) and the
 * execution layer (vCPUs, the programs they run, the seeded scheduler, the trace).
 *
 * @example
 * ```ts
 * import { Machine } from "./mod.ts";
 * const machine = new Machine({ memoryBytes: 4 << 20, vcpus: 2, seed: 1 });
 * machine.vcpus.length; // 2
 * ```
 * @module
 */
export * from "./core.ts";
export * from "./trace.ts";
export * from "./scheduler.ts";
export * from "./cpu_context.ts";
export * from "./vcpu.ts";
export * from "./machine.ts";
export {
  CHROME_TRACE_PID,
  type ChromeTrace,
  type ChromeTraceEvent,
  chromeTraceJson,
  type ChromeTraceOptions,
  HOST_LANE_TID,
  toChromeTrace,
} from "./chrome_trace.ts";
export * from "./firmware/mod.ts";
