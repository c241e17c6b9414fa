/**
 * One NAE event in flight, and how the host completes it in the GHCB (snp-abi.md §9.3): on
 * success EXITINFO1 = 0; on invalid usage EXITINFO1 = 2 and EXITINFO2 = the error value.
 * The valid bitmap is cleared first, so only the host's outputs are marked valid.
 * @module
 */

import {
  type ExitAction,
  ExitActions,
  GHCB_EXITINFO1_ERROR,
  type GhcbPage,
  type Vcpu,
} from "../snp/mod.ts";
import type { Host } from "./host.ts";

/** One NAE event being handled: the page and the decoded inputs. */
export interface NaeExit {
  /** The host handling it. */
  readonly host: Host;
  /** The exiting vCPU. */
  readonly vcpu: Vcpu;
  /** The exiting VMPL. */
  readonly vmpl: number;
  /** GPA of the GHCB. */
  readonly ghcbGpa: number;
  /** The GHCB (the host's raw view of the shared page). */
  readonly ghcb: GhcbPage;
  /** SW_EXITCODE. */
  readonly exitCode: number;
  /** SW_EXITINFO1. */
  readonly info1: bigint;
  /** SW_EXITINFO2. */
  readonly info2: bigint;
}

/** Writes a successful completion: EXITINFO1 = 0, EXITINFO2 = `info2`, then resumes. */
export function succeed(e: NaeExit, info2: bigint): ExitAction {
  e.ghcb.clearValid();
  e.ghcb.set("swExitInfo1", 0n);
  e.ghcb.set("swExitInfo2", info2);
  return ExitActions.resume;
}

/** Writes an error completion: EXITINFO1 = 2, EXITINFO2 = `error` (snp-abi.md §9.3), then resumes. */
export function fail(
  host: Host,
  vcpu: Vcpu,
  vmpl: number,
  ghcb: GhcbPage,
  error: number,
): ExitAction {
  ghcb.clearValid();
  ghcb.set("swExitInfo1", BigInt(GHCB_EXITINFO1_ERROR));
  ghcb.set("swExitInfo2", BigInt(error));
  if (host.machine.trace.enabled) host.note(vcpu, vmpl, "nae", "error", `EXITINFO2 ${error}`);
  return ExitActions.resume;
}
