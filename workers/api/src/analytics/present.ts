import { DIMENSIONS, DIMENSION_NAMES } from "@qr3/schema";
import type { Aggregation } from "./aggregate.ts";
import type { StatsQuery } from "./query.ts";
import { relativeChange, seriesOf } from "./series.ts";

/** The fields every aggregation answers with, in the documented order. */
export function presentAggregation(q: StatsQuery, a: Aggregation, previous: Aggregation | null) {
  const w = q.window;
  return {
    period_days: w.days,
    from: w.firstDate,
    to: w.lastDate,
    tz: w.tz,
    granularity: q.granularity,
    filters: q.filters,
    period_scans: a.period_scans,
    period_unique_scans: a.period_unique_scans,
    bot_scans: a.bot_scans,
    scans_by_day: a.scans_by_day,
    series: seriesOf(a.scans_by_day, q.granularity, w.firstDate),
    scans_by_hour: a.scans_by_hour,
    ...Object.fromEntries(DIMENSION_NAMES.map((dim) => [DIMENSIONS[dim].field, a.top[dim] ?? []])),
    ...(previous && q.previous
      ? {
          previous: {
            from: q.previous.firstDate,
            to: q.previous.lastDate,
            period_scans: previous.period_scans,
            period_unique_scans: previous.period_unique_scans,
            scans_by_day: previous.scans_by_day,
          },
          change: {
            period_scans: relativeChange(a.period_scans, previous.period_scans),
            period_unique_scans: relativeChange(a.period_unique_scans, previous.period_unique_scans),
          },
        }
      : {}),
  };
}
