import { FILTER_DIMENSIONS, API_LIMITS, ScanStatsQuery, type Granularity } from "@qr3/schema/api";
import type { ScanFilters } from "@qr3/db";
import type { ApiRequest } from "../context.ts";
import { badRequest } from "../errors.ts";
import { parseWith } from "../validation.ts";
import { isTimeZone, localDate } from "./timezone.ts";
import { datesBetween, earliestDate, previousWindow, rangeWindow, windowOf, type Window } from "./window.ts";

/** What an aggregation is asked: its window (and the previous one, to compare), its filters, its periods. */
export interface StatsQuery {
  window: Window;
  previous: Window | null;
  includeBots: boolean;
  granularity: Granularity;
  /** As given, distinct values in their order: what the answer echoes. */
  filters: ScanFilters;
}

/**
 * The query of the aggregation endpoints: `days`, or `from`/`to` (local dates in tz, both
 * included), checked against today and the workspace's retention as of `now`.
 */
export function parseStatsQuery(request: ApiRequest, now = Date.now()): StatsQuery {
  const query = parseWith(ScanStatsQuery, request.query);
  if (!isTimeZone(query.tz)) throw badRequest("tz", "must be an IANA time zone name such as Europe/Vienna");
  const retention = request.auth.retentionDays;
  let window: Window;
  if (query.from === undefined) {
    if (query.to !== undefined) throw badRequest("from", "is required with to");
    window = windowOf(query.tz, query.days, retention, now);
  } else {
    if (request.query.days !== undefined) throw badRequest("days", "cannot be given with from and to");
    const today = localDate(query.tz, now);
    const to = query.to ?? today;
    if (to > today) throw badRequest("to", `must not be after today (${today} in ${query.tz})`);
    if (query.from > to) throw badRequest("from", query.to === undefined ? `must not be after today (${today} in ${query.tz})` : "must not be after to");
    const { range_max } = API_LIMITS.stats_days;
    if (datesBetween(query.from, to) > range_max) throw badRequest("to", `must be at most ${range_max} days after from, both included`);
    const earliest = earliestDate(query.tz, retention, now);
    if (query.from < earliest) throw badRequest("from", `must not be before ${earliest}: scans are kept ${retention} days`);
    window = rangeWindow(query.tz, query.from, to, retention, now);
  }
  const filters: ScanFilters = {};
  for (const d of FILTER_DIMENSIONS) if (query[d] !== undefined) filters[d] = query[d];
  return {
    window,
    previous: query.compare === "previous" ? previousWindow(window, retention) : null,
    includeBots: query.include_bots,
    granularity: query.granularity,
    filters,
  };
}
