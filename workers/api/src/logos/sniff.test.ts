import { describe, expect, it } from "vitest";
import { QR_LOGO_LIMITS } from "@qr3/schema/qr-style";
import { rasterFacts, sniffType } from "./sniff.ts";

/** A JPEG's first segments: SOI, an APP0 segment, then a baseline frame header of the size given. */
function jpegHeader(width: number, height: number, frameMarker = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [0xff, frameMarker, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, 0xff, ...sof, 0xff, 0xd9]);
}

describe("a logo's bytes", () => {
  it("say what they are, whatever they were declared as", () => {
    expect(sniffType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("image/png");
    expect(sniffType(jpegHeader(1, 1))).toBe("image/jpeg");
    expect(sniffType(new TextEncoder().encode("\uFEFF  <?xml version='1.0'?><svg/>"))).toBe("image/svg+xml");
    expect(sniffType(new TextEncoder().encode("GIF89a"))).toBeNull();
  });

  it("give a JPEG's size from its frame header, past other segments and fill bytes, baseline or progressive", () => {
    expect(rasterFacts("image/jpeg", jpegHeader(640, 480))).toEqual({ type: "image/jpeg", width: 640, height: 480 });
    expect(rasterFacts("image/jpeg", jpegHeader(300, 200, 0xc2))).toEqual({ type: "image/jpeg", width: 300, height: 200 });
    expect(rasterFacts("image/jpeg", jpegHeader(5000, 10))).toEqual({ problem: `is 5000x10 pixels: a logo may be at most ${QR_LOGO_LIMITS.side_max} pixels a side` });
    expect(rasterFacts("image/jpeg", new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 0, 0, 0, 0, 0]))).toEqual({ problem: "is not a valid JPEG: its header gives no size" });
  });
});
