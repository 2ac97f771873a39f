import { DIMENSION_NAMES, QUARTER_MS, type ScanRow } from "@qr3/schema";
import { insertScansSql } from "./scans.ts";

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

// A batch is stored with one D1 batch (one transaction): its mark row (?1 is the batch id) holds
// the highest scans rowid before the insert, so the rows above it are exactly those the insert
// stored; a redelivered scan is ignored by the insert and so counted by nothing. Each statement
// gets what it reads as one bound JSON array (?2): D1 caps a statement at 100 parameters.
//
// Two ways to count, both exact:
// - FAST (the usual case): the worker's totals are added as they are. A check after the insert
//   aborts the whole transaction unless every scan of the batch was new (constraint all_scans_new).
// - EXACT (after such an abort): every summary is counted in SQL from the rows the insert stored.
const MARK_ROWID = "(SELECT max_rowid FROM ingest_marks WHERE batch = ?1)";

/** The SQLite constraint the FAST path violates when a scan of its batch was already stored. */
export const ALL_SCANS_NEW = "all_scans_new";

// The batch's rows that the scans insert really inserted. Each row counts at two scopes, its code
// and its workspace.
const NEW_ROWS = `
  nr AS (
    SELECT j.value AS v FROM json_each(?2) AS j
    JOIN scans s ON s.id = j.value ->> 'id'
    WHERE s.rowid > ${MARK_ROWID}),
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

const EXACT = {
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
    SELECT scope, day, sum(is_bot = 0), sum(is_bot) FROM n GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  quarters: `WITH ${NEW_ROWS}
    INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
    SELECT scope, quarter, sum(is_bot = 0), sum(is_bot) FROM n GROUP BY scope, quarter
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dims: `WITH ${NEW_ROWS}
    INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT scope, dim, day, value, sum(is_bot = 0), sum(is_bot) FROM (
    ${DIM_ROWS}) WHERE value IS NOT NULL GROUP BY scope, dim, day, value
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dimMonths: `WITH ${NEW_ROWS}
    INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT scope, dim, substr(day, 1, 7) AS month, value, sum(is_bot = 0), sum(is_bot) FROM (
    ${DIM_ROWS}) WHERE value IS NOT NULL GROUP BY scope, dim, month, value
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
};

// The batch's human visitors, one row per scope, UTC day and ip_hash with their first and last
// quarter in the batch: from the inserted rows (EXACT), or as the worker grouped them (FAST).
const VISITORS_EXACT = `WITH ${NEW_ROWS},
    b AS (SELECT scope, day, ip_hash, min(quarter) AS mn, max(quarter) AS mx FROM n
          WHERE is_bot = 0 AND ip_hash IS NOT NULL GROUP BY scope, day, ip_hash)`;
const VISITORS_FAST = `WITH
    b AS (SELECT d.value ->> 0 AS scope, d.value ->> 1 AS day, d.value ->> 2 AS ip_hash, d.value ->> 3 AS mn, d.value ->> 4 AS mx
          FROM json_each(?2) AS d)`;

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

// Totals over the batch computed by the worker, added when every scan of it was new. (`WHERE true`
// keeps SQLite from reading the upsert's ON CONFLICT as a join constraint of the FROM clause.)
const FAST = {
  counters: `UPDATE codes SET total_scans = total_scans + (d.value ->> 'humans'), bot_scans = bot_scans + (d.value ->> 'bots')
    FROM json_each(?2) AS d WHERE codes.id = d.value ->> 'key'`,
  usage: `INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
    SELECT d.value ->> 'scope', d.value ->> 'month', d.value ->> 'humans' FROM json_each(?2) AS d WHERE d.value ->> 'humans' > 0
    ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + excluded.scans`,
  days: `INSERT INTO scan_days (scope, day, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'day', d.value ->> 'humans', d.value ->> 'bots' FROM json_each(?2) AS d WHERE true
    ON CONFLICT (scope, day) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  quarters: `INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'quarter', d.value ->> 'humans', d.value ->> 'bots' FROM json_each(?2) AS d WHERE true
    ON CONFLICT (scope, quarter) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dims: `INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'dim', d.value ->> 'day', d.value ->> 'value', d.value ->> 'humans', d.value ->> 'bots'
    FROM json_each(?2) AS d WHERE true
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  dimMonths: `INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    SELECT d.value ->> 'scope', d.value ->> 'dim', d.value ->> 'month', d.value ->> 'value', d.value ->> 'humans', d.value ->> 'bots'
    FROM json_each(?2) AS d WHERE true
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
};

const INSERT = insertScansSql("json_each(?2)");
const MARK = "INSERT INTO ingest_marks (batch, max_rowid, scans) VALUES (?1, (SELECT coalesce(max(rowid), 0) FROM scans), ?2)";
// Fails the FAST path's transaction unless the insert stored every scan of the batch.
const CHECK_ALL_NEW = `UPDATE ingest_marks SET inserted = (SELECT count(*) FROM scans WHERE rowid > max_rowid) WHERE batch = ?1`;
const UNMARK = "DELETE FROM ingest_marks WHERE batch = ?1";

type Summed = Record<string, string | number> & { humans: number; bots: number };

/** The batch's totals for the FAST statements, as if every scan were new. */
function totals(rows: ReadonlyArray<ScanRow & SummaryFields>) {
  const t = {
    counters: new Map<string, Summed>(),
    usage: new Map<string, Summed>(),
    days: new Map<string, Summed>(),
    quarters: new Map<string, Summed>(),
    dims: new Map<string, Summed>(),
    dimMonths: new Map<string, Summed>(),
  };
  // Counts a scan under `key`; `fields` describe the key the first time it is seen.
  const add = (into: Map<string, Summed>, key: string, fields: () => Record<string, string | number>, bot: boolean) => {
    let e = into.get(key);
    if (!e) into.set(key, (e = { ...fields(), humans: 0, bots: 0 }));
    if (bot) e.bots++;
    else e.humans++;
  };
  for (const r of rows) {
    const bot = r.is_bot === 1;
    const { day, month, quarter } = r;
    add(t.counters, r.code_id, () => ({ key: r.code_id }), bot);
    add(t.usage, `${r.workspace_id}|${month}`, () => ({ scope: r.workspace_id, month }), bot);
    // Each scan counts for its code and its workspace; codes are a dimension of the workspace.
    for (const scope of [r.code_id, r.workspace_id]) {
      add(t.days, `${scope}|${day}`, () => ({ scope, day }), bot);
      add(t.quarters, `${scope}|${quarter}`, () => ({ scope, quarter }), bot);
      const values: Array<[string, string | null]> = DIMENSION_NAMES.map((dim) => [dim, dim === "referer" ? r.referer_host : r[dim]]);
      if (scope === r.workspace_id) values.push(["code", r.code_id]);
      for (const [dim, value] of values) {
        if (value === null) continue;
        add(t.dims, `${scope}|${dim}|${day}|${value}`, () => ({ scope, dim, day, value }), bot);
        add(t.dimMonths, `${scope}|${dim}|${month}|${value}`, () => ({ scope, dim, month, value }), bot);
      }
    }
  }
  const list = (m: Map<string, Summed>) => [...m.values()];
  return {
    counters: list(t.counters),
    usage: list(t.usage),
    days: list(t.days),
    quarters: list(t.quarters),
    dims: list(t.dims),
    dimMonths: list(t.dimMonths),
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

export type StoreMode = "fast" | "exact";

/**
 * The statements that store a batch of scans with their summaries, in the order they must run in
 * one D1 batch: take the mark, insert, count the summaries, drop the mark. "fast" adds the
 * worker's totals and fails with ALL_SCANS_NEW when a scan was already stored; "exact" counts
 * from the inserted rows.
 */
export function storeScansStatements(db: D1Database, rows: readonly ScanRow[], batchId: string, mode: StoreMode): D1PreparedStatement[] {
  // A scan twice in one batch (a redelivery landing beside the original) must count once.
  const unique = [...new Map(rows.map((r) => [r.id, r])).values()].map(withSummaryFields);
  const json = JSON.stringify(unique);
  const reading = (sql: string, values: string) => db.prepare(sql).bind(batchId, values);
  const counting = () => {
    if (mode === "exact") return [...Object.values(EXACT), ...visitorStatements(VISITORS_EXACT)].map((sql) => reading(sql, json));
    const t = totals(unique);
    // Visitors are many: bound as [scope, day, ip_hash, first quarter, last quarter] arrays.
    const visitors = JSON.stringify(t.visitors.map((v) => [v.scope, v.day, v.ip_hash, v.mn, v.mx]));
    return [
      db.prepare(CHECK_ALL_NEW).bind(batchId),
      ...(Object.keys(FAST) as Array<keyof typeof FAST>).map((part) => reading(FAST[part], JSON.stringify(t[part]))),
      ...visitorStatements(VISITORS_FAST).map((sql) => reading(sql, visitors)),
    ];
  };
  return [
    db.prepare(MARK).bind(batchId, unique.length),
    reading(INSERT, json),
    ...counting(),
    db.prepare(UNMARK).bind(batchId),
  ];
}

/**
 * Stores a batch of scans with their summaries, and runs `after` in the same transaction (its
 * results end the returned list). Tried the fast way first; a batch holding a scan that was
 * already stored (a redelivery) rolls back and is stored the exact way.
 */
export async function storeScans<T = unknown>(db: D1Database, rows: readonly ScanRow[], after: D1PreparedStatement[] = []): Promise<D1Result<T>[]> {
  try {
    return await db.batch<T>([...storeScansStatements(db, rows, crypto.randomUUID(), "fast"), ...after]);
  } catch (err) {
    if (!String(err).includes(ALL_SCANS_NEW)) throw err;
    return await db.batch<T>([...storeScansStatements(db, rows, crypto.randomUUID(), "exact"), ...after]);
  }
}
