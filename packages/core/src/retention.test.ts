import { describe, expect, it } from "vitest";
import { CLOCKS } from "../../../test/clocks.ts";
import { retentionStart } from "./retention.ts";

describe("retentionStart", () => {
  it("keeps the last N UTC days, today included", () => {
    const now = Date.parse("2026-05-12T14:32:11.000Z");
    expect(new Date(retentionStart(now, 7)).toISOString()).toBe("2026-05-06T00:00:00.000Z");
    expect(new Date(retentionStart(now, 1)).toISOString()).toBe("2026-05-12T00:00:00.000Z");
    expect(new Date(retentionStart(now, 365)).toISOString()).toBe("2025-05-13T00:00:00.000Z");
  });

  it.each(CLOCKS)("starts at a UTC midnight, N - 1 calendar days before today's, at $name", ({ now }) => {
    const today = new Date(now);
    for (const days of [1, 7, 90, 365, 3650]) {
      const expected = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1));
      expect(retentionStart(now, days), `${days} days`).toBe(expected);
    }
  });
});
