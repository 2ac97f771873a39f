import { auditChanges, auditEntry, auditSnapshot, type AuditFacts, type AuditSource, type AuditValues } from "./audit-log.ts";

export type WebhookStatus = "enabled" | "disabled";
export type DisabledReason = "manual" | "endpoint_gone" | "failing";

export interface WebhookRow {
  id: string;
  workspace_id: string;
  url: string;
  events: string; // JSON array
  status: WebhookStatus;
  disabled_reason: DisabledReason | null;
  /** Stored sealed (packages/webhooks secret-box), as is `previous_secret`: never the secret itself. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

const COLUMNS =
  "id, workspace_id, url, events, status, disabled_reason, secret, previous_secret, previous_secret_expires_at, failing_since, created_at, updated_at";

// A webhook in the audit log: what a change may alter, and for a delete the subscription as it
// was. Never its secrets.
const AUDIT_CHANGES: AuditSource = {
  table: "webhooks",
  json: "json_object('url', url, 'events', json(events), 'status', status, 'disabled_reason', disabled_reason)",
};
const AUDIT_WHOLE: AuditSource = {
  table: "webhooks",
  json: "json_object('id', id, 'url', url, 'events', json(events), 'status', status, 'disabled_reason', disabled_reason, 'created_at', created_at, 'updated_at', updated_at)",
};

/**
 * Inserts a subscription unless its workspace already has `limit`: the count and the insert are
 * one statement, and D1 runs one statement at a time, so concurrent creates cannot overshoot.
 * Null when the workspace is full. With `audit`, its entry is written in the same transaction,
 * only if the subscription was.
 */
export async function insertWebhook(
  db: D1Database,
  row: Pick<WebhookRow, "id" | "workspace_id" | "url" | "events" | "secret" | "created_at">,
  limit: number,
  audit?: AuditFacts & AuditValues,
): Promise<WebhookRow | null> {
  const insert = db
    .prepare(
      `INSERT INTO webhooks (id, workspace_id, url, events, status, secret, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, 'enabled', ?5, ?6, ?6
       WHERE (SELECT count(*) FROM webhooks WHERE workspace_id = ?2) < ?7
       RETURNING ${COLUMNS}`,
    )
    .bind(row.id, row.workspace_id, row.url, row.events, row.secret, row.created_at, limit);
  if (!audit) return insert.first<WebhookRow>();
  const [inserted] = await db.batch<WebhookRow>([insert, auditEntry(db, audit, { table: "webhooks", id: row.id })]);
  return inserted!.results[0] ?? null;
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
 * re-enabled endpoint gets five fresh days; disabling through the API records "manual". With
 * `audit`, the entry of the fields changed is written in the same transaction.
 */
export async function updateWebhook(
  db: D1Database,
  workspaceId: string,
  id: string,
  changes: { url?: string | undefined; events?: string | undefined; status?: WebhookStatus | undefined },
  now: string,
  audit?: AuditFacts,
): Promise<WebhookRow | null> {
  const update = db
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
    .bind(id, workspaceId, changes.url ?? null, changes.events ?? null, changes.status ?? null, now);
  if (!audit) return update.first<WebhookRow>();
  const [, updated] = await db.batch<WebhookRow>([auditSnapshot(db, audit, AUDIT_CHANGES), update, auditChanges(db, audit, AUDIT_CHANGES)]);
  return updated!.results[0] ?? null;
}

/** With `audit`, its entry (the subscription as it was) is written in the same transaction. */
export async function deleteWebhook(db: D1Database, workspaceId: string, id: string, audit?: AuditFacts): Promise<boolean> {
  const results = await db.batch([
    ...(audit ? [auditSnapshot(db, audit, AUDIT_WHOLE)] : []),
    db.prepare("DELETE FROM webhooks WHERE id = ?1 AND workspace_id = ?2").bind(id, workspaceId),
  ]);
  return results.at(-1)!.meta.changes > 0;
}

/**
 * Installs a new secret; the current one keeps signing until `previousExpiresAt`. With `audit`,
 * its entry is written in the same transaction, only if the webhook was there to rotate.
 */
export async function rotateWebhookSecret(
  db: D1Database,
  workspaceId: string,
  id: string,
  secret: string,
  previousExpiresAt: string,
  now: string,
  audit?: AuditFacts & AuditValues,
): Promise<WebhookRow | null> {
  const rotate = db
    .prepare(
      `UPDATE webhooks SET previous_secret = secret, previous_secret_expires_at = ?4, secret = ?3, updated_at = ?5
       WHERE id = ?1 AND workspace_id = ?2 RETURNING ${COLUMNS}`,
    )
    .bind(id, workspaceId, secret, previousExpiresAt, now);
  if (!audit) return rotate.first<WebhookRow>();
  const [rotated] = await db.batch<WebhookRow>([rotate, auditEntry(db, audit, { table: "webhooks", id })]);
  return rotated!.results[0] ?? null;
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

/** A subscription's stored secrets, as the resealing of secrets under a new key reads and writes them. */
export interface StoredSecrets {
  id: string;
  secret: string;
  previous_secret: string | null;
}

/**
 * Subscriptions with a secret not sealed under the current key: every stored value outside
 * [`prefix`, `end`), where `prefix` is the current key's "v1:<id>:" and `end` the same with its
 * last character's successor. Both ranges use the secret indexes (an ORDER BY would make SQLite
 * scan the table instead), so a run where nothing is left to reseal reads next to nothing.
 * `skip` lists ids this run could not reseal.
 */
export async function secretsToReseal(db: D1Database, prefix: string, end: string, skip: readonly string[], limit: number): Promise<StoredSecrets[]> {
  const { results } = await db
    .prepare(
      `SELECT id, secret, previous_secret FROM webhooks
       WHERE (secret < ?1 OR secret >= ?2) AND id NOT IN (SELECT value FROM json_each(?3))
       UNION
       SELECT id, secret, previous_secret FROM webhooks
       WHERE previous_secret IS NOT NULL AND (previous_secret < ?1 OR previous_secret >= ?2) AND id NOT IN (SELECT value FROM json_each(?3))
       LIMIT ?4`,
    )
    .bind(prefix, end, JSON.stringify(skip), limit)
    .all<StoredSecrets>();
  return results;
}

/**
 * Writes resealed secrets, each only if the row still holds what was read (`was`): a rotation
 * in between keeps its new secret. Returns how many rows changed.
 */
export async function replaceSecrets(db: D1Database, rows: ReadonlyArray<{ now: StoredSecrets; was: StoredSecrets }>): Promise<number> {
  const result = await db
    .prepare(
      `UPDATE webhooks SET secret = json_extract(j.value, '$.secret'), previous_secret = json_extract(j.value, '$.previous_secret')
       FROM json_each(?1) AS j
       WHERE webhooks.id = json_extract(j.value, '$.id')
         AND webhooks.secret = json_extract(j.value, '$.was_secret')
         AND webhooks.previous_secret IS json_extract(j.value, '$.was_previous_secret')`,
    )
    .bind(
      JSON.stringify(rows.map((r) => ({ id: r.now.id, secret: r.now.secret, previous_secret: r.now.previous_secret, was_secret: r.was.secret, was_previous_secret: r.was.previous_secret }))),
    )
    .run();
  return result.meta.changes;
}

/**
 * Forgets previous secrets whose 24 hours of signing are over; returns how many. The first
 * condition lets SQLite read the previous-secret index (only rows with one) instead of the table.
 */
export async function clearExpiredPreviousSecrets(db: D1Database, now: string): Promise<number> {
  const result = await db
    .prepare(
      "UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL WHERE previous_secret IS NOT NULL AND previous_secret_expires_at <= ?1",
    )
    .bind(now)
    .run();
  return result.meta.changes;
}

/**
 * How many stored secrets (current and previous) each key seals; "plain" counts those not sealed
 * yet. A key no longer counted can leave the binding.
 */
export async function countSecretsByKey(db: D1Database): Promise<Record<string, number>> {
  const { results } = await db
    .prepare(
      `SELECT CASE WHEN substr(s, 1, 3) = 'v1:' THEN substr(s, 4, instr(substr(s, 4), ':') - 1) ELSE 'plain' END AS key_id, count(*) AS n
       FROM (SELECT secret AS s FROM webhooks UNION ALL SELECT previous_secret FROM webhooks WHERE previous_secret IS NOT NULL)
       GROUP BY key_id ORDER BY key_id`,
    )
    .all<{ key_id: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.key_id, r.n]));
}
