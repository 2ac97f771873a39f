// The marks of short codes whose KV record may not match D1 yet (migrations/shard/0001_init.sql):
// set by triggers on a shard's codes, cleared by the ingest cron's link sweep of that shard. What
// KV must hold for a marked short code is read through the directory (link-state.ts): the code
// holding it now may be in another shard.

export interface LinkSyncRow {
  short_code: string;
  /** When the mark was last set, by D1's clock: clearing it requires the same value. */
  changed_at: string;
}

/** The oldest marks of this shard set at least `quietSeconds` ago. */
export async function listQuietLinkSyncs(db: D1Database, quietSeconds: number, limit: number): Promise<LinkSyncRow[]> {
  const { results } = await db
    .prepare(
      `SELECT short_code, changed_at FROM link_syncs
       WHERE changed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', printf('-%d seconds', ?1))
       ORDER BY changed_at LIMIT ?2`,
    )
    .bind(quietSeconds, limit)
    .all<LinkSyncRow>();
  return results;
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
