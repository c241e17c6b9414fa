/**
 * GUIDs in the "mixed-endian" byte order that UEFI, the GHCB certificate
 * table and the SVSM attestation protocol use: the first three fields
 * little-endian, the last eight bytes as written (svsm-abi.md §8).
 * @module
 */
import { fromHex, toHex } from "./hex.ts";

/**
 * Encodes `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` as 16 mixed-endian bytes.
 *
 * @example
 * ```ts
 * import { guidToBytes } from "./guid.ts";
 * guidToBytes("63849ebb-3d92-4670-a1ff-58f9c94b87bb"); // bb 9e 84 63 92 3d 70 46 a1 ff …
 * ```
 */
export function guidToBytes(guid: string): Uint8Array {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(guid);
  if (!m) throw new RangeError(`not a GUID: ${guid}`);
  const out = new Uint8Array(16);
  out.set(fromHex(m[1]).reverse(), 0);
  out.set(fromHex(m[2]).reverse(), 4);
  out.set(fromHex(m[3]).reverse(), 6);
  out.set(fromHex(m[4] + m[5]), 8);
  return out;
}

/**
 * Decodes 16 mixed-endian bytes into the canonical lowercase GUID string.
 *
 * @example
 * ```ts
 * import { guidFromBytes, guidToBytes } from "./guid.ts";
 * guidFromBytes(guidToBytes("c476f1eb-0123-45a5-9641-b4e7dde5bfe3")); // same string
 * ```
 */
export function guidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new RangeError("a GUID is 16 bytes");
  const h = (a: number, b: number, rev: boolean) => {
    const s = bytes.slice(a, b);
    return toHex(rev ? s.reverse() : s);
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${
    h(10, 16, false)
  }`;
}
