import { addDays, DAY_MS, retentionStart, startOfUtcDay, utcDate } from "@qr3/core";
import { QUARTER_MS } from "@qr3/schema";
import { localDate, localMidnight } from "./timezone.ts";

export interface Window {
  tz: string;
  days: number;
  now: number;
  /** Local dates of the window, first and today. */
  firstDate: string;
  today: string;
  /** First instant counted: the first date's midnight, or the retention's start if later. */
  start: number;
}

/** The last `days` local dates in `tz`, today included, never reaching before the retention. */
export function windowOf(tz: string, days: number, retentionDays: number, now: number): Window {
  const today = localDate(tz, now);
  const firstDate = utcDate(addDays(Date.parse(`${today}T00:00:00.000Z`), 1 - days));
  const start = Math.max(localMidnight(tz, firstDate), retentionStart(now, retentionDays));
  return { tz, days, now, firstDate, today, start };
}

/** Whether the window can be answered from whole UTC days. */
export const isUtcWindow = (w: Window) => w.tz === "UTC" && w.start % DAY_MS === 0;

export const firstQuarter = (w: Window) => Math.floor(w.start / QUARTER_MS);
/** The quarter after the one holding `now`. */
export const endQuarter = (w: Window) => Math.floor(w.now / QUARTER_MS) + 1;

/** The UTC day holding the window's start, and whether the start falls inside it. */
export function startDay(w: Window): { day: string; dayStart: number; partial: boolean } {
  const dayStart = startOfUtcDay(w.start);
  return { day: utcDate(dayStart), dayStart, partial: dayStart !== w.start };
}
