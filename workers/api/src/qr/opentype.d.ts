// The part of opentype.js (which ships no types) that the typeface module uses.
declare module "opentype.js/dist/opentype.mjs" {
  export interface Path {
    toPathData(decimals?: number): string;
  }
  export interface Glyph {
    index: number;
    advanceWidth?: number;
    getPath(x: number, y: number, fontSize: number): Path;
  }
  export interface Font {
    unitsPerEm: number;
    tables: { os2?: { sCapHeight?: number } };
    charToGlyph(char: string): Glyph;
    getKerningValue(left: Glyph, right: Glyph): number;
  }
  export function parse(buffer: ArrayBuffer): Font;
}

declare module "*.woff" {
  const data: ArrayBuffer;
  export default data;
}
