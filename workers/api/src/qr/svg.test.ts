import { describe, expect, it } from "vitest";
import { DEFAULT_QR_STYLE, QR_EYE_SHAPES, QR_MODULE_SHAPES, type QrStyle } from "@qr3/schema/qr-style";
import { decodeSvg as decode } from "../../test/qr-decode.ts";
import { renderQrSvg } from "./svg.ts";

// Every module and eye shape, in colour, inverted and on a transparent background, rendered,
// rasterised and decoded back to the link it encodes by two independent decoders (test/qr-decode.ts).

const LINK = "https://qr3.example/r7f3Kx";

const styles: Array<[string, Partial<QrStyle>]> = [
  ...QR_MODULE_SHAPES.flatMap((modules) => QR_EYE_SHAPES.map((eyes): [string, Partial<QrStyle>] => [`${modules} modules, ${eyes} eyes`, { modules, eyes }])),
  ["navy on cream", { foreground: "#1a237e", background: "#fff8e1" }],
  ["transparent background", { background: "transparent" }],
  ["inverted: white on black", { foreground: "#ffffff", background: "#000000", inverted: true }],
  ["the least quiet zone, high error correction", { margin: 2, ecc: "H" }],
];

describe("a styled QR image decodes to its link", () => {
  it.each(styles)("%s", async (_, changes) => {
    const svg = renderQrSvg(LINK, { ...DEFAULT_QR_STYLE, ...changes });
    expect(await decode(svg)).toEqual({ jsqr: LINK, zxing: LINK });
  });

  it("at the smallest raster a print size gives (64 px) and the largest (4096 px)", async () => {
    for (const width of [64, 4096]) {
      expect(await decode(renderQrSvg(LINK, { ...DEFAULT_QR_STYLE, modules: "dots", eyes: "circle" }), width), `${width} px`).toEqual({ jsqr: LINK, zxing: LINK });
    }
  });

  it("reads nothing from an image without the symbol: the decoders do not guess", async () => {
    const blank = renderQrSvg(LINK, DEFAULT_QR_STYLE).replace(/<path[^>]*\/>/g, "");
    expect(await decode(blank)).toEqual({ jsqr: null, zxing: null });
  });

  it("draws the design's colours and no background when transparent", () => {
    const svg = renderQrSvg(LINK, { ...DEFAULT_QR_STYLE, foreground: "#1A237E", background: "transparent" });
    expect(svg).toContain('fill="#1a237e"');
    expect(svg).not.toContain("<rect");
  });

  it("keeps the quiet zone asked for around the symbol", () => {
    const viewBox = (margin: number) => Number(/viewBox="0 0 (\d+) /.exec(renderQrSvg(LINK, { ...DEFAULT_QR_STYLE, margin }))![1]);
    expect(viewBox(6) - viewBox(2)).toBe(8);
  });
});
