import { DAY_MS, idsBefore } from "@qr3/core";
import { AUDIT_RETENTION_DAYS, type AuditAction, type AuditResource } from "@qr3/schema/api/scopes";

// The audit log (shard: audit_log), one entry per change made through the API. A change in the
// shard takes its entry in the same batch (one transaction), with the statements below placed
// around the change's own: an entry is written if and only if its change is. The values are
// JSON objects; a snapshot never names a secret column.

/** Who changed what, when, and in which request: every entry's columns but its values. */
export interface AuditFacts {
  id: string;
  workspace_id: string;
  created_at: string;
  action: AuditAction;
  resource_type: AuditResource;
  resource_id: string;
  api_key_id: string;
  api_key_name: string;
  request_id: string;
}

export interface AuditValues {
  before?: Record<string, unknown> | null | undefined;
  after?: Record<string, unknown> | null | undefined;
}

export interface AuditRow extends AuditFacts {
  /** JSON text of an object, or null. */
  before: string | null;
  after: string | null;
}

/**
 * How a kind of resource appears in its entries: its table, and a SQL expression over one of its
 * rows giving a JSON object of the fields an entry shows (JSON values only: no SQL booleans).
 */
export interface AuditSource {
  table: "codes" | "webhooks" | "webhook_deliveries";
  json: string;
}

const COLUMNS = "id, workspace_id, created_at, action, resource_type, resource_id, api_key_id, api_key_name, request_id, before, after";

const facts = (f: AuditFacts) => [f.id, f.workspace_id, f.created_at, f.action, f.resource_type, f.resource_id, f.api_key_id, f.api_key_name, f.request_id];
const json = (value: Record<string, unknown> | null | undefined) => (value == null ? null : JSON.stringify(value));

/**
 * An entry with the values given. With `recordedIf`, only if that row exists once the change's
 * statements before it have run: for a change whose statement may write nothing (a create under a
 * limit, a delivery only to an enabled webhook). Written once even if run again (its id).
 */
export function auditEntry(db: D1Database, entry: AuditFacts & AuditValues, recordedIf?: { table: AuditSource["table"]; id: string }): D1PreparedStatement {
  const values = [...facts(entry), json(entry.before), json(entry.after)];
  if (!recordedIf) {
    return db.prepare(`INSERT INTO audit_log (${COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (id) DO NOTHING`).bind(...values);
  }
  return db
    .prepare(
      `INSERT INTO audit_log (${COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11
       WHERE EXISTS (SELECT 1 FROM ${recordedIf.table} WHERE id = ?12 AND workspace_id = ?2)
       ON CONFLICT (id) DO NOTHING`,
    )
    .bind(...values, recordedIf.id);
}

/**
 * An entry whose `before` is the resource as its row is now, and no `after`: placed before the
 * change in its batch. Written only if the row is there, which is when the change will find it.
 * For a delete this is the whole entry; for an update, auditChanges finishes it.
 */
export function auditSnapshot(db: D1Database, entry: AuditFacts, source: AuditSource): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (${COLUMNS}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ${source.json}, NULL
       FROM ${source.table} WHERE id = ?6 AND workspace_id = ?2`,
    )
    .bind(...facts(entry));
}

// The fields of the snapshot `o` and the row's state now `n` that differ, as an object of the
// side named (o.value or n.value). json_each gives arrays and objects back as JSON, so they nest.
const changed = (side: "o" | "n") =>
  `(SELECT json_group_object(o.key, ${side}.value) FROM json_each(audit_log.before) AS o JOIN json_each(r.now) AS n ON n.key = o.key
    WHERE n.type != o.type OR n.value IS NOT o.value)`;

/**
 * Placed after an update in its batch: turns auditSnapshot's entry into the changed fields only,
 * as they were (before) and as they are now (after). An update that changed none of the fields
 * shown leaves two empty objects. The update's own SQL decides the new values; nothing here
 * repeats it.
 */
export function auditChanges(db: D1Database, entry: AuditFacts, source: AuditSource): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE audit_log SET before = ${changed("o")}, after = ${changed("n")}
       FROM (SELECT ${source.json} AS now FROM ${source.table} WHERE id = ?2 AND workspace_id = ?3) AS r
       WHERE audit_log.id = ?1`,
    )
    .bind(entry.id, entry.resource_id, entry.workspace_id);
}

// The same for changes to many resources of one kind in one statement, whatever their number
// (D1 binds at most 100 parameters per statement): the entries travel as one JSON array.
const FROM_ENTRIES = `json_each(?1) AS e`;
const entryColumn = (column: keyof AuditFacts) => `e.value ->> '${column}'`;
const ENTRY_FACTS = (["id", "workspace_id", "created_at", "action", "resource_type", "resource_id", "api_key_id", "api_key_name", "request_id"] as const)
  .map(entryColumn)
  .join(", ");

/** Entries with the values given (auditEntry for many). */
export function auditEntries(db: D1Database, entries: ReadonlyArray<AuditFacts & AuditValues>): D1PreparedStatement {
  const rows = entries.map((e) => ({ ...e, before: json(e.before), after: json(e.after) }));
  return db
    .prepare(`INSERT INTO audit_log (${COLUMNS}) SELECT ${ENTRY_FACTS}, e.value ->> 'before', e.value ->> 'after' FROM ${FROM_ENTRIES} WHERE true ON CONFLICT (id) DO NOTHING`)
    .bind(JSON.stringify(rows));
}

/**
 * auditSnapshot for many entries of one workspace: those whose row is there. Here and in
 * auditChangesMany the source's SQL must not name `id` (json_each has a column of that name).
 */
export function auditSnapshots(db: D1Database, entries: readonly AuditFacts[], source: AuditSource): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (${COLUMNS}) SELECT ${ENTRY_FACTS}, ${source.json}, NULL
       FROM ${FROM_ENTRIES} CROSS JOIN ${source.table} AS r ON r.id = ${entryColumn("resource_id")} AND r.workspace_id = ${entryColumn("workspace_id")}`,
    )
    .bind(JSON.stringify(entries));
}

/** auditChanges for many entries of one workspace. */
export function auditChangesMany(db: D1Database, workspaceId: string, entries: readonly AuditFacts[], source: AuditSource): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE audit_log SET before = ${changed("o")}, after = ${changed("n")}
       FROM (SELECT e.value ->> 'id' AS entry_id, ${source.json} AS now FROM ${FROM_ENTRIES}
             CROSS JOIN ${source.table} ON ${source.table}.id = e.value ->> 'resource_id' AND ${source.table}.workspace_id = ?2) AS r
       WHERE audit_log.id = r.entry_id`,
    )
    .bind(JSON.stringify(entries.map((e) => ({ id: e.id, resource_id: e.resource_id }))), workspaceId);
}

/** The oldest id the log still shows at `now`: entries are kept AUDIT_RETENTION_DAYS, to the millisecond. */
export function auditHorizon(now: number): string {
  return idsBefore("aud", now - AUDIT_RETENTION_DAYS * DAY_MS);
}

export interface AuditFilter {
  /** The kinds of resource the reader may see; none reads nothing. */
  resourceTypes: readonly AuditResource[];
  resourceId?: string | undefined;
  action?: AuditAction | undefined;
  /** auditHorizon of the read's time. */
  since: string;
  /** The id of the last entry of the previous page. */
  before: string | null;
  limit: number;
}

/**
 * A workspace's entries, newest first. A filter is only written into the query when given, so
 * that SQLite picks the index made for it (by resource or by action; otherwise the workspace's).
 */
export async function listAuditEntries(db: D1Database, workspaceId: string, filter: AuditFilter): Promise<AuditRow[]> {
  if (filter.resourceTypes.length === 0) return [];
  const where = ["workspace_id = ?1", "resource_type IN (SELECT value FROM json_each(?2))", "id >= ?3", "(?4 IS NULL OR id < ?4)"];
  const params: unknown[] = [workspaceId, JSON.stringify(filter.resourceTypes), filter.since, filter.before, filter.limit];
  if (filter.resourceId !== undefined) {
    params.push(filter.resourceId);
    where.push(`resource_id = ?${params.length}`);
  }
  if (filter.action !== undefined) {
    params.push(filter.action);
    where.push(`action = ?${params.length}`);
  }
  const { results } = await db
    .prepare(`SELECT ${COLUMNS} FROM audit_log WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?5`)
    .bind(...params)
    .all<AuditRow>();
  return results;
}

/** Entries whose id sorts below `idsBefore` (see auditHorizon), at most `limit`, oldest first; answers how many. */
export async function purgeOldAuditEntries(db: D1Database, idsBefore: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id < ?1 ORDER BY id LIMIT ?2)")
    .bind(idsBefore, limit)
    .run();
  return result.meta.changes;
}
