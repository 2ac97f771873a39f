// What an analytics view shows (window or date range, time zone, bots, comparison, periods,
// filters), read from and written to the page address's query (#/codes/<id>?from=...&country=AT),
// so that a reload or a shared link shows the same figures; and the API query it asks with.
import { API_LIMITS, FILTER_DIMENSIONS, GRANULARITIES, type FilterDimension, type Granularity } from "@qr3/schema/api/limits";

const { stats_days, stats_filter } = API_LIMITS;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Windows longer than this are drawn in weeks unless periods are chosen: a year of daily bars is
 * too thin to read.
 */
export const DAILY_MAX_DAYS = 90;

export type AnalyticsWindow = { days: number } | { from: string; to: string };
export type Filters = Partial<Record<FilterDimension, string[]>>;

export interface AnalyticsState {
  window: AnalyticsWindow;
  /** null: the browser's own zone. */
  tz: string | null;
  includeBots: boolean;
  compare: boolean;
  /** null: chosen from the window's length. */
  granularity: Granularity | null;
  filters: Filters;
}

/** The keys of the address's query an analytics view owns. */
export const ANALYTICS_QUERY_KEYS: readonly string[] = ["days", "from", "to", "tz", "include_bots", "compare", "granularity", ...FILTER_DIMENSIONS];

export const defaultState = (): AnalyticsState => ({
  window: { days: stats_days.default },
  tz: null,
  includeBots: false,
  compare: false,
  granularity: null,
  filters: {},
});

const isGranularity = (v: string | null): v is Granularity => (GRANULARITIES as readonly string[]).includes(v ?? "");

/** The state an address's query names; whatever is missing or malformed is the default. */
export function stateFromQuery(params: URLSearchParams): AnalyticsState {
  const state = defaultState();
  const from = params.get("from");
  const to = params.get("to");
  const days = Number(params.get("days"));
  if (from && DATE.test(from) && to && DATE.test(to) && from <= to) state.window = { from, to };
  else if (Number.isInteger(days) && days >= 1 && days <= stats_days.max) state.window = { days };
  state.tz = params.get("tz") || null;
  state.includeBots = params.get("include_bots") === "true";
  state.compare = params.get("compare") === "previous";
  const granularity = params.get("granularity");
  state.granularity = isGranularity(granularity) ? granularity : null;
  for (const dim of FILTER_DIMENSIONS) {
    const values = [...new Set(params.getAll(dim).filter((v) => v.length >= 1 && v.length <= stats_filter.value_max))].slice(0, stats_filter.values_max);
    if (values.length) state.filters[dim] = values;
  }
  return state;
}

/** The address's query for a state: only what differs from the defaults. */
export function queryOfState(state: AnalyticsState): URLSearchParams {
  const q = new URLSearchParams();
  if ("from" in state.window) {
    q.set("from", state.window.from);
    q.set("to", state.window.to);
  } else if (state.window.days !== stats_days.default) q.set("days", String(state.window.days));
  if (state.tz) q.set("tz", state.tz);
  if (state.includeBots) q.set("include_bots", "true");
  if (state.compare) q.set("compare", "previous");
  if (state.granularity) q.set("granularity", state.granularity);
  appendFilters(q, state.filters);
  return q;
}

function appendFilters(q: URLSearchParams, filters: Filters): void {
  for (const dim of FILTER_DIMENSIONS) for (const value of filters[dim] ?? []) q.append(dim, value);
}

/** The window's length in days, both ends included. */
export function windowLength(window: AnalyticsWindow): number {
  if ("days" in window) return window.days;
  return Math.round((Date.parse(`${window.to}T00:00:00Z`) - Date.parse(`${window.from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The periods drawn: as chosen, else days up to DAILY_MAX_DAYS and weeks beyond. */
export const granularityOf = (state: AnalyticsState): Granularity =>
  state.granularity ?? (windowLength(state.window) > DAILY_MAX_DAYS ? "week" : "day");

/** The query of the aggregation endpoints for a state, in zone `tz`. */
export function apiQuery(state: AnalyticsState, tz: string): URLSearchParams {
  const q = new URLSearchParams();
  if ("from" in state.window) {
    q.set("from", state.window.from);
    q.set("to", state.window.to);
  } else q.set("days", String(state.window.days));
  q.set("tz", tz);
  q.set("include_bots", String(state.includeBots));
  const granularity = granularityOf(state);
  if (granularity !== "day") q.set("granularity", granularity);
  if (state.compare) q.set("compare", "previous");
  appendFilters(q, state.filters);
  return q;
}
