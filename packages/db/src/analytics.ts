import { scopeScans } from "./scope-scans.ts";
import { tailDimValues } from "./tail.ts";

// Reads for the aggregation API: none writes. All of them read summaries (see summaries.ts) and
// the scans still waiting to be folded (see tail.ts) except edgeScans, which reads the raw scans
// of at most half a UTC day at a window's start when a time zone puts that start inside a UTC day.

export interface DayRow {
  day: string;
  scans: number;
  bot_scans: number;
  uniques: number;
}

export interface QuarterGroupRow {
  local_day: string;
  utc_day: string;
  scans: number;
  bot_scans: number;
  firsts: number;
  lasts: number;
}

export interface CountEntry {
  value: string;
  count: number;
}

export interface DimTotalRow {
  dim: string;
  value: string;
  scans: number;
  bot_scans: number;
}

export interface EdgeScanRow {
  code_id: string;
  country: string | null;
  device_type: string | null;
  os: string | null;
  browser: string | null;
  referer: string | null;
  language: string | null;
  city: string | null;
  /** The URL sent: a scan whose query string was forwarded counts under that URL here. */
  destination: string;
  is_bot: number;
}

/** Day rows of a scope from `fromDay` (UTC) on. */
export function dayRows(db: D1Database, scope: string, fromDay: string): D1PreparedStatement {
  return db
    .prepare("SELECT day, scans, bot_scans, uniques FROM scan_days WHERE scope = ?1 AND day >= ?2 ORDER BY day")
    .bind(scope, fromDay);
}

/** Quarter rows of [fromQ, toQ), grouped by local day (at a constant offset) and UTC day. */
export function quarterGroups(db: D1Database, scope: string, fromQ: number, toQ: number, offsetSeconds: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT date(quarter * 900 + ?4, 'unixepoch') AS local_day, date(quarter * 900, 'unixepoch') AS utc_day,
              sum(scans) AS scans, sum(bot_scans) AS bot_scans, sum(first_visits) AS firsts, sum(last_visits) AS lasts
       FROM scan_quarters WHERE scope = ?1 AND quarter >= ?2 AND quarter < ?3
       GROUP BY local_day, utc_day`,
    )
    .bind(scope, fromQ, toQ, offsetSeconds);
}

/**
 * The top values of one dimension from `fromDay` on (UTC); ties by name, ignoring case. The days
 * up to the next month's start are read from day rows, the rest from month rows, and the scans
 * not yet folded from the tail, so the LIMIT ranks the merged counts.
 */
export function topValues(db: D1Database, scope: string, dim: string, fromDay: string, limit: number, includeBots: boolean): D1PreparedStatement {
  const wholeMonths = fromDay.endsWith("-01") ? fromDay.slice(0, 7) : nextMonth(fromDay);
  return db
    .prepare(
      `SELECT value, sum(c) AS count FROM (
         SELECT value, scans + ?5 * bot_scans AS c FROM scan_dims
         WHERE scope = ?1 AND dim = ?2 AND day >= ?3 AND day < ?6 || '-01'
         UNION ALL
         SELECT value, scans + ?5 * bot_scans FROM scan_dim_months WHERE scope = ?1 AND dim = ?2 AND month >= ?6
         UNION ALL
         SELECT value, scans + ?5 * bot_scans FROM (${tailDimValues(scope, { dim: "?2", from: "?3" })}))
       GROUP BY value HAVING count > 0 ORDER BY count DESC, value COLLATE NOCASE ASC LIMIT ?4`,
    )
    .bind(scope, dim, fromDay, limit, includeBots ? 1 : 0, wholeMonths);
}

/** "2026-05" for any day of April 2026. */
function nextMonth(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/** Every value of every dimension over [fromDay, toDay] (UTC days, both included), folded or not. */
export function dimTotals(db: D1Database, scope: string, fromDay: string, toDay: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT dim, value, sum(scans) AS scans, sum(bot_scans) AS bot_scans FROM (
         SELECT dim, value, scans, bot_scans FROM scan_dims WHERE scope = ?1 AND day >= ?2 AND day <= ?3
         UNION ALL
         ${tailDimValues(scope, { from: "?2", to: "?3" })})
       GROUP BY dim, value`,
    )
    .bind(scope, fromDay, toDay);
}

/** Raw scans of a code or workspace in [from, to). */
export function edgeScans(db: D1Database, scope: string, from: string, to: string): D1PreparedStatement {
  const { from: source, where } = scopeScans("?1", scope.startsWith("ws_"));
  return db
    .prepare(
      `SELECT s.code_id, s.country, s.device_type, s.os, s.browser, s.referer, s.language, s.city, s.redirected_to AS destination, s.is_bot FROM ${source}
       WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3`,
    )
    .bind(scope, from, to);
}

/** Lifetime scans of every code of a workspace. */
export function workspaceTotals(db: D1Database, workspaceId: string): D1PreparedStatement {
  return db
    .prepare("SELECT coalesce(sum(total_scans), 0) AS total_scans, coalesce(sum(bot_scans), 0) AS bot_scans FROM codes WHERE workspace_id = ?1")
    .bind(workspaceId);
}

export async function shortCodesOf(db: D1Database, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const { results } = await db
    .prepare("SELECT c.id, c.short_code FROM json_each(?2) AS j JOIN codes c ON c.id = j.value WHERE c.workspace_id = ?1")
    .bind(workspaceId, JSON.stringify(ids))
    .all<{ id: string; short_code: string }>();
  return new Map(results.map((r) => [r.id, r.short_code]));
}
