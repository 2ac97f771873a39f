export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  key_hash: string;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

export function insertApiKey(db: D1Database, row: Omit<ApiKeyRow, "revoked_at">): D1PreparedStatement {
  return db
    .prepare("INSERT INTO api_keys (id, workspace_id, key_hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(row.id, row.workspace_id, row.key_hash, row.prefix, row.created_at);
}

// API keys live in the control database.

/** The active key with this hash, if any, with what every request needs of its workspace: its retention and shard. */
export function findActiveApiKey(control: D1Database, keyHash: string): Promise<(ApiKeyRow & { retention_days: number; shard: number }) | null> {
  return control
    .prepare(
      `SELECT k.id, k.workspace_id, k.key_hash, k.prefix, k.created_at, k.revoked_at, w.retention_days, w.shard
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
       WHERE k.key_hash = ?1 AND k.revoked_at IS NULL`,
    )
    .bind(keyHash)
    .first<ApiKeyRow & { retention_days: number; shard: number }>();
}

/** Revokes a key by id; returns false when no active key has that id. */
export async function revokeApiKey(db: D1Database, id: string, now: string): Promise<boolean> {
  const result = await db
    .prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
    .bind(id, now)
    .run();
  return result.meta.changes > 0;
}
