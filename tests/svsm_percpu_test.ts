/** Per-CPU data through per-CPU page tables: one CPU cannot see another's. */
import assert from "node:assert/strict";
import {
  type PerCpu,
  PERCPU_BASE,
  PERCPU_CAA_VA,
  PERCPU_DATA_VA,
  PERCPU_VMSA_VA,
} from "../lib/svsm/cpu/mod.ts";
import { runTestVm } from "./svsm_test_vm.ts";

const VCPUS = 4;
const SLOT_END = PERCPU_BASE + (1n << 39n);

async function bootFour() {
  const vm = await runTestVm({
    vcpus: VCPUS,
    main: async (os, cpu) => {
      for (let apic = 1; apic < VCPUS; apic++) assert.equal(await os.startAp(cpu, apic), 0);
    },
  });
  assert.notEqual(vm.result.status, "terminated", String(vm.result.reason));
  const percpus = vm.svsm.cpus.map((c) => c!.percpu);
  assert.equal(percpus.length, VCPUS);
  return { vm, percpus };
}

/** The frames `p` reaches through its private per-CPU slot. */
function privateFrames(p: PerCpu): number[] {
  return p.pageTable.mappings().filter((m) => m.va >= PERCPU_BASE && m.va < SLOT_END).map((m) =>
    m.pa
  );
}

Deno.test("each CPU reaches its own data page at the same per-CPU address", async () => {
  const { vm, percpus } = await bootFour();
  const frames = percpus.map((p) => p.translate(PERCPU_DATA_VA));
  assert.equal(new Set(frames).size, VCPUS, "different frames behind one address");
  percpus.forEach((p, i) => {
    assert.equal(p.get("cpuId"), i);
    assert.equal(p.get("apicId"), vm.machine.vcpus[i].apicId);
    assert.equal(p.get("online"), 1);
  });
});

Deno.test("no CPU's page table maps another CPU's per-CPU frames", async () => {
  const { percpus } = await bootFour();
  const own = percpus.map(privateFrames);
  for (let a = 0; a < VCPUS; a++) {
    assert.equal(own[a].length, 3, "data, CA and VMSA mappings");
    const everything = percpus[a].pageTable.mappings().map((m) => m.pa);
    for (let b = 0; b < VCPUS; b++) {
      if (a === b) continue;
      for (const frame of own[b]) {
        assert.ok(
          !everything.includes(frame),
          `CPU ${a} maps CPU ${b}'s frame 0x${frame.toString(16)}`,
        );
      }
    }
  }
});

Deno.test("a write to per-CPU data on one CPU is invisible to the others", async () => {
  const { percpus } = await bootFour();
  percpus[2].set("online", 0x5A5A);
  assert.deepEqual(percpus.map((p) => p.get("online")), [1, 1, 0x5A5A, 1]);
});

Deno.test("each CPU maps its own guest VMSA and calling area; the shared half is common", async () => {
  const { vm, percpus } = await bootFour();
  percpus.forEach((p, i) => {
    const g = vm.svsm.guestVcpus.get(vm.machine.vcpus[i].apicId)!;
    assert.equal(p.translate(PERCPU_VMSA_VA), g.vmsaGpa);
    assert.equal(p.translate(PERCPU_CAA_VA), g.caGpa);
  });
  const kernel = 0xFFFFFF8000000000n;
  const shared = percpus.map((p) => p.translate(kernel));
  assert.ok(shared.every((pa) => pa === vm.layout.imageGpa));
});
