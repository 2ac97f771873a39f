import type { Plan } from "@qr3/schema";

export interface WorkspaceRow {
  id: string;
  name: string;
  plan: Plan;
  created_at: string;
}

export function insertWorkspace(db: D1Database, row: WorkspaceRow): D1PreparedStatement {
  return db
    .prepare("INSERT INTO workspaces (id, name, plan, created_at) VALUES (?1, ?2, ?3, ?4)")
    .bind(row.id, row.name, row.plan, row.created_at);
}

export function getWorkspace(db: D1Database, id: string): Promise<WorkspaceRow | null> {
  return db.prepare("SELECT id, name, plan, created_at FROM workspaces WHERE id = ?1").bind(id).first<WorkspaceRow>();
}

/** Scans recorded in a UTC calendar month ("YYYY-MM") across every code of the workspace. */
export async function monthlyScans(db: D1Database, workspaceId: string, month: string): Promise<number> {
  const row = await db
    .prepare("SELECT scans FROM workspace_monthly_scans WHERE workspace_id = ?1 AND month = ?2")
    .bind(workspaceId, month)
    .first<{ scans: number }>();
  return row?.scans ?? 0;
}
