import { QR_LOGO_LIMITS } from "@qr3/schema/qr-style";
import { damage } from "./codewords.ts";
import type { Box, Encoded } from "./matrix.ts";

// Where a logo goes on a symbol at level H: a rectangle of whole modules at the centre, shaped
// like the logo, cleared of modules (so none is cut). It covers at most QR_LOGO_LIMITS.cover_max of
// the symbol, keeps clear of the finder patterns, their separators and the timing patterns (the
// first and last 8 rows and columns), and spoils no more codewords in any block than a quarter
// less than the block repairs: the rest is left for what printing and wear spoil. The largest area
// that keeps all three is the one drawn.

/** The rows and columns the cleared area leaves to the finder patterns on each side. */
const KEEP_OUT = 8;
/** The share of each block's repair left for printing and wear. */
const WEAR = 0.25;
/** The gap between the cleared area's edge and the logo, in modules. */
const PADDING = 0.5;
/** The steps by which the area shrinks until it spoils few enough codewords. */
const SHRINK = 0.92;

/** The largest odd whole number at most `n` (an odd side centres on a symbol of odd side). */
const oddAtMost = (n: number) => {
  const f = Math.floor(n);
  return f % 2 === 1 ? f : f - 1;
};

/** The cleared rectangle of about `area` modules shaped `ratio` wide, centred on a symbol `size` a side. */
function centred(size: number, area: number, ratio: number): Box {
  const room = oddAtMost(size - 2 * KEEP_OUT);
  const h = Math.min(oddAtMost(Math.sqrt(area / ratio)), room);
  const w = Math.min(oddAtMost(h * ratio), oddAtMost(area / h), room);
  return { x: (size - w) / 2, y: (size - h) / 2, w, h };
}

/**
 * The cleared area and the logo's box inside it (in modules, from the symbol's top left module),
 * for a logo `aspect` (width / height) wide; null when the symbol leaves no room for one.
 */
export function logoArea(encoded: Encoded, aspect: number): { cleared: Box; logo: Box } | null {
  const ratio = Math.min(Math.max(aspect, 1 / 4), 4);
  for (let area = QR_LOGO_LIMITS.cover_max * encoded.size ** 2; ; area *= SHRINK) {
    const cleared = centred(encoded.size, area, ratio);
    if (cleared.w < 3 || cleared.h < 3) return null;
    const { spoiled, repairs } = damage(encoded, cleared);
    if (Math.max(...spoiled) > Math.floor(repairs * (1 - WEAR))) continue;
    // The logo fits the cleared area less its padding, at its own aspect ratio.
    const inner = { w: cleared.w - 2 * PADDING, h: cleared.h - 2 * PADDING };
    const w = Math.min(inner.w, inner.h * aspect);
    const h = w / aspect;
    return { cleared, logo: { x: encoded.size / 2 - w / 2, y: encoded.size / 2 - h / 2, w, h } };
  }
}
