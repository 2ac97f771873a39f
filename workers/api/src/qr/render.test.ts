import { PDFDocument } from "@cantoo/pdf-lib";
import { describe, expect, it } from "vitest";
import { DEFAULT_QR_STYLE, QR_EYE_SHAPES, QR_FRAMES, QR_IMAGE_LIMITS, QR_MODULE_SHAPES, type QrStyle } from "@qr3/schema/qr-style";
import { decodePng, decodeSvg as decode, pngSize } from "../../test/qr-decode.ts";
import { discPng } from "../../test/images.ts";
import { renderQrPdf } from "./pdf.ts";
import { renderQrPng } from "./png.ts";
import { renderQrSvg } from "./svg.ts";
import type { QrLogoImage } from "./types.ts";

// Every combination that matters rendered and read back by two independent decoders
// (test/qr-decode.ts) as the link it encodes: each module and eye shape, each frame with and
// without a logo, colours, inverted and transparent, at the smallest and largest sizes. The PDF's
// page is checked here; it is rasterised and decoded in the browser tests (pdf.js).

const LINK = "https://qr3.example/r7f3Kx";
const both = { jsqr: LINK, zxing: LINK };
const style = (changes: Partial<QrStyle>): QrStyle => ({ ...DEFAULT_QR_STYLE, ...changes });

const pngLogo: QrLogoImage = { type: "image/png", bytes: discPng(96), width: 96, height: 96 };
const svgLogo: QrLogoImage = {
  type: "image/svg+xml",
  bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" rx="4" fill="#0b7a75"/><circle cx="20" cy="10" r="6" fill="#ffffff"/></svg>'),
  width: 40,
  height: 20,
};

const designs: Array<[string, Partial<QrStyle>]> = [
  ...QR_MODULE_SHAPES.flatMap((modules) => QR_EYE_SHAPES.map((eyes): [string, Partial<QrStyle>] => [`${modules} modules, ${eyes} eyes`, { modules, eyes }])),
  ["navy on cream", { foreground: "#1a237e", background: "#fff8e1" }],
  ["transparent background", { background: "transparent" }],
  ["inverted: white on black", { foreground: "#ffffff", background: "#000000", inverted: true }],
  ["the least quiet zone, high error correction", { margin: 2, ecc: "H" }],
];

describe("a styled QR image decodes to its link", () => {
  it.each(designs)("%s", async (_, changes) => {
    expect(await decode(renderQrSvg(LINK, style(changes)))).toEqual(both);
  });

  const framed = QR_FRAMES.flatMap((frame) =>
    [null, pngLogo, svgLogo].flatMap((logo) =>
      [
        { modules: "dots", eyes: "circle" } as const,
        { foreground: "#fdd835", background: "#1b1b1b", inverted: true, modules: "rounded", eyes: "rounded" } as const,
        { background: "transparent", cta: "Scan for the menu" } as const,
      ].map((changes): [string, QrStyle, QrLogoImage | null] => [`${frame} frame, ${logo ? logo.type : "no"} logo, ${JSON.stringify(changes)}`, style({ ...changes, frame }), logo]),
    ),
  );
  it.each(framed)("%s", async (_, design, logo) => {
    expect(await decode(renderQrSvg(LINK, design, logo))).toEqual(both);
  });

  it("at the smallest PNG (64 px) and the largest (4096 px)", async () => {
    for (const width of [QR_IMAGE_LIMITS.size.min, QR_IMAGE_LIMITS.size.max]) {
      const png = await renderQrPng(LINK, style({ modules: "dots", eyes: "circle" }), null, width);
      expect(pngSize(png), `${width} px`).toEqual({ width, height: width });
      expect(await decodePng(png), `${width} px`).toEqual(both);
    }
  }, 30_000);

  it("as a PNG with a frame and a logo, taller than wide by the frame's band", async () => {
    const png = await renderQrPng(LINK, style({ frame: "banner", cta: "Menu" }), pngLogo, 600);
    expect(pngSize(png).width).toBe(600);
    expect(pngSize(png).height).toBeGreaterThan(600);
    expect(await decodePng(png)).toEqual(both);
  });

  it("reads nothing from an image without the symbol: the decoders do not guess", async () => {
    const blank = renderQrSvg(LINK, DEFAULT_QR_STYLE).replace(/<path[^>]*\/>/g, "");
    expect(await decode(blank)).toEqual({ jsqr: null, zxing: null });
  });
});

describe("the SVG", () => {
  it("draws the design's colours and no background when transparent", () => {
    const svg = renderQrSvg(LINK, style({ foreground: "#1A237E", background: "transparent" }));
    expect(svg).toContain('fill="#1a237e"');
    expect(svg).not.toContain('fill="#ffffff"');
    expect(renderQrSvg(LINK, DEFAULT_QR_STYLE)).toContain('fill="#ffffff"');
  });

  it("keeps the quiet zone asked for around the symbol", () => {
    const viewBox = (margin: number) => Number(/viewBox="0 0 (\d+) /.exec(renderQrSvg(LINK, style({ margin })))![1]);
    expect(viewBox(6) - viewBox(2)).toBe(8);
  });

  it("draws the call to action as outlines: no text, no font", () => {
    for (const frame of ["box", "banner"] as const) {
      const svg = renderQrSvg(LINK, style({ frame, cta: "Scan for the menu" }));
      expect(svg).not.toMatch(/<text|font-family|@font-face/);
      expect(svg.length).toBeGreaterThan(renderQrSvg(LINK, style({ frame, cta: "Scan" })).length);
    }
  });

  it("embeds the logo, raises the error correction to H and clears modules under it", () => {
    const plain = renderQrSvg(LINK, style({ ecc: "H" }));
    const withLogo = renderQrSvg(LINK, style({ ecc: "L" }), pngLogo);
    expect(withLogo).toContain('<image x="');
    expect(withLogo).toContain("href=\"data:image/png;base64,");
    // The same symbol as at H, less the modules under the logo.
    expect(/viewBox="([^"]+)"/.exec(withLogo)![1]).toBe(/viewBox="([^"]+)"/.exec(plain)![1]);
    const modules = (svg: string) => (/<path fill="#000000" d="([^"]*)"/.exec(svg)![1]!.match(/M/g) ?? []).length;
    expect(modules(withLogo)).toBeLessThan(modules(plain));
    expect(modules(withLogo)).toBeGreaterThan(modules(plain) * 0.7);
  });
});

describe("the PNG", () => {
  it("states the resolution it was sized for (pHYs), and none otherwise", async () => {
    const text = (png: Uint8Array) => new TextDecoder("latin1").decode(png.subarray(0, 80));
    const printed = await renderQrPng(LINK, DEFAULT_QR_STYLE, null, 591, 300);
    expect(text(printed)).toContain("pHYs");
    const at = text(printed).indexOf("pHYs") + 4;
    expect(new DataView(printed.buffer, printed.byteOffset).getUint32(at)).toBe(11811); // 300 dpi in pixels a metre
    expect(await decodePng(printed)).toEqual(both);
    expect(text(await renderQrPng(LINK, DEFAULT_QR_STYLE, null, 591))).not.toContain("pHYs");
  });
});

describe("the PDF", () => {
  const points = (mm: number) => (mm * 72) / 25.4;

  it("is one page, size_mm wide plus the bleed on every side, the trim box at the image's edge", async () => {
    const pdf = await PDFDocument.load(await renderQrPdf(LINK, DEFAULT_QR_STYLE, null, { size_mm: 50, bleed_mm: 3 }));
    expect(pdf.getPageCount()).toBe(1);
    const page = pdf.getPage(0);
    expect(page.getMediaBox().width).toBeCloseTo(points(56), 3);
    expect(page.getMediaBox().height).toBeCloseTo(points(56), 3);
    expect(page.getTrimBox()).toMatchObject({ x: expect.closeTo(points(3), 3), width: expect.closeTo(points(50), 3) });
  });

  it("keeps a frame's proportions, and embeds no font", async () => {
    const bytes = await renderQrPdf(LINK, style({ frame: "box", cta: "Scan for the menu" }), svgLogo, { size_mm: 80, bleed_mm: 0 });
    const page = (await PDFDocument.load(bytes)).getPage(0);
    expect(page.getWidth()).toBeCloseTo(points(80), 3);
    expect(page.getHeight()).toBeGreaterThan(points(80));
    expect(new TextDecoder("latin1").decode(bytes)).not.toMatch(/\/FontFile|\/Type\s*\/Font/);
  });

  it("embeds an SVG logo as resvg draws it, gradients, patterns and masks included", async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20">
      <defs><linearGradient id="g"><stop offset="0" stop-color="#b71c1c"/><stop offset="1" stop-color="#0d47a1"/></linearGradient>
      <pattern id="p" width="4" height="4" patternUnits="userSpaceOnUse"><circle cx="2" cy="2" r="1" fill="#fff"/></pattern>
      <mask id="m"><rect width="40" height="20" fill="#fff"/><circle cx="20" cy="10" r="4" fill="#000"/></mask></defs>
      <rect width="40" height="20" rx="3" fill="url(#g)" mask="url(#m)"/><rect width="40" height="20" fill="url(#p)" opacity="0.3"/></svg>`;
    const logo: QrLogoImage = { type: "image/svg+xml", bytes: new TextEncoder().encode(svg), width: 40, height: 20 };
    const bytes = await renderQrPdf(LINK, style({ frame: "box" }), logo, { size_mm: 50, bleed_mm: 0 });
    const text = new TextDecoder("latin1").decode(bytes);
    expect(text).toMatch(/\/Subtype\s*\/Image/);
    // About 600 dpi of the logo's printed width (some 9 mm of a 50 mm image).
    const widths = [...text.matchAll(/\/Width\s+(\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(widths).size).toBe(1); // the logo (and its alpha mask), the only image
    const width = widths[0]!;
    expect(width).toBeGreaterThan(150);
    expect(width).toBeLessThan(400);
  });

  it("draws the same bytes for the same inputs", async () => {
    const draw = () => renderQrPdf(LINK, style({ frame: "banner" }), pngLogo, { size_mm: 50, bleed_mm: 0 });
    expect(await draw()).toEqual(await draw());
  });
});
