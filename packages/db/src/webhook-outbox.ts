/** One event waiting in the outbox. */
export interface OutboxEvent {
  event_id: string;
  scan_id: string;
  payload: string;
}

export interface OutboxGroup {
  id: string;
  workspace_id: string;
  events: OutboxEvent[];
}

/**
 * Stages the events of a batch's scans, one outbox row per workspace, but only for workspaces
 * with an enabled qr.scanned subscription: everyone else pays nothing. Returns the rows written.
 */
export function stageScanEvents(db: D1Database, groups: readonly OutboxGroup[], now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO webhook_outbox (id, workspace_id, events, due_at, created_at)
       SELECT j.value ->> 'id', j.value ->> 'workspace_id', j.value ->> 'events', ?2, ?2
       FROM json_each(?1) AS j
       WHERE EXISTS (
         SELECT 1 FROM webhooks w, json_each(w.events) AS e
         WHERE w.workspace_id = j.value ->> 'workspace_id' AND w.status = 'enabled' AND e.value = 'qr.scanned')
       RETURNING id`,
    )
    .bind(JSON.stringify(groups.map((g) => ({ ...g, events: JSON.stringify(g.events) }))), now);
}

/**
 * Turns an outbox row into one pending delivery per event and enabled subscription, and deletes
 * the row, in one transaction. Events whose scan was not stored (its code was deleted) are
 * skipped; an event already dispatched (a redelivered scan message) hits the unique
 * (webhook, event) index and adds nothing. Returns the deliveries created.
 */
export function dispatchOutbox(db: D1Database, outboxId: string, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO webhook_deliveries
           (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at, updated_at)
         SELECT 'dlv_' || substr(e.value ->> 'event_id', 5, 10) || lower(hex(randomblob(8))),
                w.id, w.workspace_id, e.value ->> 'event_id', 'qr.scanned', e.value ->> 'payload', 'pending', 0, ?2, ?2, ?2
         FROM webhook_outbox o
         JOIN json_each(o.events) AS e
         JOIN webhooks w ON w.workspace_id = o.workspace_id AND w.status = 'enabled'
         WHERE o.id = ?1
           AND EXISTS (SELECT 1 FROM json_each(w.events) AS t WHERE t.value = 'qr.scanned')
           AND EXISTS (SELECT 1 FROM scans s WHERE s.id = e.value ->> 'scan_id')
         RETURNING id, webhook_id`,
      )
      .bind(outboxId, now),
    db.prepare("DELETE FROM webhook_outbox WHERE id = ?1").bind(outboxId),
  ];
}

/** Outbox rows whose dispatch message was lost; claimed by moving their due time to `now`. */
export async function claimOverdueOutbox(db: D1Database, overdueBefore: string, now: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `UPDATE webhook_outbox SET due_at = ?2
       WHERE id IN (SELECT id FROM webhook_outbox WHERE due_at < ?1 ORDER BY due_at LIMIT ?3)
       RETURNING id`,
    )
    .bind(overdueBefore, now, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
