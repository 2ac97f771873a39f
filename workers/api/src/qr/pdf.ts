import { FillRule, PDFDocument, rgb, type PDFPage } from "@cantoo/pdf-lib";
import { rgbOf, type QrStyle } from "@qr3/schema/qr-style";
import { qrDrawing, type Drawing } from "./drawing.ts";
import { svgToPng } from "./raster.ts";
import type { QrLogoImage } from "./types.ts";

// A code's QR image as a one-page vector PDF (pdf-lib): `size_mm` wide, the page larger by the
// bleed on every side, with the background (if any) running into the bleed and the trim box at the
// image's edge. The paths are the SVG's own, the call to action outlines, so no font is embedded;
// a PNG or JPEG logo is embedded as it is, an SVG one as resvg draws it at 600 dpi of its printed
// size.

const POINTS_PER_MM = 72 / 25.4;
/** An SVG logo's resolution in the PDF, and its longest side at most, in pixels. */
const LOGO_DPI = 600;
const LOGO_RASTER_MAX = 2048;

function colour(hex: string) {
  const [r, g, b] = rgbOf(hex);
  return rgb(r / 255, g / 255, b / 255);
}

async function drawLogo(doc: PDFDocument, page: PDFPage, logo: NonNullable<Drawing["logo"]>, place: (x: number, y: number) => { x: number; y: number }, scale: number) {
  const { x, y } = place(logo.box.x, logo.box.y + logo.box.h);
  const size = { width: logo.box.w * scale, height: logo.box.h * scale };
  switch (logo.image.type) {
    case "image/png":
      return page.drawImage(await doc.embedPng(logo.image.bytes), { x, y, ...size });
    case "image/jpeg":
      return page.drawImage(await doc.embedJpg(logo.image.bytes), { x, y, ...size });
    case "image/svg+xml": {
      // Drawn by resvg, as in the PNG (pdf-lib's own SVG drawing refuses gradients and patterns).
      const px = Math.min(LOGO_RASTER_MAX, Math.ceil((Math.max(size.width, size.height) / 72) * LOGO_DPI));
      const wide = logo.image.width >= logo.image.height;
      const png = await svgToPng(new TextDecoder().decode(logo.image.bytes), wide ? px : Math.ceil((px * logo.image.width) / logo.image.height));
      return page.drawImage(await doc.embedPng(png), { x, y, ...size });
    }
  }
}

export async function drawingPdf(drawing: Drawing, options: { size_mm: number; bleed_mm: number }): Promise<Uint8Array> {
  const scale = (options.size_mm * POINTS_PER_MM) / drawing.width;
  const bleed = options.bleed_mm * POINTS_PER_MM;
  const [width, height] = [drawing.width * scale, drawing.height * scale];
  // Fixed bytes for fixed inputs: no creation date or producer that would change them.
  const doc = await PDFDocument.create({ updateMetadata: false });
  const page = doc.addPage([width + 2 * bleed, height + 2 * bleed]);
  page.setTrimBox(bleed, bleed, width, height);
  page.setBleedBox(0, 0, width + 2 * bleed, height + 2 * bleed);
  // From the drawing's modules (y down, from the top left) to the page's points (y up, from the bottom left).
  const place = (x: number, y: number) => ({ x: bleed + x * scale, y: bleed + height - y * scale });
  const origin = place(0, 0);
  if (drawing.background) {
    // With a bleed, the background runs to the page's edge, to be trimmed; without, it is the image's outline.
    if (bleed > 0) page.drawRectangle({ x: 0, y: 0, width: width + 2 * bleed, height: height + 2 * bleed, color: colour(drawing.background) });
    else page.drawSvgPath(drawing.outline, { ...origin, scale, color: colour(drawing.background) });
  }
  for (const path of drawing.paths) {
    page.drawSvgPath(path.d, { ...origin, scale, color: colour(drawing.foreground), fillRule: path.evenOdd ? FillRule.EvenOdd : FillRule.NonZero });
  }
  if (drawing.logo) await drawLogo(doc, page, drawing.logo, place, scale);
  return doc.save();
}

export const renderQrPdf = (text: string, style: QrStyle, logo: QrLogoImage | null, options: { size_mm: number; bleed_mm: number }): Promise<Uint8Array> =>
  drawingPdf(qrDrawing(text, style, logo), options);
