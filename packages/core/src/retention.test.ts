import { describe, expect, it } from "vitest";
import { retentionStart } from "./retention.ts";

describe("retentionStart", () => {
  it("keeps the last N UTC days, today included", () => {
    const now = Date.parse("2026-05-12T14:32:11.000Z");
    expect(new Date(retentionStart(now, 7)).toISOString()).toBe("2026-05-06T00:00:00.000Z");
    expect(new Date(retentionStart(now, 1)).toISOString()).toBe("2026-05-12T00:00:00.000Z");
    expect(new Date(retentionStart(now, 365)).toISOString()).toBe("2025-05-13T00:00:00.000Z");
  });
});
