import type { QrStyle } from "@qr3/schema/qr-style";
import { crc32 } from "./crc32.ts";
import { svgToPng } from "./raster.ts";
import { renderQrSvg } from "./svg.ts";
import type { QrLogoImage } from "./types.ts";

// A code's QR image as PNG: its SVG rasterised by resvg, `width` pixels wide. Given the print
// resolution it was sized for, the PNG says so (a pHYs chunk), so layout software places it at its
// size in millimetres.

/** The PNG with a pHYs chunk of `dpi` right after its header chunk (IHDR ends at byte 33). */
export function withResolution(png: Uint8Array, dpi: number): Uint8Array {
  const perMetre = Math.round(dpi / 0.0254);
  const chunk = new Uint8Array(21);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, 9);
  chunk.set(new TextEncoder().encode("pHYs"), 4);
  view.setUint32(8, perMetre);
  view.setUint32(12, perMetre);
  chunk[16] = 1; // the unit is the metre
  view.setUint32(17, crc32(chunk.subarray(4, 17)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, 33));
  out.set(chunk, 33);
  out.set(png.subarray(33), 33 + chunk.length);
  return out;
}

export async function renderQrPng(text: string, style: QrStyle, logo: QrLogoImage | null, width: number, dpi?: number): Promise<Uint8Array> {
  const png = await svgToPng(renderQrSvg(text, style, logo), width);
  return dpi === undefined ? png : withResolution(png, dpi);
}
