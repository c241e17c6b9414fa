/**
 * Key and attestation commands, owned by the TPM crypto & keys work; the
 * registry appends this list to the core commands.
 * @module
 */
import type { CommandDef } from "../dispatch.ts";

/** Key-using commands (CreatePrimary, Create, Load, Sign, …). */
export const KEY_COMMANDS: CommandDef[] = [];
