import { retentionStart } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { CLOCKS } from "../../../../test/clocks.ts";
import * as dashboard from "../../dashboard/src/timezones.ts";
import { localDate, localMidnight, nextDate } from "./timezone.ts";
import { endQuarter, firstQuarter, isUtcWindow, startDay, windowOf } from "./window.ts";

const ZONES = ["UTC", "Europe/Vienna", "America/New_York", "Asia/Kathmandu", "Pacific/Kiritimati", "Pacific/Pago_Pago"];

describe.each(CLOCKS)("windowOf at $name", ({ now }) => {
  it.each(ZONES)("holds the last N local dates in %s, today included, never before the retention", (tz) => {
    for (const [days, retention] of [[1, 90], [7, 7], [30, 90], [90, 7], [365, 365]] as const) {
      const w = windowOf(tz, days, retention, now);
      expect(w.today).toBe(localDate(tz, now));
      let dates = 1;
      for (let d = w.firstDate; d !== w.today; d = nextDate(d)) dates++;
      expect(dates, `${days} days`).toBe(days);
      expect(w.start).toBe(Math.max(localMidnight(tz, w.firstDate), retentionStart(now, retention)));
      expect(w.start).toBeLessThanOrEqual(now);
      expect(firstQuarter(w)).toBeLessThan(endQuarter(w));
      expect(endQuarter(w) * 900_000).toBeGreaterThan(now);
      const edge = startDay(w);
      expect(edge.partial).toBe(edge.dayStart !== w.start);
      expect(isUtcWindow(w)).toBe(tz === "UTC" && !edge.partial);
    }
  });

  it.each(ZONES)("is the window the dashboard draws in %s", (tz) => {
    for (const days of [1, 7, 30, 365]) {
      const w = windowOf(tz, days, 3650, now);
      const dates = dashboard.windowDates(tz, days, now);
      expect([dates[0], dates.at(-1), dates.length]).toEqual([w.firstDate, w.today, days]);
      expect(dashboard.localMidnight(tz, w.firstDate)).toBe(localMidnight(tz, w.firstDate));
    }
  });
});
