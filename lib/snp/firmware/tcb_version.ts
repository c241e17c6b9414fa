/**
 * TCB_VERSION: the 64-bit security patch levels of the firmware components.
 * Two byte layouts exist (Milan/Genoa and Turin); the product decides.
 * @module
 */

/**
 * The SPL components of a TCB_VERSION. `fmc` exists on Turin only.
 *
 * @example
 * ```ts
 * import { encodeTcb, type TcbParts } from "./tcb_version.ts";
 * const turin: TcbParts = { fmc: 1, bootloader: 1, tee: 1, snp: 3, microcode: 0x49 };
 * encodeTcb(turin, "turin"); // 0x4900000003010101n
 * ```
 */
export interface TcbParts {
  /** FMC SPL (Turin and later). */
  fmc?: number;
  /** Bootloader SPL. */
  bootloader: number;
  /** TEE (PSP OS) SPL. */
  tee: number;
  /** SNP firmware SPL. */
  snp: number;
  /** Microcode SPL. */
  microcode: number;
}

/**
 * Which TCB_VERSION byte layout applies.
 *
 * @example
 * ```ts
 * import { decodeTcb, type TcbLayout } from "./tcb_version.ts";
 * const layout: TcbLayout = "turin"; // from the product (Turin and later)
 * decodeTcb(0x4900000003010101n, layout).fmc; // 1
 * ```
 */
export type TcbLayout = "milan" | "turin";

/**
 * Byte positions per layout, snp-abi.md §3 (go-sev-guest kds/kds.go,
 * virtee/sev src/firmware/host/types/snp.rs).
 */
const POSITIONS: Record<TcbLayout, Record<keyof TcbParts, number | undefined>> = {
  milan: { fmc: undefined, bootloader: 0, tee: 1, snp: 6, microcode: 7 },
  turin: { fmc: 0, bootloader: 1, tee: 2, snp: 3, microcode: 7 },
};

/**
 * Component names in a stable order for printing and comparing.
 *
 * @example
 * ```ts
 * import { TCB_COMPONENTS, type TcbParts } from "./tcb_version.ts";
 * const a: TcbParts = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
 * TCB_COMPONENTS.map((k) => a[k] ?? 0); // [0, 3, 0, 8, 115]
 * ```
 */
export const TCB_COMPONENTS: readonly (keyof TcbParts)[] = [
  "fmc",
  "bootloader",
  "tee",
  "snp",
  "microcode",
];

/**
 * Splits a TCB_VERSION into its components.
 *
 * @example
 * ```ts
 * import { decodeTcb } from "./tcb_version.ts";
 * decodeTcb(0x7308000000000003n, "milan"); // { bootloader: 3, tee: 0, snp: 8, microcode: 0x73 }
 * ```
 */
export function decodeTcb(value: bigint, layout: TcbLayout): TcbParts {
  const byte = (i: number) => Number((value >> BigInt(8 * i)) & 0xffn);
  const p = POSITIONS[layout];
  const parts: TcbParts = {
    bootloader: byte(p.bootloader!),
    tee: byte(p.tee!),
    snp: byte(p.snp!),
    microcode: byte(p.microcode!),
  };
  if (p.fmc !== undefined) parts.fmc = byte(p.fmc);
  return parts;
}

/**
 * Packs components into a TCB_VERSION (reserved bytes zero).
 *
 * @example
 * ```ts
 * import { decodeTcb, encodeTcb } from "./tcb_version.ts";
 * const tcb = encodeTcb({ bootloader: 3, tee: 0, snp: 8, microcode: 115 }, "milan");
 * decodeTcb(tcb, "milan").snp; // 8
 * ```
 */
export function encodeTcb(parts: TcbParts, layout: TcbLayout): bigint {
  let v = 0n;
  for (const k of TCB_COMPONENTS) {
    const pos = POSITIONS[layout][k];
    const x = parts[k];
    if (pos === undefined || x === undefined) continue;
    if (!Number.isInteger(x) || x < 0 || x > 255) {
      throw new RangeError(`TCB ${k} ${x} out of range`);
    }
    v |= BigInt(x) << BigInt(8 * pos);
  }
  return v;
}

/**
 * The components where `a` is below `b` (empty when `a ≥ b` everywhere).
 * TCBs are compared component by component, never as integers (go-sev-guest
 * `TCBPartsLE`).
 */
export function tcbBelow(a: TcbParts, b: TcbParts): (keyof TcbParts)[] {
  return TCB_COMPONENTS.filter((k) => (a[k] ?? 0) < (b[k] ?? 0));
}

/**
 * `bl=3 tee=0 snp=8 ucode=115` style text.
 *
 * @example
 * ```ts
 * import { formatTcb } from "./tcb_version.ts";
 * formatTcb({ bootloader: 3, tee: 0, snp: 8, microcode: 115 }); // "bl=3 tee=0 snp=8 ucode=115"
 * ```
 */
export function formatTcb(parts: TcbParts): string {
  const fmc = parts.fmc === undefined ? "" : `fmc=${parts.fmc} `;
  return `${fmc}bl=${parts.bootloader} tee=${parts.tee} snp=${parts.snp} ucode=${parts.microcode}`;
}
