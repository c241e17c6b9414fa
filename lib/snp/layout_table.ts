/**
 * Declares a {@link Layout} from a literal table of rows, so that exported
 * layouts keep their field names and value types with an explicit, fast-to-check
 * type (`Layout<FieldsOf<typeof TABLE>>`).
 * @module
 */
import { type Field, type FieldKind, Layout } from "../common/layout.ts";

/**
 * One row: field name, kind, offset, and the size for `bytes` fields.
 *
 * @example
 * ```ts
 * import type { LayoutRow } from "./layout_table.ts";
 * const rip: LayoutRow = ["rip", "u64", 0x178];
 * const x87: LayoutRow = ["fpregX87", "bytes", 0x420, 80]; // bytes rows carry a size
 * ```
 */
export type LayoutRow = readonly [name: string, kind: FieldKind, offset: number, size?: number];

/**
 * The field map a table of rows describes.
 *
 * @example
 * ```ts
 * import type { Layout } from "../common/layout.ts";
 * import { type FieldsOf, layoutFromTable } from "./layout_table.ts";
 * const T = [["a", "u32", 0], ["b", "u64", 8]] as const;
 * const L: Layout<FieldsOf<typeof T>> = layoutFromTable("demo", 16, T);
 * L.fields.b.offset; // 8
 * ```
 */
export type FieldsOf<T extends readonly LayoutRow[]> = {
  [R in T[number] as R[0]]: Field<R[1]>;
};

const WIDTH: Record<FieldKind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, bytes: 0 };

/**
 * Builds the layout a table describes (overlaps are rejected by {@link Layout}).
 *
 * @example
 * ```ts
 * import { layoutFromTable } from "./layout_table.ts";
 * const T = [["a", "u64", 0], ["tag", "bytes", 8, 8]] as const;
 * const L = layoutFromTable("demo", 16, T);
 * L.get(new Uint8Array(16), "a"); // 0n
 * ```
 */
export function layoutFromTable<T extends readonly LayoutRow[]>(
  name: string,
  size: number,
  table: T,
): Layout<FieldsOf<T>> {
  const fields: Record<string, Field> = {};
  for (const [field, kind, offset, bytes] of table) {
    if (field in fields) throw new RangeError(`${name}: duplicate field ${field}`);
    const width = kind === "bytes" ? bytes ?? 0 : WIDTH[kind];
    if (width <= 0) throw new RangeError(`${name}: ${field} needs a size`);
    fields[field] = { kind, offset, size: width };
  }
  return new Layout(name, size, fields as FieldsOf<T>);
}
