/**
 * A TPM 2.0 in TypeScript (TCG TPM 2.0 Library, Parts 1–3).
 *
 * - {@link Tpm} (`tpm.ts`): `manufacture`, `powerOn`/`powerOff`/`reset`,
 *   `execute` (never throws), `saveState`/`loadState`.
 * - Commands are data: `defineCommand({ code, name, handles, params,
 *   response, execute })` (`dispatch.ts`), one file per command in
 *   `commands/`, listed in `core_commands.ts` and `key_commands.ts`.
 *   `handles` are `HandleSpec`s (`dispatch.ts`): a TPMI type (`HT.*`,
 *   `handle_types.ts`) and `auth: "USER" | "ADMIN" | "DUP"` for authorized
 *   handles, which come first. `params`/`response` are field tables of
 *   codecs (`marshal/`); a leading TPM2B enables parameter encryption.
 * - The dispatcher checks header → handles (TPM_RC_REFERENCE_H0 / HANDLE /
 *   VALUE with the handle number) → sessions and authorization (password,
 *   HMAC, policy, bound/salted, DA) → decrypts → decodes (errors carry the
 *   parameter number) → `execute(ctx, params)` → encrypts, response HMACs.
 *   `ctx.state` is the {@link TpmState} (hierarchies, pcrs, nv, objects,
 *   sessions, clock, lockout, rng); `ctx.object(i)`, `ctx.session(i)`,
 *   `ctx.name(i)`; set `ctx.responseHandle`. Fail with `paramError(rc, n)`,
 *   `handleError(rc, n)` or `new TpmError(rc)`.
 * - Objects: `makeObject({ publicArea, authValue, seedValue, sensitive,
 *   hierarchy, parentQualifiedName })` computes name and QN;
 *   `state.objects.add(obj)` loads it (TPM_RC_OBJECT_MEMORY when full).
 * - Tickets (`crypto/ticket.ts`) are keyed by the hierarchy proof:
 *   HASHCHECK with the digest's hash, VERIFIED with the key's nameAlg,
 *   AUTH_SECRET/AUTH_SIGNED with the policy session's hash.
 *
 * @example
 * ```ts
 * import { Tpm } from "./mod.ts";
 * const tpm = await Tpm.manufacture();
 * tpm.powerOn();
 * const rsp = await tpm.execute(new Uint8Array([0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0]));
 * ```
 * @module
 */
export { type ManufactureOptions, Tpm } from "./tpm.ts";
export * from "./marshal/mod.ts";
export * from "./state/mod.ts";
export * from "./constants.ts";
export { RC_MOD, type RcPosition, TPM_RC, TpmError } from "./response_code.ts";
