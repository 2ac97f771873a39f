// The control database's directory of short codes (short_codes): every short code in use, with
// the code and workspace that hold it, whatever shard the code lives in. Its primary key keeps
// short codes unique across shards: a create claims the short code here first, then writes the
// code to its shard; a delete deletes the code in its shard first, then releases the short code.

export interface ShortCodeRow {
  short_code: string;
  workspace_id: string;
  code_id: string;
  /** When it was claimed, by the claiming worker's clock. */
  created_at: string;
}

/** A directory row with the shard of its workspace. */
export interface DirectoryEntry extends ShortCodeRow {
  shard: number;
}

/**
 * Claims a short code for a code about to be created. Of concurrent claims of one short code, from
 * any shards, exactly one succeeds (the primary key); false when it is taken.
 */
export async function claimShortCode(control: D1Database, row: ShortCodeRow): Promise<boolean> {
  const claimed = await control
    .prepare(
      `INSERT INTO short_codes (short_code, workspace_id, code_id, created_at) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (short_code) DO NOTHING RETURNING short_code`,
    )
    .bind(row.short_code, row.workspace_id, row.code_id, row.created_at)
    .first();
  return claimed !== null;
}

/** Frees a short code, if it is still this code's (never another's that claimed it since). */
export async function releaseShortCode(control: D1Database, shortCode: string, codeId: string): Promise<boolean> {
  const result = await control.prepare("DELETE FROM short_codes WHERE short_code = ?1 AND code_id = ?2").bind(shortCode, codeId).run();
  return result.meta.changes > 0;
}

/**
 * Frees short codes whose code no longer exists in its shard (its deletion there went through,
 * the release after it did not), if they were claimed before `claimedBefore`: a younger claim may
 * be a create whose code is not written yet. Answers the short codes freed.
 */
export async function releaseOrphanedShortCodes(
  control: D1Database,
  orphans: ReadonlyArray<Pick<ShortCodeRow, "short_code" | "code_id">>,
  claimedBefore: string,
): Promise<string[]> {
  if (orphans.length === 0) return [];
  const { results } = await control
    .prepare(
      `DELETE FROM short_codes WHERE (short_code, code_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1)) AND created_at < ?2
       RETURNING short_code`,
    )
    .bind(JSON.stringify(orphans.map((o) => [o.short_code, o.code_id])), claimedBefore)
    .all<{ short_code: string }>();
  return results.map((r) => r.short_code);
}

/** The directory rows of these short codes (those in use), with their workspaces' shards. */
export async function directoryEntries(control: D1Database, shortCodes: readonly string[]): Promise<DirectoryEntry[]> {
  if (shortCodes.length === 0) return [];
  const { results } = await control
    .prepare(
      `SELECT s.short_code, s.workspace_id, s.code_id, s.created_at, w.shard
       FROM json_each(?1) AS j JOIN short_codes s ON s.short_code = j.value JOIN workspaces w ON w.id = s.workspace_id`,
    )
    .bind(JSON.stringify(shortCodes))
    .all<DirectoryEntry>();
  return results;
}
