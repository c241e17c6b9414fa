/**
 * GUEST_REQUEST / EXT_GUEST_REQUEST (snp-abi.md §2.6): the host copies the guest's encrypted
 * request page to the firmware and the firmware's encrypted response back. It cannot read
 * either (they are sealed with a VMPCK); for the extended request it also hands out the
 * certificate table, asking for more pages when the guest's buffer is too small.
 * @module
 */

import {
  type ExitAction,
  GHCB_ERR_INVALID_EVENT,
  GHCB_ERR_INVALID_INPUT,
  GHCB_ERR_MISSING_INPUT,
  GhcbPage,
  NAE_EXT_GUEST_REQUEST,
  PAGE_SIZE,
} from "../snp/mod.ts";
import { fail, type NaeExit, succeed } from "./nae_exit.ts";

/** VMM status INVALID_LEN in EXITINFO2[63:32]: the certificate buffer is too small (§2.6). */
export const VMM_ERR_INVALID_LEN = 1;

/**
 * Relays one guest request to the firmware.
 *
 * @example
 * ```ts
 * // Called for NAE 0x80000011 / 0x80000012 by the GHCB handler.
 * import { relayGuestRequest } from "./guest_request_relay.ts";
 * typeof relayGuestRequest; // "function"
 * ```
 */
export async function relayGuestRequest(e: NaeExit): Promise<ExitAction> {
  const { host, vcpu, vmpl, ghcb } = e;
  const firmware = host.guestFirmware;
  const handle = host.vm!.launchHandle;
  if (firmware === undefined || handle === undefined) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_INVALID_EVENT);
  }
  const request = host.sharedPage(Number(e.info1));
  const response = host.sharedPage(Number(e.info2));
  if (request === undefined || response === undefined) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_INVALID_INPUT);
  }
  if (e.exitCode === NAE_EXT_GUEST_REQUEST) {
    const early = handOutCertificates(e);
    if (early !== undefined) return early;
  }
  const t = host.machine.trace;
  t.begin(vcpu.id, vmpl, "firmware", "SNP_GUEST_REQUEST");
  const reply = await firmware.guestRequest(handle, request.slice());
  t.end(vcpu.id, vmpl, "firmware", "SNP_GUEST_REQUEST", `status 0x${reply.status.toString(16)}`);
  // Another vCPU may have made the GHCB or the response page private while the firmware worked:
  // look again, so the host never writes a page the RMP gives the guest (snp-abi.md §8).
  const page = host.sharedPage(e.ghcbGpa);
  if (page === undefined) {
    return { kind: "terminate", reason: "the GHCB became private during SNP_GUEST_REQUEST" };
  }
  const done: NaeExit = { ...e, ghcb: new GhcbPage(page) };
  const out = host.sharedPage(Number(e.info2));
  if (out === undefined) return fail(host, vcpu, vmpl, done.ghcb, GHCB_ERR_INVALID_INPUT);
  if (reply.response !== undefined) out.set(reply.response.subarray(0, PAGE_SIZE));
  // EXITINFO2: [31:0] firmware status, [63:32] VMM status (0).
  return succeed(done, BigInt(reply.status >>> 0));
}

/** Writes the certificate table into the guest's buffer (RAX = GPA, RBX = pages). */
function handOutCertificates(e: NaeExit): ExitAction | undefined {
  const { host, vcpu, vmpl, ghcb } = e;
  const gpa = ghcb.getValid("rax");
  const pages = ghcb.getValid("rbx");
  if (gpa === undefined || pages === undefined) {
    return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_MISSING_INPUT);
  }
  // KVM refuses a certificate buffer that does not start a page (INVALID_INPUT); rounding it
  // down would overwrite guest bytes before the buffer.
  if (gpa % BigInt(PAGE_SIZE) !== 0n) return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_INVALID_INPUT);
  const table = host.certificates ?? new Uint8Array(PAGE_SIZE); // all-zero: no certificates
  const needed = Math.ceil(table.length / PAGE_SIZE);
  if (pages < BigInt(needed)) {
    const action = succeed(e, BigInt(VMM_ERR_INVALID_LEN) << 32n);
    ghcb.set("rbx", BigInt(needed));
    return action;
  }
  for (let i = 0; i < needed; i++) {
    const page = host.sharedPage(Number(gpa) + i * PAGE_SIZE);
    if (page === undefined) return fail(host, vcpu, vmpl, ghcb, GHCB_ERR_INVALID_INPUT);
    page.fill(0);
    page.set(table.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
  }
  return undefined;
}
