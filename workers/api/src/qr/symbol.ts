import { QrCodeDataType } from "uqr";
import type { QrStyle } from "@qr3/schema/qr-style";
import { logoArea } from "./logo-area.ts";
import { inBox, type Box, type Encoded } from "./matrix.ts";

// The symbol of a link: its modules drawn as squares, dots or rounded squares, its three finder
// patterns ("eyes") as squares, rounded squares or circles, as path data in a coordinate system of
// modules. With a logo, the error correction is H and the modules under the logo's cleared area
// are left out.

/** One module's outline at (x, y), as path data. */
const MODULE_PATHS: Record<QrStyle["modules"], (x: number, y: number) => string> = {
  square: (x, y) => `M${x} ${y}h1v1h-1z`,
  // A dot of 0.9 module: the gaps keep neighbouring dots apart without losing the module's centre.
  dots: (x, y) => `M${x + 0.05} ${y + 0.5}a0.45 0.45 0 1 0 0.9 0a0.45 0.45 0 1 0 -0.9 0z`,
  rounded: (x, y) => `M${x + 0.3} ${y}h0.4a0.3 0.3 0 0 1 0.3 0.3v0.4a0.3 0.3 0 0 1 -0.3 0.3h-0.4a0.3 0.3 0 0 1 -0.3 -0.3v-0.4a0.3 0.3 0 0 1 0.3 -0.3z`,
};

/** A rectangle `w` by `h` at (x, y) with corners of radius `r`, as path data (clockwise). */
export function roundedRect(x: number, y: number, w: number, h: number, r: number): string {
  if (r === 0) return `M${x} ${y}h${w}v${h}h${-w}z`;
  const [ew, eh] = [w - 2 * r, h - 2 * r];
  return `M${x + r} ${y}h${ew}a${r} ${r} 0 0 1 ${r} ${r}v${eh}a${r} ${r} 0 0 1 ${-r} ${r}h${-ew}a${r} ${r} 0 0 1 ${-r} ${-r}v${-eh}a${r} ${r} 0 0 1 ${r} ${-r}z`;
}

/** A circle of radius `r` centred on (cx, cy), as path data. */
const circle = (cx: number, cy: number, r: number) => `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;

/** A finder pattern whose top left module is (x, y): its 7x7 ring and 3x3 centre, as path data (even-odd). */
function eyePath(shape: QrStyle["eyes"], x: number, y: number): string {
  switch (shape) {
    case "square":
      return roundedRect(x, y, 7, 7, 0) + roundedRect(x + 1, y + 1, 5, 5, 0) + roundedRect(x + 2, y + 2, 3, 3, 0);
    case "rounded":
      return roundedRect(x, y, 7, 7, 2) + roundedRect(x + 1, y + 1, 5, 5, 1.25) + roundedRect(x + 2, y + 2, 3, 3, 0.75);
    case "circle":
      return circle(x + 3.5, y + 3.5, 3.5) + circle(x + 3.5, y + 3.5, 2.5) + circle(x + 3.5, y + 3.5, 1.5);
  }
}

export interface Symbol {
  /** The data, timing and alignment modules (nonzero). */
  modules: string;
  /** The three finder patterns (even-odd). */
  eyes: string;
  /** Where the logo goes; null without one. */
  logo: Box | null;
}

/**
 * The encoded symbol in `style`, its top left module at `origin`; with a logo `logoAspect`
 * (width / height) wide, its cleared area.
 */
export function drawSymbol(encoded: Encoded, style: Pick<QrStyle, "modules" | "eyes">, logoAspect: number | null, origin: { x: number; y: number }): Symbol {
  const { size, data, types } = encoded;
  const area = logoAspect === null ? null : logoArea(encoded, logoAspect);
  const modules: string[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!data[y]![x] || types[y]![x] === QrCodeDataType.Position) continue;
      if (area && inBox(area.cleared, x, y)) continue;
      // The alignment patterns stay square: decoders find them by the ratios of their rings.
      const shape = types[y]![x] === QrCodeDataType.Alignment ? "square" : style.modules;
      modules.push(MODULE_PATHS[shape](x + origin.x, y + origin.y));
    }
  }
  const corners = [
    [0, 0],
    [size - 7, 0],
    [0, size - 7],
  ] as const;
  const logo = area && { ...area.logo, x: area.logo.x + origin.x, y: area.logo.y + origin.y };
  return { modules: modules.join(""), eyes: corners.map(([x, y]) => eyePath(style.eyes, x + origin.x, y + origin.y)).join(""), logo };
}
