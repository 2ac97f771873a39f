import { filteredScans, referersIn, refererHost, type FilteredRow, type OffsetStretch, type ScanFilters } from "@qr3/db";
import { DAY_MS } from "@qr3/core";
import { QUARTER_MS } from "@qr3/schema";
import { countValues, dimsOf, finish, hourEntries, limitOf, topOf, type Aggregation, type DayCounts, type Options } from "./aggregate.ts";
import { constantOffsetSegments } from "./timezone.ts";
import { countedEnd, endQuarter, firstQuarter, type Window } from "./window.ts";

// Filtered aggregations: every figure counted from the raw scans that match (see
// packages/db/src/filtered-scans.ts), in one statement per window.

/** The stretches of constant offset of the window, as the statement takes them. */
function stretchesOf(w: Window): OffsetStretch[] {
  return constantOffsetSegments(w.tz, firstQuarter(w), Math.max(endQuarter(w), firstQuarter(w) + 1)).map((s) => ({
    until: (s.to * QUARTER_MS) / 1000,
    offsetSeconds: s.offsetSeconds,
  }));
}

const isoOf = (ms: number) => new Date(ms).toISOString();

/**
 * The filters as the statement matches them: a referer filter names hosts, and the stored
 * referers of the windows with those hosts are what it matches. Windows: [from, to) in ms.
 */
export async function resolveFilters(db: D1Database, scope: Options["scope"], filters: ScanFilters, windows: ReadonlyArray<[number, number]>): Promise<ScanFilters> {
  if (!filters.referer) return filters;
  const hosts = new Set(filters.referer.map((h) => h.toLowerCase()));
  const results = await db.batch<{ referer: string }>(windows.map(([from, to]) => referersIn(db, scope, isoOf(from), isoOf(to))));
  const referers = new Set<string>();
  for (const r of results.flatMap((x) => x.results)) {
    const host = refererHost(r.referer);
    if (host !== null && hosts.has(host)) referers.add(r.referer);
  }
  return { ...filters, referer: [...referers] };
}

/** The statement answering window `w` (its days only, for a comparison's previous period). */
export function filteredStatement(db: D1Database, w: Window, o: Options, filters: ScanFilters): D1PreparedStatement {
  return filteredScans(db, o.scope, { from: isoOf(w.start), to: isoOf(Math.max(w.start, countedEnd(w))), stretches: stretchesOf(w) }, filters, o.daysOnly ?? false);
}

/** The answer for `w` from the statement's rows. */
export function filteredAggregation(w: Window, o: Options, rows: readonly FilteredRow[]): Aggregation {
  const days: DayCounts = new Map();
  const day = (n: number) => {
    const date = new Date(n * DAY_MS).toISOString().slice(0, 10);
    return days.get(date) ?? days.set(date, { count: 0, unique: 0, bots: 0 }).get(date)!;
  };
  const hours = new Map<number, number>();
  const dims = o.daysOnly ? [] : dimsOf(o.scope);
  const counts = new Map(dims.map((dim) => [dim, new Map<string, number>()]));
  for (const r of rows) {
    if (r.k === 0) {
      const d = day(r.a!);
      if (r.c) d.bots += r.n;
      if (!r.c || o.includeBots) d.count += r.n;
    } else if (r.k === 1) {
      day(r.a!).unique += r.n;
    } else if (!r.c || o.includeBots) {
      if (r.k === 2) hours.set(r.a!, (hours.get(r.a!) ?? 0) + r.n);
      else countValues(counts, r, r.n);
    }
  }
  // A day whose only scans are bots has no count: it is left out, as from summaries.
  const top = Object.fromEntries(dims.map((dim) => [dim, topOf(counts.get(dim)!, limitOf(dim))]));
  return finish(days, top, hourEntries(hours), o.includeBots);
}
