import type { Plan } from "@qr3/schema";

// Workspaces live in the control database, each with the shard that holds everything else of it;
// their codes, scans and webhooks live in that shard. The functions below say which they take.

export interface WorkspaceRow {
  id: string;
  name: string;
  plan: Plan;
  retention_days: number;
  /** The SHARD_<n> database holding the workspace's codes, scans, summaries and webhooks. */
  shard: number;
  created_at: string;
}

const COLUMNS = "id, name, plan, retention_days, shard, created_at";

/** Control database. */
export function insertWorkspace(control: D1Database, row: WorkspaceRow): D1PreparedStatement {
  return control
    .prepare(`INSERT INTO workspaces (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`)
    .bind(row.id, row.name, row.plan, row.retention_days, row.shard, row.created_at);
}

/** Control database. */
export function getWorkspace(control: D1Database, id: string): Promise<WorkspaceRow | null> {
  return control.prepare(`SELECT ${COLUMNS} FROM workspaces WHERE id = ?1`).bind(id).first<WorkspaceRow>();
}

/** Control database. */
export async function setWorkspacePlan(control: D1Database, id: string, plan: Plan, retentionDays: number): Promise<boolean> {
  const result = await control
    .prepare("UPDATE workspaces SET plan = ?2, retention_days = ?3 WHERE id = ?1")
    .bind(id, plan, retentionDays)
    .run();
  return result.meta.changes > 0;
}

/** Control database: the shard of each of these workspaces that exists. */
export async function workspaceShards(control: D1Database, ids: readonly string[]): Promise<Map<string, number>> {
  const { results } = await control
    .prepare("SELECT w.id, w.shard FROM json_each(?1) AS j JOIN workspaces w ON w.id = j.value")
    .bind(JSON.stringify(ids))
    .all<{ id: string; shard: number }>();
  return new Map(results.map((r) => [r.id, r.shard]));
}

/** A shard's workspaces with their retention, as the purge takes them: [workspace id, retention days]. */
export type Retentions = Array<[string, number]>;

/** Control database: every workspace of the shard, with its retention. */
export function shardRetentions(control: D1Database, shard: number): Promise<Retentions> {
  return control.prepare("SELECT id, retention_days FROM workspaces WHERE shard = ?1 ORDER BY id").bind(shard).raw<[string, number]>();
}

/** Control database: how many workspaces each shard holds (shards without any are left out). */
export async function workspacesPerShard(control: D1Database): Promise<Map<number, number>> {
  const { results } = await control.prepare("SELECT shard, count(*) AS n FROM workspaces GROUP BY shard").all<{ shard: number; n: number }>();
  return new Map(results.map((r) => [r.shard, r.n]));
}

/**
 * Control database: deletes the workspace's row; the cascade takes its API keys and its short
 * codes (which are then free). Run it after deleteWorkspace has emptied the shard.
 */
export async function deleteWorkspaceRecord(control: D1Database, id: string): Promise<boolean> {
  const { results } = await control.prepare("DELETE FROM workspaces WHERE id = ?1 RETURNING id").bind(id).all();
  return results.length > 0;
}

/**
 * Shard: deletes everything of a workspace in one transaction: its codes (whose deletes mark
 * their short codes for the link sweep), its webhooks (the cascade takes their delivery logs),
 * its outbox rows, monthly usage, audit log and Idempotency-Key records; its scans, which can be millions, are left to the purge
 * through a tombstone. The caller removes the codes' KV records afterwards (listShortCodes first),
 * then the workspace's row in the control database (deleteWorkspaceRecord).
 */
export async function deleteWorkspace(db: D1Database, id: string, now: string): Promise<void> {
  await db.batch([
    db.prepare("INSERT OR IGNORE INTO deletions (kind, id, deleted_at) VALUES ('workspace', ?1, ?2)").bind(id, now),
    // Its codes' summaries are kept per code: they need tombstones of their own.
    db.prepare("INSERT OR IGNORE INTO deletions (kind, id, deleted_at) SELECT 'code', id, ?2 FROM codes WHERE workspace_id = ?1").bind(id, now),
    db.prepare("DELETE FROM webhook_outbox WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM workspace_monthly_scans WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM codes WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM webhooks WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM audit_log WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM idempotency_keys WHERE workspace_id = ?1").bind(id),
  ]);
}

/** Shard: scans recorded in a UTC calendar month ("YYYY-MM") across every code of the workspace. */
export async function monthlyScans(db: D1Database, workspaceId: string, month: string): Promise<number> {
  const row = await db
    .prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1 AND month = ?2")
    .bind(workspaceId, month)
    .first<{ scans: number }>();
  return row?.scans ?? 0;
}
