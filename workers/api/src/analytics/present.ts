import { DIMENSIONS, DIMENSION_NAMES } from "@qr3/schema";
import type { Aggregation } from "./aggregate.ts";
import type { Window } from "./window.ts";

/** The fields every aggregation answers with, in the documented order. */
export function presentAggregation(w: Window, a: Aggregation) {
  return {
    period_days: w.days,
    tz: w.tz,
    period_scans: a.period_scans,
    period_unique_scans: a.period_unique_scans,
    bot_scans: a.bot_scans,
    scans_by_day: a.scans_by_day,
    ...Object.fromEntries(DIMENSION_NAMES.map((dim) => [DIMENSIONS[dim].field, a.top[dim] ?? []])),
  };
}
