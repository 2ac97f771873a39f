import { auditEntry, type AuditFacts, type AuditValues } from "./audit-log.ts";

export type DeliveryState = "pending" | "succeeded" | "failed";

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  workspace_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  next_attempt_at: string | null;
  redelivery_of: string | null;
  created_at: string;
  updated_at: string;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  started_at: string;
}

const COLUMNS =
  "d.id, d.webhook_id, d.workspace_id, d.event_id, d.event_type, d.payload, d.state, d.attempts, d.last_status, d.last_error, d.last_duration_ms, d.next_attempt_at, d.redelivery_of, d.created_at, d.updated_at";

/**
 * A new delivery, if its webhook is still in the workspace and enabled: checked in the insert
 * itself, so a subscription disabled or deleted meanwhile gets none (null), never a delivery to
 * nowhere or a foreign-key error. With `audit`, its entry is written in the same transaction,
 * only if the delivery was.
 */
export async function insertDelivery(
  db: D1Database,
  row: Pick<DeliveryRow, "id" | "webhook_id" | "workspace_id" | "event_id" | "event_type" | "payload" | "redelivery_of" | "created_at">,
  audit?: AuditFacts & AuditValues,
): Promise<DeliveryRow | null> {
  const insert = db
    .prepare(
      `INSERT INTO webhook_deliveries
         (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, redelivery_of, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?8, ?7, ?8, ?8
       WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?2 AND workspace_id = ?3 AND status = 'enabled')
       RETURNING ${COLUMNS.replaceAll("d.", "")}`,
    )
    .bind(row.id, row.webhook_id, row.workspace_id, row.event_id, row.event_type, row.payload, row.redelivery_of, row.created_at);
  if (!audit) return insert.first<DeliveryRow>();
  const [inserted] = await db.batch<DeliveryRow>([insert, auditEntry(db, audit, { table: "webhook_deliveries", id: row.id })]);
  return inserted!.results[0] ?? null;
}

export function getDelivery(db: D1Database, workspaceId: string, webhookId: string, id: string): Promise<DeliveryRow | null> {
  return db
    .prepare(`SELECT ${COLUMNS} FROM webhook_deliveries d WHERE d.id = ?1 AND d.webhook_id = ?2 AND d.workspace_id = ?3`)
    .bind(id, webhookId, workspaceId)
    .first<DeliveryRow>();
}

/** A page of a webhook's delivery log, newest first, with every attempt of each delivery. */
export async function listDeliveries(
  db: D1Database,
  workspaceId: string,
  webhookId: string,
  limit: number,
  before: string | null,
): Promise<Array<DeliveryRow & { attempt_log: AttemptRow[] }>> {
  const [deliveries, attempts] = await db.batch<DeliveryRow | AttemptRow>([
    db
      .prepare(
        `SELECT ${COLUMNS} FROM webhook_deliveries d
         WHERE d.webhook_id = ?1 AND d.workspace_id = ?2 AND (?3 IS NULL OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4`,
      )
      .bind(webhookId, workspaceId, before, limit),
    db
      .prepare(
        `SELECT a.delivery_id, a.attempt, a.status, a.error, a.duration_ms, a.started_at FROM webhook_attempts a
         WHERE a.delivery_id IN (
           SELECT d.id FROM webhook_deliveries d
           WHERE d.webhook_id = ?1 AND d.workspace_id = ?2 AND (?3 IS NULL OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4)
         ORDER BY a.delivery_id, a.attempt`,
      )
      .bind(webhookId, workspaceId, before, limit),
  ]);
  const byDelivery = new Map<string, AttemptRow[]>();
  for (const a of attempts!.results as AttemptRow[]) {
    byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
  }
  return (deliveries!.results as DeliveryRow[]).map((d) => ({ ...d, attempt_log: byDelivery.get(d.id) ?? [] }));
}

/** A delivery with what sending it needs of its webhook. */
export interface DeliveryToSend extends DeliveryRow {
  url: string;
  webhook_status: "enabled" | "disabled";
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  failing_since: string | null;
}

export async function loadDeliveriesToSend(db: D1Database, ids: readonly string[]): Promise<DeliveryToSend[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS}, w.url, w.status AS webhook_status, w.secret, w.previous_secret, w.previous_secret_expires_at, w.failing_since
       FROM json_each(?1) AS j
       JOIN webhook_deliveries d ON d.id = j.value
       JOIN webhooks w ON w.id = d.webhook_id`,
    )
    .bind(JSON.stringify(ids))
    .all<DeliveryToSend>();
  return results;
}

export interface AttemptOutcome {
  delivery_id: string;
  attempt: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
  started_at: string;
  /** The delivery's state after this attempt, and when the next attempt is due if still pending. */
  state: DeliveryState;
  next_attempt_at: string | null;
}

/** Logs an attempt and moves its delivery on; both statements go into one batch. */
export function recordAttempt(db: D1Database, o: AttemptOutcome, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, status, error, duration_ms, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
      )
      .bind(o.delivery_id, o.attempt, o.status, o.error, o.duration_ms, o.started_at),
    db
      .prepare(
        `UPDATE webhook_deliveries SET attempts = ?2, state = ?3, last_status = ?4, last_error = ?5, last_duration_ms = ?6,
           next_attempt_at = ?7, updated_at = ?8
         WHERE id = ?1 AND attempts < ?2`,
      )
      .bind(o.delivery_id, o.attempt, o.state, o.status, o.error, o.duration_ms, o.next_attempt_at, now),
  ];
}

/** Ends a pending delivery without sending it (its endpoint is disabled or no longer allowed). */
export function failDelivery(db: D1Database, id: string, error: string, now: string): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhook_deliveries SET state = 'failed', last_error = ?2, next_attempt_at = NULL, updated_at = ?3
       WHERE id = ?1 AND state = 'pending'`,
    )
    .bind(id, error, now);
}

/**
 * Pending deliveries whose next attempt is long overdue: their queue message was lost (a failed
 * send after the scan was stored, a restart). Claims them by moving next_attempt_at to `now`, so a
 * later sweep does not pick them again before the queue has had its chance.
 */
export async function claimOverdueDeliveries(
  db: D1Database,
  overdueBefore: string,
  now: string,
  limit: number,
): Promise<Array<{ id: string; webhook_id: string; attempts: number }>> {
  const { results } = await db
    .prepare(
      `UPDATE webhook_deliveries SET next_attempt_at = ?2
       WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at < ?1 ORDER BY next_attempt_at LIMIT ?3)
       RETURNING id, webhook_id, attempts`,
    )
    .bind(overdueBefore, now, limit)
    .all<{ id: string; webhook_id: string; attempts: number }>();
  return results;
}
