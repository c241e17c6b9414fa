/**
 * The JSON launch description `svsm measure` reads: a list of page updates,
 * optionally starting from a seed digest. Every field is checked, since the
 * file comes from outside.
 *
 * `{"seed"?: "<96 hex>", "updates": [{"type": "NORMAL"|…, "gpa": "0x…",
 * "data"?: "<8192 hex>", "contents"?: "<96 hex>"}]}`
 * @module
 */
import { fromHex } from "../../common/hex.ts";
import { pageContents, type PageUpdate } from "./launch_digest.ts";
import { PAGE_SIZE } from "../constants.ts";
import { LAUNCH_DIGEST_SIZE, PAGE_TYPE_NAMES, PageType } from "./page_info.ts";

/**
 * A parsed launch description.
 *
 * @example
 * ```ts
 * import { measureLaunch } from "./launch_digest.ts";
 * import { type LaunchDescription, parseLaunchDescription } from "./launch_description.ts";
 * const d: LaunchDescription = parseLaunchDescription({
 *   updates: [{ type: "ZERO", gpa: "0x800000" }, { type: "SECRETS", gpa: "0x801000" }],
 * });
 * measureLaunch(d.updates, d.seed).at(-1)?.length; // 48
 * ```
 */
export interface LaunchDescription {
  /** Starting digest; 48 zero bytes when absent. */
  readonly seed?: Uint8Array;
  /** The updates in launch order. */
  readonly updates: PageUpdate[];
}

/**
 * A launch description that does not follow the contract; the message names the place.
 *
 * @example
 * ```ts
 * import { LaunchDescriptionError, parseLaunchDescription } from "./launch_description.ts";
 * try {
 *   parseLaunchDescription({ updates: [{ type: "NOPE", gpa: "0x1000" }] });
 * } catch (e) {
 *   e instanceof LaunchDescriptionError; // true; the message names updates[0].type
 * }
 * ```
 */
export class LaunchDescriptionError extends Error {
  /** Error name, for messages. */
  override name = "LaunchDescriptionError";
}

/**
 * Validates and converts parsed JSON into a {@link LaunchDescription}.
 *
 * @example
 * ```ts
 * import { parseLaunchDescription } from "./launch_description.ts";
 * const d = parseLaunchDescription({ updates: [{ type: "ZERO", gpa: "0x800000" }] });
 * d.updates.length; // 1
 * ```
 */
export function parseLaunchDescription(json: unknown): LaunchDescription {
  if (!isObject(json)) throw new LaunchDescriptionError("launch description must be an object");
  const seed = json.seed === undefined
    ? undefined
    : hexField(json.seed, LAUNCH_DIGEST_SIZE, "seed");
  if (!Array.isArray(json.updates)) {
    throw new LaunchDescriptionError("'updates' must be an array");
  }
  const updates = json.updates.map((u, i) => parseUpdate(u, `updates[${i}]`));
  return { seed, updates };
}

function parseUpdate(u: unknown, where: string): PageUpdate {
  if (!isObject(u)) throw new LaunchDescriptionError(`${where} must be an object`);
  const name = u.type;
  const index = PAGE_TYPE_NAMES.indexOf(name as keyof typeof PageType);
  if (typeof name !== "string" || index < 0) {
    throw new LaunchDescriptionError(`${where}.type must be one of ${PAGE_TYPE_NAMES.join(", ")}`);
  }
  const update: PageUpdate = {
    type: PageType[PAGE_TYPE_NAMES[index]],
    gpa: parseGpa(u.gpa, `${where}.gpa`),
    data: u.data === undefined ? undefined : hexField(u.data, PAGE_SIZE, `${where}.data`),
    contents: u.contents === undefined
      ? undefined
      : hexField(u.contents, LAUNCH_DIGEST_SIZE, `${where}.contents`),
  };
  try {
    pageContents(update);
  } catch (e) {
    throw new LaunchDescriptionError(`${where}: ${(e as Error).message}`);
  }
  return update;
}

function parseGpa(v: unknown, where: string): number {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]+$/.test(v)) {
    throw new LaunchDescriptionError(`${where} must be a hex string like "0x800000"`);
  }
  // x86-64 guest physical addresses have at most 52 bits (MAXPHYADDR).
  if (BigInt(v) >= 1n << 52n) {
    throw new LaunchDescriptionError(`${where} ${v} is beyond the 52-bit physical address space`);
  }
  const gpa = parseInt(v.slice(2), 16);
  if (gpa % PAGE_SIZE !== 0) throw new LaunchDescriptionError(`${where} is not page-aligned`);
  return gpa;
}

function hexField(v: unknown, size: number, where: string): Uint8Array {
  if (typeof v !== "string" || v.length !== 2 * size) {
    throw new LaunchDescriptionError(`${where} must be ${2 * size} hex characters`);
  }
  try {
    return fromHex(v);
  } catch (e) {
    throw new LaunchDescriptionError(`${where}: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
