import { DIMENSION_NAMES } from "@qr3/schema";
import { scopeScans } from "./scope-scans.ts";
import { foldStatements, HOUR_MONTH_KEY, refererHost, SUMMARY_TABLES } from "./summaries.ts";

// Rebuilds the summaries of one scope (a code, or a workspace with all its codes) from its raw
// scans: for data stored before the summaries existed, to repair, and to check the incremental
// path against. Each statement reads the whole scope, so on D1 it suits scopes whose scans one
// query can read within 30 s. The scans waiting to be folded are folded first, in the same
// transaction that recounts the scope, so that none counts twice.

/**
 * The scans column a dimension is rebuilt from. Destinations from the URL sent: a scan whose
 * query string was forwarded counts under that URL (the tail alone knows it without).
 */
const scanColumn = (dim: string) => (dim === "destination" ? "redirected_to" : dim);

const QUARTER = "CAST(strftime('%s', scanned_at) AS INTEGER) / 900";

export async function rebuildSummaries(db: D1Database, scope: string): Promise<void> {
  const { from, where } = scopeScans("?1", scope.startsWith("ws_"));
  const dims = scope.startsWith("ws_") ? [...DIMENSION_NAMES.filter((d) => d !== "referer"), "code_id"] : DIMENSION_NAMES.filter((d) => d !== "referer");
  // A code's tags hold its rows: the code leaves them (its rows are taken away from theirs) and
  // comes back when its rows are rebuilt (migrations/shard/0008's triggers).
  const leaveTags = scope.startsWith("ws_") ? [] : [db.prepare("DELETE FROM code_tags WHERE code_id = ?1").bind(scope)];
  const statements = [
    ...foldStatements(db),
    ...leaveTags,
    ...SUMMARY_TABLES.map((t) => db.prepare(`DELETE FROM ${t} WHERE scope = ?1`).bind(scope)),
    db
      .prepare(
        `INSERT INTO scan_days (scope, day, scans, bot_scans, uniques)
         SELECT ?1, substr(scanned_at, 1, 10) AS d, sum(is_bot = 0), sum(is_bot), count(DISTINCT CASE WHEN is_bot = 0 THEN ip_hash END)
         FROM ${from} WHERE ${where} GROUP BY d`,
      )
      .bind(scope),
    db
      .prepare(
        `INSERT INTO scan_quarters (scope, quarter, scans, bot_scans)
         SELECT ?1, ${QUARTER} AS q, sum(is_bot = 0), sum(is_bot) FROM ${from} WHERE ${where} GROUP BY q`,
      )
      .bind(scope),
    db
      .prepare(
        `INSERT INTO scan_hour_months (scope, month, how, scans, bot_scans)
         SELECT scope, ${HOUR_MONTH_KEY}, sum(scans), sum(bot_scans) FROM scan_quarters WHERE scope = ?1 GROUP BY month, how`,
      )
      .bind(scope),
    db
      .prepare(
        `INSERT INTO scan_visitors (scope, day, ip_hash, first_quarter, last_quarter)
         SELECT ?1, substr(scanned_at, 1, 10) AS d, ip_hash, min(${QUARTER}), max(${QUARTER})
         FROM ${from} WHERE ${where} AND is_bot = 0 AND ip_hash IS NOT NULL GROUP BY d, ip_hash`,
      )
      .bind(scope),
    ...(["first", "last"] as const).map((end) =>
      db
        .prepare(
          `INSERT INTO scan_quarters (scope, quarter, ${end}_visits)
           SELECT ?1, ${end}_quarter AS q, count(*) FROM scan_visitors WHERE scope = ?1 GROUP BY q
           ON CONFLICT (scope, quarter) DO UPDATE SET ${end}_visits = excluded.${end}_visits`,
        )
        .bind(scope),
    ),
    // Counted: the rows of days before the horizon go, as the visitor prune's would.
    db.prepare("DELETE FROM scan_visitors WHERE scope = ?1 AND day < (SELECT day FROM visitor_horizon)").bind(scope),
    ...dims.map((dim) =>
      db
        .prepare(
          `INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
           SELECT ?1, '${dim === "code_id" ? "code" : dim}', substr(scanned_at, 1, 10) AS d, ${scanColumn(dim)}, sum(is_bot = 0), sum(is_bot)
           FROM ${from} WHERE ${where} AND ${scanColumn(dim)} IS NOT NULL GROUP BY d, ${scanColumn(dim)}`,
        )
        .bind(scope),
    ),
  ];
  await db.batch(statements);
  // Months from the days: the same counts, a row per month.
  await db
    .prepare(
      `INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
       SELECT scope, dim, substr(day, 1, 7) AS m, value, sum(scans), sum(bot_scans) FROM scan_dims WHERE scope = ?1 AND dim != 'referer'
       GROUP BY dim, m, value`,
    )
    .bind(scope)
    .run();

  // Referers are counted by host, which only the worker's URL parser computes.
  const { results } = await db
    .prepare(
      `SELECT substr(scanned_at, 1, 10) AS day, referer, sum(is_bot = 0) AS scans, sum(is_bot) AS bots
       FROM ${from} WHERE ${where} AND referer IS NOT NULL GROUP BY day, referer`,
    )
    .bind(scope)
    .all<{ day: string; referer: string; scans: number; bots: number }>();
  const byHost = new Map<string, { day: string; value: string; scans: number; bots: number }>();
  for (const r of results) {
    const host = refererHost(r.referer);
    if (!host) continue;
    const key = `${r.day}|${host}`;
    const e = byHost.get(key) ?? { day: r.day, value: host, scans: 0, bots: 0 };
    e.scans += r.scans;
    e.bots += r.bots;
    byHost.set(key, e);
  }
  const rows = [...byHost.values()];
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .prepare(
        `INSERT INTO scan_dims (scope, dim, day, value, scans, bot_scans)
         SELECT ?1, 'referer', d.value ->> 'day', d.value ->> 'value', d.value ->> 'scans', d.value ->> 'bots' FROM json_each(?2) AS d`,
      )
      .bind(scope, JSON.stringify(rows.slice(i, i + 500)))
      .run();
  }
  await db
    .prepare(
      `INSERT INTO scan_dim_months (scope, dim, month, value, scans, bot_scans)
       SELECT scope, dim, substr(day, 1, 7) AS m, value, sum(scans), sum(bot_scans) FROM scan_dims WHERE scope = ?1 AND dim = 'referer'
       GROUP BY m, value`,
    )
    .bind(scope)
    .run();
  if (leaveTags.length > 0) {
    await db
      .prepare("INSERT INTO code_tags (workspace_id, tag, code_id) SELECT c.workspace_id, t.value, c.id FROM codes c, json_each(c.tags) AS t WHERE c.id = ?1")
      .bind(scope)
      .run();
  }
}
