import type { FilteredRow, StatsScope } from "@qr3/db";
import { aggregate, type Aggregation, type Options } from "./aggregate.ts";
import { filteredAggregation, filteredStatement, resolveFilters } from "./filtered.ts";
import { presentAggregation } from "./present.ts";
import type { StatsQuery } from "./query.ts";
import { countedEnd } from "./window.ts";

/**
 * The aggregation of a scope for a query, with the previous period when asked: from summaries
 * without filters, from the matching raw scans with them.
 */
export async function scanStats(db: D1Database, scope: StatsScope, q: StatsQuery) {
  const o: Options = { scope, includeBots: q.includeBots };
  const previousOptions: Options = { ...o, daysOnly: true };
  let current: Aggregation;
  let previous: Aggregation | null = null;
  if (Object.keys(q.filters).length > 0) {
    const windows = [q.window, ...(q.previous ? [q.previous] : [])];
    const filters = await resolveFilters(db, scope, q.filters, windows.map((w) => [w.start, countedEnd(w)]));
    const results = await db.batch<FilteredRow>([
      filteredStatement(db, q.window, o, filters),
      ...(q.previous ? [filteredStatement(db, q.previous, previousOptions, filters)] : []),
    ]);
    current = filteredAggregation(q.window, o, results[0]!.results);
    if (q.previous) previous = filteredAggregation(q.previous, previousOptions, results[1]!.results);
  } else {
    const answers = await aggregate(db, [{ window: q.window, options: o }, ...(q.previous ? [{ window: q.previous, options: previousOptions }] : [])]);
    current = answers[0]!;
    previous = answers[1] ?? null;
  }
  return { result: current, fields: presentAggregation(q, current, previous) };
}
