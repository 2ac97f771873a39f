import { DIMENSION_NAMES, QUARTER_MS, type ScanRow } from "@qr3/schema";
import { insertScansJson } from "./scans.ts";

/**
 * What the summary statements need of each scan of a batch; bound as one JSON array (together
 * with the stored columns, which the insert picks out of the same objects).
 */
export interface SummaryFields {
  day: string; // YYYY-MM-DD, UTC
  month: string; // YYYY-MM, UTC
  quarter: number;
  referer_host: string | null;
}

// The batch's rows that the scans insert really inserted: above the mark taken just before it.
// Each row counts at two scopes, its code and its workspace.
const NEW_ROWS = `
  nr AS (
    SELECT j.value AS v FROM json_each(?1) AS j
    JOIN scans s ON s.id = j.value ->> 'id'
    WHERE s.rowid > (SELECT max_rowid FROM ingest_marks WHERE batch = ?2)),
  n AS (
    SELECT CASE lv.l WHEN 0 THEN nr.v ->> 'code_id' ELSE nr.v ->> 'workspace_id' END AS scope,
           nr.v ->> 'code_id' AS code_id, nr.v ->> 'workspace_id' AS workspace_id, lv.l AS level,
           nr.v ->> 'is_bot' AS is_bot, nr.v ->> 'ip_hash' AS ip_hash, nr.v ->> 'day' AS day,
           nr.v ->> 'month' AS month, nr.v ->> 'quarter' AS quarter, nr.v AS v
    FROM nr, (SELECT value AS l FROM json_each('[0,1]')) AS lv)`;

// D1 allows few terms in a compound SELECT, so the dimensions are a JSON array joined in, not a
// UNION. Referers are counted by host; every other dimension by its stored value; and at the
// workspace scope, codes are a dimension too.
const DIMS = JSON.stringify(DIMENSION_NAMES);
const DIM_ROWS = `
    SELECT scope, d.value AS dim, day, v ->> (CASE d.value WHEN 'referer' THEN 'referer_host' ELSE d.value END) AS value, is_bot
    FROM n, json_each('${DIMS}') AS d
    UNION ALL SELECT scope, 'code', day, code_id, is_bot FROM n WHERE level = 1`;

const SQL = {
  mark: "INSERT INTO ingest_marks (batch, max_rowid) VALUES (?2, (SELECT coalesce(max(rowid), 0) FROM scans))",
  counters: `WITH ${NEW_ROWS}
    UPDATE codes SET total_scans = total_scans + c.humans, bot_scans = bot_scans + c.bots
    FROM (SELECT code_id, sum(is_bot = 0) AS humans, sum(is_bot) AS bots FROM n WHERE level = 0 GROUP BY code_id) AS c
    WHERE codes.id = c.code_id`,
  usage: `WITH ${NEW_ROWS}
    INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
    SELECT workspace_id, month, count(*) FROM n WHERE level = 1 AND is_bot = 0 GROUP BY workspace_id, month
    ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + excluded.scans`,
  days: `WITH ${NEW_ROWS}
    INSERT INTO scan_days (scope, day, scans, bot_scans)
    SELECT scope, day, sum(is_bot = 0), sum(is_bot) FROM n WHERE true GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  quarters: `WITH ${NEW_ROWS}
    INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
    SELECT scope, quarter, sum(is_bot = 0), sum(is_bot) FROM n WHERE true GROUP BY scope, quarter
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dims: `WITH ${NEW_ROWS}
    INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT scope, dim, day, value, sum(is_bot = 0), sum(is_bot) FROM (
    ${DIM_ROWS}) WHERE value IS NOT NULL GROUP BY scope, dim, day, value
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  // Each human visitor's first and last quarter in this batch, against what was known before.
  visitorQuarters: `WITH ${NEW_ROWS},
    b AS (SELECT scope, day, ip_hash, min(quarter) AS mn, max(quarter) AS mx FROM n
          WHERE is_bot = 0 AND ip_hash IS NOT NULL GROUP BY scope, day, ip_hash),
    o AS (SELECT b.*, sv.first_quarter AS f, sv.last_quarter AS l FROM b
          LEFT JOIN scan_visitors sv ON sv.scope = b.scope AND sv.day = b.day AND sv.ip_hash = b.ip_hash)
    INSERT INTO scan_quarters (scope, quarter, first_visits, last_visits)
    SELECT scope, quarter, sum(df), sum(dl) FROM (
      -- k: 0, 1 a new visitor's first and last; 2, 3 a later last (-1 old, +1 new); 4, 5 an earlier first.
      SELECT o.scope,
        CASE k.value WHEN 0 THEN mn WHEN 1 THEN mx WHEN 2 THEN l WHEN 3 THEN mx WHEN 4 THEN f ELSE mn END AS quarter,
        CASE k.value WHEN 0 THEN 1 WHEN 4 THEN -1 WHEN 5 THEN 1 ELSE 0 END AS df,
        CASE k.value WHEN 1 THEN 1 WHEN 2 THEN -1 WHEN 3 THEN 1 ELSE 0 END AS dl
      FROM o, json_each('[0,1,2,3,4,5]') AS k
      WHERE (k.value IN (0, 1) AND f IS NULL)
         OR (k.value IN (2, 3) AND f IS NOT NULL AND mx > l)
         OR (k.value IN (4, 5) AND f IS NOT NULL AND mn < f)
    ) WHERE true GROUP BY scope, quarter
    ON CONFLICT (scope, quarter) DO UPDATE SET first_visits = first_visits + excluded.first_visits, last_visits = last_visits + excluded.last_visits`,
  uniques: `WITH ${NEW_ROWS},
    b AS (SELECT DISTINCT scope, day, ip_hash FROM n WHERE is_bot = 0 AND ip_hash IS NOT NULL)
    INSERT INTO scan_days (scope, day, uniques)
    SELECT scope, day, count(*) FROM b
    WHERE NOT EXISTS (SELECT 1 FROM scan_visitors sv WHERE sv.scope = b.scope AND sv.day = b.day AND sv.ip_hash = b.ip_hash)
    GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET uniques = uniques + excluded.uniques`,
  visitors: `WITH ${NEW_ROWS}
    INSERT INTO scan_visitors (scope, day, ip_hash, first_quarter, last_quarter)
    SELECT scope, day, ip_hash, min(quarter), max(quarter) FROM n
    WHERE is_bot = 0 AND ip_hash IS NOT NULL GROUP BY scope, day, ip_hash
    ON CONFLICT (scope, day, ip_hash) DO UPDATE SET
      first_quarter = min(first_quarter, excluded.first_quarter), last_quarter = max(last_quarter, excluded.last_quarter)`,
  unmark: "DELETE FROM ingest_marks WHERE batch = ?2",
};

/** The host referers are counted by. */
export function refererHost(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}

/** A scan row with what its summaries are keyed by. */
export function withSummaryFields(row: ScanRow): ScanRow & SummaryFields {
  const ms = Date.parse(row.scanned_at);
  return {
    ...row,
    day: row.scanned_at.slice(0, 10),
    month: row.scanned_at.slice(0, 7),
    quarter: Math.floor(ms / QUARTER_MS),
    referer_host: refererHost(row.referer),
  };
}

/**
 * The statements that store a batch of scans with their summaries, in the order they must run in
 * one D1 batch: take the mark, insert, count every summary from the rows above the mark, drop the
 * mark. Redelivered scans are ignored by the insert and so counted by nothing.
 */
export function storeScansStatements(db: D1Database, rows: readonly ScanRow[], batchId: string): D1PreparedStatement[] {
  // A scan twice in one batch (a redelivery landing beside the original) must count once: the
  // summaries join the batch's rows to the inserted scans by id.
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
  const json = JSON.stringify(unique.map(withSummaryFields));
  const bind = (sql: string) => db.prepare(sql).bind(json, batchId);
  return [
    db.prepare(SQL.mark).bind(null, batchId),
    insertScansJson(db, json),
    bind(SQL.counters),
    bind(SQL.usage),
    bind(SQL.days),
    bind(SQL.quarters),
    bind(SQL.dims),
    bind(SQL.visitorQuarters),
    bind(SQL.uniques),
    bind(SQL.visitors),
    db.prepare(SQL.unmark).bind(null, batchId),
  ];
}
