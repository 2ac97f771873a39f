import { linkRecord, type LinkRecord, type LinkStatus } from "@qr3/core";

// The marks of short codes whose KV record may not match D1 yet (migrations/0009_code_versions.sql):
// set by triggers on codes, cleared by the ingest cron's link sweep.

export interface LinkSyncRow {
  short_code: string;
  /** When the mark was last set, by D1's clock: clearing it requires the same value. */
  changed_at: string;
  /** What KV must hold: the record of the code that has the short code now, or null. */
  state: LinkRecord | null;
}

interface Joined {
  short_code: string;
  changed_at: string;
  id: string | null;
  workspace_id: string;
  url: string;
  status: LinkStatus;
  version: number;
}

/** The oldest marks set at least `quietSeconds` ago, with their short codes' current state. */
export async function listQuietLinkSyncs(db: D1Database, quietSeconds: number, limit: number): Promise<LinkSyncRow[]> {
  const { results } = await db
    .prepare(
      `SELECT s.short_code, s.changed_at, c.id, c.workspace_id, c.url, c.status, c.version
       FROM link_syncs s LEFT JOIN codes c ON c.short_code = s.short_code
       WHERE s.changed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ?1))
       ORDER BY s.changed_at LIMIT ?2`,
    )
    .bind(quietSeconds, limit)
    .all<Joined>();
  return results.map((r) => ({ short_code: r.short_code, changed_at: r.changed_at, state: r.id === null ? null : linkRecord({ ...r, id: r.id }) }));
}

/**
 * Clears the marks whose changed_at is still the one given: a short code changed since keeps its
 * mark. Answers the short codes cleared.
 */
export async function clearLinkSyncs(db: D1Database, marks: ReadonlyArray<Pick<LinkSyncRow, "short_code" | "changed_at">>): Promise<string[]> {
  if (marks.length === 0) return [];
  const { results } = await db
    .prepare(
      `DELETE FROM link_syncs WHERE (short_code, changed_at) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))
       RETURNING short_code`,
    )
    .bind(JSON.stringify(marks.map((m) => [m.short_code, m.changed_at])))
    .all<{ short_code: string }>();
  return results.map((r) => r.short_code);
}
