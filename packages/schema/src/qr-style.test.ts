import { describe, expect, it } from "vitest";
import { colourProblem, contrastRatio, normalColour } from "./qr-style.ts";

describe("a design's colours", () => {
  it("measure WCAG contrast: 21:1 for black on white, 1:1 for a colour on itself", () => {
    expect(contrastRatio("#000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#777")).toBeCloseTo(1, 5);
    expect(contrastRatio("#ffffff", "#767676")).toBeCloseTo(4.54, 2);
    expect(normalColour("#AbC")).toBe("#aabbcc");
  });

  it.each([
    ["black on white", { foreground: "#000000", background: "#ffffff", inverted: false }, null],
    ["navy on a transparent background (judged on white paper)", { foreground: "#1a237e", background: "transparent", inverted: false }, null],
    ["white on black, inverted on purpose", { foreground: "#ffffff", background: "#000000", inverted: true }, null],
    ["light grey on white", { foreground: "#cccccc", background: "#ffffff", inverted: false }, "foreground"],
    ["yellow on a transparent background", { foreground: "#ffeb3b", background: "transparent", inverted: false }, "foreground"],
    ["white on black, not marked inverted", { foreground: "#ffffff", background: "#000000", inverted: false }, "inverted"],
    ["marked inverted but dark on light", { foreground: "#000000", background: "#ffffff", inverted: true }, "inverted"],
  ])("%s", (_, style, field) => {
    expect(colourProblem(style)?.field ?? null).toBe(field);
  });

  it("say the contrast they measured when it is too low", () => {
    expect(colourProblem({ foreground: "#999999", background: "#ffffff", inverted: false })?.message).toBe(
      "contrast with the background is 2.85:1, below the 3:1 a scanner needs",
    );
  });
});
