// The QR image of a code: the SVG from the API, and a PNG drawn from it.
import { enc, getFile } from "./api.ts";

export interface QrImage {
  svg: string;
  /** The SVG as an image/svg+xml blob, for <img> and downloads. */
  blob: Blob;
  filename: string | null;
}

export async function loadQr(codeId: string, signal: AbortSignal): Promise<QrImage> {
  const file = await getFile(`/v1/codes/${enc(codeId)}/qr.svg`, { signal });
  const svg = await file.blob.text();
  return { svg, blob: new Blob([svg], { type: "image/svg+xml" }), filename: file.filename };
}

/** The SVG with an explicit pixel size, so it rasterises sharply at that size. */
function sized(svg: string, size: number): string {
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const root = doc.documentElement;
  if (root.nodeName !== "svg" || doc.querySelector("parsererror")) throw new Error("the QR image from qr3 is not a valid SVG");
  root.setAttribute("width", String(size));
  root.setAttribute("height", String(size));
  root.setAttribute("shape-rendering", "crispEdges");
  return new XMLSerializer().serializeToString(doc);
}

/** Draws the SVG on a `size`-pixel square canvas, white behind it, and returns the PNG. */
export async function svgToPng(svg: string, size = 1024): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([sized(svg, size)], { type: "image/svg+xml" }));
  try {
    const img = new Image(size, size);
    img.src = url;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("this browser cannot draw images");
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(img, 0, 0, size, size);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the PNG could not be encoded"))), "image/png"),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
