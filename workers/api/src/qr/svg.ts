import { encode, QrCodeDataType } from "uqr";
import { normalColour, type QrStyle } from "@qr3/schema/qr-style";
import type { QrLogoImage } from "./types.ts";

// A code's QR image as SVG, drawn from the symbol's modules in the code's design: the data
// modules as squares, dots or rounded squares, the three finder patterns ("eyes") as squares,
// rounded squares or circles, in the design's colours, with its quiet zone. Everything is paths
// in one coordinate system of modules, so the image scales to any print size.

/** One module's outline at (x, y), as path data. */
const MODULE_PATHS: Record<QrStyle["modules"], (x: number, y: number) => string> = {
  square: (x, y) => `M${x} ${y}h1v1h-1z`,
  // A dot of 0.9 module: the gaps keep neighbouring dots apart without losing the module's centre.
  dots: (x, y) => `M${x + 0.05} ${y + 0.5}a0.45 0.45 0 1 0 0.9 0a0.45 0.45 0 1 0 -0.9 0z`,
  rounded: (x, y) => `M${x + 0.3} ${y}h0.4a0.3 0.3 0 0 1 0.3 0.3v0.4a0.3 0.3 0 0 1 -0.3 0.3h-0.4a0.3 0.3 0 0 1 -0.3 -0.3v-0.4a0.3 0.3 0 0 1 0.3 -0.3z`,
};

/** A square of side `s` at (x, y) with corners of radius `r`, as path data (clockwise). */
function roundedSquare(x: number, y: number, s: number, r: number): string {
  if (r === 0) return `M${x} ${y}h${s}v${s}h${-s}z`;
  const e = s - 2 * r;
  return `M${x + r} ${y}h${e}a${r} ${r} 0 0 1 ${r} ${r}v${e}a${r} ${r} 0 0 1 ${-r} ${r}h${-e}a${r} ${r} 0 0 1 ${-r} ${-r}v${-e}a${r} ${r} 0 0 1 ${r} ${-r}z`;
}

/** A circle of radius `r` centred on (cx, cy), as path data. */
const circle = (cx: number, cy: number, r: number) => `M${cx - r} ${cy}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0z`;

/** A finder pattern whose top left module is (x, y): its 7x7 ring and 3x3 centre, as path data (even-odd). */
function eyePath(shape: QrStyle["eyes"], x: number, y: number): string {
  switch (shape) {
    case "square":
      return roundedSquare(x, y, 7, 0) + roundedSquare(x + 1, y + 1, 5, 0) + roundedSquare(x + 2, y + 2, 3, 0);
    case "rounded":
      return roundedSquare(x, y, 7, 2) + roundedSquare(x + 1, y + 1, 5, 1.25) + roundedSquare(x + 2, y + 2, 3, 0.75);
    case "circle":
      return circle(x + 3.5, y + 3.5, 3.5) + circle(x + 3.5, y + 3.5, 2.5) + circle(x + 3.5, y + 3.5, 1.5);
  }
}

/** The SVG of `text` in `style`, `size` modules a side plus the quiet zone on every side. */
export function renderQrSvg(text: string, style: QrStyle, _logo?: QrLogoImage | null): string {
  const { size, data, types } = encode(text, { ecc: style.ecc, border: 0 });
  const m = style.margin;
  const side = size + 2 * m;
  const modules: string[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!data[y]![x] || types[y]![x] === QrCodeDataType.Position) continue;
      // The alignment patterns stay square: decoders find them by the ratios of their rings.
      const shape = types[y]![x] === QrCodeDataType.Alignment ? "square" : style.modules;
      modules.push(MODULE_PATHS[shape](x + m, y + m));
    }
  }
  const eyes = [
    [0, 0],
    [size - 7, 0],
    [0, size - 7],
  ].map(([x, y]) => eyePath(style.eyes, x! + m, y! + m));
  const fg = normalColour(style.foreground);
  const background = style.background === "transparent" ? "" : `<rect width="${side}" height="${side}" fill="${normalColour(style.background)}"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="geometricPrecision">` +
    background +
    `<path fill="${fg}" d="${modules.join("")}"/>` +
    `<path fill="${fg}" fill-rule="evenodd" d="${eyes.join("")}"/>` +
    `</svg>`
  );
}
