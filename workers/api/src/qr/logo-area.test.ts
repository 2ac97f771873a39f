import { describe, expect, it } from "vitest";
import { DEFAULT_QR_STYLE, QR_LOGO_LIMITS } from "@qr3/schema/qr-style";
import { decodeSvg } from "../../test/qr-decode.ts";
import { png } from "../../test/images.ts";
import { damage } from "./codewords.ts";
import { logoArea } from "./logo-area.ts";
import { encodeSymbol, type Box } from "./matrix.ts";
import { renderQrSvg } from "./svg.ts";

// The logo's cleared area against the symbol's error correction: the codeword model agrees with
// what decoders manage, and logos of every shape on links of every length read back.

const linkOf = (length: number) => `https://qr3.example/${"x".repeat(Math.max(0, length - 20))}`;
const both = (text: string) => ({ jsqr: text, zxing: text });

/** The symbol with the modules in `box` cleared, as SVG (one path of squares). */
function cleared(text: string, box: Box): string {
  const { size, data } = encodeSymbol(text, "H", true);
  const squares: string[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (data[y]![x] && !(x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h)) squares.push(`M${x + 4} ${y + 4}h1v1h-1z`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 8} ${size + 8}"><rect width="100%" height="100%" fill="#fff"/><path d="${squares.join("")}"/></svg>`;
}

describe("the codeword model", () => {
  it("places every codeword of every block, for small and large versions", () => {
    for (const length of [20, 60, 200, 600]) {
      const encoded = encodeSymbol(linkOf(length), "H", true);
      const whole = damage(encoded, { x: 0, y: 0, w: encoded.size, h: encoded.size });
      // A box over the whole symbol spoils each block's every codeword; blocks differ by one at most.
      expect(Math.max(...whole.spoiled) - Math.min(...whole.spoiled), `${length} characters`).toBeLessThanOrEqual(1);
      expect(whole.repairs).toBeGreaterThan(0);
    }
  });

  it("agrees with the decoders: an area within every block's repair reads, one well beyond it does not", async () => {
    const text = linkOf(26);
    const encoded = encodeSymbol(text, "H", true);
    let within: Box | null = null;
    let beyond: Box | null = null;
    for (let w = 3; w < encoded.size; w += 2) {
      const box = { x: (encoded.size - w) / 2, y: (encoded.size - w) / 2, w, h: w };
      const { spoiled, repairs } = damage(encoded, box);
      if (Math.max(...spoiled) <= repairs) within = box;
      else if (Math.min(...spoiled) > repairs + 2) {
        beyond = box;
        break;
      }
    }
    expect(within && beyond).toBeTruthy();
    expect(await decodeSvg(cleared(text, within!))).toEqual(both(text));
    expect(await decodeSvg(cleared(text, beyond!))).toEqual({ jsqr: null, zxing: null });
  });
});

describe("a logo's area", () => {
  it("covers at most the share allowed, centred, clear of the finder patterns and timing", () => {
    for (const length of [24, 40, 80, 150]) {
      for (const aspect of [1 / 4, 1 / 2, 1, 2, 4]) {
        const encoded = encodeSymbol(linkOf(length), "H", true);
        const area = logoArea(encoded, aspect)!;
        const { cleared, logo } = area;
        expect(cleared.w * cleared.h).toBeLessThanOrEqual(QR_LOGO_LIMITS.cover_max * encoded.size ** 2);
        expect(cleared.x).toBeGreaterThanOrEqual(8);
        expect(cleared.x + cleared.w).toBeLessThanOrEqual(encoded.size - 8);
        expect(cleared.y + cleared.h / 2).toBe(encoded.size / 2);
        expect(logo.w / logo.h).toBeCloseTo(aspect, 6);
        expect(logo.x).toBeGreaterThan(cleared.x);
        expect(logo.x + logo.w).toBeLessThan(cleared.x + cleared.w);
      }
    }
  });

  it.each([24, 40, 80, 150])("reads back on a link of %i characters, for logos wide, square and tall", async (length) => {
    const text = linkOf(length);
    for (const [w, h] of [[160, 40], [96, 48], [64, 64], [48, 96], [40, 160]] as const) {
      const logo = { type: "image/png" as const, bytes: png(w, h, () => [20, 20, 20, 255]), width: w, height: h };
      expect(await decodeSvg(renderQrSvg(text, DEFAULT_QR_STYLE, logo), 600), `${w}x${h}`).toEqual(both(text));
    }
  });
});
