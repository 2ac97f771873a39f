// Reading QR images back in the end-to-end tests, as a phone would: a PNG decoded by two
// independent decoders, jsQR (JavaScript) and ZXing (C++ compiled to WebAssembly, loaded from
// node_modules), after fast-png decodes it; a PDF drawn by pdf.js inside the test browser, on one
// page per context served by page.route alone from a made-up origin (nothing goes out).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { decode } from "fast-png";
import jsQR from "jsqr";
import type { BrowserContext, Page } from "playwright-core";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";

const require = createRequire(import.meta.url);
const PDFJS = join(dirname(require.resolve("pdfjs-dist/package.json")), "build");
const VIEWER = "http://pdf-viewer.test";
export const MM_TO_PT = 72 / 25.4;

prepareZXingModule({ overrides: { wasmBinary: readFileSync(require.resolve("zxing-wasm/reader/zxing_reader.wasm")).buffer as ArrayBuffer }, fireImmediately: true });

/** A PNG's pixels as RGBA, its transparency laid over white paper. */
function onPaper(png: Uint8Array): { data: Uint8ClampedArray; width: number; height: number } {
  const image = decode(png);
  if (image.depth !== 8 || image.palette) throw new Error(`a ${image.depth}-bit${image.palette ? " palette" : ""} PNG: not handled here`);
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.width * image.height; i++) {
    const px = image.data.subarray(i * image.channels, (i + 1) * image.channels);
    const [r, g, b] = image.channels >= 3 ? [px[0]!, px[1]!, px[2]!] : [px[0]!, px[0]!, px[0]!];
    const alpha = image.channels === 4 || image.channels === 2 ? px[image.channels - 1]! / 255 : 1;
    rgba.set([r * alpha + 255 * (1 - alpha), g * alpha + 255 * (1 - alpha), b * alpha + 255 * (1 - alpha), 255], i * 4);
  }
  return { data: rgba, width: image.width, height: image.height };
}

const jsqrOf = ({ data, width, height }: ReturnType<typeof onPaper>) => jsQR(data, width, height, { inversionAttempts: "attemptBoth" })?.data ?? null;

/** What jsQR reads from a PNG; null for nothing. */
export const readQr = (png: Uint8Array): string | null => jsqrOf(onPaper(png));

/** What each decoder reads from a PNG (null: nothing). */
export async function readQrTwice(png: Uint8Array): Promise<{ jsqr: string | null; zxing: string | null }> {
  const image = onPaper(png);
  const [found] = await readBarcodes({ ...image, colorSpace: "srgb" } as unknown as Parameters<typeof readBarcodes>[0], { formats: ["QRCode"], tryInvert: true });
  return { jsqr: jsqrOf(image), zxing: found?.isValid ? found.text : null };
}

/** Run in the viewer page (the browser's, not Node's, globals): pdf.js draws page 1 of the PDF on a white canvas. */
const DRAW_PDF = `async (base64, scale) => {
  const pdfjs = await import(location.origin + "/pdf.mjs");
  pdfjs.GlobalWorkerOptions.workerSrc = location.origin + "/pdf.worker.mjs";
  const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  // One pdf.js worker for every PDF the page draws.
  globalThis.pdfWorker ??= new pdfjs.PDFWorker();
  const task = pdfjs.getDocument({ data, isEvalSupported: false, worker: globalThis.pdfWorker });
  const doc = await task.promise;
  const page = await doc.getPage(1);
  const viewport = page.getViewport({ scale });
  const canvas = document.querySelector("canvas");
  canvas.width = Math.ceil(viewport.width);
  canvas.height = Math.ceil(viewport.height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  await page.render({ canvas, canvasContext: ctx, viewport }).promise;
  const drawn = { view: [...page.view], pages: doc.numPages, png: canvas.toDataURL("image/png") };
  await task.destroy();
  return drawn;
}`;

/** One viewer page per browser context, pdf.js loaded in it once. */
const viewers = new WeakMap<BrowserContext, Promise<Page>>();

function viewer(context: BrowserContext): Promise<Page> {
  let page = viewers.get(context);
  if (!page) {
    page = (async () => {
      const opened = await context.newPage();
      await opened.route(`${VIEWER}/**`, (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === "/") return route.fulfill({ contentType: "text/html; charset=utf-8", body: "<!doctype html><title>PDF</title><canvas></canvas>" });
        if (path === "/pdf.mjs" || path === "/pdf.worker.mjs") return route.fulfill({ contentType: "text/javascript", body: readFileSync(join(PDFJS, path.slice(1))) });
        return route.fulfill({ status: 404, body: "" });
      });
      await opened.goto(`${VIEWER}/`);
      return opened;
    })();
    viewers.set(context, page);
  }
  return page;
}

/** The PDF drawn by pdf.js on a canvas in the browser, `scale` pixels a point: its page count, page box ([x0, y0, x1, y1] in points) and the canvas as a PNG. */
export async function renderPdf(context: BrowserContext, pdf: Uint8Array, scale: number): Promise<{ pages: number; view: number[]; png: Buffer }> {
  const page = await viewer(context);
  const drawn = (await page.evaluate(`(${DRAW_PDF})(${JSON.stringify(Buffer.from(pdf).toString("base64"))}, ${scale})`)) as { view: number[]; pages: number; png: string };
  return { pages: drawn.pages, view: drawn.view, png: Buffer.from(drawn.png.replace(/^data:image\/png;base64,/, ""), "base64") };
}
