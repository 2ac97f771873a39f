import { addDays, DAY_MS, retentionStart, startOfUtcDay, utcDate } from "@qr3/core";
import { QUARTER_MS } from "@qr3/schema";
import { localDate, localMidnight, nextDate } from "./timezone.ts";

export interface Window {
  tz: string;
  /** Its length in local dates. */
  days: number;
  now: number;
  /** Its local dates, first and last (both included), and today's. */
  firstDate: string;
  lastDate: string;
  today: string;
  /** First instant counted: the first date's midnight, or the retention's start if later. */
  start: number;
  /** First instant after it: the midnight after its last date (later than now for a window ending today). */
  end: number;
}

const shiftDate = (date: string, days: number) => utcDate(addDays(Date.parse(`${date}T00:00:00.000Z`), days));
/** Local dates from `a` to `b`, both included. */
export const datesBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00.000Z`) - Date.parse(`${a}T00:00:00.000Z`)) / DAY_MS) + 1;

/** The local dates `firstDate` to `lastDate` in `tz`, never reaching before the retention. */
export function rangeWindow(tz: string, firstDate: string, lastDate: string, retentionDays: number, now: number): Window {
  const start = Math.max(localMidnight(tz, firstDate), retentionStart(now, retentionDays));
  const end = localMidnight(tz, nextDate(lastDate));
  return { tz, days: datesBetween(firstDate, lastDate), now, firstDate, lastDate, today: localDate(tz, now), start: Math.min(start, end), end };
}

/** The last `days` local dates in `tz`, today included, never reaching before the retention. */
export function windowOf(tz: string, days: number, retentionDays: number, now: number): Window {
  const today = localDate(tz, now);
  return rangeWindow(tz, shiftDate(today, 1 - days), today, retentionDays, now);
}

/** The window of equal length just before `w`: what `compare=previous` answers beside it. */
export function previousWindow(w: Window, retentionDays: number): Window {
  return rangeWindow(w.tz, shiftDate(w.firstDate, -w.days), shiftDate(w.firstDate, -1), retentionDays, w.now);
}

/** The earliest first date a window may have: the local date holding the retention's start. */
export const earliestDate = (tz: string, retentionDays: number, now: number) => localDate(tz, retentionStart(now, retentionDays));

/**
 * The first instant after the window that matters: its end, or, for a window reaching past now
 * (no scan is later than now), the end of now's UTC day or the window's, whichever is later.
 */
export const countedEnd = (w: Window) => (w.end <= w.now ? w.end : Math.max(w.end, startOfUtcDay(w.now) + DAY_MS));

/** Whether the window can be answered from whole UTC days. */
export const isUtcWindow = (w: Window) => w.tz === "UTC" && w.start % DAY_MS === 0;

export const firstQuarter = (w: Window) => Math.floor(w.start / QUARTER_MS);
/** The quarter after the window's last: the one after now's for a window reaching past it. */
export const endQuarter = (w: Window) => Math.min(Math.floor(w.end / QUARTER_MS), Math.floor(w.now / QUARTER_MS) + 1);

/** The UTC day holding the window's start, and whether the start falls inside it. */
export function startDay(w: Window): { day: string; dayStart: number; partial: boolean } {
  const dayStart = startOfUtcDay(w.start);
  return { day: utcDate(dayStart), dayStart, partial: dayStart !== w.start };
}
