import { describe, expect, it } from "vitest";
import { CLOCKS } from "../../../../test/clocks.ts";
import { constantOffsetSegments, isTimeZone, localDate, localMidnight, nextDate, offsetAt } from "./timezone.ts";

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

describe.each(CLOCKS)("time zones at $name", ({ now }) => {
  const ZONES = ["UTC", "Europe/Vienna", "America/New_York", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"];

  it.each(ZONES)("finds today's date and its first instant in %s", (tz) => {
    const today = localDate(tz, now);
    const midnight = localMidnight(tz, today);
    expect(midnight).toBeLessThanOrEqual(now);
    expect(localDate(tz, midnight)).toBe(today);
    expect(localDate(tz, midnight - 1)).not.toBe(today);
    expect(localDate(tz, localMidnight(tz, nextDate(today)))).toBe(nextDate(today));
    expect(localMidnight(tz, nextDate(today))).toBeGreaterThan(now);
  });

  it.each(ZONES)("splits the year up to now at every offset change of %s, and nowhere else", (tz) => {
    const to = Math.floor(now / Q) + 1;
    const from = to - 366 * 96;
    const segments = constantOffsetSegments(tz, from, to);
    expect(segments[0]!.from).toBe(from);
    expect(segments.at(-1)!.to).toBe(to);
    for (const [i, s] of segments.entries()) {
      if (i > 0) expect(s.from).toBe(segments[i - 1]!.to);
      expect(offsetAt(tz, s.from * Q)).toBe(s.offsetSeconds * 1000);
      expect(offsetAt(tz, (s.to - 1) * Q)).toBe(s.offsetSeconds * 1000);
    }
    // Every change, found hour by hour, begins a segment.
    const changes: number[] = [];
    for (let q = from; q + 4 <= to; q += 4) if (offsetAt(tz, q * Q) !== offsetAt(tz, (q + 4) * Q)) changes.push(q);
    expect(segments.length - 1).toBe(changes.length);
  });
});
