import type { Granularity } from "@qr3/schema/api";
import type { DayEntry } from "./aggregate.ts";

/** The first date of the period (ISO week, Monday first; calendar month) holding `date`. */
export function periodStart(date: string, granularity: Granularity): string {
  if (granularity === "day") return date;
  if (granularity === "month") return `${date.slice(0, 7)}-01`;
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  const weekday = (new Date(ms).getUTCDay() + 6) % 7; // 0 is Monday
  return new Date(ms - weekday * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The days' counts summed per period, each period named by its first date inside the window
 * (never before `firstDate`). A period's unique count is its days' summed, as the window's is.
 */
export function seriesOf(days: readonly DayEntry[], granularity: Granularity, firstDate: string): Array<{ start: string; count: number; unique: number }> {
  const periods = new Map<string, { start: string; count: number; unique: number }>();
  for (const d of days) {
    let start = periodStart(d.date, granularity);
    if (start < firstDate) start = firstDate;
    const p = periods.get(start) ?? periods.set(start, { start, count: 0, unique: 0 }).get(start)!;
    p.count += d.count;
    p.unique += d.unique;
  }
  return [...periods.values()];
}

/** (current - previous) / previous to 4 decimals; null when there was nothing before. */
export const relativeChange = (current: number, previous: number) => (previous === 0 ? null : Math.round(((current - previous) / previous) * 10_000) / 10_000);
