import { addDays, DAY_MS, retentionStart, startOfUtcDay, utcDate } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { CLOCKS } from "../../../../test/clocks.ts";
import { ApiError } from "../errors.ts";
import { exportRange } from "./range.ts";

const now = Date.parse("2026-05-12T14:32:11.000Z");

describe("exportRange", () => {
  it("covers whole UTC days for dates, both ends included", () => {
    expect(exportRange({ from: "2026-05-01", to: "2026-05-10" }, 90, now)).toEqual({
      from: "2026-05-01T00:00:00.000Z",
      to: "2026-05-11T00:00:00.000Z",
      label: "2026-05-01-to-2026-05-10",
    });
  });

  it("takes exact times, and defaults to the retention's first day up to now", () => {
    expect(exportRange({ from: "2026-05-12T10:00:00Z", to: "2026-05-12T11:00:00.500Z" }, 90, now)).toMatchObject({
      from: "2026-05-12T10:00:00.000Z",
      to: "2026-05-12T11:00:00.501Z",
    });
    expect(exportRange({}, 7, now)).toMatchObject({ from: "2026-05-06T00:00:00.000Z", to: "2026-05-12T14:32:11.001Z" });
  });

  it("never reaches before the retention", () => {
    expect(exportRange({ from: "2026-01-01" }, 7, now).from).toBe("2026-05-06T00:00:00.000Z");
  });

  it.each([
    [{ from: "yesterday" }, "from: must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)"],
    [{ from: "2026-02-30" }, "from: must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)"],
    [{ to: "2026-05-12T10:00:00+02:00" }, "to: must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)"],
    [{ from: "2026-05-10", to: "2026-05-09" }, "to: must not be before from"],
  ])("refuses %j", (query, message) => {
    expect(() => exportRange(query, 90, now)).toThrow(ApiError);
    expect(() => exportRange(query, 90, now)).toThrow(message);
  });
});

describe.each(CLOCKS)("exportRange at $name", ({ now }) => {
  const today = utcDate(now);
  const daysAgo = (n: number) => utcDate(addDays(now, -n));

  it("runs from the retention's first day to now by default", () => {
    expect(exportRange({}, 7, now)).toEqual({
      from: new Date(retentionStart(now, 7)).toISOString(),
      to: new Date(now + 1).toISOString(),
      label: `${daysAgo(6)}-to-${today}`,
    });
  });

  it("covers today whole when asked for today, and clamps to the retention", () => {
    expect(exportRange({ from: today, to: today }, 90, now)).toEqual({
      from: `${today}T00:00:00.000Z`,
      to: new Date(startOfUtcDay(now) + DAY_MS).toISOString(),
      label: `${today}-to-${today}`,
    });
    expect(exportRange({ from: daysAgo(400), to: daysAgo(1) }, 30, now)).toMatchObject({
      from: new Date(retentionStart(now, 30)).toISOString(),
      to: `${today}T00:00:00.000Z`,
    });
    // A range wholly before the retention is empty, never an error.
    const before = exportRange({ from: daysAgo(40), to: daysAgo(35) }, 30, now);
    expect(before.to <= before.from).toBe(true);
  });
});
