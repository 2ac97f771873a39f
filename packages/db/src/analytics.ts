import { scopeScans } from "./scope-scans.ts";
import { scansParam, summaryParam, type StatsScope } from "./stats-scope.ts";
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

export interface HourCellRow {
  /** Local hour of the week: (ISO weekday - 1) * 24 + hour. */
  how: number;
  scans: number;
  bot_scans: number;
}

/** Day rows of a scope in [fromDay, toDay] (UTC days). */
export function dayRows(db: D1Database, scope: StatsScope | string, fromDay: string, toDay = "9999-12-31"): D1PreparedStatement {
  return db
    .prepare("SELECT day, scans, bot_scans, uniques FROM scan_days WHERE scope = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day")
    .bind(summaryParam(asScope(scope)), fromDay, toDay);
}

/** Quarter rows of [fromQ, toQ), grouped by local day (at a constant offset) and UTC day. */
export function quarterGroups(db: D1Database, scope: StatsScope, fromQ: number, toQ: number, offsetSeconds: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT date(quarter * 900 + ?4, 'unixepoch') AS local_day, date(quarter * 900, 'unixepoch') AS utc_day,
              sum(scans) AS scans, sum(bot_scans) AS bot_scans, sum(first_visits) AS firsts, sum(last_visits) AS lasts
       FROM scan_quarters WHERE scope = ?1 AND quarter >= ?2 AND quarter < ?3
       GROUP BY local_day, utc_day`,
    )
    .bind(summaryParam(scope), fromQ, toQ, offsetSeconds);
}

/**
 * Quarter rows of [fromQ, toQ) by local hour of the week at a constant offset: every zone's
 * hours begin on a quarter hour, so the quarters count each hour exactly. (Day 0 of the epoch
 * was a Thursday. D1 binds a number as a real: the offset is cast, for integer division.)
 */
export function hourCells(db: D1Database, scope: StatsScope, fromQ: number, toQ: number, offsetSeconds: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ((l / 86400 + 3) % 7) * 24 + l % 86400 / 3600 AS how, sum(scans) AS scans, sum(bot_scans) AS bot_scans
       FROM (SELECT quarter * 900 + CAST(?4 AS INTEGER) AS l, scans, bot_scans FROM scan_quarters
             WHERE scope = ?1 AND quarter >= ?2 AND quarter < ?3)
       GROUP BY how`,
    )
    .bind(summaryParam(scope), fromQ, toQ, offsetSeconds);
}

/** Hour-of-the-week rows of the months firstMonth to lastMonth (YYYY-MM, UTC), by UTC hour of the week. */
export function hourMonthCells(db: D1Database, scope: StatsScope, firstMonth: string, lastMonth: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT how, sum(scans) AS scans, sum(bot_scans) AS bot_scans FROM scan_hour_months
       WHERE scope = ?1 AND month >= ?2 AND month <= ?3 GROUP BY how`,
    )
    .bind(summaryParam(scope), firstMonth, lastMonth);
}

/**
 * The months of [fromDay, toDay] (UTC days) that month rows can answer whole: those the range
 * covers entirely, the one holding `today` counting as whole up to today. null when none.
 */
export function wholeMonths(fromDay: string, toDay: string, today: string): { first: string; last: string } | null {
  const first = fromDay.endsWith("-01") ? fromDay.slice(0, 7) : nextMonth(fromDay);
  const last = toDay >= today || nextDay(toDay).endsWith("-01") ? toDay.slice(0, 7) : previousMonth(toDay);
  return first <= last ? { first, last } : null;
}

export interface RankedEntry {
  dim: string;
  value: string;
  count: number;
}

/**
 * The top values of each dimension of `limits` (its list's length) over [fromDay, toDay] (UTC
 * days), in one statement; ties by name, ignoring case (then as stored). The months the range
 * covers whole are read from month rows, the days around them from day rows (before the first, ?3
 * to ?8, and after the last, ?9 to ?6: each one range of the primary key per dimension), and the
 * scans not yet folded from the tail (?7), so each list ranks the merged counts.
 */
export function topValues(
  db: D1Database,
  scope: StatsScope,
  limits: Readonly<Record<string, number>>,
  range: { fromDay: string; toDay: string; today: string },
  includeBots: boolean,
): D1PreparedStatement {
  const months = wholeMonths(range.fromDay, range.toDay, range.today);
  const headTo = months ? shiftDay(`${months.first}-01`, -1) : range.toDay;
  const tailFrom = months ? `${nextMonth(`${months.last}-01`)}-01` : "9999-12-31";
  const dims = "dim IN (SELECT value FROM json_each(?2))";
  const limit = `CASE dim ${Object.entries(limits).map(([dim, n]) => `WHEN '${dim}' THEN ${Math.trunc(n)}`).join(" ")} END`;
  return db
    .prepare(
      `SELECT dim, value, count FROM (
         SELECT dim, value, count, row_number() OVER (PARTITION BY dim ORDER BY count DESC, value COLLATE NOCASE ASC, value ASC) AS place FROM (
           SELECT dim, value, sum(c) AS count FROM (
             SELECT dim, value, scans + ?5 * bot_scans AS c FROM scan_dims WHERE scope = ?1 AND ${dims} AND day >= ?3 AND day <= ?8
             UNION ALL
             SELECT dim, value, scans + ?5 * bot_scans FROM scan_dims WHERE scope = ?1 AND ${dims} AND day >= ?9 AND day <= ?6
             UNION ALL
             SELECT dim, value, scans + ?5 * bot_scans FROM scan_dim_months WHERE scope = ?1 AND ${dims} AND month >= ?10 AND month <= ?11
             UNION ALL
             SELECT dim, value, scans + ?5 * bot_scans FROM (${tailDimValues(scope, { from: "?3", to: "?6", param: "?7" })}))
           GROUP BY dim, value HAVING count > 0))
       WHERE place <= ${limit} ORDER BY dim, place`,
    )
    .bind(
      summaryParam(scope),
      JSON.stringify(Object.keys(limits)),
      range.fromDay,
      null,
      includeBots ? 1 : 0,
      range.toDay,
      scansParam(scope),
      headTo,
      tailFrom,
      months?.first ?? "9999-12",
      months?.last ?? "0000-01",
    );
}

const shiftDay = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
const nextDay = (day: string) => shiftDay(day, 1);

/** "2026-05" for any day of April 2026. */
function nextMonth(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
}

/** "2026-03" for any day of April 2026. */
function previousMonth(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/** Every value of every dimension over [fromDay, toDay] (UTC days, both included), folded or not. */
export function dimTotals(db: D1Database, scope: StatsScope, fromDay: string, toDay: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT dim, value, sum(scans) AS scans, sum(bot_scans) AS bot_scans FROM (
         SELECT dim, value, scans, bot_scans FROM scan_dims WHERE scope = ?1 AND day >= ?2 AND day <= ?3
         UNION ALL
         ${tailDimValues(scope, { from: "?2", to: "?3", param: "?4" })})
       GROUP BY dim, value`,
    )
    .bind(summaryParam(scope), fromDay, toDay, scansParam(scope));
}

/** The FROM clause and condition selecting the raw scans of a scope as `s` (see scope-scans.ts). */
export function statsScopeScans(scope: StatsScope): { from: string; where: string } {
  if (scope.kind === "tag") return { from: "json_each(?1) AS k CROSS JOIN scans s ON s.code_id = k.value", where: "true" };
  return scopeScans("?1", scope.kind === "workspace");
}

/** Raw scans of a scope in [from, to). */
export function edgeScans(db: D1Database, scope: StatsScope, from: string, to: string): D1PreparedStatement {
  const { from: source, where } = statsScopeScans(scope);
  return db
    .prepare(
      `SELECT s.code_id, s.country, s.device_type, s.os, s.browser, s.referer, s.language, s.city, s.redirected_to AS destination, s.is_bot FROM ${source}
       WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3`,
    )
    .bind(scansParam(scope), from, to);
}

/** A scope given by its id alone: a workspace's ("ws_...") or a code's. */
const asScope = (scope: StatsScope | string): StatsScope =>
  typeof scope === "string" ? { kind: scope.startsWith("ws_") ? "workspace" : "code", id: scope } : scope;

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

/** The codes of a workspace carrying `tag` now, with their lifetime counts. */
export function codesTagged(db: D1Database, workspaceId: string, tag: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT c.id, c.total_scans, c.bot_scans FROM code_tags t CROSS JOIN codes c ON c.id = t.code_id
       WHERE t.workspace_id = ?1 AND t.tag = ?2 AND c.workspace_id = ?1 ORDER BY c.id`,
    )
    .bind(workspaceId, tag);
}
