/**
 * The command dispatcher (Part 3 §5, Part 1 §18): header validation, handle
 * area, authorization area, parameter decryption and decoding, execution,
 * response building. Commands are data ({@link CommandDef}); this file knows
 * none of them.
 *
 * Order of checks follows the reference TPM: tag → size → command code →
 * initialization → handles → sessions and authorizations → parameters →
 * command action. Every failure is a TPM_RC with its handle, parameter or
 * session number; nothing throws out of {@link dispatch}.
 * @module
 */
import { LIMITS, TPM_CC, TPM_HT, TPM_RH, TPM_ST, TPMA_NV } from "./constants.ts";
import type { HandleType } from "./handle_types.ts";
import { concat } from "./crypto/bytes.ts";
import { TpmReader, TpmWriter } from "./marshal/buffer.ts";
import type { Codec, Fields, StructOf } from "./marshal/codec.ts";
import { TPM_RC, TpmError, withPosition } from "./response_code.ts";
import { authorize, type AuthPlan, authRoles } from "./sessions/authorize.ts";
import { finishSessions } from "./sessions/respond.ts";
import { type AuthCommand, parseSessionArea } from "./sessions/session_area.ts";
import type { TpmObject } from "./state/objects.ts";
import type { Session } from "./state/sessions.ts";
import type { TpmState } from "./state/tpm_state.ts";

/** Authorization roles of Part 1 §19.2 (the "@" handles of Part 3). */
export type AuthRole = "USER" | "ADMIN" | "DUP";

/** One handle in a command's handle area. */
export interface HandleSpec {
  /** Name as in Part 3 (e.g. "pcrHandle"). */
  readonly name: string;
  /** Accepted handle values. */
  readonly type: HandleType;
  /** Authorization role if the handle needs authorization ("@" in Part 3). */
  readonly auth?: AuthRole;
}

/**
 * A command, as a table row: code, handles, parameter and response field
 * tables, and the action. Build one with {@link defineCommand}.
 */
export interface CommandDef {
  /** TPM_CC. */
  readonly code: number;
  /** Part 3 name without "TPM2_". */
  readonly name: string;
  /** Handle area, in order; authorized handles come first (Part 3 convention). */
  readonly handles: readonly HandleSpec[];
  /** Parameter area as a field table. */
  readonly params: Fields;
  /** Response parameter area as a field table. */
  readonly response: Fields;
  /** True when the response carries one handle (Part 3 "handle" outputs). */
  readonly responseHandle?: boolean;
  /** False for commands that allow no sessions at all (TPM_RC_AUTH_CONTEXT). */
  readonly sessionsAllowed?: boolean;
  /** NV authorization uses the write attributes (AUTHWRITE/POLICYWRITE). */
  readonly nvWrite?: boolean;
  /** The action: decoded parameters in, response fields out. */
  execute(ctx: CommandContext, params: Record<string, unknown>):
    | Record<string, unknown>
    | Promise<Record<string, unknown>>;
}

/** The typed form {@link defineCommand} checks before erasing to {@link CommandDef}. */
export interface TypedCommand<P extends Fields, R extends Fields> {
  /** TPM_CC. */
  code: number;
  /** Part 3 name. */
  name: string;
  /** Handle area. */
  handles: readonly HandleSpec[];
  /** Parameter fields. */
  params: P;
  /** Response fields. */
  response: R;
  /** Response handle present. */
  responseHandle?: boolean;
  /** Sessions allowed (default true). */
  sessionsAllowed?: boolean;
  /** NV write operation. */
  nvWrite?: boolean;
  /** The action. */
  execute(ctx: CommandContext, params: StructOf<P>): StructOf<R> | Promise<StructOf<R>>;
}

/**
 * Declares a command with typed parameters and response.
 *
 * @example
 * ```ts
 * import { defineCommand } from "./dispatch.ts";
 * import { UINT16 } from "./marshal/codec.ts";
 * const GetRandom = defineCommand({
 *   code: 0x17b, name: "GetRandom", handles: [],
 *   params: { bytesRequested: UINT16 }, response: {},
 *   execute: () => ({}),
 * });
 * ```
 */
export function defineCommand<P extends Fields, R extends Fields>(
  def: TypedCommand<P, R>,
): CommandDef {
  return def as unknown as CommandDef;
}

/**
 * What a command action sees: the TPM state, the resolved handles, the
 * authorization sessions and the raw parameter bytes.
 */
export class CommandContext {
  /** The TPM. */
  readonly state: TpmState;
  /** This command's TPM_CC. */
  readonly code: number;
  /** Locality the command arrived at. */
  readonly locality: number;
  /** Handle area values, as sent. */
  readonly handles: readonly number[];
  /** The authorization area, parsed and checked. */
  readonly auths: readonly AuthCommand[];
  /** The command table (GetCapability lists it). */
  readonly table: ReadonlyMap<number, CommandDef>;
  /** The response handle, set by commands whose response has one. */
  responseHandle = 0;

  /** Built by the dispatcher. */
  constructor(
    state: TpmState,
    table: ReadonlyMap<number, CommandDef>,
    code: number,
    locality: number,
    handles: readonly number[],
    auths: readonly AuthCommand[],
  ) {
    this.state = state;
    this.table = table;
    this.code = code;
    this.locality = locality;
    this.handles = handles;
    this.auths = auths;
  }

  /** The key/data object at handle index `i` (0-based); a sequence there is TPM_RC_HANDLE. */
  object(i: number): TpmObject {
    const o = this.state.objects.getObject(this.handles[i]);
    if (!o) throw new TpmError(TPM_RC.HANDLE, { where: "handle", n: i + 1 });
    return o;
  }

  /** The loaded session at handle index `i` (policy commands). */
  session(i: number): Session {
    const s = this.state.sessions.loaded(this.handles[i]);
    if (!s) throw new TpmError(TPM_RC.REFERENCE_H0 + i);
    return s;
  }

  /** Name of the entity at handle index `i` (Part 1 §16). */
  name(i: number): Uint8Array {
    return this.state.nameOf(this.handles[i]) ?? new Uint8Array(0);
  }
}

/** Something unexpected escaped a command; the dispatcher answers TPM_RC_FAILURE. */
export type InternalErrorSink = (command: string, error: unknown) => void;

const HEADER = 10;

/** A 10-byte error response (tag NO_SESSIONS; TPM 1.2 tag for BAD_TAG, Part 3 §5.2). */
export function errorResponse(rc: number): Uint8Array {
  const w = new TpmWriter();
  w.u16(rc === TPM_RC.BAD_TAG ? TPM_ST.RSP_COMMAND : TPM_ST.NO_SESSIONS).u32(HEADER).u32(rc);
  return w.finish();
}

/**
 * Runs one command against `state`. Always answers a well-formed response;
 * unexpected exceptions go to `onInternalError` and become TPM_RC_FAILURE.
 * The answer is synchronous unless the command's action returns a promise
 * (servers then skip a turn of the event loop per command).
 */
export function dispatch(
  state: TpmState,
  table: ReadonlyMap<number, CommandDef>,
  command: Uint8Array,
  locality: number,
  onInternalError: InternalErrorSink,
): Uint8Array | Promise<Uint8Array> {
  let name = "?";
  const failed = (e: unknown): Uint8Array => {
    if (e instanceof TpmError) return errorResponse(e.rc);
    onInternalError(name, e);
    return errorResponse(TPM_RC.FAILURE);
  };
  try {
    const def = checkHeader(state, table, command);
    name = def.name;
    // A private copy: decoded parameters are views into it, so the caller may reuse its buffer.
    const rsp = run(state, table, def, concat(command), locality);
    return rsp instanceof Promise ? rsp.catch(failed) : rsp;
  } catch (e) {
    return failed(e);
  }
}

function checkHeader(
  state: TpmState,
  table: ReadonlyMap<number, CommandDef>,
  cmd: Uint8Array,
): CommandDef {
  if (cmd.length < 2) throw new TpmError(TPM_RC.COMMAND_SIZE);
  const r = new TpmReader(cmd);
  const tag = r.u16();
  if (tag !== TPM_ST.NO_SESSIONS && tag !== TPM_ST.SESSIONS) throw new TpmError(TPM_RC.BAD_TAG);
  if (cmd.length < HEADER) throw new TpmError(TPM_RC.COMMAND_SIZE);
  const size = r.u32();
  if (size !== cmd.length || size > LIMITS.MAX_COMMAND_SIZE) {
    throw new TpmError(TPM_RC.COMMAND_SIZE);
  }
  const def = table.get(r.u32());
  if (!def) throw new TpmError(TPM_RC.COMMAND_CODE);
  if (
    state.phase === "failure" && def.code !== TPM_CC.GetTestResult &&
    def.code !== TPM_CC.GetCapability
  ) {
    throw new TpmError(TPM_RC.FAILURE);
  }
  const isStartup = def.code === TPM_CC.Startup;
  if (state.phase !== "operational" && !isStartup) throw new TpmError(TPM_RC.INITIALIZE);
  if (state.phase === "operational" && isStartup) throw new TpmError(TPM_RC.INITIALIZE);
  return def;
}

function run(
  state: TpmState,
  table: ReadonlyMap<number, CommandDef>,
  def: CommandDef,
  cmd: Uint8Array,
  locality: number,
): Uint8Array | Promise<Uint8Array> {
  const r = new TpmReader(cmd, HEADER);
  const tag = (cmd[0] << 8) | cmd[1];
  const handles = readHandles(state, def, r);
  const authCount = authRoles(def).length;
  let auths: AuthCommand[] = [];
  if (tag === TPM_ST.SESSIONS) {
    if (def.sessionsAllowed === false) throw new TpmError(TPM_RC.AUTH_CONTEXT);
    auths = readSessions(state, r);
  }
  if (auths.length < authCount) throw new TpmError(TPM_RC.AUTH_MISSING);
  const paramBytes = r.bytes(r.remaining);
  const plan: AuthPlan = authorize(state, def, handles, auths, paramBytes, locality);
  const params = decodeParams(def, plan.params);
  const ctx = new CommandContext(state, table, def.code, locality, handles, auths);
  const out = def.execute(ctx, params);
  return out instanceof Promise
    ? out.then((o) => buildResponse(state, def, tag, ctx, o, plan))
    : buildResponse(state, def, tag, ctx, out, plan);
}

function readHandles(state: TpmState, def: CommandDef, r: TpmReader): number[] {
  const out: number[] = [];
  for (let i = 0; i < def.handles.length; i++) {
    const n = i + 1;
    let h: number;
    try {
      h = r.u32();
    } catch (e) {
      throw e instanceof TpmError ? new TpmError(e.rc, { where: "handle", n }) : e;
    }
    if (!def.handles[i].type.accepts(h)) throw new TpmError(TPM_RC.VALUE, { where: "handle", n });
    checkLoaded(state, h, i);
    out.push(h);
  }
  return out;
}

/** The reference's EntityGetLoadStatus: is the entity a handle names present and usable? */
function checkLoaded(state: TpmState, h: number, i: number): void {
  const n = i + 1;
  const ht = h >>> 24;
  if (ht === TPM_HT.TRANSIENT) {
    if (!state.objects.get(h)) throw new TpmError(TPM_RC.REFERENCE_H0 + i);
  } else if (ht === TPM_HT.PERSISTENT) {
    const o = state.objects.get(h);
    if (!o || (o.kind === "object" && !state.hierarchies.enabled(o.hierarchy))) {
      throw new TpmError(TPM_RC.HANDLE, { where: "handle", n });
    }
  } else if (ht === TPM_HT.NV_INDEX) {
    const ix = state.nv.indices.get(h);
    if (!ix) throw new TpmError(TPM_RC.HANDLE, { where: "handle", n });
    const platform = (ix.pub.attributes & TPMA_NV.PLATFORMCREATE) !== 0;
    const enabled = platform ? state.hierarchies.phEnableNV : state.hierarchies.shEnable;
    if (!enabled) throw new TpmError(TPM_RC.HANDLE, { where: "handle", n });
  } else if (ht === TPM_HT.PERMANENT) {
    if (h === TPM_RH.PLATFORM_NV && !state.hierarchies.phEnableNV) {
      throw new TpmError(TPM_RC.HIERARCHY, { where: "handle", n });
    }
    if (!state.hierarchies.enabled(h)) throw new TpmError(TPM_RC.HIERARCHY, { where: "handle", n });
  } else if (ht === TPM_HT.HMAC_SESSION || ht === TPM_HT.POLICY_SESSION) {
    if (!state.sessions.loaded(h)) throw new TpmError(TPM_RC.REFERENCE_H0 + i);
  }
}

function readSessions(state: TpmState, r: TpmReader): AuthCommand[] {
  if (r.remaining < 4) throw new TpmError(TPM_RC.AUTHSIZE);
  const size = r.u32();
  // The smallest session is 9 bytes (handle, empty nonce, attributes, empty hmac).
  if (size < 9 || size > r.remaining) throw new TpmError(TPM_RC.AUTHSIZE);
  return parseSessionArea(r.bytes(size), state.sessions);
}

const FIELD_LISTS = new WeakMap<Fields, readonly [string, Codec<unknown>][]>();

/** `Object.entries` of a field table, computed once per table. */
function fieldList(fields: Fields): readonly [string, Codec<unknown>][] {
  let list = FIELD_LISTS.get(fields);
  if (!list) {
    list = Object.entries(fields);
    FIELD_LISTS.set(fields, list);
  }
  return list;
}

function decodeParams(def: CommandDef, bytes: Uint8Array): Record<string, unknown> {
  const r = new TpmReader(bytes);
  const out: Record<string, unknown> = {};
  let n = 1;
  for (const [k, codec] of fieldList(def.params)) {
    try {
      out[k] = codec.read(r);
    } catch (e) {
      if (e instanceof TpmError) throw new TpmError(withPosition(e.rc, "parameter", n));
      throw e;
    }
    n++;
  }
  if (r.remaining !== 0) throw new TpmError(TPM_RC.SIZE);
  return out;
}

/**
 * The response is assembled in one scratch writer (no allocation per
 * command) and copied out by `finish`; buildResponse never awaits, so
 * commands cannot interleave in it.
 */
const RESPONSE = new TpmWriter(LIMITS.MAX_RESPONSE_SIZE);

function buildResponse(
  state: TpmState,
  def: CommandDef,
  tag: number,
  ctx: CommandContext,
  out: Record<string, unknown>,
  plan: AuthPlan,
): Uint8Array {
  const w = RESPONSE.reset();
  w.u16(tag).u32(0).u32(TPM_RC.SUCCESS);
  if (def.responseHandle) w.u32(ctx.responseHandle);
  const sizeAt = w.length;
  if (tag === TPM_ST.SESSIONS) w.u32(0);
  const start = w.length;
  for (const [k, codec] of fieldList(def.response)) codec.write(w, out[k]);
  if (tag === TPM_ST.SESSIONS) {
    w.patchU32(sizeAt, w.length - start);
    finishSessions(state, def, ctx, plan, w, start);
  } else if (def.sessionsAllowed !== false) {
    // A command without an audit session ends audit exclusivity (Part 1 §19.6.14).
    state.exclusiveAudit = 0;
  }
  w.patchU32(2, w.length);
  return w.finish();
}
