import { describe, expect, it } from "vitest";
import { constantOffsetSegments, isTimeZone, localDate, localMidnight, offsetAt } from "./timezone.ts";

const Q = 900_000;

describe("time zones", () => {
  it("knows IANA names and refuses others", () => {
    expect(isTimeZone("Asia/Kathmandu")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });

  it("reads half- and quarter-hour offsets", () => {
    const t = Date.parse("2026-01-15T12:00:00Z");
    expect(offsetAt("Asia/Kolkata", t) / 60_000).toBe(330);
    expect(offsetAt("Asia/Kathmandu", t) / 60_000).toBe(345);
    expect(offsetAt("America/St_Johns", t) / 60_000).toBe(-210);
    expect(offsetAt("UTC", t)).toBe(0);
  });

  it("finds local dates and midnights", () => {
    expect(localDate("Asia/Kathmandu", Date.parse("2026-01-15T18:14:59Z"))).toBe("2026-01-15");
    expect(localDate("Asia/Kathmandu", Date.parse("2026-01-15T18:15:00Z"))).toBe("2026-01-16");
    expect(new Date(localMidnight("Asia/Kathmandu", "2026-01-16")).toISOString()).toBe("2026-01-15T18:15:00.000Z");
    expect(new Date(localMidnight("America/St_Johns", "2026-01-16")).toISOString()).toBe("2026-01-16T03:30:00.000Z");
    // Europe/Vienna on its spring-forward day still starts at midnight (+01:00)...
    expect(new Date(localMidnight("Europe/Vienna", "2026-03-29")).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    // ...and the next day at +02:00.
    expect(new Date(localMidnight("Europe/Vienna", "2026-03-30")).toISOString()).toBe("2026-03-29T22:00:00.000Z");
    // America/Santiago skips midnight when it springs forward (2026-09-06 00:00 → 01:00).
    expect(localDate("America/Santiago", localMidnight("America/Santiago", "2026-09-06"))).toBe("2026-09-06");
  });

  it("splits a window at daylight-saving changes", () => {
    const from = Date.parse("2026-01-01T00:00:00Z") / Q;
    const to = Date.parse("2027-01-01T00:00:00Z") / Q;
    const segments = constantOffsetSegments("Europe/Vienna", from, to);
    expect(segments.map((s) => [new Date(s.from * Q).toISOString(), s.offsetSeconds / 3600])).toEqual([
      ["2026-01-01T00:00:00.000Z", 1],
      ["2026-03-29T01:00:00.000Z", 2],
      ["2026-10-25T01:00:00.000Z", 1],
    ]);
    expect(segments.at(-1)!.to).toBe(to);
    expect(constantOffsetSegments("Asia/Kathmandu", from, to)).toEqual([{ from, to, offsetSeconds: 20_700 }]);
  });
});
