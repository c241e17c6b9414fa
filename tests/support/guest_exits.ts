/**
 * A guest's side of the two host interfaces, for tests that play the guest against the model's
 * host: one GHCB MSR-protocol exchange, GHCB set-up (page made shared, GPA registered), and one
 * GHCB NAE exchange (snp-abi.md §9.2-§9.4).
 */
import assert from "node:assert/strict";
import {
  type CpuContext,
  decodeMsrResponse,
  encodeMsrRequest,
  GhcbPage,
  type GhcbRegister,
  MSR_GHCB,
  type MsrRequest,
  type MsrResponse,
  PAGE_SIZE,
  PSC_OP_SHARED,
} from "../../lib/snp/mod.ts";

/** One MSR-protocol exchange, as a guest does it. */
export async function msr(cpu: CpuContext, req: MsrRequest): Promise<MsrResponse> {
  cpu.wrmsr(MSR_GHCB, encodeMsrRequest(req));
  await cpu.vmgexit();
  return decodeMsrResponse(cpu.rdmsr(MSR_GHCB));
}

/** Makes the GHCB page at `gpa` shared and registers it; both must succeed. */
export async function setUpGhcb(cpu: CpuContext, gpa: number): Promise<void> {
  const gfn = gpa / PAGE_SIZE;
  assert.deepEqual(await msr(cpu, { kind: "psc", gfn, op: PSC_OP_SHARED }), {
    kind: "psc",
    error: 0,
  });
  assert.deepEqual(await msr(cpu, { kind: "reg-gpa", gfn }), { kind: "reg-gpa", gfn });
}

/** What one NAE exit carries; `edit` may change the GHCB last (to break it). */
export interface NaeCall {
  code: number;
  info1?: bigint;
  info2?: bigint;
  regs?: Partial<Record<GhcbRegister, bigint>>;
  edit?: (g: GhcbPage) => void;
}

/** One GHCB NAE exchange through the GHCB at `gpa`; returns the GHCB as the host left it. */
export async function nae(cpu: CpuContext, gpa: number, call: NaeCall): Promise<GhcbPage> {
  const g = new GhcbPage(cpu.page(gpa, "write", false));
  g.clearValid();
  g.protocolVersion = 2;
  g.usage = 0;
  g.set("swExitCode", BigInt(call.code));
  g.set("swExitInfo1", call.info1 ?? 0n);
  g.set("swExitInfo2", call.info2 ?? 0n);
  for (const [k, v] of Object.entries(call.regs ?? {})) g.set(k as GhcbRegister, v);
  call.edit?.(g);
  cpu.wrmsr(MSR_GHCB, BigInt(gpa));
  await cpu.vmgexit();
  return new GhcbPage(cpu.page(gpa, "read", false));
}
