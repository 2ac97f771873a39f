import type { LinkStatus } from "@qr3/core";
import { auditChanges, auditSnapshot, type AuditFacts, type AuditSource, type AuditValues } from "./audit-log.ts";
import { insertCodes } from "./bulk-codes.ts";
import type { CodeEvents } from "./code-events.ts";
import { ROUTING_DEFAULTS } from "@qr3/schema/rule-facts";
import { DEFAULT_QR_STYLE } from "@qr3/schema/qr-style";

// Codes live in their workspace's shard; their short codes are also in the control database's
// directory (short-codes.ts), which keeps them unique across shards.

export interface CodeRow {
  id: string;
  workspace_id: string;
  /**
   * The code's address: its short code, or `hostname/short_code` on a branded domain (@qr3/core
   * linkAddress). Unique, as the directory's and KV's keys are; presentCode splits it.
   */
  short_code: string;
  url: string;
  status: LinkStatus;
  name: string | null;
  /** JSON array of the code's tags, normalised, in their order (code_tags indexes them). */
  tags: string;
  /** The caller's own id for the code, unique in its workspace. */
  external_id: string | null;
  total_scans: number;
  /** Scans flagged as bots, counted apart: total_scans counts people only. */
  bot_scans: number;
  /**
   * 1 when created, incremented by every change to what the KV record holds (url, status): the
   * record carries it.
   */
  version: number;
  /** The redirect settings beside url, as JSON holding only what is set; null when none is. */
  routing: string | null;
  /** When the code counted its routing.max_scans; null while under it (or without a cap). */
  capped_at: string | null;
  /** The QR design as JSON, whole; null for the default. */
  qr_style: string | null;
  /** The logo's facts as JSON (its image is in R2); null without one. */
  logo: string | null;
  created_at: string;
  updated_at: string;
}

/** A code row's columns, as CodeRow names them. */
export const CODE_COLUMNS =
  "id, workspace_id, short_code, url, status, name, tags, external_id, total_scans, bot_scans, version, routing, capped_at, qr_style, logo, created_at, updated_at";

/** SQL: the design of the code row (`c`, or the one in scope) as presented, the default filled in. */
export const qrStyleSql = (c?: string) => `json(coalesce(${c ? `${c}.` : ""}qr_style, '${JSON.stringify(DEFAULT_QR_STYLE)}'))`;

/**
 * The redirect settings' presented defaults as json_object arguments, for SQL that shows a code
 * as the API does: json_patch(json_object(..., defaults, ...), coalesce(routing, '{}')) puts the
 * stored settings over them, in place.
 */
export function routingDefaultsSql(): string {
  return Object.entries(ROUTING_DEFAULTS)
    .map(([field, value]) => `'${field}', ${value === null ? "NULL" : typeof value === "boolean" ? `json('${value}')` : `json('${JSON.stringify(value)}')`}`)
    .join(", ");
}

// A code in the audit log: what a change may alter, and for a delete the code as it was (its
// stored fields; short_url is derived from the deployment's base URL, not stored).
export const CODE_AUDIT_CHANGES: AuditSource = {
  table: "codes",
  json: `json_patch(json_object('url', url, 'status', status, 'name', name, 'tags', json(tags), 'external_id', external_id, ${routingDefaultsSql()}, 'qr_style', ${qrStyleSql()}, 'logo', json(logo)), coalesce(routing, '{}'))`,
};
const AUDIT_WHOLE: AuditSource = {
  table: "codes",
  json: `json_patch(json_object('id', id, 'short_code', short_code, 'url', url, 'status', status, 'name', name, 'tags', json(tags), 'external_id', external_id, ${routingDefaultsSql()}, 'qr_style', ${qrStyleSql()}, 'logo', json(logo), 'total_scans', total_scans, 'created_at', created_at, 'updated_at', updated_at), coalesce(routing, '{}'))`,
};

/** What a write may set of a code's own fields; tags as their list. */
export interface CodeFields {
  url?: string | undefined;
  status?: LinkStatus | undefined;
  name?: string | null | undefined;
  tags?: readonly string[] | undefined;
  external_id?: string | null | undefined;
  /** The redirect settings as a JSON merge patch of the stored ones (null clears one). */
  routing?: Record<string, unknown> | undefined;
  /** The whole design as JSON (null: the default), replacing the stored one. */
  qr_style?: string | null | undefined;
  /** The logo's facts as JSON, or null for none. */
  logo?: string | null | undefined;
}

/** Whether a write was refused for a schedule that ends before it starts (the codes_schedule triggers). */
export const isScheduleRefusal = (err: unknown) => String(err).includes("code_schedule");

/** The code's fields that a write found taken: external_id, by the index that keeps it unique in a workspace. */
export function takenCodeField(err: unknown): "external_id" | null {
  return /UNIQUE constraint failed: (codes\.workspace_id, codes\.external_id|index 'codes_external_id')/.test(String(err)) ? "external_id" : null;
}

export type NewCode = Omit<CodeRow, "total_scans" | "bot_scans" | "version" | "name" | "tags" | "external_id" | "routing" | "capped_at" | "qr_style" | "logo"> &
  Pick<CodeFields, "name" | "tags" | "external_id" | "routing" | "qr_style">;

/** A new code's settings as stored: what is set of the patch, or null when nothing is. */
export function storedRouting(patch: Record<string, unknown> | undefined): string | null {
  const set = Object.entries(patch ?? {}).filter(([, v]) => v !== null && v !== undefined);
  return set.length === 0 ? null : JSON.stringify(Object.fromEntries(set));
}

/**
 * With `audit`, its entry is written in the same transaction, and with `events` the code's events.
 * A taken external_id fails the insert (see takenCodeField).
 */
export async function insertCode(db: D1Database, row: NewCode, audit?: AuditFacts & AuditValues, events?: CodeEvents): Promise<CodeRow> {
  if (audit) return (await insertCodes(db, [row], [audit], events))[0]!;
  const insert = db
    .prepare(
      `INSERT INTO codes (id, workspace_id, short_code, url, status, name, tags, external_id, total_scans, created_at, updated_at, routing, qr_style)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, ?11, ?12)
       RETURNING ${CODE_COLUMNS}`,
    )
    .bind(
      row.id,
      row.workspace_id,
      row.short_code,
      row.url,
      row.status,
      row.name ?? null,
      JSON.stringify(row.tags ?? []),
      row.external_id ?? null,
      row.created_at,
      row.updated_at,
      storedRouting(row.routing),
      row.qr_style ?? null,
    );
  return (await insert.first<CodeRow>())!;
}

/** The read of a code in its workspace (no row for any other's), to run alone or in a batch. */
export function codeRead(db: D1Database, workspaceId: string, id: string): D1PreparedStatement {
  return db.prepare(`SELECT ${CODE_COLUMNS} FROM codes WHERE id = ?1 AND workspace_id = ?2`).bind(id, workspaceId);
}

export function getCode(db: D1Database, workspaceId: string, id: string): Promise<CodeRow | null> {
  return codeRead(db, workspaceId, id).first<CodeRow>();
}

export async function updateCode(
  db: D1Database,
  workspaceId: string,
  id: string,
  changes: CodeFields,
  now: string,
  audit?: AuditFacts,
  events?: CodeEvents,
): Promise<CodeRow | null> {
  // Only the fields given are set: null is a value here (it clears a name or an external_id). The
  // version moves only with what the KV record holds: a new name or tags leave KV as it is.
  const sets = ["updated_at = ?3"];
  if (changes.url !== undefined || changes.status !== undefined || changes.routing !== undefined) sets.push("version = version + 1");
  const params: unknown[] = [id, workspaceId, now];
  for (const field of ["url", "status", "name", "tags", "external_id", "qr_style", "logo"] as const) {
    const value = changes[field];
    if (value === undefined) continue;
    params.push(field === "tags" ? JSON.stringify(value) : value);
    sets.push(`${field} = ?${params.length}`);
  }
  if (changes.routing !== undefined) {
    // Merged into what is stored (null removes a setting), in the write itself, so that
    // concurrent updates of different settings both hold. The cap is read against the count here
    // too: at or below it, the code is capped at once; raised past it or removed, no longer.
    // Each setting given replaces the stored one whole (utm too, as lists do), so its key is
    // removed before the patch puts it back.
    params.push(JSON.stringify(changes.routing));
    const removed = Object.keys(changes.routing).map((field) => `'$.${field}'`).join(", ");
    const routing = `nullif(json_patch(json_remove(coalesce(routing, '{}'), ${removed}), ?${params.length}), '{}')`;
    sets.push(
      `routing = ${routing}`,
      `capped_at = CASE WHEN total_scans >= (${routing}) ->> 'max_scans' THEN coalesce(capped_at, ?3) END`,
    );
  }
  const update = db
    .prepare(`UPDATE codes SET ${sets.join(", ")} WHERE id = ?1 AND workspace_id = ?2 RETURNING ${CODE_COLUMNS}`)
    .bind(...params);
  if (!audit) return update.first<CodeRow>();
  const [, updated, , staged] = await db.batch<CodeRow>([
    auditSnapshot(db, audit, CODE_AUDIT_CHANGES),
    update,
    auditChanges(db, audit, CODE_AUDIT_CHANGES),
    ...(events ? [events.statement] : []),
  ]);
  events?.collect(staged);
  return updated!.results[0] ?? null;
}

/**
 * Deletes a code. Its scans, which can be millions, are deleted by the purge in bounded chunks:
 * the tombstone written in the same transaction tells it which. With `audit`, its entry (the code
 * as it was) is written in the same transaction.
 */
export async function deleteCode(
  db: D1Database,
  workspaceId: string,
  id: string,
  now: string,
  audit?: AuditFacts,
  events?: CodeEvents,
): Promise<CodeRow | null> {
  const results = await db.batch<CodeRow>([
    ...(audit ? [auditSnapshot(db, audit, AUDIT_WHOLE)] : []),
    ...(events ? [events.statement] : []), // before the delete: the event shows the code as it was
    db.prepare(`DELETE FROM codes WHERE id = ?1 AND workspace_id = ?2 RETURNING ${CODE_COLUMNS}`).bind(id, workspaceId),
    db
      .prepare("INSERT OR IGNORE INTO deletions (kind, id, deleted_at) SELECT 'code', ?1, ?3 WHERE changes() > 0")
      .bind(id, workspaceId, now),
  ]);
  if (events) events.collect(results[audit ? 1 : 0]);
  return results.at(-2)!.results[0] ?? null;
}

/** What a code's KV record is made of. */
export type LinkRow = Pick<CodeRow, "id" | "workspace_id" | "short_code" | "url" | "status" | "version" | "routing" | "capped_at">;

/** The codes of these ids that exist, as their KV records need them. */
export async function linkRows(db: D1Database, ids: readonly string[]): Promise<LinkRow[]> {
  if (ids.length === 0) return [];
  const { results } = await db
    .prepare("SELECT c.id, c.workspace_id, c.short_code, c.url, c.status, c.version, c.routing, c.capped_at FROM json_each(?1) AS j CROSS JOIN codes c ON c.id = j.value")
    .bind(JSON.stringify(ids))
    .all<LinkRow>();
  return results;
}

export async function listShortCodes(db: D1Database, workspaceId: string): Promise<string[]> {
  const { results } = await db.prepare("SELECT short_code FROM codes WHERE workspace_id = ?1").bind(workspaceId).all<{ short_code: string }>();
  return results.map((r) => r.short_code);
}
