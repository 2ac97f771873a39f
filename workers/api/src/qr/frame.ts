import { DEFAULT_CTA, type QrStyle } from "@qr3/schema/qr-style";
import { roundedRect } from "./symbol.ts";
import { capHeight, textOutline, textWidth } from "./typeface.ts";

// A frame around the symbol's tile (the symbol with its quiet zone, `tile` modules a side), with
// the call to action as outlines:
// - box: a rounded border around the tile, the call to action beneath the tile inside it;
// - banner: a band beneath the tile in the foreground colour, the call to action cut out of it
//   (even-odd), so on a transparent background the print itself shows through the letters.
// Every measure is a share of the tile, so a frame looks the same on any symbol.

const BORDER = 0.04;
const RADIUS = 0.06;
/** The call to action's band, beneath the tile. */
const BAND = 0.2;
/** The letters' cap height within the band, and the least space left at each end of the line. */
const CAP = 0.4;
const SIDE = 0.08;

/** A path filled in the foreground colour. */
export interface Shape {
  d: string;
  evenOdd: boolean;
}

export interface Framed {
  width: number;
  height: number;
  /** The tile's top left corner. */
  tile: { x: number; y: number };
  /** The image's own outline, which the background fills: a box's corners are rounded. */
  outline: string;
  shapes: Shape[];
}

/** The call to action on one line centred on `centreX`, centred in the band from `top`, `band` high, at most `room` wide. */
function callToAction(text: string, centreX: number, top: number, band: number, room: number): string {
  const cap = capHeight();
  const size = Math.min((CAP * band) / cap, room / textWidth(text));
  return textOutline(text, centreX, top + band / 2 + (size * cap) / 2, size);
}

export function frame(style: Pick<QrStyle, "frame" | "cta">, tile: number): Framed {
  const cta = style.cta ?? DEFAULT_CTA;
  const band = BAND * tile;
  switch (style.frame) {
    case "none":
      return { width: tile, height: tile, tile: { x: 0, y: 0 }, outline: roundedRect(0, 0, tile, tile, 0), shapes: [] };
    case "box": {
      const t = BORDER * tile;
      const [width, height] = [tile + 2 * t, tile + band + 2 * t];
      const ring = roundedRect(0, 0, width, height, RADIUS * tile) + roundedRect(t, t, width - 2 * t, height - 2 * t, (RADIUS - BORDER) * tile);
      const text = callToAction(cta, width / 2, t + tile, band - t, width - 2 * SIDE * tile);
      return {
        width,
        height,
        tile: { x: t, y: t },
        outline: roundedRect(0, 0, width, height, RADIUS * tile),
        shapes: [
          { d: ring, evenOdd: true },
          { d: text, evenOdd: false },
        ],
      };
    }
    case "banner": {
      const text = callToAction(cta, tile / 2, tile, band, tile - 2 * SIDE * tile);
      return {
        width: tile,
        height: tile + band,
        tile: { x: 0, y: 0 },
        outline: roundedRect(0, 0, tile, tile + band, 0),
        shapes: [{ d: roundedRect(0, tile, tile, band, BORDER * tile) + text, evenOdd: true }],
      };
    }
  }
}
