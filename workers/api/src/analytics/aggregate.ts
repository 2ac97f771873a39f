import { addDays, utcDate } from "@qr3/core";
import {
  dayRows,
  dimTotals,
  edgeScans,
  quarterGroups,
  refererHost,
  tailCounts,
  tailRows,
  topValues,
  type CountEntry,
  type DayRow,
  type DimTotalRow,
  type EdgeScanRow,
  type QuarterGroupRow,
  type TailCounts,
  type TailRow,
} from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, QUARTER_MS, TOP_CODES_LIMIT } from "@qr3/schema";
import { constantOffsetSegments, localMidnight, nextDate } from "./timezone.ts";
import { endQuarter, firstQuarter, isUtcWindow, startDay, type Window } from "./window.ts";

export interface DayEntry {
  date: string;
  count: number;
  unique: number;
}

export interface Aggregation {
  period_scans: number;
  period_unique_scans: number;
  bot_scans: number;
  scans_by_day: DayEntry[];
  /** Top lists by dimension name (plus "code" for a workspace). */
  top: Record<string, CountEntry[]>;
}

interface Options {
  scope: string;
  includeBots: boolean;
}

const dimsOf = (scope: string) => (scope.startsWith("ws_") ? [...DIMENSION_NAMES, "code"] : DIMENSION_NAMES);
const limitOf = (dim: string) => (dim === "code" ? TOP_CODES_LIMIT : DIMENSIONS[dim as keyof typeof DIMENSIONS].limit);

function finish(days: Map<string, { count: number; unique: number; bots: number }>, top: Record<string, CountEntry[]>, o: Options): Aggregation {
  const scans_by_day = [...days.entries()]
    .filter(([, d]) => d.count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, d]) => ({ date, count: d.count, unique: d.unique }));
  let bots = 0;
  for (const d of days.values()) bots += d.bots;
  return {
    period_scans: scans_by_day.reduce((s, d) => s + d.count, 0),
    period_unique_scans: scans_by_day.reduce((s, d) => s + d.unique, 0),
    bot_scans: o.includeBots ? 0 : bots,
    scans_by_day,
    top,
  };
}

/**
 * Runs the reads in one D1 batch (one snapshot) beside the scope's scans still waiting to be
 * folded, counted as the fold would count them: nothing is written, and the figures are exact.
 */
async function readWithTail<T>(db: D1Database, scope: string, reads: D1PreparedStatement[]): Promise<{ tail: TailCounts; results: D1Result<T>[] }> {
  const [tail, ...results] = await db.batch<T | TailRow>([tailRows(db, scope), ...reads]);
  return { tail: tailCounts(tail!.results as TailRow[]), results: results as D1Result<T>[] };
}

/** Whole UTC days: a row per day and the top lists straight from the day summaries. */
async function utcAggregation(db: D1Database, w: Window, o: Options): Promise<Aggregation> {
  const fromDay = utcDate(w.start);
  const dims = dimsOf(o.scope);
  const { tail, results } = await readWithTail<DayRow | CountEntry>(db, o.scope, [
    dayRows(db, o.scope, fromDay),
    ...dims.map((dim) => topValues(db, o.scope, dim, fromDay, limitOf(dim), o.includeBots)),
  ]);
  const [dayResult, ...tops] = results;
  const days = new Map<string, { count: number; unique: number; bots: number }>();
  const addDay = (day: string, r: { scans: number; bot_scans: number; uniques: number }) => {
    const d = days.get(day) ?? { count: 0, unique: 0, bots: 0 };
    d.count += r.scans + (o.includeBots ? r.bot_scans : 0);
    d.unique += r.uniques;
    d.bots += r.bot_scans;
    days.set(day, d);
  };
  for (const r of dayResult!.results as DayRow[]) addDay(r.day, r);
  for (const [day, r] of tail.days) if (day >= fromDay) addDay(day, r);
  const top = Object.fromEntries(dims.map((dim, i) => [dim, tops[i]!.results as CountEntry[]]));
  return finish(days, top, o);
}

/** The tail's quarters in [from, to) as rows of quarterGroups at `offsetSeconds`, to sum with them. */
function tailQuarterGroups(tail: TailCounts, from: number, to: number, offsetSeconds: number): QuarterGroupRow[] {
  const rows: QuarterGroupRow[] = [];
  for (const [quarter, q] of tail.quarters) {
    if (quarter < from || quarter >= to) continue;
    const ms = quarter * QUARTER_MS;
    rows.push({
      local_day: utcDate(ms + offsetSeconds * 1000),
      utc_day: utcDate(ms),
      scans: q.scans,
      bot_scans: q.bot_scans,
      firsts: q.first_visits,
      lasts: q.last_visits,
    });
  }
  return rows;
}

function topOf(counts: Map<string, number>, limit: number): CountEntry[] {
  return [...counts.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

/**
 * Any time zone: local days summed from quarter-hour rows, one query per stretch of constant
 * offset. Unique visitors of a local day: in the part of it that ends a UTC day, those whose last
 * scan of that UTC day falls in it; in the part that begins one, those whose first scan does.
 * Top lists: day summaries, with the UTC day holding the window's start corrected from its raw
 * scans (the shorter side of the start, at most half a day).
 */
async function zonedAggregation(db: D1Database, w: Window, o: Options): Promise<Aggregation> {
  const segments = constantOffsetSegments(w.tz, firstQuarter(w), endQuarter(w));
  const edge = startDay(w);
  const dayEnd = addDays(edge.dayStart, 1);
  const addEdge = !edge.partial || dayEnd - w.start <= w.start - edge.dayStart;
  const dimsFrom = edge.partial && addEdge ? utcDate(dayEnd) : edge.day;
  const edgeRange = addEdge ? [w.start, dayEnd] : [edge.dayStart, w.start];
  const statements = [
    ...segments.map((s) => quarterGroups(db, o.scope, s.from, s.to, s.offsetSeconds)),
    dimTotals(db, o.scope, dimsFrom, utcDate(w.now)),
    ...(edge.partial ? [edgeScans(db, o.scope, new Date(edgeRange[0]!).toISOString(), new Date(edgeRange[1]!).toISOString())] : []),
  ];
  const { tail, results } = await readWithTail<QuarterGroupRow | DimTotalRow | EdgeScanRow>(db, o.scope, statements);
  const quarterRows = segments.flatMap((s, i) => [
    ...(results[i]!.results as QuarterGroupRow[]),
    ...tailQuarterGroups(tail, s.from, s.to, s.offsetSeconds),
  ]);

  const days = new Map<string, { count: number; unique: number; bots: number }>();
  const nowUtcDay = utcDate(w.now);
  const dayEnds = new Map<string, number>();
  for (const r of quarterRows) {
    const end = dayEnds.get(r.local_day) ?? localMidnight(w.tz, nextDate(r.local_day));
    dayEnds.set(r.local_day, end);
    const endsUtcDay = end >= addDays(Date.parse(`${r.utc_day}T00:00:00.000Z`), 1) || (r.local_day === w.today && r.utc_day === nowUtcDay);
    const d = days.get(r.local_day) ?? { count: 0, unique: 0, bots: 0 };
    d.count += r.scans + (o.includeBots ? r.bot_scans : 0);
    d.unique += endsUtcDay ? r.lasts : r.firsts;
    d.bots += r.bot_scans;
    days.set(r.local_day, d);
  }

  const dims = dimsOf(o.scope);
  const counts = new Map(dims.map((dim) => [dim, new Map<string, number>()]));
  for (const r of results[segments.length]!.results as DimTotalRow[]) {
    counts.get(r.dim)?.set(r.value, r.scans + (o.includeBots ? r.bot_scans : 0));
  }
  if (edge.partial) {
    const sign = addEdge ? 1 : -1;
    for (const r of results[segments.length + 1]!.results as EdgeScanRow[]) {
      if (r.is_bot && !o.includeBots) continue;
      for (const dim of dims) {
        const value = dim === "code" ? r.code_id : dim === "referer" ? refererHost(r.referer) : r[dim as keyof EdgeScanRow];
        if (value === null || value === undefined) continue;
        const m = counts.get(dim)!;
        m.set(String(value), (m.get(String(value)) ?? 0) + sign);
      }
    }
  }
  const top = Object.fromEntries(dims.map((dim) => [dim, topOf(counts.get(dim)!, limitOf(dim))]));
  return finish(days, top, o);
}

export function aggregate(db: D1Database, w: Window, o: Options): Promise<Aggregation> {
  return isUtcWindow(w) ? utcAggregation(db, w, o) : zonedAggregation(db, w, o);
}
