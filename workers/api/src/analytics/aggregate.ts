import { addDays, DAY_MS, startOfUtcDay, utcDate } from "@qr3/core";
import {
  dayRows,
  dimTotals,
  edgeScans,
  hourCells,
  hourMonthCells,
  quarterGroups,
  ranksCodes,
  refererHost,
  tailCounts,
  tailRows,
  topValues,
  type CountEntry,
  type DayRow,
  type DimTotalRow,
  type EdgeScanRow,
  type HourCellRow,
  type QuarterGroupRow,
  type RankedEntry,
  type StatsScope,
  type TailCounts,
  type TailRow,
} from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, QUARTER_MS, TOP_CODES_LIMIT, type Dimension } from "@qr3/schema";
import { constantOffsetSegments, localMidnight, nextDate, type Segment } from "./timezone.ts";
import { countedEnd, endQuarter, firstQuarter, isUtcWindow, type Window } from "./window.ts";

const nowQuarter = (w: Window) => Math.floor(w.now / QUARTER_MS);

// Unfiltered aggregations, from summaries (packages/db/src/summaries.ts) and the scans still
// waiting to be folded: exact, whatever the window and time zone. Filtered ones: filtered.ts.

export interface DayEntry {
  date: string;
  count: number;
  unique: number;
}

export interface HourEntry {
  weekday: number;
  hour: number;
  count: number;
}

export interface Aggregation {
  period_scans: number;
  period_unique_scans: number;
  bot_scans: number;
  scans_by_day: DayEntry[];
  /** Scans by local weekday and hour over the window, for a heat map. */
  scans_by_hour: HourEntry[];
  /** Top lists by dimension name (plus "code" where codes are ranked). */
  top: Record<string, CountEntry[]>;
}

export interface Options {
  scope: StatsScope;
  includeBots: boolean;
  /** Only the days (and their totals): what the previous period of a comparison needs. */
  daysOnly?: boolean;
}

export type DayCounts = Map<string, { count: number; unique: number; bots: number }>;

export const dimsOf = (scope: StatsScope) => (ranksCodes(scope) ? [...DIMENSION_NAMES, "code"] : DIMENSION_NAMES);
export const limitOf = (dim: string) => (dim === "code" ? TOP_CODES_LIMIT : DIMENSIONS[dim as keyof typeof DIMENSIONS].limit);

/** Local hours of the week ((ISO weekday - 1) * 24 + hour) and their counts, as the answer lists them. */
export function hourEntries(cells: Map<number, number>): HourEntry[] {
  return [...cells.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => a - b)
    .map(([how, count]) => ({ weekday: Math.floor(how / 24) + 1, hour: how % 24, count }));
}

export function finish(days: DayCounts, top: Record<string, CountEntry[]>, hours: HourEntry[], includeBots: boolean): Aggregation {
  const scans_by_day = [...days.entries()]
    .filter(([, d]) => d.count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, d]) => ({ date, count: d.count, unique: d.unique }));
  let bots = 0;
  for (const d of days.values()) bots += d.bots;
  return {
    period_scans: scans_by_day.reduce((s, d) => s + d.count, 0),
    period_unique_scans: scans_by_day.reduce((s, d) => s + d.unique, 0),
    bot_scans: includeBots ? 0 : bots,
    scans_by_day,
    scans_by_hour: hours,
    top,
  };
}

/** A raw scan's (or a group of them) dimension values, as the summaries count them. */
export type ValueRow = { code_id: string | null } & Record<Dimension, string | null>;

/** Adds `n` to each dimension of `counts` under `row`'s value (referers by host, codes by id; unknown values not at all). */
export function countValues(counts: Map<string, Map<string, number>>, row: ValueRow, n: number): void {
  for (const [dim, m] of counts) {
    const value = dim === "code" ? row.code_id : dim === "referer" ? refererHost(row.referer) : row[dim as Dimension];
    if (value === null || value === undefined) continue;
    m.set(String(value), (m.get(String(value)) ?? 0) + n);
  }
}

export function topOf(counts: Map<string, number>, limit: number): CountEntry[] {
  return [...counts.entries()]
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

/** The reads answering one window, and how their results (and the scope's waiting scans) make its answer. */
interface Plan {
  statements: D1PreparedStatement[];
  finish(tail: TailCounts, results: ReadonlyArray<D1Result<unknown>>): Aggregation;
}

/** A read of hour-of-the-week rows: quarter rows at a segment's offset, or whole months' rows shifted by it. */
interface HourRead {
  statement: D1PreparedStatement;
  /** Hours to add to a row's: 0 for quarter rows (already local), the offset's for month rows. */
  shift: number;
  /** -1 for the part of a month outside the window, taken away from the month's rows. */
  sign: 1 | -1;
}

const monthStartQuarter = (month: string) => Date.parse(`${month}-01T00:00:00.000Z`) / QUARTER_MS;
const monthAfter = (month: string) => {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
};
const monthOfQuarter = (q: number) => new Date(q * QUARTER_MS).toISOString().slice(0, 7);

/**
 * The reads of the window's hours of the week, per stretch of constant offset: at an offset of
 * whole hours, the UTC months the stretch holds whole from their month rows (scan_hour_months;
 * the month holding now counts as whole up to now), and the rest from quarter rows; at any other
 * offset, quarter rows only.
 */
function hourReads(db: D1Database, scope: StatsScope, segments: readonly Segment[], nowQuarter: number): HourRead[] {
  const reads: HourRead[] = [];
  const quarters = (from: number, to: number, s: Segment, sign: 1 | -1 = 1) => {
    if (from < to) reads.push({ statement: hourCells(db, scope, from, to, s.offsetSeconds), shift: 0, sign });
  };
  for (const s of segments) {
    if (s.offsetSeconds % 3600 !== 0) {
      quarters(s.from, s.to, s);
      continue;
    }
    const reachesNow = s.to > nowQuarter;
    // The months the stretch holds whole, the month holding now counting as whole up to now.
    let first = monthOfQuarter(s.from);
    if (monthStartQuarter(first) < s.from) first = monthAfter(first);
    let last = monthOfQuarter(s.to - 1);
    if (!reachesNow && monthStartQuarter(monthAfter(last)) > s.to) last = monthOfQuarter(monthStartQuarter(last) - 1);
    if (first > last) {
      quarters(s.from, s.to, s);
      continue;
    }
    // A month the stretch holds only part of, next to them, from the shorter side: its part
    // inside as quarter rows, or its month rows with the part outside taken away.
    let headFrom = monthStartQuarter(first);
    const before = monthOfQuarter(s.from);
    if (headFrom > s.from && headFrom - s.from > s.from - monthStartQuarter(before)) {
      quarters(monthStartQuarter(before), s.from, s, -1);
      first = before;
      headFrom = s.from;
    }
    let tailTo = Math.min(monthStartQuarter(monthAfter(last)), s.to);
    if (tailTo < s.to) {
      const after = monthAfter(last);
      const afterEnd = monthStartQuarter(monthAfter(after));
      if (s.to - tailTo > afterEnd - s.to) {
        quarters(s.to, afterEnd, s, -1);
        last = after;
        tailTo = s.to;
      }
    }
    quarters(s.from, headFrom, s);
    reads.push({ statement: hourMonthCells(db, scope, first, last), shift: s.offsetSeconds / 3600, sign: 1 });
    quarters(tailTo, s.to, s);
  }
  return reads;
}

/** The window's scans by local hour of the week: the reads' rows, with the tail's quarters of each stretch. */
function hourGrid(segments: readonly Segment[], reads: readonly HourRead[], results: ReadonlyArray<D1Result<unknown>>, tail: TailCounts, includeBots: boolean): HourEntry[] {
  const grid = new Map<number, number>();
  const add = (how: number, scans: number, bots: number) => grid.set(how, (grid.get(how) ?? 0) + scans + (includeBots ? bots : 0));
  reads.forEach((read, i) => {
    for (const r of results[i]!.results as HourCellRow[]) add((((r.how + read.shift) % 168) + 168) % 168, read.sign * r.scans, read.sign * r.bot_scans);
  });
  for (const s of segments) {
    for (const [quarter, q] of tail.quarters) {
      if (quarter < s.from || quarter >= s.to) continue;
      const local = quarter * QUARTER_MS + s.offsetSeconds * 1000;
      const day = Math.floor(local / DAY_MS);
      add(((day + 3) % 7) * 24 + Math.floor((local - day * DAY_MS) / 3_600_000), q.scans, q.bot_scans);
    }
  }
  return hourEntries(grid);
}

/** Whole UTC days: a row per day and the top lists straight from the day and month summaries. */
function utcPlan(db: D1Database, w: Window, o: Options): Plan {
  const fromDay = utcDate(w.start);
  const toDay = w.lastDate;
  const dims = o.daysOnly ? [] : dimsOf(o.scope);
  const hours: Segment[] = o.daysOnly ? [] : [{ from: firstQuarter(w), to: endQuarter(w), offsetSeconds: 0 }];
  const hourStatements = hourReads(db, o.scope, hours, nowQuarter(w));
  const range = { fromDay, toDay, today: utcDate(w.now) };
  const statements = [
    dayRows(db, o.scope, fromDay, toDay),
    ...hourStatements.map((r) => r.statement),
    ...(dims.length > 0 ? [topValues(db, o.scope, Object.fromEntries(dims.map((d) => [d, limitOf(d)])), range, o.includeBots)] : []),
  ];
  return { statements, finish: (tail, results) => finishUtc(w, o, { fromDay, toDay, dims, hours, hourStatements }, tail, results) };
}

function finishUtc(
  w: Window,
  o: Options,
  p: { fromDay: string; toDay: string; dims: readonly string[]; hours: Segment[]; hourStatements: HourRead[] },
  tail: TailCounts,
  results: ReadonlyArray<D1Result<unknown>>,
): Aggregation {
  const { fromDay, toDay, dims, hours, hourStatements } = p;
  const [dayResult, ...rest] = results;
  const days: DayCounts = new Map();
  const addDay = (day: string, r: { scans: number; bot_scans: number; uniques: number }) => {
    const d = days.get(day) ?? { count: 0, unique: 0, bots: 0 };
    d.count += r.scans + (o.includeBots ? r.bot_scans : 0);
    d.unique += r.uniques;
    d.bots += r.bot_scans;
    days.set(day, d);
  };
  for (const r of dayResult!.results as DayRow[]) addDay(r.day, r);
  for (const [day, r] of tail.days) if (day >= fromDay && day <= toDay) addDay(day, r);
  const top: Record<string, CountEntry[]> = Object.fromEntries(dims.map((dim) => [dim, []]));
  if (dims.length > 0) for (const r of rest[hourStatements.length]!.results as RankedEntry[]) top[r.dim]!.push({ value: r.value, count: r.count });
  return finish(days, top, hourGrid(hours, hourStatements, rest, tail, o.includeBots), o.includeBots);
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

/** Raw scans to add (sign 1) to or take (-1) from the whole UTC days' dimension totals. */
interface Edge {
  from: number;
  to: number;
  sign: 1 | -1;
}

/**
 * How the dimension totals of [start, end) are read: whole UTC days from summaries, corrected at
 * each end that falls inside a UTC day by its raw scans, from the shorter side (at most half a
 * day each): the part inside the window added, or the day taken whole and the part outside it
 * taken away. null days: no UTC day is read whole.
 */
export function dimensionPlan(start: number, end: number): { days: [string, string] | null; edges: Edge[] } {
  const startDay = startOfUtcDay(start);
  const endDay = startOfUtcDay(end);
  if (startDay === endDay) return { days: null, edges: start < end ? [{ from: start, to: end, sign: 1 }] : [] };
  const edges: Edge[] = [];
  let first = startDay;
  if (start !== startDay) {
    const next = addDays(startDay, 1);
    if (next - start <= start - startDay) {
      edges.push({ from: start, to: next, sign: 1 });
      first = next;
    } else edges.push({ from: startDay, to: start, sign: -1 });
  }
  let last = addDays(endDay, -1); // the last UTC day read whole
  if (end !== endDay) {
    if (end - endDay <= addDays(endDay, 1) - end && endDay > start) edges.push({ from: endDay, to: end, sign: 1 });
    else {
      edges.push({ from: end, to: addDays(endDay, 1), sign: -1 });
      last = endDay;
    }
  }
  return { days: first <= last ? [utcDate(first), utcDate(last)] : null, edges };
}

/**
 * Any time zone: local days summed from quarter-hour rows, one query per stretch of constant
 * offset. Unique visitors of a local day: in the part of it that ends a UTC day, those whose last
 * scan of that UTC day falls in it; in the part that begins one, those whose first scan does.
 * Top lists: day summaries, with the UTC days holding the window's start and end corrected from
 * their raw scans (see dimensionPlan).
 */
function zonedPlan(db: D1Database, w: Window, o: Options): Plan {
  const segments = constantOffsetSegments(w.tz, firstQuarter(w), endQuarter(w));
  const plan = o.daysOnly ? { days: null, edges: [] } : dimensionPlan(w.start, countedEnd(w));
  const dimReads = plan.days ? [dimTotals(db, o.scope, plan.days[0], plan.days[1])] : [];
  const hourStatements = o.daysOnly ? [] : hourReads(db, o.scope, segments, nowQuarter(w));
  const statements = [
    ...segments.map((s) => quarterGroups(db, o.scope, s.from, s.to, s.offsetSeconds)),
    ...hourStatements.map((r) => r.statement),
    ...dimReads,
    ...plan.edges.map((e) => edgeScans(db, o.scope, new Date(e.from).toISOString(), new Date(e.to).toISOString())),
  ];
  return { statements, finish: (tail, results) => finishZoned(w, o, { segments, plan, hourStatements }, tail, results) };
}

function finishZoned(
  w: Window,
  o: Options,
  p: { segments: Segment[]; plan: ReturnType<typeof dimensionPlan>; hourStatements: HourRead[] },
  tail: TailCounts,
  results: ReadonlyArray<D1Result<unknown>>,
): Aggregation {
  const { segments, plan, hourStatements } = p;
  const quarterRows = segments.flatMap((s, i) => [
    ...(results[i]!.results as QuarterGroupRow[]),
    ...tailQuarterGroups(tail, s.from, s.to, s.offsetSeconds),
  ]);

  const days: DayCounts = new Map();
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
  if (o.daysOnly) return finish(days, {}, [], o.includeBots);

  const dims = dimsOf(o.scope);
  const counts = new Map(dims.map((dim) => [dim, new Map<string, number>()]));
  let at = segments.length + hourStatements.length;
  if (plan.days) {
    for (const r of results[at++]!.results as DimTotalRow[]) counts.get(r.dim)?.set(r.value, r.scans + (o.includeBots ? r.bot_scans : 0));
  }
  for (const edge of plan.edges) {
    for (const r of results[at++]!.results as EdgeScanRow[]) {
      if (r.is_bot && !o.includeBots) continue;
      countValues(counts, r, edge.sign);
    }
  }
  const top = Object.fromEntries(dims.map((dim) => [dim, topOf(counts.get(dim)!, limitOf(dim))]));
  return finish(days, top, hourGrid(segments, hourStatements, results.slice(segments.length), tail, o.includeBots), o.includeBots);
}

const emptyPlan = (o: Options): Plan => ({
  statements: [],
  finish: () => finish(new Map(), o.daysOnly ? {} : Object.fromEntries(dimsOf(o.scope).map((d) => [d, []])), [], o.includeBots),
});

/**
 * The answers for windows of one scope (a window and the one before it, to compare), read in one
 * D1 batch (one snapshot, one round trip) beside the scope's scans still waiting to be folded,
 * counted as the fold would count them: nothing is written, and the figures are exact. `along`:
 * statements the caller reads in the same round trip, their results returned as they are.
 */
export async function aggregate(
  db: D1Database,
  asked: ReadonlyArray<{ window: Window; options: Options }>,
  along: readonly D1PreparedStatement[] = [],
): Promise<{ answers: Aggregation[]; along: D1Result<unknown>[] }> {
  const scope = asked[0]!.options.scope;
  const plans = asked.map(({ window: w, options: o }) => (w.start >= w.end ? emptyPlan(o) : isUtcWindow(w) ? utcPlan(db, w, o) : zonedPlan(db, w, o)));
  const all = await db.batch([...along, tailRows(db, scope), ...plans.flatMap((p) => p.statements)]);
  const [tailResult, ...results] = all.slice(along.length);
  const tail = tailCounts(tailResult!.results as TailRow[]);
  let at = 0;
  const answers = plans.map((p) => {
    const own = results.slice(at, (at += p.statements.length));
    return p.finish(tail, own);
  });
  return { answers, along: all.slice(0, along.length) };
}
