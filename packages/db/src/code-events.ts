import type { CodeEventType } from "@qr3/schema/webhook-facts";
import { qrStyleSql, routingDefaultsSql } from "./codes.ts";

// The code.created, code.updated and code.deleted events: one pending delivery per event and
// enabled subscription that lists it, staged in the change's own batch (one transaction), so an
// event is delivered if and only if its change is made. The payload is built here from the row
// in the same transaction; its data is the code as the API presents it (the API's presentCode,
// which the tests hold it to).

// A code's stored short_code is its address: the short code, or `hostname/short_code` on a
// branded domain (see @qr3/core linkAddress).
const slash = (c: string) => `instr(${c}.short_code, '/')`;

/** SQL: the JSON object of the code row `c` as GET /v1/codes/:id presents it; `base` is the SQL of the public base URL. */
export function codeJsonSql(c: string, base: string): string {
  return `json_patch(json_object(
    'id', ${c}.id,
    'short_code', substr(${c}.short_code, ${slash(c)} + 1),
    'short_url', CASE WHEN ${slash(c)} > 0 THEN 'https://' || ${c}.short_code ELSE ${base} || '/' || ${c}.short_code END,
    'domain', CASE WHEN ${slash(c)} > 0 THEN substr(${c}.short_code, 1, ${slash(c)} - 1) END,
    'url', ${c}.url, 'status', ${c}.status, 'name', ${c}.name, 'tags', json(${c}.tags), 'external_id', ${c}.external_id,
    ${routingDefaultsSql()}, 'qr_style', ${qrStyleSql(c)}, 'logo', json(${c}.logo), 'scan_cap_reached_at', ${c}.capped_at,
    'total_scans', ${c}.total_scans, 'created_at', ${c}.created_at, 'updated_at', ${c}.updated_at), coalesce(${c}.routing, '{}'))`;
}

/** One code's event: its id, and for code.updated the audit entry whose `before` names what changed. */
export interface CodeEvent {
  event_id: string;
  code_id: string;
  /** The audit entry of the change (code.updated reads the fields that changed from it). */
  audit_id: string;
}

/**
 * Stages the events of a change to codes of one workspace. Placed where the code rows are as the
 * event shows them: after a create or an update (after its audit entry is finished), before a
 * delete. A code.updated whose change altered none of the code's fields sends nothing. Returns
 * the deliveries created (id, webhook_id).
 */
export function stageCodeEvents(
  db: D1Database,
  type: CodeEventType,
  workspaceId: string,
  events: readonly CodeEvent[],
  now: string,
  publicBaseUrl: string,
): D1PreparedStatement {
  const previous = type === "code.updated" ? ", 'previous_attributes', json(a.before)" : "";
  return db
    .prepare(
      `INSERT INTO webhook_deliveries
         (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at, updated_at)
       SELECT 'dlv_' || substr(e.value ->> 'event_id', 5, 10) || lower(hex(randomblob(8))), w.id, w.workspace_id, e.value ->> 'event_id', ?2,
              json_object('id', e.value ->> 'event_id', 'type', ?2, 'created', ?4, 'data', ${codeJsonSql("c", "?5")}${previous}),
              'pending', 0, ?4, ?4, ?4
       -- The subscriptions first: a workspace without one reads nothing more. Then each event's
       -- code by its primary key (CROSS JOIN keeps this order).
       FROM webhooks w
       CROSS JOIN json_each(?1) AS e
       CROSS JOIN codes c ON c.id = e.value ->> 'code_id' AND c.workspace_id = ?3
       LEFT JOIN audit_log a ON a.id = e.value ->> 'audit_id'
       WHERE w.workspace_id = ?3 AND w.status = 'enabled'
         AND EXISTS (SELECT 1 FROM json_each(w.events) AS t WHERE t.value = ?2)
         AND (?2 != 'code.updated' OR coalesce(a.before, '{}') != '{}')
       RETURNING id, webhook_id`,
    )
    .bind(JSON.stringify(events), type, workspaceId, now, publicBaseUrl.replace(/\/+$/, ""));
}

/** A code event's id: derived from its audit entry's, so the two name one change. */
export function codeEventId(auditId: string): string {
  return `evt_${auditId.slice("aud_".length)}`;
}

/** A delivery staged with a change: what the API hands to the webhooks queue once the change is made. */
export interface StagedDelivery {
  id: string;
  webhook_id: string;
}

/**
 * A change's events: the statement the change's batch runs (stageCodeEvents), and once it has
 * run, the deliveries it created.
 */
export class CodeEvents {
  deliveries: StagedDelivery[] = [];
  readonly statement: D1PreparedStatement;

  constructor(statement: D1PreparedStatement) {
    this.statement = statement;
  }

  /** Takes the deliveries from the statement's result in the batch. */
  collect(result: D1Result<unknown> | undefined): void {
    this.deliveries.push(...((result?.results ?? []) as StagedDelivery[]));
  }
}
