import { DIMENSION_NAMES } from "@qr3/schema";
import { tagScopeSql } from "./stats-scope.ts";
import { HOUR_MONTH_KEY, HOUR_MONTH_VALUES } from "./summaries.ts";
import type { Retentions } from "./workspaces.ts";

// Deleting scans, always in bounded chunks: D1 allows 30 s per query, and one delete of a year of a
// busy code's scans would exceed it. Each function deletes at most `limit` rows and returns how
// many it deleted; the caller repeats until fewer come back. Every step is idempotent, so a purge
// can be interrupted anywhere and simply run again.
//
// Everything here runs on one shard. A shard holds no workspaces table, so the purge by retention
// takes the shard's workspaces and their retentions from the control database, bound as one JSON
// parameter ([[workspace id, retention days], ...], see shardRetentions) and read as the table `w`.
const RETAINED = "(SELECT value ->> 0 AS id, value ->> 1 AS retention_days FROM json_each(?3))";

/**
 * Scans older than their workspace's retention (those of its codes: a deleted code's scans go with
 * its tombstone, purgeScansOfDeleted): before the start of the UTC day `retention_days
 * - 1` days before the day of `dayStartMs` (see retentionStart in @qr3/core, which the reads use).
 */
export async function purgeExpiredScans(db: D1Database, retentions: Retentions, dayStartMs: number, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM scans WHERE (code_id, scanned_at, id) IN (
         SELECT s.code_id, s.scanned_at, s.id FROM ${RETAINED} w
         CROSS JOIN codes c ON c.workspace_id = w.id
         CROSS JOIN scans s ON s.code_id = c.id
           AND s.scanned_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000, 'unixepoch', printf('-%d days', w.retention_days - 1))
         LIMIT ?2)`,
    )
    .bind(dayStartMs, limit, JSON.stringify(retentions))
    .run();
  return result.meta.changes;
}

// The first retained UTC day of workspace w, as SQL (?1 is the start of today's UTC day, in ms).
const CUTOFF_DAY = "strftime('%Y-%m-%d', ?1 / 1000, 'unixepoch', printf('-%d days', w.retention_days - 1))";
const CUTOFF_QUARTER = `CAST(strftime('%s', ${CUTOFF_DAY}) AS INTEGER) / 900`;
const DIMS_JSON = JSON.stringify([...DIMENSION_NAMES, "code"]);

/** One bounded delete: `run` deletes at most the step's limit of rows, with `queries` statements, and answers how many. */
export interface PurgeStep {
  queries: number;
  run: () => Promise<number>;
}

// Summary rows past each workspace's retention, for every scope: the workspace's codes (c.id),
// the workspace itself (w.id) and its tags (t). Each statement walks primary-key ranges from the oldest: its
// joins are CROSS JOINs, which SQLite keeps in the order written (left to itself, it may read a
// summary table whole and look each row's scope up instead).
const SCOPES = [
  { scope: "c.id", join: "CROSS JOIN codes c ON c.workspace_id = w.id" },
  { scope: "w.id", join: "" },
  // Its tags (migrations/shard/0008), those its codes carry now: a tag that none carries has no rows.
  { scope: tagScopeSql("t.workspace_id", "t.tag"), join: "CROSS JOIN (SELECT DISTINCT workspace_id, tag FROM code_tags) t ON t.workspace_id = w.id" },
] as const;

const EXPIRED_SUMMARY_SQL = SCOPES.flatMap(({ scope, join }) => [
  `DELETE FROM scan_days WHERE (scope, day) IN (
     SELECT d.scope, d.day FROM ${RETAINED} w ${join} CROSS JOIN scan_days d ON d.scope = ${scope} AND d.day < ${CUTOFF_DAY} LIMIT ?2)`,
  `DELETE FROM scan_visitors WHERE (scope, day, ip_hash) IN (
     SELECT v.scope, v.day, v.ip_hash FROM ${RETAINED} w ${join} CROSS JOIN scan_visitors v ON v.scope = ${scope} AND v.day < ${CUTOFF_DAY} LIMIT ?2)`,
]);

// Quarter rows alike: each chunk is taken into a working table, subtracted from its months' hour
// rows (scan_hour_months, a row left with nothing goes) and deleted, in one transaction.
const EXPIRED_QUARTERS_CHUNK_SQL = SCOPES.map(
  ({ scope, join }) => `INSERT INTO scan_purge_quarters (scope, quarter, scans, bot_scans)
     SELECT q.scope, q.quarter, q.scans, q.bot_scans FROM ${RETAINED} w ${join}
     CROSS JOIN scan_quarters q ON q.scope = ${scope} AND q.quarter < ${CUTOFF_QUARTER} LIMIT ?2`,
);
const DROP_PURGED_QUARTERS_SQL = [
  `UPDATE scan_hour_months AS m SET scans = m.scans - x.scans, bot_scans = m.bot_scans - x.bot_scans
   FROM (SELECT scope, ${HOUR_MONTH_KEY}, sum(scans) AS scans, sum(bot_scans) AS bot_scans FROM scan_purge_quarters GROUP BY scope, month, how) AS x
   WHERE m.scope = x.scope AND m.month = x.month AND m.how = x.how`,
  `DELETE FROM scan_hour_months WHERE scans <= 0 AND bot_scans <= 0
     AND (scope, month, how) IN (SELECT scope, ${HOUR_MONTH_VALUES} FROM scan_purge_quarters)`,
  "DELETE FROM scan_quarters WHERE (scope, quarter) IN (SELECT scope, quarter FROM scan_purge_quarters)",
  "DELETE FROM scan_purge_quarters",
];

// A month row is always the sum of its month's day rows (scan_dims), so that a month the purge
// has cut into counts only the days it kept, whatever the clock of the read that uses the row
// whole. Each chunk of expired day rows is taken into a working table, subtracted from its
// months' rows (a row left with nothing goes) and deleted, in one transaction.
const EXPIRED_DIMS_CHUNK_SQL = SCOPES.map(
  ({ scope, join }) => `INSERT INTO scan_purge_dims (scope, dim, day, value, scans, bot_scans)
     SELECT d.scope, d.dim, d.day, d.value, d.scans, d.bot_scans FROM ${RETAINED} w ${join} CROSS JOIN json_each('${DIMS_JSON}') AS k
     CROSS JOIN scan_dims d ON d.scope = ${scope} AND d.dim = k.value AND d.day < ${CUTOFF_DAY} LIMIT ?2`,
);
const DROP_PURGED_DIMS_SQL = [
  `UPDATE scan_dim_months AS m SET scans = m.scans - x.scans, bot_scans = m.bot_scans - x.bot_scans
   FROM (SELECT scope, dim, substr(day, 1, 7) AS month, value, sum(scans) AS scans, sum(bot_scans) AS bot_scans
         FROM scan_purge_dims GROUP BY scope, dim, month, value) AS x
   WHERE m.scope = x.scope AND m.dim = x.dim AND m.month = x.month AND m.value = x.value`,
  `DELETE FROM scan_dim_months WHERE scans <= 0 AND bot_scans <= 0
     AND (scope, dim, month, value) IN (SELECT scope, dim, substr(day, 1, 7), value FROM scan_purge_dims)`,
  "DELETE FROM scan_dims WHERE (scope, dim, day, value) IN (SELECT scope, dim, day, value FROM scan_purge_dims)",
  "DELETE FROM scan_purge_dims",
];

/** Summary rows past retention, with the same rule as the scans. */
export function expiredSummaryPurges(db: D1Database, retentions: Retentions, dayStartMs: number, limit: number): PurgeStep[] {
  const workspaces = JSON.stringify(retentions);
  const single = (sql: string): PurgeStep => ({ queries: 1, run: async () => (await db.prepare(sql).bind(dayStartMs, limit, workspaces).run()).meta.changes });
  const chunk = (drop: readonly string[]) => (sql: string): PurgeStep => ({
    queries: 1 + drop.length,
    run: async () => {
      const [taken] = await db.batch([db.prepare(sql).bind(dayStartMs, limit, workspaces), ...drop.map((s) => db.prepare(s))]);
      return taken!.meta.changes;
    },
  });
  return [
    ...EXPIRED_SUMMARY_SQL.map(single),
    ...EXPIRED_QUARTERS_CHUNK_SQL.map(chunk(DROP_PURGED_QUARTERS_SQL)),
    ...EXPIRED_DIMS_CHUNK_SQL.map(chunk(DROP_PURGED_DIMS_SQL)),
  ];
}

const DELETED_SUMMARY_SQL = [
  "DELETE FROM scan_days WHERE (scope, day) IN (SELECT d.scope, d.day FROM deletions x JOIN scan_days d ON d.scope = x.id LIMIT ?1)",
  "DELETE FROM scan_visitors WHERE (scope, day, ip_hash) IN (SELECT v.scope, v.day, v.ip_hash FROM deletions x JOIN scan_visitors v ON v.scope = x.id LIMIT ?1)",
  "DELETE FROM scan_quarters WHERE (scope, quarter) IN (SELECT q.scope, q.quarter FROM deletions x JOIN scan_quarters q ON q.scope = x.id LIMIT ?1)",
  "DELETE FROM scan_dims WHERE (scope, dim, day, value) IN (SELECT d.scope, d.dim, d.day, d.value FROM deletions x JOIN scan_dims d ON d.scope = x.id LIMIT ?1)",
  "DELETE FROM scan_dim_months WHERE (scope, dim, month, value) IN (SELECT d.scope, d.dim, d.month, d.value FROM deletions x JOIN scan_dim_months d ON d.scope = x.id LIMIT ?1)",
  "DELETE FROM scan_hour_months WHERE (scope, month, how) IN (SELECT h.scope, h.month, h.how FROM deletions x JOIN scan_hour_months h ON h.scope = x.id LIMIT ?1)",
];

/** Summary rows of deleted codes and workspaces. */
export function deletedSummaryPurges(db: D1Database, limit: number): PurgeStep[] {
  return DELETED_SUMMARY_SQL.map((sql) => ({ queries: 1, run: async () => (await db.prepare(sql).bind(limit).run()).meta.changes }));
}

/**
 * Scans of deleted codes. A deleted workspace's scans go through the tombstones of its codes, which
 * deleting the workspace writes (packages/db/src/workspaces.ts).
 */
export async function purgeScansOfDeleted(db: D1Database, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM scans WHERE (code_id, scanned_at, id) IN (
         SELECT s.code_id, s.scanned_at, s.id FROM deletions d CROSS JOIN scans s ON s.code_id = d.id WHERE d.kind = 'code' LIMIT ?1)`,
    )
    .bind(limit)
    .run();
  return result.meta.changes;
}

/** Whether any code or workspace waits for its scans and summaries to be purged. */
export async function hasDeletions(db: D1Database): Promise<boolean> {
  return Boolean(await db.prepare("SELECT EXISTS (SELECT 1 FROM deletions) AS pending").first<number>("pending"));
}

/** Tombstones whose scans and summaries are all gone, none of them still waiting to be folded. */
export async function clearFinishedDeletions(db: D1Database): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM deletions WHERE
         NOT EXISTS (SELECT 1 FROM scans WHERE deletions.kind = 'code' AND code_id = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_days WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_quarters WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_dims WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_dim_months WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_hour_months WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_visitors WHERE scope = deletions.id)
         AND NOT EXISTS (SELECT 1 FROM scan_tail WHERE code_id = deletions.id OR workspace_id = deletions.id)`,
    )
    .run();
  return result.meta.changes;
}

/**
 * Finished webhook deliveries whose id sorts below `idsBefore` (ids begin with their time, so
 * this walks the primary key from the oldest); their attempts go with them.
 */
export async function purgeOldDeliveries(db: D1Database, idsBefore: string, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE id < ?1 AND state != 'pending' LIMIT ?2)`,
    )
    .bind(idsBefore, limit)
    .run();
  return result.meta.changes;
}
