import { zlibSync } from "fflate";
import { crc32 } from "../src/qr/crc32.ts";

// Small real images for the logo tests, encoded here rather than committed as fixtures.

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.byteLength);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.byteLength, crc32(out.subarray(4, 8 + data.byteLength)));
  return out;
}

/** An RGBA PNG `width` x `height`, each pixel the colour `pixel(x, y)` gives ([r, g, b, a]). */
export function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const raw = new Uint8Array(height * (1 + 4 * width));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + 4 * width); // filter byte 0: none
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + 4 * x);
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", zlibSync(raw)), chunk("IEND", new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A red disc on transparency, as a logo might be. */
export const discPng = (side = 64) =>
  png(side, side, (x, y) => ((x - side / 2) ** 2 + (y - side / 2) ** 2 < (side / 2.2) ** 2 ? [200, 30, 30, 255] : [0, 0, 0, 0]));
