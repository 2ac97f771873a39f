// Print-ready QR images over the real local stack, read back as a print shop's proof would be:
// each frame with no logo and a PNG, JPEG and SVG logo, in three colour schemes (inverted and
// transparent among them), downloaded as PDF, drawn by pdf.js in the test browser and decoded by
// jsQR and ZXing back to the code's short link; the page's size checked at the smallest and
// largest widths, with and without bleed; and PNGs at the smallest and largest widths decoded.
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QR_FRAMES, QR_IMAGE_LIMITS } from "@qr3/schema/qr-style";
import type { Stack } from "../../scripts/lib/stack.ts";
import { discPng } from "../../workers/api/test/images.ts";
import { launchChromium } from "./browser.ts";
import { apiClient, startTestStack, workspaceKey } from "./helpers.ts";
import { MM_TO_PT, readQrTwice, renderPdf } from "./qr-read.ts";


let stack: Stack;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let key: string;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  browser = await launchChromium();
  let persistTo: string;
  ({ stack, persistTo, cleanup } = await startTestStack());
  key = await workspaceKey(persistTo, "Print proofs");
  api = apiClient(stack.origin, key);
  context = await browser.newContext();
  LOGOS.jpeg = { type: "image/jpeg", body: await logoJpeg() };
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

/** A JPEG logo, encoded by the test browser's canvas: a white cup on blue. */
async function logoJpeg(): Promise<Uint8Array> {
  const page = await context.newPage();
  try {
    const url = (await page.evaluate(`(() => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 160, height: 120 });
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#1565c0";
      ctx.fillRect(0, 0, 160, 120);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(50, 30, 50, 60);
      ctx.beginPath();
      ctx.arc(105, 60, 15, 0, 2 * Math.PI);
      ctx.fill();
      return canvas.toDataURL("image/jpeg", 0.9);
    })()`)) as string;
    return Buffer.from(url.replace(/^data:image\/jpeg;base64,/, ""), "base64");
  } finally {
    await page.close();
  }
}

const LOGOS: Record<string, { type: string; body: Uint8Array | string } | null> = {
  none: null,
  png: { type: "image/png", body: discPng(120) },
  jpeg: null, // encoded by the browser, once it runs (beforeAll)
  svg: {
    type: "image/svg+xml",
    body: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 24"><rect width="48" height="24" rx="5" fill="#0b7a75"/><circle cx="24" cy="12" r="7" fill="#ffffff"/></svg>',
  },
};

const SCHEMES = {
  "navy dots on cream": { foreground: "#1a237e", background: "#fff8e1", modules: "dots", eyes: "rounded" },
  "inverted, white on green": { foreground: "#ffffff", background: "#0b3d2e", inverted: true, modules: "rounded", eyes: "circle" },
  transparent: { background: "transparent", modules: "square", eyes: "square" },
} as const;

/** A code in this design, with its logo if any: its id and short link. */
async function codeWith(qr_style: Record<string, unknown>, logo: string): Promise<{ id: string; link: string }> {
  const created = await api("/v1/codes", { method: "POST", body: { url: "https://example.com/menu", qr_style } });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const image = LOGOS[logo];
  if (image) {
    const put = await fetch(`${stack.origin}/v1/codes/${created.json.data.id}/logo`, { method: "PUT", headers: { authorization: `Bearer ${key}`, "content-type": image.type }, body: image.body });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(((await put.json()) as { data: { logo: { type: string } } }).data.logo.type).toBe(image.type);
  }
  return { id: created.json.data.id, link: created.json.data.short_url };
}

async function file(id: string, name: string): Promise<Uint8Array> {
  const res = await fetch(`${stack.origin}/v1/codes/${id}/${name}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status, name).toBe(200);
  return new Uint8Array(await res.arrayBuffer());
}

const cases = QR_FRAMES.flatMap((frame) =>
  Object.keys(LOGOS).flatMap((logo) => Object.keys(SCHEMES).map((scheme) => [frame, logo, scheme as keyof typeof SCHEMES] as const)),
);

describe("a code's PDF, drawn by pdf.js", () => {
  it.each(cases)("%s frame, %s logo, %s: reads back as the short link", async (frame, logo, scheme) => {
    const code = await codeWith({ ...SCHEMES[scheme], frame, cta: "Scan for the menu" }, logo);
    const drawn = await renderPdf(context, await file(code.id, "qr.pdf"), 4);
    expect(drawn.pages).toBe(1);
    expect(drawn.view[2]! - drawn.view[0]!).toBeCloseTo(QR_IMAGE_LIMITS.size_mm.default * MM_TO_PT, 1);
    expect(await readQrTwice(drawn.png)).toEqual({ jsqr: code.link, zxing: code.link });
  });

  it("is size_mm wide plus the bleed on each side, at the smallest and largest widths", async () => {
    const code = await codeWith({ frame: "banner" }, "png");
    const { min, max } = QR_IMAGE_LIMITS.size_mm;
    for (const [size_mm, bleed_mm, scale] of [
      [min, 0, 20],
      [min, 3, 20],
      [max, 0, 0.5],
      [max, QR_IMAGE_LIMITS.bleed_mm.max, 0.5],
    ] as const) {
      const drawn = await renderPdf(context, await file(code.id, `qr.pdf?size_mm=${size_mm}&bleed_mm=${bleed_mm}`), scale);
      const [x0, y0, x1, y1] = drawn.view as [number, number, number, number];
      expect(x1 - x0, `${size_mm} mm + ${bleed_mm} mm bleed`).toBeCloseTo((size_mm + 2 * bleed_mm) * MM_TO_PT, 1);
      expect(y1 - y0).toBeGreaterThan(x1 - x0); // the banner's band
      expect(await readQrTwice(drawn.png), `${size_mm} mm + ${bleed_mm} mm bleed`).toEqual({ jsqr: code.link, zxing: code.link });
    }
  });
});

describe("a code's PNG", () => {
  it("reads back at the least width its design allows, the largest, and a print size and resolution", async () => {
    const code = await codeWith({ frame: "box", modules: "dots", eyes: "circle" }, "svg");
    // The format's smallest width is too small for a symbol at H with a frame: the answer names the least that scans.
    const small = await fetch(`${stack.origin}/v1/codes/${code.id}/qr.png?size=${QR_IMAGE_LIMITS.size.min}`, { headers: { authorization: `Bearer ${key}` } });
    expect(small.status).toBe(400);
    const { message } = ((await small.json()) as { error: { message: string } }).error;
    const least = Number(/it needs at least (\d+)/.exec(message)?.[1]);
    expect(least, message).toBeGreaterThan(QR_IMAGE_LIMITS.size.min);
    for (const query of [`size=${least}`, `size=${QR_IMAGE_LIMITS.size.max}`, "size_mm=30&dpi=300"]) {
      const png = Buffer.from(await file(code.id, `qr.png?${query}`));
      const width = query.startsWith("size=") ? Number(query.slice(5)) : Math.round((30 / 25.4) * 300);
      expect(png.readUInt32BE(16), query).toBe(width);
      expect(await readQrTwice(png), query).toEqual({ jsqr: code.link, zxing: code.link });
    }
  });
});
