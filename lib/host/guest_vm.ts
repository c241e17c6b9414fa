/**
 * One guest as the host knows it: its ASID, its memory and nested page table, the SEV
 * features it was launched with, and the GHCB each VMSA registered (REG_GPA).
 * @module
 */

import { Npt, VMPL_COUNT } from "../snp/mod.ts";

/**
 * How to create a guest.
 *
 * @example
 * ```ts
 * import { Host } from "./host.ts";
 * import { Machine } from "../snp/machine.ts";
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 }));
 * host.createVm({ guestMemoryBytes: 4 << 20, asid: 1 });
 * ```
 */
export interface VmConfig {
  /** Guest memory in bytes (a multiple of 4 KiB), at GPA 0 upwards. */
  guestMemoryBytes: number;
  /** ASID (default 1). */
  asid?: number;
  /** SEV_FEATURES every VMSA must carry (default SNP_ACTIVE). */
  sevFeatures?: bigint;
}

/**
 * The host's record of a guest.
 *
 * @example
 * ```ts
 * import { GuestVm } from "./guest_vm.ts";
 * const vm = new GuestVm({ guestMemoryBytes: 1 << 20 }, 2);
 * vm.registerGhcb(0, 2, 0x5000);
 * vm.registeredGhcb(0, 2); // 0x5000
 * ```
 */
export class GuestVm {
  /** Guest ASID. */
  readonly asid: number;
  /** Guest memory size. */
  readonly memoryBytes: number;
  /** SEV_FEATURES of the VM. */
  readonly sevFeatures: bigint;
  /** The nested page table (GPA → SPA), owned by the host. */
  readonly npt: Npt = new Npt();
  /** The launch handle the firmware gave, once launched. */
  launchHandle: number | undefined;
  /** The launch digest, once launched. */
  measurement: Uint8Array | undefined;
  readonly #ghcb: number[];

  /** Records a guest with `vcpus` vCPUs. */
  constructor(config: VmConfig, vcpus: number) {
    this.asid = config.asid ?? 1;
    this.memoryBytes = config.guestMemoryBytes;
    this.sevFeatures = config.sevFeatures ?? 1n;
    this.#ghcb = new Array(vcpus * VMPL_COUNT).fill(-1);
  }

  /** REG_GPA: the GHCB GPA of (vCPU, VMPL). */
  registerGhcb(vcpu: number, vmpl: number, gpa: number): void {
    this.#ghcb[vcpu * VMPL_COUNT + vmpl] = gpa;
  }

  /** The registered GHCB GPA of (vCPU, VMPL), or -1. */
  registeredGhcb(vcpu: number, vmpl: number): number {
    return this.#ghcb[vcpu * VMPL_COUNT + vmpl] ?? -1;
  }

  /** Whether `gpa` lies in guest memory. */
  contains(gpa: number): boolean {
    return Number.isSafeInteger(gpa) && gpa >= 0 && gpa < this.memoryBytes;
  }
}
