export type WebhookStatus = "enabled" | "disabled";
export type DisabledReason = "manual" | "endpoint_gone" | "failing";

export interface WebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string; // JSON array
  status: WebhookStatus;
  disabled_reason: DisabledReason | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS =
  "id, workspace_id, url, events, status, disabled_reason, secret, previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at";

export async function insertWebhook(
  db: D1Database,
  row: Pick<WebhookRow, "id" | "workspace_id" | "url" | "events" | "secret" | "created_at">,
): Promise<WebhookRow> {
  return (await db
    .prepare(
      `INSERT INTO webhooks (id, workspace_id, url, events, status, secret, created_at, updated_at)
       VALUES (?1, ?2, ?3, ?4, 'enabled', ?5, ?6, ?6) RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.workspace_id, row.url, row.events, row.secret, row.created_at)
    .first<WebhookRow>())!;
}

export function getWebhook(db: D1Database, workspaceId: string, id: string): Promise<WebhookRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM webhooks WHERE id = ?1 AND workspace_id = ?2`)
    .bind(id, workspaceId)
    .first<WebhookRow>();
}

/** Newest first; `before` is the id of the last webhook of the previous page. */
export async function listWebhooks(db: D1Database, workspaceId: string, limit: number, before: string | null) {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM webhooks WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3`,
    )
    .bind(workspaceId, before, limit)
    .all<WebhookRow>();
  return results;
}

/**
 * Changes url, events and/or status. Enabling clears the reason and the failure streak, so a
 * re-enabled endpoint gets five fresh days; disabling through the API records "manual".
 */
export function updateWebhook(
  db: D1Database,
  workspaceId: string,
  id: string,
  changes: { url?: string | undefined; events?: string | undefined; status?: WebhookStatus | undefined },
  now: string,
): Promise<WebhookRow | null> {
  return db
    .prepare(
      `UPDATE webhooks SET
         url = coalesce(?3, url),
         events = coalesce(?4, events),
         status = coalesce(?5, status),
         disabled_reason = CASE ?5 WHEN 'enabled' THEN NULL WHEN 'disabled' THEN 'manual' ELSE disabled_reason END,
         failing_since = CASE ?5 WHEN 'enabled' THEN NULL ELSE failing_since END,
         updated_at = ?6
       WHERE id = ?1 AND workspace_id = ?2 RETURNING ${COLUMNS}`,
    )
    .bind(id, workspaceId, changes.url ?? null, changes.events ?? null, changes.status ?? null, now)
    .first<WebhookRow>();
}

export async function deleteWebhook(db: D1Database, workspaceId: string, id: string): Promise<boolean> {
  const result = await db.prepare("DELETE FROM webhooks WHERE id = ?1 AND workspace_id = ?2").bind(id, workspaceId).run();
  return result.meta.changes > 0;
}

/** Installs a new secret; the current one keeps signing until `previousExpiresAt`. */
export function rotateWebhookSecret(
  db: D1Database,
  workspaceId: string,
  id: string,
  secret: string,
  previousExpiresAt: string,
  now: string,
): Promise<WebhookRow | null> {
  return db
    .prepare(
      `UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = ?4, secret = ?3, updated_at = ?5
       WHERE id = ?1 AND workspace_id = ?2 RETURNING ${COLUMNS}`,
    )
    .bind(id, workspaceId, secret, previousExpiresAt, now)
    .first<WebhookRow>();
}

/** After an attempt: the endpoint's failure streak and, when it must stop, its disabling. */
export function updateWebhookHealth(
  db: D1Database,
  id: string,
  health: { failing_since: string | null; disabled_reason: DisabledReason | null },
  now: string,
): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhooks SET failing_since = ?2,
         status = CASE WHEN ?3 IS NULL THEN status ELSE 'disabled' END,
         disabled_reason = coalesce(?3, disabled_reason),
         updated_at = CASE WHEN ?3 IS NULL THEN updated_at ELSE ?4 END
       WHERE id = ?1`,
    )
    .bind(id, health.failing_since, health.disabled_reason, now);
}
