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

// How many rows the batch's insert really inserted: those above the mark taken just before it.
const INSERTED = "(SELECT count(*) FROM scans WHERE rowid > (SELECT max_rowid FROM ingest_marks WHERE batch = ?2))";
// ?3 is the number of scans in the batch: when all were inserted (the usual case), the summaries
// are added from totals the worker computed (FAST); when some were already stored (a
// redelivery), they are counted from exactly the inserted rows (PER_ROW). One of each pair does
// nothing.
const ALL_NEW = `${INSERTED} = ?3`;
const SOME_OLD = `${INSERTED} < ?3`;

// The batch's rows that the scans insert really inserted: above the mark taken just before it.
// Each row counts at two scopes, its code and its workspace.
const NEW_ROWS = `
  nr AS (
    SELECT j.value AS v FROM json_each(?1) AS j
    JOIN scans s ON s.id = j.value ->> 'id'
    WHERE ${SOME_OLD} AND s.rowid > (SELECT max_rowid FROM ingest_marks WHERE batch = ?2)),
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

const PER_ROW = {
  counters: `WITH ${NEW_ROWS}
    UPDATE codes SET total_scans = total_scans + c.humans, bot_scans = bot_scans + c.bots
    FROM (SELECT code_id, sum(is_bot = 0) AS humans, sum(is_bot) AS bots FROM n WHERE level = 0 AND ${SOME_OLD} GROUP BY code_id) AS c
    WHERE codes.id = c.code_id`,
  usage: `WITH ${NEW_ROWS}
    INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
    SELECT workspace_id, month, count(*) FROM n WHERE level = 1 AND is_bot = 0 AND ${SOME_OLD} GROUP BY workspace_id, month
    ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + excluded.scans`,
  days: `WITH ${NEW_ROWS}
    INSERT INTO scan_days (scope, day, scans, bot_scans)
    SELECT scope, day, sum(is_bot = 0), sum(is_bot) FROM n WHERE ${SOME_OLD} GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  quarters: `WITH ${NEW_ROWS}
    INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
    SELECT scope, quarter, sum(is_bot = 0), sum(is_bot) FROM n WHERE ${SOME_OLD} GROUP BY scope, quarter
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dims: `WITH ${NEW_ROWS}
    INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT scope, dim, day, value, sum(is_bot = 0), sum(is_bot) FROM (
    ${DIM_ROWS}) WHERE value IS NOT NULL AND ${SOME_OLD} GROUP BY scope, dim, day, value
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dimMonths: `WITH ${NEW_ROWS}
    INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT scope, dim, substr(day, 1, 7) AS month, value, sum(is_bot = 0), sum(is_bot) FROM (
    ${DIM_ROWS}) WHERE value IS NOT NULL AND ${SOME_OLD} GROUP BY scope, dim, month, value
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
};

// The batch's human visitors, one row per scope, UTC day and ip_hash with their first and last
// quarter in the batch: from the inserted rows (PER_ROW), or as the worker grouped them (FAST).
const VISITORS_PER_ROW = `WITH ${NEW_ROWS},
    b AS (SELECT scope, day, ip_hash, min(quarter) AS mn, max(quarter) AS mx FROM n
          WHERE is_bot = 0 AND ip_hash IS NOT NULL AND ${SOME_OLD} GROUP BY scope, day, ip_hash)`;
const VISITORS_FAST = `WITH
    b AS (SELECT d.value ->> 'scope' AS scope, d.value ->> 'day' AS day, d.value ->> 'ip_hash' AS ip_hash,
                 d.value ->> 'mn' AS mn, d.value ->> 'mx' AS mx
          FROM json_each(?1) AS d WHERE ${ALL_NEW})`;

/**
 * Unique visitors: first_visits / last_visits moved to the batch's first and last quarters of
 * each visitor, against what was known before; a new visitor counted in its day's uniques; and
 * the visitor's own row. In this order, as each reads what the one before it has not yet changed.
 */
const visitorStatements = (b: string) => [
  `${b},
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
  `${b}
    INSERT INTO scan_days (scope, day, uniques)
    SELECT scope, day, count(*) FROM b
    WHERE NOT EXISTS (SELECT 1 FROM scan_visitors sv WHERE sv.scope = b.scope AND sv.day = b.day AND sv.ip_hash = b.ip_hash)
    GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET uniques = uniques + excluded.uniques`,
  `${b}
    INSERT INTO scan_visitors (scope, day, ip_hash, first_quarter, last_quarter)
    SELECT scope, day, ip_hash, mn, mx FROM b WHERE true
    ON CONFLICT (scope, day, ip_hash) DO UPDATE SET
      first_quarter = min(first_quarter, excluded.first_quarter), last_quarter = max(last_quarter, excluded.last_quarter)`,
];

// Totals over the batch computed by the worker, added when every scan of it was new.
const FAST = {
  counters: `UPDATE codes SET total_scans = total_scans + (d.value ->> 'humans'), bot_scans = bot_scans + (d.value ->> 'bots')
    FROM json_each(?1) AS d WHERE codes.id = d.value ->> 'key' AND ${ALL_NEW}`,
  usage: `INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
    SELECT d.value ->> 'scope', d.value ->> 'month', d.value ->> 'humans' FROM json_each(?1) AS d WHERE ${ALL_NEW} AND d.value ->> 'humans' > 0
    ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + excluded.scans`,
  days: `INSERT INTO scan_days (scope, day, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'day', d.value ->> 'humans', d.value ->> 'bots' FROM json_each(?1) AS d WHERE ${ALL_NEW}
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  quarters: `INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'quarter', d.value ->> 'humans', d.value ->> 'bots' FROM json_each(?1) AS d WHERE ${ALL_NEW}
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dims: `INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'dim', d.value ->> 'day', d.value ->> 'value', d.value ->> 'humans', d.value ->> 'bots'
    FROM json_each(?1) AS d WHERE ${ALL_NEW}
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dimMonths: `INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'dim', d.value ->> 'month', d.value ->> 'value', d.value ->> 'humans', d.value ->> 'bots'
    FROM json_each(?1) AS d WHERE ${ALL_NEW}
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
};

const MARK = "INSERT INTO ingest_marks (batch, max_rowid) VALUES (?2, (SELECT coalesce(max(rowid), 0) FROM scans))";
const UNMARK = "DELETE FROM ingest_marks WHERE batch = ?2";

type Summed = Record<string, string | number> & { humans: number; bots: number };

/** Sums humans and bots of the rows by a key built from each row. */
function sum(rows: ReadonlyArray<ScanRow & SummaryFields>, keys: (r: ScanRow & SummaryFields) => Array<Record<string, string | number> | null>): Summed[] {
  const out = new Map<string, Summed>();
  for (const r of rows) {
    for (const k of keys(r)) {
      if (!k) continue;
      const id = JSON.stringify(k);
      const e = out.get(id) ?? { ...k, humans: 0, bots: 0 };
      if (r.is_bot) e.bots++;
      else e.humans++;
      out.set(id, e);
    }
  }
  return [...out.values()];
}

/**
 * The dimension values a scan counts for, at its code's and its workspace's scope, in a period
 * (a day or a month): referers by host, and codes as a dimension of the workspace.
 */
function dimensionKeys(r: ScanRow & SummaryFields, period: { day: string } | { month: string }) {
  const keys: Array<Record<string, string> | null> = [r.code_id, r.workspace_id].flatMap((scope) =>
    DIMENSION_NAMES.map((dim) => {
      const value = dim === "referer" ? r.referer_host : r[dim];
      return value === null ? null : { scope, dim, ...period, value };
    }),
  );
  keys.push({ scope: r.workspace_id, dim: "code", ...period, value: r.code_id });
  return keys;
}

/** The batch's totals for the FAST statements, as if every scan were new. */
function totals(rows: ReadonlyArray<ScanRow & SummaryFields>) {
  const scopes = (r: ScanRow) => [r.code_id, r.workspace_id];
  return {
    counters: sum(rows, (r) => [{ key: r.code_id }]),
    usage: sum(rows, (r) => [{ scope: r.workspace_id, month: r.month }]),
    days: sum(rows, (r) => scopes(r).map((scope) => ({ scope, day: r.day }))),
    quarters: sum(rows, (r) => scopes(r).map((scope) => ({ scope, quarter: r.quarter }))),
    dims: sum(rows, (r) => dimensionKeys(r, { day: r.day })),
    dimMonths: sum(rows, (r) => dimensionKeys(r, { month: r.month })),
    visitors: visitors(rows),
  };
}

/** Each human visitor's first and last quarter in the batch, per scope and UTC day. */
function visitors(rows: ReadonlyArray<ScanRow & SummaryFields>) {
  const out = new Map<string, { scope: string; day: string; ip_hash: string; mn: number; mx: number }>();
  for (const r of rows) {
    if (r.is_bot || !r.ip_hash) continue;
    for (const scope of [r.code_id, r.workspace_id]) {
      const key = `${scope}|${r.day}|${r.ip_hash}`;
      const v = out.get(key);
      if (v) {
        v.mn = Math.min(v.mn, r.quarter);
        v.mx = Math.max(v.mx, r.quarter);
      } else out.set(key, { scope, day: r.day, ip_hash: r.ip_hash, mn: r.quarter, mx: r.quarter });
    }
  }
  return [...out.values()];
}

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
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()].map(withSummaryFields);
  const json = JSON.stringify(unique);
  const n = unique.length;
  const fast = totals(unique);
  const perRow = (sql: string) => db.prepare(sql).bind(json, batchId, n);
  const summed = (sql: string, values: readonly object[]) => db.prepare(sql).bind(JSON.stringify(values), batchId, n);
  return [
    db.prepare(MARK).bind(null, batchId),
    insertScansJson(db, json),
    summed(FAST.counters, fast.counters),
    summed(FAST.usage, fast.usage),
    summed(FAST.days, fast.days),
    summed(FAST.quarters, fast.quarters),
    summed(FAST.dims, fast.dims),
    summed(FAST.dimMonths, fast.dimMonths),
    ...visitorStatements(VISITORS_FAST).map((sql) => summed(sql, fast.visitors)),
    ...Object.values(PER_ROW).map(perRow),
    ...visitorStatements(VISITORS_PER_ROW).map(perRow),
    db.prepare(UNMARK).bind(null, batchId),
  ];
}
