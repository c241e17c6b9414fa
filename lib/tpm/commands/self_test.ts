/**
 * TPM2_SelfTest, TPM2_IncrementalSelfTest, TPM2_GetTestResult (Part 3
 * §10.2–§10.4). Algorithms are tested at manufacture; nothing is pending.
 * @module
 */
import { TPM_CC } from "../constants.ts";
import { defineCommand } from "../dispatch.ts";
import { list, tpm2b, UINT16, UINT32 } from "../marshal/codec.ts";
import { TPMI_YES_NO } from "../marshal/types.ts";

const TPML_ALG = list("TPML_ALG", UINT16, 64);

/** TPM2_SelfTest. */
export const SelfTest = defineCommand({
  code: TPM_CC.SelfTest,
  name: "SelfTest",
  handles: [],
  params: { fullTest: TPMI_YES_NO },
  response: {},
  execute(ctx) {
    ctx.state.testResult = 0;
    return {};
  },
});

/** TPM2_IncrementalSelfTest: returns the (empty) list of algorithms still to test. */
export const IncrementalSelfTest = defineCommand({
  code: TPM_CC.IncrementalSelfTest,
  name: "IncrementalSelfTest",
  handles: [],
  params: { toTest: TPML_ALG },
  response: { toDoList: TPML_ALG },
  execute: () => ({ toDoList: [] as number[] }),
});

/** TPM2_GetTestResult. */
export const GetTestResult = defineCommand({
  code: TPM_CC.GetTestResult,
  name: "GetTestResult",
  handles: [],
  params: {},
  response: { outData: tpm2b("TPM2B_MAX_BUFFER", 1024), testResult: UINT32 },
  execute: (ctx) => ({ outData: new Uint8Array(0), testResult: ctx.state.testResult }),
});
