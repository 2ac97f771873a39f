import { initWasm, Resvg } from "@resvg/resvg-wasm";
import type { QrStyle } from "@qr3/schema/qr-style";
import { renderQrSvg } from "./svg.ts";
import type { QrLogoImage } from "./types.ts";
import { rasterise } from "./raster.ts";

void initWasm;
void rasterise;
export async function renderQrPng(text: string, style: QrStyle, logo: QrLogoImage | null, widthPx: number): Promise<Uint8Array> {
  await rasterise("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/>", 1);
  return new Resvg(renderQrSvg(text, style, logo), { fitTo: { mode: "width", value: widthPx } }).render().asPng();
}
