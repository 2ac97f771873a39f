// API keys live in the control database. Only the key's SHA-256 is stored, never the key; the
// columns a key is shown with (KEY_COLUMNS) leave the hash out too.

export interface ApiKeyRow {
  id: string;
  workspace_id: string;
  key_hash: string;
  prefix: string;
  name: string;
  /** JSON array of scopes, as stored: read it defensively. */
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A key as it is shown: no hash, no workspace. */
export type ApiKeyListing = Pick<ApiKeyRow, "id" | "name" | "prefix" | "scopes" | "created_at" | "last_used_at" | "expires_at">;

const KEY_COLUMNS = "id, name, prefix, scopes, created_at, last_used_at, expires_at";

export interface NewApiKeyRow {
  id: string;
  workspace_id: string;
  key_hash: string;
  prefix: string;
  name: string;
  scopes: readonly string[];
  created_at: string;
  expires_at?: string | null;
}

export function insertApiKey(db: D1Database, row: NewApiKeyRow): D1PreparedStatement {
  return db
    .prepare("INSERT INTO api_keys (id, workspace_id, key_hash, prefix, name, scopes, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
    .bind(row.id, row.workspace_id, row.key_hash, row.prefix, row.name, JSON.stringify(row.scopes), row.created_at, row.expires_at ?? null);
}

/**
 * Inserts a key made by another key (`grantor`), only while the grantor is still active (not
 * revoked, not expired at `row.created_at`) and holds every scope given: checked by the insert
 * itself, so a key revoked while its request runs cannot leave a key behind. Null when refused.
 */
export function insertGrantedApiKey(db: D1Database, row: NewApiKeyRow, grantor: string): Promise<ApiKeyListing | null> {
  return db
    .prepare(
      `INSERT INTO api_keys (id, workspace_id, key_hash, prefix, name, scopes, created_at, expires_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
       FROM api_keys g
       WHERE g.id = ?9 AND g.workspace_id = ?2 AND g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > ?7)
         AND NOT EXISTS (SELECT 1 FROM json_each(?6) AS given WHERE given.value NOT IN (SELECT value FROM json_each(g.scopes)))
       RETURNING ${KEY_COLUMNS}`,
    )
    .bind(row.id, row.workspace_id, row.key_hash, row.prefix, row.name, JSON.stringify(row.scopes), row.created_at, row.expires_at ?? null, grantor)
    .first<ApiKeyListing>();
}

/**
 * The key with this hash, unless revoked (expired ones too: the caller tells them apart), with
 * what every request needs of its workspace: its retention and shard.
 */
export function findActiveApiKey(control: D1Database, keyHash: string): Promise<(ApiKeyRow & { retention_days: number; shard: number }) | null> {
  return control
    .prepare(
      `SELECT k.id, k.workspace_id, k.key_hash, k.prefix, k.name, k.scopes, k.created_at, k.expires_at, k.last_used_at, k.revoked_at,
              w.retention_days, w.shard
       FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
       WHERE k.key_hash = ?1 AND k.revoked_at IS NULL`,
    )
    .bind(keyHash)
    .first<ApiKeyRow & { retention_days: number; shard: number }>();
}

/** A key of the workspace not revoked (expired or not). */
export function getApiKey(db: D1Database, workspaceId: string, id: string): Promise<ApiKeyListing | null> {
  return db
    .prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE id = ?1 AND workspace_id = ?2 AND revoked_at IS NULL`)
    .bind(id, workspaceId)
    .first<ApiKeyListing>();
}

/** The workspace's keys not revoked, expired ones included, newest first; `before` is the id of the last key of the previous page. */
export async function listApiKeys(db: D1Database, workspaceId: string, limit: number, before: string | null): Promise<ApiKeyListing[]> {
  const { results } = await db
    .prepare(
      `SELECT ${KEY_COLUMNS} FROM api_keys
       WHERE workspace_id = ?1 AND revoked_at IS NULL AND (?2 IS NULL OR id < ?2)
       ORDER BY id DESC LIMIT ?3`,
    )
    .bind(workspaceId, before, limit)
    .all<ApiKeyListing>();
  return results;
}

/**
 * Revokes a key of the workspace unless that would leave it without an active key (not revoked,
 * not expired at `now`) holding `managerScope`: the condition is part of the UPDATE, and D1 runs
 * one statement at a time, so of two keys revoking each other only the first succeeds. The key
 * as it was, or null when there is no such key or the rule refused (getApiKey tells which).
 */
export function revokeApiKeyKeepingManager(db: D1Database, workspaceId: string, id: string, now: string, managerScope: string): Promise<ApiKeyListing | null> {
  return db
    .prepare(
      `UPDATE api_keys SET revoked_at = ?3
       WHERE id = ?1 AND workspace_id = ?2 AND revoked_at IS NULL
         AND (
           -- the key is no active manager: the workspace keeps the managers it has
           (expires_at IS NOT NULL AND expires_at <= ?3)
           OR NOT EXISTS (SELECT 1 FROM json_each(api_keys.scopes) WHERE value = ?4)
           -- or another active manager remains
           OR EXISTS (
             SELECT 1 FROM api_keys other
             WHERE other.workspace_id = ?2 AND other.id <> ?1 AND other.revoked_at IS NULL
               AND (other.expires_at IS NULL OR other.expires_at > ?3)
               AND EXISTS (SELECT 1 FROM json_each(other.scopes) WHERE value = ?4)
           )
         )
       RETURNING ${KEY_COLUMNS}`,
    )
    .bind(id, workspaceId, now, managerScope)
    .first<ApiKeyListing>();
}

/**
 * Records that a key was used at `now`, unless that is already known since `staleBefore`: the
 * condition keeps concurrent requests from writing more than once.
 */
export function touchApiKey(control: D1Database, id: string, now: string, staleBefore: string): Promise<D1Result> {
  return control
    .prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)")
    .bind(id, now, staleBefore)
    .run();
}

/** Revokes a key by id, whatever it may do (the admin command's); returns false when no active key has that id. */
export async function revokeApiKey(db: D1Database, id: string, now: string): Promise<boolean> {
  const result = await db
    .prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")
    .bind(id, now)
    .run();
  return result.meta.changes > 0;
}
