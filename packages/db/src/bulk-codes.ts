import { auditChangesMany, auditEntries, auditSnapshots, type AuditFacts, type AuditValues } from "./audit-log.ts";
import type { CodeEvents } from "./code-events.ts";
import { CODE_AUDIT_CHANGES, CODE_COLUMNS, storedRouting, type CodeRow, type NewCode } from "./codes.ts";

// Writes to many codes of one workspace at once. Each is one statement whatever the number of
// codes (the codes travel as one JSON array: D1 binds at most 100 parameters per statement), in
// one batch with the codes' audit entries and events: all of it is written, or none. Reads by
// such a list say CROSS JOIN: SQLite then walks the list and looks each item up by index, rather
// than walk every code of the workspace once per item.

/** Whether an error is a write that would give a code more tags than allowed (migration 0005). */
export function overTagLimit(err: unknown): boolean {
  return String(err).includes("code_tag_limit");
}

/**
 * Creates codes in one transaction, in the order given, each with its audit entry, and their
 * events. A taken external_id fails it whole (takenCodeField).
 */
export async function insertCodes(
  db: D1Database,
  rows: readonly NewCode[],
  audits: ReadonlyArray<AuditFacts & AuditValues>,
  events?: CodeEvents,
): Promise<CodeRow[]> {
  const stored = rows.map((r) => ({
    ...r,
    name: r.name ?? null,
    tags: JSON.stringify(r.tags ?? []),
    external_id: r.external_id ?? null,
    routing: storedRouting(r.routing),
    qr_style: r.qr_style ?? null,
  }));
  const insert = db
    .prepare(
      `INSERT INTO codes (id, workspace_id, short_code, url, status, name, tags, external_id, total_scans, created_at, updated_at, routing, qr_style)
       SELECT j.value ->> 'id', j.value ->> 'workspace_id', j.value ->> 'short_code', j.value ->> 'url', j.value ->> 'status',
              j.value ->> 'name', j.value ->> 'tags', j.value ->> 'external_id', 0, j.value ->> 'created_at', j.value ->> 'updated_at',
              j.value ->> 'routing', j.value ->> 'qr_style'
       FROM json_each(?1) AS j ORDER BY j.key
       RETURNING ${CODE_COLUMNS}`,
    )
    .bind(JSON.stringify(stored));
  const [inserted, , staged] = await db.batch<CodeRow>([insert, auditEntries(db, audits), ...(events ? [events.statement] : [])]);
  events?.collect(staged);
  const byId = new Map(inserted!.results.map((c) => [c.id, c]));
  return rows.map((r) => byId.get(r.id)!);
}

/** The external ids of these that codes of the workspace already have. */
export async function takenExternalIds(db: D1Database, workspaceId: string, externalIds: readonly string[]): Promise<Set<string>> {
  if (externalIds.length === 0) return new Set();
  const { results } = await db
    .prepare("SELECT c.external_id FROM json_each(?2) AS j CROSS JOIN codes c ON c.workspace_id = ?1 AND c.external_id = j.value")
    .bind(workspaceId, JSON.stringify(externalIds))
    .all<{ external_id: string }>();
  return new Set(results.map((r) => r.external_id));
}

/** Which codes a bulk change is for: these ids, or those carrying a tag. */
export type BulkTarget = { ids: readonly string[] } | { tag: string };

export type BulkTargetRow = Pick<CodeRow, "id" | "tags" | "short_code" | "logo">;

/**
 * The workspace's codes a bulk change is for, up to `limit` (ids of no code of the workspace are
 * left out), with what the caller checks: their tags, short code and logo.
 */
export async function bulkTargets(db: D1Database, workspaceId: string, target: BulkTarget, limit: number): Promise<BulkTargetRow[]> {
  const columns = "c.id, c.tags, c.short_code, c.logo";
  const statement =
    "ids" in target
      ? db.prepare(`SELECT ${columns} FROM json_each(?2) AS j CROSS JOIN codes c ON c.id = j.value AND c.workspace_id = ?1 LIMIT ?3`).bind(workspaceId, JSON.stringify(target.ids), limit)
      : db
          .prepare(`SELECT ${columns} FROM code_tags t JOIN codes c ON c.id = t.code_id WHERE t.workspace_id = ?1 AND t.tag = ?2 ORDER BY t.code_id LIMIT ?3`)
          .bind(workspaceId, target.tag, limit);
  return (await statement.all<BulkTargetRow>()).results;
}

export interface BulkChanges {
  url?: string | undefined;
  status?: CodeRow["status"] | undefined;
  add_tags?: readonly string[] | undefined;
  remove_tags?: readonly string[] | undefined;
  /** The design every code gets, as stored (null: the default). */
  qr_style?: string | null | undefined;
}

/**
 * Changes the codes of these audit entries (one per code: its resource_id), in one transaction
 * with their entries (each finished to the fields that changed) and events. Tags removed are
 * dropped and tags added appended, in order, once each; a code that would carry more tags than
 * allowed fails it whole (overTagLimit). The version moves only with what the KV record holds.
 * Answers the codes as changed (those still there).
 */
export async function updateCodes(
  db: D1Database,
  workspaceId: string,
  audits: readonly AuditFacts[],
  changes: BulkChanges,
  now: string,
  events?: CodeEvents,
): Promise<CodeRow[]> {
  const params: unknown[] = [workspaceId, JSON.stringify(audits.map((a) => a.resource_id)), now];
  const param = (value: unknown) => `?${params.push(value)}`;
  const sets = ["updated_at = ?3"];
  if (changes.url !== undefined || changes.status !== undefined) sets.push("version = version + 1");
  if (changes.url !== undefined) sets.push(`url = ${param(changes.url)}`);
  if (changes.status !== undefined) sets.push(`status = ${param(changes.status)}`);
  if (changes.qr_style !== undefined) sets.push(`qr_style = ${param(changes.qr_style)}`);
  if (changes.add_tags !== undefined || changes.remove_tags !== undefined) {
    const add = param(JSON.stringify(changes.add_tags ?? []));
    const remove = param(JSON.stringify(changes.remove_tags ?? []));
    sets.push(`tags = (
      SELECT json_group_array(tag) FROM (
        SELECT 0 AS part, key AS position, value AS tag FROM json_each(codes.tags) WHERE value NOT IN (SELECT value FROM json_each(${remove}))
        UNION ALL
        SELECT 1, key, value FROM json_each(${add})
        WHERE value NOT IN (SELECT value FROM json_each(codes.tags)) AND value NOT IN (SELECT value FROM json_each(${remove}))
        ORDER BY part, position))`);
  }
  const update = db
    .prepare(
      `UPDATE codes SET ${sets.join(", ")}
       WHERE workspace_id = ?1 AND id IN (SELECT value FROM json_each(?2))
       RETURNING ${CODE_COLUMNS}`,
    )
    .bind(...params);
  const [, updated, , staged] = await db.batch<CodeRow>([
    auditSnapshots(db, audits, CODE_AUDIT_CHANGES),
    update,
    auditChangesMany(db, workspaceId, audits, CODE_AUDIT_CHANGES),
    ...(events ? [events.statement] : []),
  ]);
  events?.collect(staged);
  return updated!.results;
}
