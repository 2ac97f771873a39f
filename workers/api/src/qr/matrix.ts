import { encode } from "uqr";
import type { QrStyle } from "@qr3/schema/qr-style";

// The symbol's modules as the encoder (uqr) lays them out, and rectangles of modules on it: what
// the drawing, the logo's area and the codeword model all work on.

export type Encoded = ReturnType<typeof encode>;

/** The modules of `text` at the design's error correction, or H under a logo. */
export const encodeSymbol = (text: string, ecc: QrStyle["ecc"], withLogo: boolean): Encoded => encode(text, { ecc: withLogo ? "H" : ecc, border: 0 });

/** A rectangle in modules. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether module (x, y) lies in the box. */
export const inBox = (box: Box, x: number, y: number) => x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
