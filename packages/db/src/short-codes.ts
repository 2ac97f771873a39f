// The control database's directory of short codes (short_codes): every address in use (a short
// code, or `hostname/short_code` for a code on a branded domain: @qr3/core linkAddress), with
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

/** A claim of an address for a code about to be created; `domain` is the branded domain it is on, or null. */
export interface Claim extends Omit<ShortCodeRow, "workspace_id"> {
  domain: string | null;
}

/**
 * Claims addresses for codes of one workspace about to be created, in one statement whatever
 * their number. Of concurrent claims of one address, from any shards, exactly one succeeds (the
 * primary key); an address on a branded domain is claimed only while the workspace holds that
 * domain active, checked in the insert itself (so a domain being removed cannot gain a code).
 * Answers the addresses claimed: any other was taken, or its domain not the workspace's.
 */
export async function claimShortCodes(control: D1Database, workspaceId: string, claims: readonly Claim[]): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const { results } = await control
    .prepare(
      `INSERT INTO short_codes (short_code, workspace_id, code_id, created_at)
       SELECT j.value ->> 'short_code', ?1, j.value ->> 'code_id', j.value ->> 'created_at' FROM json_each(?2) AS j
       WHERE j.value ->> 'domain' IS NULL
          OR EXISTS (SELECT 1 FROM domains d WHERE d.hostname = j.value ->> 'domain' AND d.workspace_id = ?1 AND d.status = 'active')
       ON CONFLICT (short_code) DO NOTHING RETURNING short_code`,
    )
    .bind(workspaceId, JSON.stringify(claims))
    .all<{ short_code: string }>();
  return new Set(results.map((r) => r.short_code));
}

/** Claims one address (see claimShortCodes); false when it is taken or its domain not the workspace's. */
export async function claimShortCode(control: D1Database, row: ShortCodeRow & { domain?: string | null }): Promise<boolean> {
  const claimed = await claimShortCodes(control, row.workspace_id, [{ ...row, domain: row.domain ?? null }]);
  return claimed.size > 0;
}

/** Frees addresses, each only if it is still its code's (never another's that claimed it since). */
export async function releaseShortCodes(control: D1Database, rows: ReadonlyArray<Pick<ShortCodeRow, "short_code" | "code_id">>): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await control
    .prepare("DELETE FROM short_codes WHERE (short_code, code_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(?1))")
    .bind(JSON.stringify(rows.map((r) => [r.short_code, r.code_id])))
    .run();
  return result.meta.changes;
}

/** Frees a short code, if it is still this code's (never another's that claimed it since). */
export async function releaseShortCode(control: D1Database, shortCode: string, codeId: string): Promise<boolean> {
  return (await releaseShortCodes(control, [{ short_code: shortCode, code_id: codeId }])) > 0;
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
