import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";

let ready: Promise<void> | null = null;

/** The SVG as RGBA pixels, `width` wide. */
export async function rasterise(svg: string, width: number): Promise<{ pixels: Uint8ClampedArray; width: number; height: number }> {
  ready ??= initWasm(resvgWasm);
  await ready;
  const image = new Resvg(svg, { fitTo: { mode: "width", value: width }, background: "#ffffff" }).render();
  return { pixels: new Uint8ClampedArray(image.pixels), width: image.width, height: image.height };
}
