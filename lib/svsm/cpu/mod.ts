/**
 * Per-CPU kernel components: the per-CPU area behind per-CPU page tables, exception dispatch,
 * and starting the APs (COCONUT kernel/src/cpu/).
 *
 * @example
 * ```ts
 * import { PERCPU_BASE, Vector } from "./mod.ts";
 * PERCPU_BASE.toString(16); // "ffffff0000000000"
 * Vector.VC; // 29
 * ```
 * @module
 */
export {
  PerCpu,
  PERCPU_BASE,
  PERCPU_CAA_VA,
  PERCPU_DATA,
  PERCPU_DATA_VA,
  PERCPU_VMSA_VA,
} from "./percpu.ts";
export { type ExceptionHandler, ExceptionTable, GeneralProtectionFault, Vector } from "./idt.ts";
