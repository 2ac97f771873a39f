import { QR_LOGO_LIMITS, type QrLogoType } from "@qr3/schema/qr-style";

// What an uploaded logo is, read from its bytes rather than taken from its content-type: the
// magic numbers of PNG and JPEG, and the pixel size each declares in its header.

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface RasterFacts {
  type: "image/png" | "image/jpeg";
  width: number;
  height: number;
}

/** The type the bytes start as, whatever they were declared as; null for neither PNG, JPEG nor text that may be SVG. */
export function sniffType(bytes: Uint8Array): QrLogoType | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  // SVG is text: an XML declaration, a comment or the svg element first (after a BOM or spaces).
  const head = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, "").trimStart();
  return head.startsWith("<") ? "image/svg+xml" : null;
}

/** The pixel size of a PNG (its IHDR chunk), or null when the header is cut short or malformed. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.byteLength < 24) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** The pixel size of a JPEG: its first start-of-frame segment's, or null when there is none. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 9 < bytes.byteLength) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry the frame's size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda) return null; // the scan began before any frame header
    at += 2 + view.getUint16(at + 2);
  }
  return null;
}

/** A PNG's or JPEG's facts, or why it cannot be a logo. */
export function rasterFacts(type: RasterFacts["type"], bytes: Uint8Array): RasterFacts | { problem: string } {
  const size = type === "image/png" ? pngSize(bytes) : jpegSize(bytes);
  const name = type === "image/png" ? "PNG" : "JPEG";
  if (!size || size.width === 0 || size.height === 0) return { problem: `is not a valid ${name}: its header gives no size` };
  const side = QR_LOGO_LIMITS.side_max;
  if (size.width > side || size.height > side) return { problem: `is ${size.width}x${size.height} pixels: a logo may be at most ${side} pixels a side` };
  return { type, ...size };
}
