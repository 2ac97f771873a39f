// The figures an analytics view draws, computed once for the chart and for its CSV: scans per
// period with the periods without scans as zeros, and the previous period laid over the same
// days; and the CSV of everything the view shows, section by section.
import { csvDocument, type CsvSection } from "../csv.ts";
import { addDays, daysBetween, periodStarts } from "../timezones.ts";
import type { ChartData } from "./chart.ts";
import type { AnalyticsStats } from "./analytics.ts";
import type { Granularity } from "@qr3/schema/api/limits";
import { FILTER_DIMENSIONS } from "@qr3/schema/api/limits";

/** A top list as shown: its title, and its entries with the words for the rest. */
export interface ShownList {
  title: string;
  entries: Array<{ name: string; count: number }>;
}

const STEP_DAYS: Record<Granularity, number> = { day: 1, week: 7, month: 30 };
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** Index of the period holding `date`: the last start not after it. */
function periodIndex(starts: string[], date: string): number {
  let i = starts.length - 1;
  while (i > 0 && starts[i]! > date) i--;
  return i;
}

export function chartData(stats: AnalyticsStats, granularity: Granularity): ChartData {
  // The API leaves the periods without scans out; its series has the same starts as these.
  const given = granularity === "day" ? stats.scans_by_day.map((d) => ({ start: d.date, count: d.count, unique: d.unique })) : (stats.series ?? []);
  const byStart = new Map(given.map((p) => [p.start, p]));
  const starts = [...new Set([...periodStarts(stats.from, stats.to, granularity), ...byStart.keys()])].sort();
  let previous: number[] | null = null;
  if (stats.previous) {
    // Day by day, the previous period's n-th day lies under the window's n-th day.
    previous = starts.map(() => 0);
    const prevFrom = stats.previous.from;
    for (const day of stats.previous.scans_by_day) {
      const date = addDays(stats.from, daysBetween(prevFrom, day.date));
      if (date < stats.from || date > stats.to) continue;
      previous[periodIndex(starts, date)]! += day.count;
    }
  }
  return {
    starts,
    counts: starts.map((s) => byStart.get(s)?.count ?? 0),
    uniques: starts.map((s) => byStart.get(s)?.unique ?? 0),
    previous,
    stepDays: STEP_DAYS[granularity],
  };
}

/** Everything the view shows as one CSV: totals, scans per period, top lists, weekday and hour. */
export function analyticsCsv(stats: AnalyticsStats, lists: ShownList[], granularity: Granularity, includeBots: boolean): string {
  const filters = FILTER_DIMENSIONS.flatMap((d) => (stats.filters?.[d] ?? []).map((v) => `${d}=${v}`)).join("; ");
  const change = stats.change;
  const prev = stats.previous;
  const totals: CsvSection = {
    title: "Totals",
    header: prev ? ["figure", "value", "previous", "change"] : ["figure", "value"],
    rows: [
      ["from", stats.from, ...(prev ? [prev.from] : [])],
      ["to", stats.to, ...(prev ? [prev.to] : [])],
      ["time zone", stats.tz],
      ["periods", granularity],
      ["filters", filters],
      ["bots", includeBots ? "included" : "excluded"],
      ["scans", stats.period_scans, ...(prev ? [prev.period_scans, change?.period_scans ?? null] : [])],
      ["unique", stats.period_unique_scans, ...(prev ? [prev.period_unique_scans, change?.period_unique_scans ?? null] : [])],
      ["bot scans", stats.bot_scans],
      ["all time", stats.total_scans],
      ...(stats.code_count === undefined ? [] : [["codes", stats.code_count]]),
    ],
  };
  const data = chartData(stats, granularity);
  const series: CsvSection = {
    title: `Scans per ${granularity}`,
    header: data.previous ? ["start", "scans", "unique", "previous period scans"] : ["start", "scans", "unique"],
    rows: data.starts.map((start, i) => [start, data.counts[i]!, data.uniques[i]!, ...(data.previous ? [data.previous[i]!] : [])]),
  };
  const codes: CsvSection[] = stats.top_codes
    ? [{ title: "Most scanned codes", header: ["short code", "code id", "scans"], rows: stats.top_codes.map((c) => [c.short_code, c.value, c.count]) }]
    : [];
  const tops = lists.map((l): CsvSection => ({ title: l.title, header: ["value", "scans"], rows: l.entries.map((e) => [e.name, e.count]) }));
  const hours: CsvSection = {
    title: "Scans by weekday and hour",
    header: ["weekday", "hour", "scans"],
    rows: [...(stats.scans_by_hour ?? [])].sort((a, b) => a.weekday - b.weekday || a.hour - b.hour).map((c) => [WEEKDAYS[c.weekday - 1] ?? String(c.weekday), c.hour, c.count]),
  };
  return csvDocument([totals, series, ...codes, ...tops, hours]);
}
