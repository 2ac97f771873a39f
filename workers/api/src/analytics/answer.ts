import type { FilteredRow, StatsScope } from "@qr3/db";
import { aggregate, type Aggregation, type Options } from "./aggregate.ts";
import { filteredAggregation, filteredStatement, resolveFilters } from "./filtered.ts";
import { presentAggregation } from "./present.ts";
import type { StatsQuery } from "./query.ts";
import { countedEnd } from "./window.ts";

/**
 * The aggregation of a scope for a query, with the previous period when asked: from summaries
 * without filters, from the matching raw scans with them. `along`: statements of the route's own
 * (its code, its totals) read in the same batch, one round trip for all; their results returned.
 */
export async function scanStats(db: D1Database, scope: StatsScope, q: StatsQuery, along: readonly D1PreparedStatement[] = []) {
  const o: Options = { scope, includeBots: q.includeBots };
  const previousOptions: Options = { ...o, daysOnly: true };
  let current: Aggregation;
  let previous: Aggregation | null = null;
  let alongResults: D1Result<unknown>[];
  if (Object.keys(q.filters).length > 0) {
    const windows = [q.window, ...(q.previous ? [q.previous] : [])];
    const filters = await resolveFilters(db, scope, q.filters, windows.map((w) => [w.start, countedEnd(w)]));
    const all = await db.batch<unknown>([
      ...along,
      filteredStatement(db, q.window, o, filters),
      ...(q.previous ? [filteredStatement(db, q.previous, previousOptions, filters)] : []),
    ]);
    alongResults = all.slice(0, along.length);
    const results = all.slice(along.length) as D1Result<FilteredRow>[];
    current = filteredAggregation(q.window, o, results[0]!.results);
    if (q.previous) previous = filteredAggregation(q.previous, previousOptions, results[1]!.results);
  } else {
    const read = await aggregate(db, [{ window: q.window, options: o }, ...(q.previous ? [{ window: q.previous, options: previousOptions }] : [])], along);
    [current, previous = null] = read.answers as [Aggregation, Aggregation?];
    alongResults = read.along;
  }
  return { result: current, fields: presentAggregation(q, current, previous), along: alongResults };
}
