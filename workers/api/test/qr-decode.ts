import { rasterise } from "../src/qr/raster.ts";
import { imageSvg } from "../src/qr/svg.ts";
import jsQR from "jsqr";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
import zxingWasm from "zxing-wasm/reader/zxing_reader.wasm";

// Reading a QR image back as a phone would: the SVG rasterised by resvg on white (the paper most
// codes are printed on), then decoded by two independent decoders, jsQR (JavaScript) and ZXing
// (C++ compiled to WebAssembly). Both must read the same text for an image to count as scannable.

let ready: Promise<void> | null = null;
/** Loads both WebAssembly modules, once per test file's isolate. */
function prepare(): Promise<void> {
  ready ??= (async () => {
    await rasterise(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>`, 1); // resvg, initialised once for the isolate
    await prepareZXingModule({
      overrides: {
        instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
          void WebAssembly.instantiate(zxingWasm, imports).then((instance) => done(instance, zxingWasm));
          return {};
        },
      },
      fireImmediately: true,
    });
  })();
  return ready;
}

/** What each decoder reads from the SVG rasterised `width` px wide on white (null: nothing). */
export async function decodeSvg(svg: string, width = 400): Promise<{ jsqr: string | null; zxing: string | null }> {
  await prepare();
  const image = await rasterise(svg, width);
  const jsqr = jsQR(image.pixels, image.width, image.height, { inversionAttempts: "attemptBoth" })?.data ?? null;
  // Workers have no ImageData class; ZXing reads the three fields of one.
  const imageData = { data: image.pixels, width: image.width, height: image.height, colorSpace: "srgb" } as unknown as Parameters<typeof readBarcodes>[0];
  const [found] = await readBarcodes(imageData, { formats: ["QRCode"], tryInvert: true });
  return { jsqr, zxing: found?.isValid ? found.text : null };
}

/** What each decoder reads from a PNG, at its own size, laid on white (resvg decodes it, inside an SVG). */
export async function decodePng(png: Uint8Array): Promise<{ jsqr: string | null; zxing: string | null }> {
  const { width, height } = pngSize(png);
  return decodeSvg(imageSvg("image/png", png, width, height), width);
}

/** A PNG's size, from its header chunk. */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
