import { DIMENSION_NAMES } from "@qr3/schema";
import { tagScopeSql } from "./stats-scope.ts";

// Folding: every scan waiting in scan_tail (see migrations/shard) counted into the
// summaries, and the tail emptied, in one transaction. Scans count at their code, their workspace
// and each tag their code carries: the workspace's and the tags' counts are summed from their
// codes' grouped rows rather than from the scans again (a tag's visitors are its codes'). D1 bills every row written, and a working table costs two per row (its
// insert and its delete), so what several statements need is a common table expression that
// each of them recomputes from the tail: reading the tail again costs less. (`WHERE true` keeps
// SQLite from reading an upsert's ON CONFLICT as a join constraint of the FROM clause.)

// D1 allows few terms in a compound SELECT, so the dimensions are a JSON array joined in, not a
// UNION. Referers are counted by host; every other dimension by its stored value; and at the
// workspace scope, codes are a dimension too.
const DIMS = `(SELECT value AS dim FROM json_each('${JSON.stringify(DIMENSION_NAMES)}'))`;
/** The column of scan_tail a dimension is counted by. */
export const dimColumn = (dim: string) => (dim === "referer" ? "referer_host" : dim);
const DIM_COLUMNS = DIMENSION_NAMES.map(dimColumn).join(", ");
const DIM_VALUE = `CASE d.dim ${DIMENSION_NAMES.map((dim) => `WHEN '${dim}' THEN ${dimColumn(dim)}`).join(" ")} END`;

/**
 * The tags of the codes being folded, as `tg` (code_id, scope): each tag is a scope of its own
 * (migrations/shard/0008), counted as its codes are, visitors included; and `x` (code_id, scope),
 * every scope of a code being folded but its own: its workspace and its tags, whose scans and
 * dimension values are summed from the code's.
 */
const GROUPS = `tg AS MATERIALIZED (
      SELECT code_id, ${tagScopeSql("workspace_id", "tag")} AS scope FROM code_tags WHERE code_id IN (SELECT code_id FROM scan_tail)),
    x AS MATERIALIZED (
      SELECT DISTINCT code_id, workspace_id AS scope FROM scan_tail
      UNION ALL SELECT code_id, scope FROM tg)`;

/**
 * The tail's dimension values per scope, dimension, UTC day and value (f: scope, dim, day, value,
 * scans, bot_scans), for the codes, their workspaces and their tags (where codes are a dimension
 * too). A common table expression, computed by each statement that takes it rather than stored
 * in a working table: reading the tail again costs less than writing and deleting a row per value.
 */
const FOLD_DIMS = `WITH ${GROUPS}, c AS MATERIALIZED (
      SELECT code_id, workspace_id, day, ${DIM_COLUMNS}, sum(is_bot = 0) AS h, sum(is_bot) AS b
      FROM scan_tail GROUP BY code_id, day, ${DIM_COLUMNS}),
    g AS MATERIALIZED (
      SELECT code_id, workspace_id, d.dim, day, ${DIM_VALUE} AS value, sum(h) AS h, sum(b) AS b
      FROM c, ${DIMS} AS d WHERE value IS NOT NULL GROUP BY code_id, d.dim, day, value),
    f AS (
      SELECT code_id AS scope, dim, day, value, h AS scans, b AS bot_scans FROM g
      UNION ALL SELECT x.scope, g.dim, g.day, g.value, sum(g.h), sum(g.b) FROM g JOIN x ON x.code_id = g.code_id GROUP BY x.scope, g.dim, g.day, g.value
      UNION ALL SELECT x.scope, 'code', c.day, c.code_id, sum(c.h), sum(c.b) FROM c JOIN x ON x.code_id = c.code_id GROUP BY x.scope, c.day, c.code_id)`;

/** Each human visitor's first and last quarter in the tail (mn, mx), per scope and UTC day, as `b`. */
const TAIL_VISITORS = `WITH ${GROUPS}, c AS MATERIALIZED (
      SELECT code_id, workspace_id, day, ip_hash, min(quarter) AS mn, max(quarter) AS mx FROM scan_tail
      WHERE is_bot = 0 AND ip_hash IS NOT NULL GROUP BY code_id, day, ip_hash),
    b AS (
      SELECT code_id AS scope, day, ip_hash, mn, mx FROM c
      UNION ALL SELECT workspace_id, day, ip_hash, min(mn), max(mx) FROM c GROUP BY workspace_id, day, ip_hash)`;

/** The same as `v`: `b`'s visitors beside the first and last quarter known before the fold (f, l; null for a new visitor). */
const FOLD_VISITORS = `${TAIL_VISITORS},
    v AS MATERIALIZED (
      SELECT b.*, sv.first_quarter AS f, sv.last_quarter AS l FROM b
      LEFT JOIN scan_visitors sv ON sv.scope = b.scope AND sv.day = b.day AND sv.ip_hash = b.ip_hash)`;

/** The summary tables, each keyed by its scope first (a code's id or a workspace's). */
export const SUMMARY_TABLES = ["scan_days", "scan_quarters", "scan_hour_months", "scan_dims", "scan_dim_months", "scan_visitors"] as const;

/** A quarter's UTC month and UTC hour of the week, as columns month and how (scan_hour_months). */
const HOUR_MONTH = { month: "strftime('%Y-%m', quarter * 900, 'unixepoch')", how: "((quarter / 96 + 3) % 7) * 24 + quarter % 96 / 4" };
export const HOUR_MONTH_KEY = `${HOUR_MONTH.month} AS month, ${HOUR_MONTH.how} AS how`;
/** The same, unnamed, for a row value. */
export const HOUR_MONTH_VALUES = `${HOUR_MONTH.month}, ${HOUR_MONTH.how}`;

/**
 * A visitor's moves of its first and last quarter (see scan_quarters below), for a row of `v`
 * joined with k, the move: its quarter, scans (none), and the change of first_visits and
 * last_visits; VISITOR_MOVED says which moves a visitor makes.
 */
const VISITOR_MOVES = `CASE k.value WHEN 0 THEN v.mn WHEN 1 THEN v.mx WHEN 2 THEN v.l WHEN 3 THEN v.mx WHEN 4 THEN v.f ELSE v.mn END,
          0, 0,
          CASE k.value WHEN 0 THEN 1 WHEN 4 THEN -1 WHEN 5 THEN 1 ELSE 0 END,
          CASE k.value WHEN 1 THEN 1 WHEN 2 THEN -1 WHEN 3 THEN 1 ELSE 0 END`;
const VISITOR_MOVED = `CASE WHEN k.value < 2 THEN v.f IS NULL WHEN k.value < 4 THEN v.f IS NOT NULL AND v.mx > v.l ELSE v.f IS NOT NULL AND v.mn < v.f END`;

/** The fold, statement by statement, in order; none binds a parameter. */
export const FOLD_SQL = [
  // Dimension values per scope and UTC day, for the day rows and then the month rows: scans that
  // share every value (one code's scans mostly do) are grouped first, then each value counted.
  `INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
    ${FOLD_DIMS} SELECT scope, dim, day, value, scans, bot_scans FROM f WHERE true
    ON CONFLICT (scope, dim, day, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  `INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
    ${FOLD_DIMS} SELECT scope, dim, substr(day, 1, 7) AS month, value, sum(scans), sum(bot_scans) FROM f WHERE true
    GROUP BY scope, dim, month, value
    ON CONFLICT (scope, dim, month, value) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,

  // Days and quarter hours, each row written once: the scans of each scope, and the unique
  // visitors: a new visitor counts in its day's uniques, and first_visits / last_visits move to
  // the tail's first and last quarters of each visitor (the moves, k below: 0 and 1 a new
  // visitor's first and last; 2 and 3 a later last scan, -1 at the known last and +1 at the
  // tail's; 4 and 5 an earlier first scan, alike).
  `INSERT INTO scan_days (scope, day, scans, bot_scans, uniques)
    ${FOLD_VISITORS} SELECT scope, day, sum(h), sum(b), sum(u) FROM (
      SELECT code_id AS scope, day, is_bot = 0 AS h, is_bot AS b, 0 AS u FROM scan_tail
      UNION ALL SELECT x.scope, t.day, t.is_bot = 0, t.is_bot, 0 FROM scan_tail t JOIN x ON x.code_id = t.code_id
      UNION ALL SELECT scope, day, 0, 0, 1 FROM v WHERE f IS NULL
      UNION ALL SELECT tg.scope, v.day, 0, 0, 1 FROM v JOIN tg ON tg.code_id = v.scope WHERE v.f IS NULL
    ) WHERE true GROUP BY scope, day
    ON CONFLICT (scope, day) DO UPDATE SET
      scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans, uniques = uniques + excluded.uniques`,
  `INSERT INTO scan_quarters (scope, quarter, scans, bot_scans, first_visits, last_visits)
    ${FOLD_VISITORS} SELECT scope, quarter, sum(h), sum(b), sum(df), sum(dl) FROM (
      SELECT code_id AS scope, quarter, is_bot = 0 AS h, is_bot AS b, 0 AS df, 0 AS dl FROM scan_tail
      UNION ALL SELECT x.scope, t.quarter, t.is_bot = 0, t.is_bot, 0, 0 FROM scan_tail t JOIN x ON x.code_id = t.code_id
      UNION ALL SELECT v.scope, ${VISITOR_MOVES} FROM v, json_each('[0,1,2,3,4,5]') AS k WHERE ${VISITOR_MOVED}
      UNION ALL SELECT tg.scope, ${VISITOR_MOVES} FROM v JOIN tg ON tg.code_id = v.scope, json_each('[0,1,2,3,4,5]') AS k WHERE ${VISITOR_MOVED}
    ) WHERE true GROUP BY scope, quarter
    ON CONFLICT (scope, quarter) DO UPDATE SET
      scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans,
      first_visits = first_visits + excluded.first_visits, last_visits = last_visits + excluded.last_visits`,
  // Months by hour of the week, summed from the same scans as the quarter rows (see
  // migrations/shard/0007): HOUR_MONTH_KEY's month and hour of each quarter.
  `INSERT INTO scan_hour_months (scope, month, how, scans, bot_scans)
    WITH ${GROUPS} SELECT scope, ${HOUR_MONTH_KEY}, sum(h), sum(b) FROM (
      SELECT code_id AS scope, quarter, is_bot = 0 AS h, is_bot AS b FROM scan_tail
      UNION ALL SELECT x.scope, t.quarter, t.is_bot = 0, t.is_bot FROM scan_tail t JOIN x ON x.code_id = t.code_id
    ) WHERE true GROUP BY scope, month, how
    ON CONFLICT (scope, month, how) DO UPDATE SET scans = scans + excluded.scans, bot_scans = bot_scans + excluded.bot_scans`,
  `INSERT INTO scan_visitors (scope, day, ip_hash, first_quarter, last_quarter)
    ${TAIL_VISITORS} SELECT scope, day, ip_hash, mn, mx FROM b WHERE true
    ON CONFLICT (scope, day, ip_hash) DO UPDATE SET
      first_quarter = min(first_quarter, excluded.first_quarter), last_quarter = max(last_quarter, excluded.last_quarter)`,

  "DELETE FROM scan_tail",
];

/** Scans waiting in the tail before the consumer folds them (unless its batch was not full). */
export const FOLD_AT = 5000;

/**
 * The statements that count every scan waiting in the tail into the summaries and empty it: run
 * them in one D1 batch, alone or ahead of reads that must see every scan.
 */
export function foldStatements(db: D1Database): D1PreparedStatement[] {
  return FOLD_SQL.map((sql) => db.prepare(sql));
}

/**
 * Counts every scan waiting in the tail into the summaries. An empty tail (most cron runs of a
 * quiet shard) costs one read, not the fold's dozen statements.
 */
export async function foldScans(db: D1Database): Promise<void> {
  if (!(await db.prepare("SELECT EXISTS (SELECT 1 FROM scan_tail) AS waiting").first<number>("waiting"))) return;
  await db.batch(foldStatements(db));
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
