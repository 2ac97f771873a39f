import { normalColour, type QrStyle } from "@qr3/schema/qr-style";
import { frame, type Shape } from "./frame.ts";
import { encodeSymbol, type Box } from "./matrix.ts";
import { drawSymbol } from "./symbol.ts";
import type { QrLogoImage } from "./types.ts";

// A code's QR image as the formats draw it: a canvas in modules, the background, the paths filled
// in the foreground colour and the logo's place. svg.ts and pdf.ts each write this one drawing, so an
// SVG, a PNG (rasterised from the SVG) and a PDF of a design are the same image.

/** The drawing's revision: part of every image's ETag, so a change to how images are drawn is not hidden behind a client's cache. Raise it with any such change. */
export const DRAWING_REVISION = 1;

export interface Drawing {
  /** The canvas, in modules. */
  width: number;
  height: number;
  /** #rrggbb. */
  foreground: string;
  /** #rrggbb, or null for transparent. */
  background: string | null;
  /** The path the background fills. */
  outline: string;
  /** The paths filled in the foreground colour. */
  paths: Shape[];
  logo: { image: QrLogoImage; box: Box } | null;
}

/** How many modules wide the image of `text` in `style` is (with its quiet zone and frame). */
export function drawingWidth(text: string, style: QrStyle, withLogo: boolean): number {
  return frame(style, encodeSymbol(text, style.ecc, withLogo).size + 2 * style.margin).width;
}

export function qrDrawing(text: string, style: QrStyle, logo: QrLogoImage | null): Drawing {
  const encoded = encodeSymbol(text, style.ecc, logo !== null);
  const framed = frame(style, encoded.size + 2 * style.margin);
  const origin = { x: framed.tile.x + style.margin, y: framed.tile.y + style.margin };
  const symbol = drawSymbol(encoded, style, logo ? logo.width / logo.height : null, origin);
  return {
    width: framed.width,
    height: framed.height,
    foreground: normalColour(style.foreground),
    background: style.background === "transparent" ? null : normalColour(style.background),
    outline: framed.outline,
    paths: [...framed.shapes, { d: symbol.modules, evenOdd: false }, { d: symbol.eyes, evenOdd: true }],
    logo: logo && symbol.logo ? { image: logo, box: symbol.logo } : null,
  };
}
