import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";

// resvg (Rust, compiled to WebAssembly) rasterises the SVGs: for the PNGs served, and for the
// read-back that checks a design before it is stored. Its module is instantiated once per isolate.

let ready: Promise<void> | null = null;
const resvg = async () => {
  ready ??= initWasm(resvgWasm);
  await ready;
};

/** The SVG as a PNG `width` pixels wide (height to its aspect); transparent where the SVG draws nothing. */
export async function svgToPng(svg: string, width: number): Promise<Uint8Array> {
  await resvg();
  const renderer = new Resvg(svg, { fitTo: { mode: "width", value: width } });
  const image = renderer.render();
  try {
    return image.asPng();
  } finally {
    image.free();
    renderer.free();
  }
}

/** The SVG as RGBA pixels `width` wide, on white (paper, what a decoder reads) or, with `onPaper` false, on nothing. */
export async function rasterise(svg: string, width: number, onPaper = true): Promise<{ pixels: Uint8ClampedArray; width: number; height: number }> {
  await resvg();
  const renderer = new Resvg(svg, { fitTo: { mode: "width", value: width }, ...(onPaper ? { background: "#ffffff" } : {}) });
  const image = renderer.render();
  try {
    return { pixels: new Uint8ClampedArray(image.pixels), width: image.width, height: image.height };
  } finally {
    image.free();
    renderer.free();
  }
}
