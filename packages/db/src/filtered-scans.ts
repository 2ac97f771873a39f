import { FILTER_DIMENSIONS, type FilterDimension } from "@qr3/schema/api/limits";
import { statsScopeScans } from "./analytics.ts";
import { scansParam, type StatsScope } from "./stats-scope.ts";

// Filtered aggregations read the raw scans: a filter may combine any dimensions with any values,
// and the unique visitors of the scans that match can only be counted from the scans themselves.
// A scope's scans in a time range are one range of the clustered table (migrations/shard/0002),
// so one statement reads the window once into a materialised set of the matching scans, and
// every figure (days, visitors, hours, every top list) is grouped from that set: no summary is
// kept for filters, and no stored scan costs a byte more.

/** A filter as the API takes it, the referer's already turned into the stored referers with those hosts. */
export type ScanFilters = Partial<Record<FilterDimension, readonly string[]>>;

/** The column of scans a filter matches (a referer by its stored URL; a destination by the URL sent). */
const FILTER_COLUMNS: Record<FilterDimension, string> = {
  country: "s.country",
  region: "s.region",
  city: "s.city",
  device_type: "s.device_type",
  os: "s.os",
  browser: "s.browser",
  language: "s.language",
  referer: "s.referer",
  destination: "s.redirected_to",
};

/** A stretch of time at one offset from UTC, in seconds since the epoch. */
export interface OffsetStretch {
  until: number;
  offsetSeconds: number;
}

/**
 * The local time of `t` (seconds since the epoch, an SQL expression) over stretches of constant
 * offset: the offsets are our own numbers, written into the statement.
 */
function localTime(t: string, stretches: readonly OffsetStretch[]): string {
  if (stretches.length === 1) return `${t} + ${Math.trunc(stretches[0]!.offsetSeconds)}`;
  const cases = stretches.slice(0, -1).map((s) => `WHEN ${t} < ${Math.trunc(s.until)} THEN ${Math.trunc(s.offsetSeconds)}`);
  return `${t} + CASE ${cases.join(" ")} ELSE ${Math.trunc(stretches.at(-1)!.offsetSeconds)} END`;
}

export interface FilteredRow {
  /**
   * 0: scans of a local hour (a: hours since the epoch, local; its day and hour of the week follow)
   * by is_bot (c); 1: unique visitors of a local day (a: days since the epoch, local); 3: scans of a
   * combination of values by is_bot (c).
   */
  k: number;
  a: number | null;
  c: number | null;
  n: number;
  code_id: string | null;
  country: string | null;
  city: string | null;
  device_type: string | null;
  os: string | null;
  browser: string | null;
  referer: string | null;
  language: string | null;
  destination: string | null;
}

/**
 * The matching scans of [from, to) (ISO times) grouped for every figure of an answer: local hours
 * with their scans (the days and the hours of the week are summed from them), local days with
 * their unique visitors (a visitor is an ip_hash on a UTC day, the salt's day; per code for a set
 * of codes), and, unless `daysOnly`, the combinations of dimension values. Filters bind from ?4 on.
 */
export function filteredScans(
  db: D1Database,
  scope: StatsScope,
  range: { from: string; to: string; stretches: readonly OffsetStretch[] },
  filters: ScanFilters,
  daysOnly: boolean,
): D1PreparedStatement {
  const { from, where } = statsScopeScans(scope);
  const given = FILTER_DIMENSIONS.filter((d) => filters[d] !== undefined);
  const conditions = given.map((d, i) => `${FILTER_COLUMNS[d]} IN (SELECT value FROM json_each(?${i + 4}))`);
  const who = scope.kind === "tag" ? "code_id" : "NULL";
  const combos = daysOnly
    ? ""
    : `UNION ALL SELECT 3, NULL, is_bot, count(*), ${scope.kind === "code" ? "NULL" : "code_id"}, country, city, device_type, os, browser, referer, language, destination FROM m
         GROUP BY is_bot, code_id, country, city, device_type, os, browser, referer, language, destination`;
  return db
    .prepare(
      `WITH m AS MATERIALIZED (
         SELECT ${localTime("t", range.stretches)} AS lt, t, ip_hash, is_bot, code_id, country, city, device_type, os, browser, referer, language, destination FROM (
           SELECT CAST(strftime('%s', s.scanned_at) AS INTEGER) AS t, s.ip_hash, s.is_bot, s.code_id, s.country, s.city, s.device_type, s.os, s.browser,
                  s.referer, s.language, s.redirected_to AS destination
           FROM ${from} WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3${conditions.map((c) => ` AND ${c}`).join("")}))
       SELECT 0 AS k, lt / 3600 AS a, is_bot AS c, count(*) AS n, NULL AS code_id, NULL AS country, NULL AS city, NULL AS device_type, NULL AS os,
              NULL AS browser, NULL AS referer, NULL AS language, NULL AS destination FROM m GROUP BY 2, 3
       UNION ALL SELECT 1, ld, NULL, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM
         (SELECT DISTINCT lt / 86400 AS ld, t / 86400, ${who}, ip_hash FROM m WHERE is_bot = 0 AND ip_hash IS NOT NULL) GROUP BY ld
       ${combos}`,
    )
    .bind(scansParam(scope), range.from, range.to, ...given.map((d) => JSON.stringify(filters[d])));
}

/** The distinct referers stored in [from, to): a referer filter names hosts, which SQL cannot take from a URL. */
export function referersIn(db: D1Database, scope: StatsScope, from: string, to: string): D1PreparedStatement {
  const { from: source, where } = statsScopeScans(scope);
  return db
    .prepare(`SELECT DISTINCT s.referer AS referer FROM ${source} WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3 AND s.referer IS NOT NULL`)
    .bind(scansParam(scope), from, to);
}
