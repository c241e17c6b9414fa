/**
 * A TPM 2.0 in TypeScript (TCG TPM 2.0 Library, Parts 1–3).
 *
 * - {@link Tpm} (`tpm.ts`): manufacture, power, execute, save/load state.
 * - Commands are data: `defineCommand({ code, name, handles, params,
 *   response, execute })` from `dispatch.ts`. `handles` lists
 *   {@link HandleSpec}s (a TPMI type from `handle_types.ts` `HT.*`, and
 *   `auth: "USER" | "ADMIN" | "DUP"` for authorized handles, first);
 *   `params`/`response` are field tables of codecs from `marshal/`
 *   (e.g. `{ keyHandle: ..., digest: TPM2B_DIGEST }`). The dispatcher checks
 *   header, handles (presence → TPM_RC_REFERENCE_H0/HANDLE), sessions and
 *   authorizations (password, HMAC, policy; DA), decrypts/encrypts the first
 *   parameter, decodes parameters (errors get their parameter number) and
 *   builds the response. `execute(ctx, params)` gets a `CommandContext`:
 *   `ctx.state` (TpmState: `hierarchies`, `pcrs`, `nv`, `objects`,
 *   `sessions`, `clock`, `lockout`, `rng`), `ctx.handles`, `ctx.object(i)`,
 *   `ctx.name(i)`, and sets `ctx.responseHandle`. Throw `TpmError` /
 *   `paramError(rc, n)` / `handleError(rc, n)` for failures.
 * - Objects: `makeObject({ publicArea, authValue, seedValue, sensitive,
 *   hierarchy, parentQualifiedName })` (state/objects.ts) computes name and
 *   QN; `ctx.state.objects.add(obj)` loads it (TPM_RC_OBJECT_MEMORY when full).
 * - Key commands live in `commands/key_commands.ts` (`KEY_COMMANDS`), which
 *   the registry appends to the core commands.
 *
 * @example
 * ```ts
 * import { Tpm } from "./mod.ts";
 * const tpm = await Tpm.manufacture();
 * tpm.powerOn();
 * ```
 * @module
 */
export { type ManufactureOptions, Tpm } from "./tpm.ts";
export {
  type AuthRole,
  CommandContext,
  type CommandDef,
  defineCommand,
  dispatch,
  errorResponse,
  type HandleSpec,
  type InternalErrorSink,
  type TypedCommand,
} from "./dispatch.ts";
export { type HandleType, type HandleTypeName, HT } from "./handle_types.ts";
export type { AuthCommand } from "./sessions/session_area.ts";
export * from "./marshal/mod.ts";
export * from "./state/mod.ts";
export * from "./constants.ts";
export * from "./response_code.ts";
