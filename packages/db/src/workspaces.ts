import type { Plan } from "@qr3/schema";

export interface WorkspaceRow {
  id: string;
  name: string;
  plan: Plan;
  retention_days: number;
  created_at: string;
}

export function insertWorkspace(db: D1Database, row: WorkspaceRow): D1PreparedStatement {
  return db
    .prepare("INSERT INTO workspaces (id, name, plan, retention_days, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(row.id, row.name, row.plan, row.retention_days, row.created_at);
}

export function getWorkspace(db: D1Database, id: string): Promise<WorkspaceRow | null> {
  return db
    .prepare("SELECT id, name, plan, retention_days, created_at FROM workspaces WHERE id = ?1")
    .bind(id)
    .first<WorkspaceRow>();
}

export async function setWorkspacePlan(db: D1Database, id: string, plan: Plan, retentionDays: number): Promise<boolean> {
  const result = await db
    .prepare("UPDATE workspaces SET plan = ?2, retention_days = ?3 WHERE id = ?1")
    .bind(id, plan, retentionDays)
    .run();
  return result.meta.changes > 0;
}

/**
 * Deletes a workspace and everything of it in one transaction: the cascade takes its keys,
 * codes, webhooks and their delivery logs; its scans, which can be millions, are left to the
 * purge through a tombstone. The caller removes the codes' KV records afterwards (listShortCodes
 * first); the cascade's deletes mark their short codes for the link sweep besides.
 */
export async function deleteWorkspace(db: D1Database, id: string, now: string): Promise<boolean> {
  const [, , , , deleted] = await db.batch<{ id: string }>([
    db.prepare("INSERT OR IGNORE INTO deletions (kind, id, deleted_at) VALUES ('workspace', ?1, ?2)").bind(id, now),
    // Its codes' summaries are kept per code: they need tombstones of their own.
    db.prepare("INSERT OR IGNORE INTO deletions (kind, id, deleted_at) SELECT 'code', id, ?2 FROM codes WHERE workspace_id = ?1").bind(id, now),
    db.prepare("DELETE FROM webhook_outbox WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM workspace_monthly_scans WHERE workspace_id = ?1").bind(id),
    db.prepare("DELETE FROM workspaces WHERE id = ?1 RETURNING id").bind(id),
  ]);
  return deleted!.results.length > 0;
}

/** Scans recorded in a UTC calendar month ("YYYY-MM") across every code of the workspace. */
export async function monthlyScans(db: D1Database, workspaceId: string, month: string): Promise<number> {
  const row = await db
    .prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1 AND month = ?2")
    .bind(workspaceId, month)
    .first<{ scans: number }>();
  return row?.scans ?? 0;
}
