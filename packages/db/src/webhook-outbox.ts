import type { ScanEventSource } from "@qr3/webhooks";

/** The qr.scanned events of one batch's scans of one workspace, named by their scans. */
export interface OutboxGroup {
  id: string;
  workspace_id: string;
  /** Each scan by its primary key: [code_id, scanned_at, id]. */
  scan_keys: Array<[string, string, string]>;
}

/**
 * Stages the events of a batch's scans, one outbox row per workspace, but only for workspaces
 * with an enabled qr.scanned subscription: everyone else pays nothing. Returns the rows written.
 */
export function stageScanEvents(db: D1Database, groups: readonly OutboxGroup[], now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO webhook_outbox (id, workspace_id, scan_keys, due_at, created_at)
       SELECT j.value ->> 'id', j.value ->> 'workspace_id', j.value -> 'scan_keys', ?2, ?2
       FROM json_each(?1) AS j
       WHERE EXISTS (
         SELECT 1 FROM webhooks w, json_each(w.events) AS e
         WHERE w.workspace_id = j.value ->> 'workspace_id' AND w.status = 'enabled' AND e.value = 'qr.scanned')
       RETURNING id`,
    )
    .bind(JSON.stringify(groups), now);
}

/**
 * The stored scans an outbox row names, with their codes' short codes. A scan that was not stored
 * (its code was deleted first) or whose code has since been deleted is left out.
 */
export async function outboxScans(db: D1Database, outboxId: string): Promise<{ found: boolean; scans: ScanEventSource[] }> {
  const [row, scans] = await db.batch([
    db.prepare("SELECT 1 FROM webhook_outbox WHERE id = ?1").bind(outboxId),
    db
      .prepare(
        `SELECT s.id AS scan_id, s.code_id, substr(c.short_code, instr(c.short_code, '/') + 1) AS short_code, s.country, s.device_type, s.os, s.scanned_at
         FROM webhook_outbox o
         -- CROSS JOIN keeps this order: by primary key, not through all of the workspace's scans.
         CROSS JOIN json_each(o.scan_keys) AS i
         CROSS JOIN scans s ON s.code_id = i.value ->> 0 AND s.scanned_at = i.value ->> 1 AND s.id = i.value ->> 2
           AND s.workspace_id = o.workspace_id
         JOIN codes c ON c.id = s.code_id
         WHERE o.id = ?1`,
      )
      .bind(outboxId),
  ]);
  return { found: row!.results.length > 0, scans: scans!.results as ScanEventSource[] };
}

/**
 * Turns an outbox row's events into one pending delivery per event and enabled subscription, and
 * deletes the row, in one transaction. An event already dispatched (a redelivered scan message, or
 * the same row dispatched twice) hits the unique (webhook, event) index and adds nothing. Returns
 * the deliveries created.
 */
export function dispatchOutbox(
  db: D1Database,
  outboxId: string,
  events: ReadonlyArray<{ event_id: string; payload: string }>,
  now: string,
): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO webhook_deliveries
           (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at, updated_at)
         SELECT 'dlv_' || substr(e.value ->> 'event_id', 5, 10) || lower(hex(randomblob(8))),
                w.id, w.workspace_id, e.value ->> 'event_id', 'qr.scanned', e.value ->> 'payload', 'pending', 0, ?3, ?3, ?3
         FROM webhook_outbox o
         JOIN json_each(?2) AS e
         JOIN webhooks w ON w.workspace_id = o.workspace_id AND w.status = 'enabled'
         WHERE o.id = ?1
           AND EXISTS (SELECT 1 FROM json_each(w.events) AS t WHERE t.value = 'qr.scanned')
         RETURNING id, webhook_id`,
      )
      .bind(outboxId, JSON.stringify(events), now),
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
