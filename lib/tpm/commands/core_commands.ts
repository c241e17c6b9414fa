/**
 * The engine-core command families: lifecycle, capabilities, random, PCRs,
 * hashing, NV, sessions and policies, hierarchies, contexts.
 * @module
 */
import type { CommandDef } from "../dispatch.ts";
import { GetCapability } from "./get_capability.ts";
import { GetRandom, StirRandom } from "./get_random.ts";
import { GetTestResult, IncrementalSelfTest, SelfTest } from "./self_test.ts";
import { Shutdown } from "./shutdown.ts";
import { Startup } from "./startup.ts";
import { PCR_Allocate } from "./pcr_allocate.ts";
import { PCR_Event } from "./pcr_event.ts";
import { PCR_Extend } from "./pcr_extend.ts";
import { PCR_Read } from "./pcr_read.ts";
import { PCR_Reset } from "./pcr_reset.ts";

/** Core commands. */
export const CORE_COMMANDS: CommandDef[] = [
  Startup,
  Shutdown,
  SelfTest,
  IncrementalSelfTest,
  GetTestResult,
  GetCapability,
  GetRandom,
  StirRandom,
  PCR_Read,
  PCR_Extend,
  PCR_Event,
  PCR_Reset,
  PCR_Allocate,
];
