import { PDFDocument } from "@cantoo/pdf-lib";
import type { QrLogoType } from "@qr3/schema/qr-style";
import { rasterise } from "../qr/raster.ts";
import { imageSvg } from "../qr/svg.ts";

// Whether a logo can be drawn by both renderers: resvg (SVG and PNG images, and the PDF's SVG
// logos) must draw something of it, and a PNG must inflate whole, as pdf-lib embeds it in a PDF.
// A file whose headers are right but whose data is not is refused on upload, not found out when
// an image is drawn.

/** The side the logo is drawn at to see that it draws. */
const PROBE_SIDE = 64;

/** Why the logo cannot be drawn; null when it can. */
export async function drawingProblem(type: QrLogoType, bytes: Uint8Array, size: { width: number; height: number }): Promise<string | null> {
  const { pixels } = await rasterise(imageSvg(type, bytes, size.width, size.height), PROBE_SIDE, false);
  let drawn = false;
  for (let i = 3; i < pixels.length && !drawn; i += 4) drawn = pixels[i]! > 0;
  if (!drawn) return "draws nothing: the image is empty, fully transparent or its data cannot be read";
  if (type === "image/png") {
    try {
      await (await PDFDocument.create({ updateMetadata: false })).embedPng(bytes);
    } catch {
      return "cannot be read: its image data is damaged";
    }
  }
  return null;
}
