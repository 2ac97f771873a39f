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
   * 0: scans of a local day (a: days since the epoch, local) by is_bot (c); 1: unique visitors of
   * a local day (a, as for 0); 2: scans of a local hour of the week (a: (ISO weekday - 1) * 24 +
   * hour) by is_bot (c); 3: scans of a combination of values by is_bot (c).
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

/** D1 binds at most 100 parameters to a statement: the scope and the range take three. */
const BOUND_PARAMETERS = 97;

/**
 * Each filter as a condition and its parameters (from ?4 on): a dimension's values bound one by
 * one while they fit (an IN list of parameters is cheaper per scan than a JSON array's), the
 * rest as one JSON array each.
 */
function filterConditions(filters: ScanFilters): { conditions: string[]; params: string[] } {
  const conditions: string[] = [];
  const params: string[] = [];
  const given = FILTER_DIMENSIONS.filter((d) => filters[d] !== undefined);
  given.forEach((d, i) => {
    const values = filters[d]!;
    // Whatever the later dimensions take, one parameter each is kept for them.
    const room = BOUND_PARAMETERS - params.length - (given.length - i - 1);
    if (values.length > 0 && values.length <= room) {
      conditions.push(`${FILTER_COLUMNS[d]} IN (${values.map((_, j) => `?${params.length + j + 4}`).join(", ")})`);
      params.push(...values);
    } else {
      conditions.push(`${FILTER_COLUMNS[d]} IN (SELECT value FROM json_each(?${params.length + 4}))`);
      params.push(JSON.stringify(values));
    }
  });
  return { conditions, params };
}

/**
 * The matching scans of [from, to) (ISO times) grouped for every figure of an answer: local days
 * and local hours of the week with their scans, local days with their unique visitors (a visitor
 * is an ip_hash on a UTC day, the salt's day; per code for a set of codes), and, unless
 * `daysOnly`, the combinations of dimension values (ordered for the sort: the values that differ
 * most between scans first). The local hours are grouped once, and the days and the hours of the
 * week summed from them, so that a year's answer is hundreds of rows, not thousands.
 */
export function filteredScans(
  db: D1Database,
  scope: StatsScope,
  range: { from: string; to: string; stretches: readonly OffsetStretch[] },
  filters: ScanFilters,
  daysOnly: boolean,
): D1PreparedStatement {
  const { from, where } = statsScopeScans(scope);
  const { conditions, params } = filterConditions(filters);
  // The code of each scan, for the top codes of a set of codes; a tag's visitors are counted per code.
  const code = scope.kind === "code" ? "NULL" : "code_id";
  const visitorCode = scope.kind === "tag" ? "code_id" : "NULL";
  const weekHours = daysOnly
    ? ""
    : `UNION ALL SELECT 2, ((lh / 24 + 3) % 7) * 24 + lh % 24, is_bot, sum(n), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM h GROUP BY 2, 3`;
  const combos = daysOnly
    ? ""
    : `UNION ALL SELECT 3, NULL, is_bot, count(*), ${code}, country, city, device_type, os, browser, referer, language, destination FROM m
         GROUP BY ${scope.kind === "code" ? "" : "code_id, "}city, os, device_type, browser, referer, language, country, destination, is_bot`;
  return db
    .prepare(
      `WITH m AS MATERIALIZED (
         SELECT ${localTime("t", range.stretches)} AS lt, t, ip_hash, is_bot, ${code} AS code_id, country, city, device_type, os, browser, referer, language, destination FROM (
           SELECT unixepoch(s.scanned_at) AS t, s.ip_hash, s.is_bot, s.code_id, s.country, s.city, s.device_type, s.os, s.browser,
                  s.referer, s.language, s.redirected_to AS destination
           FROM ${from} WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3${conditions.map((c) => ` AND ${c}`).join("")})),
       h AS (SELECT lt / 3600 AS lh, is_bot, count(*) AS n FROM m GROUP BY 1, 2)
       SELECT 0 AS k, lh / 24 AS a, is_bot AS c, sum(n) AS n, NULL AS code_id, NULL AS country, NULL AS city, NULL AS device_type, NULL AS os,
              NULL AS browser, NULL AS referer, NULL AS language, NULL AS destination FROM h GROUP BY 2, 3
       ${weekHours}
       UNION ALL SELECT 1, ld, NULL, count(*), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM
         (SELECT DISTINCT lt / 86400 AS ld, t / 86400, ${visitorCode}, ip_hash FROM m WHERE is_bot = 0 AND ip_hash IS NOT NULL) GROUP BY ld
       ${combos}`,
    )
    .bind(scansParam(scope), range.from, range.to, ...params);
}

/** The distinct referers stored in [from, to): a referer filter names hosts, which SQL cannot take from a URL. */
export function referersIn(db: D1Database, scope: StatsScope, from: string, to: string): D1PreparedStatement {
  const { from: source, where } = statsScopeScans(scope);
  return db
    .prepare(`SELECT DISTINCT s.referer AS referer FROM ${source} WHERE ${where} AND s.scanned_at >= ?2 AND s.scanned_at < ?3 AND s.referer IS NOT NULL`)
    .bind(scansParam(scope), from, to);
}
