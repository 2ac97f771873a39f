import { describe, expect, it } from "vitest";
import { firstLanguage } from "./scan-message.ts";

describe("firstLanguage", () => {
  it.each([
    ["en-US,en;q=0.9", "en"],
    ["de-AT,de;q=0.9,en;q=0.8", "de"],
    ["fr", "fr"],
    [" PT-br ; q=1", "pt"],
    ["*", null],
    ["", null],
    [null, null],
    ["123", null],
  ])("%j → %j", (header, expected) => {
    expect(firstLanguage(header)).toBe(expected);
  });
});
