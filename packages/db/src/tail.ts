import { DIMENSION_NAMES } from "@qr3/schema";
import { ipHashHex } from "./scope-scans.ts";
import { dimColumn } from "./summaries.ts";
import { ranksCodes, scansParam, tailScope, type StatsScope } from "./stats-scope.ts";

// Reads never fold. The scans of a scope still waiting in scan_tail (fewer than FOLD_AT: the
// consumer folds once that many wait, and the daily cron folds the rest) are read beside the summaries,
// and counted here exactly as the fold would count them into the summaries, so an answer equals
// the raw rows whether or not the fold has run. Top lists take the tail in their own query (see
// tailDimValues), where their LIMIT applies to the merged counts.

export interface TailRow {
  is_bot: number;
  ip_hash: string | null;
  /** Whose visitor the scan's is: its code's for a set of codes, "" for one code or a workspace. */
  who?: string;
  day: string;
  quarter: number;
  /** The visitor's first and last quarter of the day in the summaries, or null for a new visitor. */
  f: number | null;
  l: number | null;
}

/**
 * The scope's waiting scans, each with what scan_visitors knows of its visitor on its day. A tag
 * counts each code's visitors (its unique figures are its codes', summed).
 */
export function tailRows(db: D1Database, scope: StatsScope): D1PreparedStatement {
  const visitorScope = scope.kind === "tag" ? "t.code_id" : "?1";
  return db
    .prepare(
      `SELECT t.is_bot, ${ipHashHex("t.ip_hash")} AS ip_hash, ${scope.kind === "tag" ? "t.code_id" : "''"} AS who, t.day, t.quarter,
              sv.first_quarter AS f, sv.last_quarter AS l FROM scan_tail t
       LEFT JOIN scan_visitors sv ON t.is_bot = 0 AND sv.scope = ${visitorScope} AND sv.day = t.day AND sv.ip_hash = t.ip_hash
       WHERE ${tailScope(scope, "t")}`,
    )
    .bind(scansParam(scope));
}

export interface TailCounts {
  /** Per UTC day: human scans, bot scans, visitors new to the day. */
  days: Map<string, { scans: number; bot_scans: number; uniques: number }>;
  /** Per quarter: human scans, bot scans, and the moves of visitors' first and last quarters. */
  quarters: Map<number, { scans: number; bot_scans: number; first_visits: number; last_visits: number }>;
}

/**
 * What folding `rows` would add to the scope's day and quarter rows: the fold's visitor rules
 * (migrations/shard, scan_quarters) applied in memory. A visitor new to a day counts once in its
 * uniques and moves first/last from nowhere to its first/last quarter; a known visitor whose
 * waiting scans reach past its known first or last quarter moves that one.
 */
export function tailCounts(rows: readonly TailRow[]): TailCounts {
  const days: TailCounts["days"] = new Map();
  const quarters: TailCounts["quarters"] = new Map();
  const day = (d: string) => days.get(d) ?? days.set(d, { scans: 0, bot_scans: 0, uniques: 0 }).get(d)!;
  const quarter = (q: number) => quarters.get(q) ?? quarters.set(q, { scans: 0, bot_scans: 0, first_visits: 0, last_visits: 0 }).get(q)!;
  const visitors = new Map<string, { day: string; mn: number; mx: number; f: number | null; l: number | null }>();
  for (const r of rows) {
    if (r.is_bot) {
      day(r.day).bot_scans++;
      quarter(r.quarter).bot_scans++;
      continue;
    }
    day(r.day).scans++;
    quarter(r.quarter).scans++;
    if (r.ip_hash === null) continue;
    const key = `${r.who ?? ""} ${r.day} ${r.ip_hash}`;
    const v = visitors.get(key);
    if (v) {
      v.mn = Math.min(v.mn, r.quarter);
      v.mx = Math.max(v.mx, r.quarter);
    } else {
      visitors.set(key, { day: r.day, mn: r.quarter, mx: r.quarter, f: r.f, l: r.l });
    }
  }
  for (const v of visitors.values()) {
    if (v.f === null || v.l === null) {
      day(v.day).uniques++;
      quarter(v.mn).first_visits++;
      quarter(v.mx).last_visits++;
      continue;
    }
    if (v.mx > v.l) {
      quarter(v.l).last_visits--;
      quarter(v.mx).last_visits++;
    }
    if (v.mn < v.f) {
      quarter(v.f).first_visits--;
      quarter(v.mn).first_visits++;
    }
  }
  return { days, quarters };
}

/**
 * The waiting scans' dimension values on UTC days from `from` on (and up to `to`, both SQL
 * expressions), for a UNION with summary rows: of one dimension (the SQL expression `dim`), or of
 * every dimension when `dim` is omitted. The same column per dimension as the fold counts
 * (referers by host; where codes are ranked, codes by id). Columns: dim, value, scans, bot_scans;
 * the scope's scansParam is bound as `param` (?1 unless given).
 */
export function tailDimValues(scope: StatsScope, range: { dim?: string; from: string; to?: string; param?: string }): string {
  const dims = ranksCodes(scope) ? [...DIMENSION_NAMES, "code"] : DIMENSION_NAMES;
  const dim = range.dim ?? "d.dim";
  const value = `CASE ${dim} ${dims.map((name) => `WHEN '${name}' THEN ${name === "code" ? "code_id" : dimColumn(name)}`).join(" ")} END`;
  const every = range.dim === undefined ? `, (SELECT value AS dim FROM json_each('${JSON.stringify(dims)}')) AS d` : "";
  return `SELECT dim, value, is_bot = 0 AS scans, is_bot AS bot_scans FROM (
      SELECT ${dim} AS dim, ${value} AS value, is_bot FROM scan_tail${every}
      WHERE ${tailScope(scope, "", range.param)} AND day >= ${range.from}${range.to ? ` AND day <= ${range.to}` : ""})
    WHERE value IS NOT NULL`;
}
