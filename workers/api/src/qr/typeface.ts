import { parse, type Font, type Glyph } from "opentype.js/dist/opentype.mjs";
import latin from "@fontsource/inter/files/inter-latin-700-normal.woff";
import latinExt from "@fontsource/inter/files/inter-latin-ext-700-normal.woff";

// The call to action's typeface, Inter Bold (SIL Open Font License), in its Latin and Latin
// Extended subsets, parsed by opentype.js. Text is drawn as the glyphs' outlines, so an SVG or
// PDF needs no font to print. Glyphs are laid out one by one on their advance widths and the
// font's kerning: a call to action is one short line, with no shaping to do.

let faces: Font[] | null = null;
const typefaces = () => (faces ??= [parse(latin), parse(latinExt)]);

/** The face that has a glyph for `char` and that glyph; null when no face has one. */
function glyphOf(char: string): { face: Font; glyph: Glyph } | null {
  for (const face of typefaces()) {
    const glyph = face.charToGlyph(char);
    if (glyph.index !== 0) return { face, glyph };
  }
  return null;
}

/** The characters of `text` the typeface cannot draw (a space always can), each once. */
export function missingCharacters(text: string): string[] {
  return [...new Set([...text])].filter((char) => !/\s/.test(char) && glyphOf(char) === null);
}

/** The cap height as a share of the font size. */
export function capHeight(): number {
  const face = typefaces()[0]!;
  return (face.tables.os2?.sCapHeight ?? face.unitsPerEm * 0.7) / face.unitsPerEm;
}

interface Placed {
  face: Font;
  glyph: Glyph;
  /** Its left edge, in units of the font size. */
  x: number;
}

/** The glyphs of `text` on one line from 0, and the line's advance, in units of the font size. */
function layout(text: string): { placed: Placed[]; width: number } {
  const placed: Placed[] = [];
  let x = 0;
  let previous: Placed | null = null;
  for (const char of text) {
    const found = glyphOf(char) ?? glyphOf(" ");
    if (!found) continue;
    const { face, glyph } = found;
    if (previous && previous.face === face) x += face.getKerningValue(previous.glyph, glyph) / face.unitsPerEm;
    previous = { face, glyph, x };
    placed.push(previous);
    x += (glyph.advanceWidth ?? 0) / face.unitsPerEm;
  }
  return { placed, width: x };
}

/** The width of `text` at a font size of 1. */
export const textWidth = (text: string): number => layout(text).width;

/** `text` as outlines (path data, nonzero), `size` high, centred on `centreX`, on the baseline `baseline`. */
export function textOutline(text: string, centreX: number, baseline: number, size: number): string {
  const { placed, width } = layout(text);
  const left = centreX - (width * size) / 2;
  return placed.map((p) => p.glyph.getPath(left + p.x * size, baseline, size).toPathData(3)).join("");
}
