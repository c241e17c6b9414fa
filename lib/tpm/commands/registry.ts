/**
 * The command table: core commands plus the key commands, by TPM_CC.
 * @module
 */
import type { CommandDef } from "../dispatch.ts";
import { CORE_COMMANDS } from "./core_commands.ts";
import { KEY_COMMANDS } from "./key_commands.ts";

/** Builds the table; a duplicate code is a programming error. */
export function commandTable(): ReadonlyMap<number, CommandDef> {
  const m = new Map<number, CommandDef>();
  for (const d of [...CORE_COMMANDS, ...KEY_COMMANDS]) {
    if (m.has(d.code)) throw new Error(`duplicate command 0x${d.code.toString(16)} ${d.name}`);
    m.set(d.code, d);
  }
  return m;
}
