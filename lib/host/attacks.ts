/**
 * Everything a malicious host can do to its guest, as explicit methods, so tests can play
 * the attacker. Each works on the host's real powers only: its view of DRAM (ciphertext for
 * private pages; writes to guest-assigned pages fault), RMPUPDATE, the nested page table it
 * owns, and the exit handling it controls. What the guest notices is the machine's business.
 * @module
 */

import { type GhcbPage, PAGE_SIZE, type RmpUpdate } from "../snp/mod.ts";
import type { Host, RunDecision } from "./host.ts";

/**
 * The attacks.
 *
 * @example
 * ```ts
 * import { Machine } from "../snp/mod.ts";
 * import { Host } from "./host.ts";
 * const host = new Host(new Machine({ memoryBytes: 8 << 20, vcpus: 1, seed: 1 }));
 * host.createVm({ guestMemoryBytes: 1 << 20 });
 * host.attacks.readGuestPage(0x1000).length; // 4096 bytes of ciphertext
 * ```
 */
export class HostAttacks {
  readonly #host: Host;

  /** Attacks through `host`. */
  constructor(host: Host) {
    this.#host = host;
  }

  /** The SPA behind `gpa` in the host's NPT; throws a `RangeError` if unmapped. */
  spaOf(gpa: number): number {
    const spa = this.#vm().npt.translate(gpa);
    if (spa === undefined) throw new RangeError(`GPA 0x${gpa.toString(16)} is not mapped`);
    return spa;
  }

  /** Reads the page behind `gpa` as DRAM holds it (ciphertext when private). */
  readGuestPage(gpa: number): Uint8Array {
    return this.readSystemPage(this.spaOf(page(gpa)));
  }

  /** Reads any system page. */
  readSystemPage(spa: number): Uint8Array {
    return this.#host.machine.hostAccess.read(page(spa), PAGE_SIZE);
  }

  /** Writes the page behind `gpa`: throws MachineFault (#PF, RMP) if the guest owns it. */
  writeGuestPage(gpa: number, data: Uint8Array): void {
    this.writeSystemPage(this.spaOf(page(gpa)), data);
  }

  /** Writes any system page: throws MachineFault (#PF, RMP) if it is assigned. */
  writeSystemPage(spa: number, data: Uint8Array): void {
    this.#host.machine.hostAccess.write(page(spa), data);
  }

  /** RMPUPDATE on any page, with any operand (returns the instruction's code). */
  rmpupdate(spa: number, entry: RmpUpdate): number {
    return this.#host.machine.rmp.rmpupdate(spa, entry);
  }

  /**
   * RMPUPDATE behind the guest's back: re-assigns the page behind `gpa` to the guest exactly
   * as it was. Harmless-looking, but it clears VALIDATED: the guest's next access gets #VC 0x404.
   */
  reassignBehindGuest(gpa: number): number {
    const vm = this.#vm();
    return this.rmpupdate(this.spaOf(page(gpa)), {
      assigned: true,
      asid: vm.asid,
      gpa: page(gpa),
      pageSize2M: false,
    });
  }

  /** Points `gpa` at another system page in the NPT (the guest's next access sees the RMP). */
  remap(gpa: number, spa: number): void {
    this.#vm().npt.map(page(gpa), page(spa));
  }

  /** Exchanges the system pages behind two GPAs. */
  swap(gpaA: number, gpaB: number): void {
    const a = this.spaOf(page(gpaA));
    const b = this.spaOf(page(gpaB));
    this.remap(gpaA, b);
    this.remap(gpaB, a);
  }

  /** A copy of the ciphertext behind `gpa`, to replay later. */
  snapshot(gpa: number): Uint8Array {
    return this.readGuestPage(gpa);
  }

  /**
   * Puts old ciphertext back behind `gpa`. The host must take the page away from the guest
   * to write it (RMPUPDATE unassign), then give it back: VALIDATED is lost on the way.
   */
  replay(gpa: number, ciphertext: Uint8Array): void {
    const spa = this.spaOf(page(gpa));
    const vm = this.#vm();
    this.rmpupdate(spa, { assigned: false, asid: 0, gpa: 0, pageSize2M: false });
    this.writeSystemPage(spa, ciphertext);
    this.rmpupdate(spa, { assigned: true, asid: vm.asid, gpa: page(gpa), pageSize2M: false });
  }

  /** Copies the ciphertext behind `fromGpa` into the host page `toSpa` (a page it owns). */
  copyCiphertext(fromGpa: number, toSpa: number): void {
    this.writeSystemPage(toSpa, this.readGuestPage(fromGpa));
  }

  /** Rewrites every MSR-protocol response from now on. */
  corruptMsrResponses(fn: (vcpu: number, vmpl: number, response: bigint) => bigint): void {
    this.#host.tamper.msrResponse = fn;
  }

  /** Rewrites every GHCB response from now on. */
  corruptGhcbResponses(fn: (vcpu: number, vmpl: number, ghcb: GhcbPage) => void): void {
    this.#host.tamper.ghcbResponse = fn;
  }

  /** Refuses every RUN_VMPL from now on (the caller gets an error and keeps running). */
  refuseRuns(): void {
    this.#host.tamper.runVmpl = () => "refuse";
  }

  /** Decides RUN_VMPL requests itself: run another VMPL, refuse, or halt the vCPU. */
  reorderRuns(fn: (vcpu: number, vmpl: number, requested: number) => RunDecision): void {
    this.#host.tamper.runVmpl = fn;
  }

  /** Acknowledges every AP_CREATION(CREATE) from now on without ever running the AP. */
  ignoreApStarts(): void {
    this.#host.tamper.startAp = () => false;
  }

  /** Back to honest exit handling. */
  behave(): void {
    const t = this.#host.tamper;
    t.msrResponse = undefined;
    t.ghcbResponse = undefined;
    t.runVmpl = undefined;
    t.startAp = undefined;
  }

  #vm() {
    const vm = this.#host.vm;
    if (vm === undefined) throw new Error("no VM");
    return vm;
  }
}

function page(a: number): number {
  return a - (a % PAGE_SIZE);
}
