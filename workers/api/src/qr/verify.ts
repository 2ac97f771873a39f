import jsQR from "jsqr";
import type { QrStyle } from "@qr3/schema/qr-style";
import { rasterise } from "./raster.ts";
import { qrDrawing } from "./drawing.ts";
import { drawingSvg } from "./svg.ts";
import type { QrLogoImage } from "./types.ts";

// A design is stored only once a decoder has read it back: the image drawn as the API will serve
// it, rasterised at a modest phone-camera resolution, and decoded by jsQR, which must read exactly
// the code's link. (The tests hold every design to a second, independent decoder as well.)

/** The width the check rasterises at: some 8 pixels a module for the densest links we print. */
const CHECK_WIDTH = 480;

/** What jsQR reads from an SVG rasterised `width` pixels wide; null for nothing. */
export async function readSvg(svg: string, width = CHECK_WIDTH): Promise<string | null> {
  const image = await rasterise(svg, width);
  return jsQR(image.pixels, image.width, image.height, { inversionAttempts: "attemptBoth" })?.data ?? null;
}

/** Whether the image, with its logo, can be drawn and reads back as `text`: "unreadable", "no room" for the logo, or null when it does. */
export async function scanProblem(text: string, style: QrStyle, logo: QrLogoImage | null): Promise<"unreadable" | "no room" | null> {
  const drawing = qrDrawing(text, style, logo);
  if (logo && !drawing.logo) return "no room";
  return (await readSvg(drawingSvg(drawing))) === text ? null : "unreadable";
}
