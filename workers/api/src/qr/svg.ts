import type { QrStyle } from "@qr3/schema/qr-style";
import { bytesToBase64 } from "@qr3/webhooks";
import { qrDrawing, type Drawing } from "./drawing.ts";
import type { QrLogoImage } from "./types.ts";

// A code's QR image as SVG: the drawing in one coordinate system of modules (viewBox), so it
// scales to any print size; the call to action is outlines, the logo embedded as a data URL.

const n = (v: number) => Number(v.toFixed(3));

/** An image's bytes as a data URL. */
const dataUrl = (type: string, bytes: Uint8Array) => `data:${type};base64,${bytesToBase64(bytes)}`;

/** An SVG of one image, `width` by `height` (the image's own size): for resvg to decode and draw a PNG, JPEG or SVG. */
export const imageSvg = (type: string, bytes: Uint8Array, width: number, height: number): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}"><image width="${width}" height="${height}" href="${dataUrl(type, bytes)}"/></svg>`;

export function drawingSvg(drawing: Drawing): string {
  const { width, height, foreground, background, outline, paths, logo } = drawing;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n(width)} ${n(height)}" shape-rendering="geometricPrecision">`];
  if (background) parts.push(`<path fill="${background}" d="${outline}"/>`);
  for (const path of paths) parts.push(`<path fill="${foreground}"${path.evenOdd ? ' fill-rule="evenodd"' : ""} d="${path.d}"/>`);
  if (logo) {
    const { x, y, w, h } = logo.box;
    parts.push(`<image x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" preserveAspectRatio="xMidYMid meet" href="${dataUrl(logo.image.type, logo.image.bytes)}"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}

/** The SVG of `text` in `style`, with the logo if given. */
export const renderQrSvg = (text: string, style: QrStyle, logo: QrLogoImage | null = null): string => drawingSvg(qrDrawing(text, style, logo));
