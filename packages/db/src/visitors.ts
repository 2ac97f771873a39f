import { SCAN_COLUMNS, type ScanColumn } from "@qr3/schema";
import type { PurgeStep } from "./purge.ts";
import { foldStatements } from "./summaries.ts";

// scan_visitors holds, per scope, UTC day and visitor, the visitor's first and last quarter of the
// day: what the fold needs to count a new scan's visitor exactly (a new unique or not, and which
// quarters its first and last scans move to). A scan can only arrive for a recent day (the queue
// redelivers for a few days at most), so the rows of older days are pruned (pruneVisitors): they
// would be most of a shard's bytes. The rare scan that still comes later (a dead letter replayed
// by hand) first rebuilds its visitor's rows from the stored scans (rebuildLateVisitors), so that
// the counts stay exact for any delay.
//
// Why that is exact: a visitor row is the state of the folded scans of its visitor and day. A
// rebuilt row is made of the stored scans not waiting in the tail, which are the folded ones, and
// only where no row is; the fold then counts the waiting scans against it as against any other
// row. And pruning deletes rows only in transactions that fold first, so no waiting scan is left
// without the row it was to be counted against.

/** UTC days of visitor rows kept, today's included: the queue retains a message 4 days by default. */
export const VISITOR_DAYS = 5;

const QUARTER = "CAST(strftime('%s', s.scanned_at) AS INTEGER) / 900";
/** A column of a row of the storing statement's JSON array (scans.ts), as SQL. */
const field = (column: ScanColumn) => `j.value ->> ${SCAN_COLUMNS.indexOf(column)}`;

/**
 * The storing statement's first step (?1: the batch's rows, as the intake reads them; ?2: the
 * earliest UTC day among them): the visitor rows of its human scans of days before the horizon
 * that have none, rebuilt from the stored scans, at both scopes. When no scan is that late (?2 is
 * not before the horizon), SQLite tests that once and reads nothing, not even the batch.
 */
export const REBUILD_LATE_VISITORS = `INSERT OR IGNORE INTO scan_visitors (scope, day, ip_hash, first_quarter, last_quarter)
  WITH late AS MATERIALIZED (
    SELECT DISTINCT ${field("code_id")} AS code_id, ${field("workspace_id")} AS workspace_id, substr(${field("scanned_at")}, 1, 10) AS day, unhex(${field("ip_hash")}) AS ip
    FROM json_each(?1) AS j
    WHERE ?2 < (SELECT day FROM visitor_horizon) AND ${field("is_bot")} = 0 AND ${field("ip_hash")} IS NOT NULL AND substr(${field("scanned_at")}, 1, 10) < (SELECT day FROM visitor_horizon)),
  days AS (SELECT DISTINCT workspace_id, day FROM late),
  -- The codes of each workspace and day, the deleted ones whose scans remain included.
  codes_of AS (
    SELECT c.id, d.workspace_id, d.day FROM days d JOIN codes c ON c.workspace_id = d.workspace_id
    UNION ALL SELECT x.id, d.workspace_id, d.day FROM days d CROSS JOIN deletions x WHERE x.kind = 'code'),
  seen AS MATERIALIZED (
    SELECT s.code_id, s.workspace_id, k.day, s.ip_hash, ${QUARTER} AS q
    FROM codes_of k CROSS JOIN scans s ON s.code_id = k.id AND s.scanned_at >= k.day AND s.scanned_at < date(k.day, '+1 day')
    WHERE s.workspace_id = k.workspace_id AND s.is_bot = 0
      AND s.ip_hash IN (SELECT ip FROM late WHERE workspace_id = k.workspace_id AND day = k.day)
      AND s.id NOT IN (SELECT scan_id FROM scan_tail WHERE day = k.day))
  SELECT code_id, day, ip_hash, min(q), max(q) FROM seen GROUP BY code_id, day, ip_hash
  UNION ALL SELECT workspace_id, day, ip_hash, min(q), max(q) FROM seen GROUP BY workspace_id, day, ip_hash`;

/** The first day whose visitor rows are kept on the day of `now`. */
export function visitorHorizon(now: number): string {
  return new Date(now - (VISITOR_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The visitor prune, as a purge step: each run folds what waits, moves the horizon to `horizon`
 * (never back) and deletes up to `limit` visitor rows of days before it, in one transaction, and
 * answers the rows deleted.
 */
export function visitorPrune(db: D1Database, horizon: string, limit: number): PurgeStep {
  const statements = () => [
    ...foldStatements(db),
    db.prepare("UPDATE visitor_horizon SET day = max(day, ?1)").bind(horizon),
    db
      .prepare(
        `DELETE FROM scan_visitors WHERE (scope, day, ip_hash) IN (
           SELECT scope, day, ip_hash FROM scan_visitors WHERE day < (SELECT day FROM visitor_horizon) LIMIT ?1)`,
      )
      .bind(limit),
  ];
  return { queries: statements().length, run: async () => (await db.batch(statements())).at(-1)!.meta.changes };
}
