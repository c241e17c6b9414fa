/**
 * The guest uses its vTPM (served by the SVSM through SVSM_VTPM_CMD): it seals a secret to the
 * current value of a PCR, unseals it, extends the PCR (as a changed boot component would), and
 * watches the unseal fail.
 *
 * `deno run examples/tpm.ts [--seed N]` (no permissions needed). Exit code 0 when the secret
 * unsealed before the extend and not after.
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { toHex } from "../lib/common/hex.ts";
import { TpmSvsm } from "../lib/guest/tpm_svsm.ts";
import { TPM_RC, TPM_RH } from "../lib/tpm/mod.ts";
import { sealedTemplate, SRK_TEMPLATE, TpmCommandError, tpmCommandName, Tss } from "./tss.ts";
import { createVm, launch } from "./vm.ts";
import { decimal } from "./story.ts";

const PCR = 23;
const SECRET = "the disk key: 4f1c…";

/**
 * Runs the example; returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./tpm.ts";
 * await main([]); // 0: unsealed while the PCR matched, refused after the extend
 * ```
 */
export async function main(args: string[]): Promise<number> {
  let seed: number;
  try {
    seed = decimal(
      parseArgs({ args, options: { seed: { type: "string", default: "1" } } })
        .values.seed,
    );
    if (!Number.isSafeInteger(seed)) throw new Error("--seed must be an integer");
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: deno run examples/tpm.ts [--seed N]`);
    return 2;
  }
  const outcome = { before: "", after: "" };
  const vm = await createVm({
    seed,
    vcpus: 1,
    memMiB: 8,
    main: async (os, cpu) => {
      const driver = await TpmSvsm.probe(os, cpu, { commandName: tpmCommandName });
      const tpm = new Tss((command) => driver.transmit(command));
      await tpm.startup();
      console.log("guest: vTPM found (SVSM_VTPM_QUERY), TPM2_Startup sent (SVSM_VTPM_CMD)");
      console.log(`PCR ${PCR} = ${toHex(await tpm.pcrRead(PCR))}`);

      // The policy: "PCR 23 holds what it holds now", computed in a trial session.
      const trial = await tpm.startPolicySession(true);
      await tpm.policyPcr(trial, [PCR]);
      const policy = await tpm.policyGetDigest(trial);
      await tpm.flush(trial);
      const srk = await tpm.createPrimary(TPM_RH.OWNER, SRK_TEMPLATE);
      const sealed = await tpm.create(srk.handle, sealedTemplate(policy), encode(SECRET));
      const item = await tpm.load(srk.handle, sealed.privateBlob, sealed.publicArea);
      console.log(`sealed "${SECRET}" under an ECC P-256 storage key`);
      console.log(`  policy: TPM2_PolicyPCR(PCR ${PCR}) = ${toHex(policy)}`);

      outcome.before = await unseal(tpm, item.handle);
      console.log(`unseal → ${outcome.before}`);

      const component = sha256("an unexpected boot component");
      await tpm.pcrExtend(PCR, component);
      console.log(`extend PCR ${PCR} with SHA-256("an unexpected boot component")`);
      console.log(`PCR ${PCR} = ${toHex(await tpm.pcrRead(PCR))}`);

      outcome.after = await unseal(tpm, item.handle);
      console.log(`unseal → ${outcome.after}`);
    },
  });
  launch(vm);
  const result = await vm.host.run();
  const ok = result.status === "finished" && outcome.before === `"${SECRET}"` &&
    outcome.after.startsWith("refused");
  console.log(ok ? "the secret is bound to the PCR" : `unexpected: ${result.reason ?? ""}`);
  return ok ? 0 : 1;
}

/** A policy session satisfying PolicyPCR with the PCR's current value, then TPM2_Unseal. */
async function unseal(tpm: Tss, item: number): Promise<string> {
  const session = await tpm.startPolicySession();
  try {
    await tpm.policyPcr(session, [PCR]);
    return `"${new TextDecoder().decode(await tpm.unseal(item, session))}"`;
  } catch (e) {
    if (!(e instanceof TpmCommandError)) throw e;
    const why = (e.rc & 0xbf) === TPM_RC.POLICY_FAIL // format-one code, session number masked
      ? "TPM_RC_POLICY_FAIL: the session's policy digest (made from today's PCR) is not the object's"
      : e.message;
    await tpm.flush(session);
    return `refused (TPM_RC 0x${e.rc.toString(16)}, ${why})`;
  }
}

function encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text).digest());
}

if (import.meta.main) Deno.exit(await main(Deno.args));
