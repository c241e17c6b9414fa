/**
 * SVSM request-loop benchmarks: QUERY_PROTOCOL round trips (guest → host → SVSM → host →
 * guest, two VMGEXITs and two world switches per call) and 510-entry PVALIDATE lists (the
 * largest list Linux sends: CA offset 8). Only the calls are timed, not the boot.
 * @module
 */
import { CoreCall, SvsmProtocol } from "../lib/svsm/abi/mod.ts";
import { runTestVm } from "../tests/svsm_test_vm.ts";

const CALLS = 20_000;
const LISTS = 20; // 10 validate + 10 invalidate lists of 510 entries
const LIST_BASE = 0x401000; // not 2 MiB-aligned: 510 4 KiB entries, one list
const LIST_BYTES = 510 * 0x1000;
const QUERY_CORE_V1 = 1n << 32n | 1n; // RCX: protocol 0 (core), version 1

Deno.bench(`QUERY_PROTOCOL round trips x${CALLS}`, { group: "svsm" }, async (b) => {
  await runTestVm({
    main: async (os, cpu) => {
      for (let i = 0; i < 1000; i++) {
        await os.svsmCall(cpu, SvsmProtocol.CORE, CoreCall.QUERY_PROTOCOL, QUERY_CORE_V1);
      }
      b.start();
      for (let i = 0; i < CALLS; i++) {
        await os.svsmCall(cpu, SvsmProtocol.CORE, CoreCall.QUERY_PROTOCOL, QUERY_CORE_V1);
      }
      b.end();
    },
  });
});

Deno.bench(`PVALIDATE 510-entry lists x${LISTS}`, { group: "svsm" }, async (b) => {
  await runTestVm({
    main: async (os, cpu) => {
      await os.pvalidate(cpu, LIST_BASE, LIST_BYTES, true);
      await os.pvalidate(cpu, LIST_BASE, LIST_BYTES, false);
      b.start();
      for (let i = 0; i < LISTS / 2; i++) {
        await os.pvalidate(cpu, LIST_BASE, LIST_BYTES, true);
        await os.pvalidate(cpu, LIST_BASE, LIST_BYTES, false);
      }
      b.end();
    },
  });
});
