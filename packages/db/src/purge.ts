// Deleting scans, always in bounded chunks: D1 allows 30 s per query, and one delete of a year of a
// busy code's scans would exceed it. Each function deletes at most `limit` rows and returns how
// many it deleted; the caller repeats until fewer come back. Every step is idempotent, so a purge
// can be interrupted anywhere and simply run again.

/**
 * Scans older than their workspace's retention: before the start of the UTC day `retention_days
 * - 1` days before the day of `dayStartMs` (see retentionStart in @qr3/core, which the reads use).
 */
export async function purgeExpiredScans(db: D1Database, dayStartMs: number, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM scans WHERE rowid IN (
         SELECT s.rowid FROM workspaces w
         JOIN scans s ON s.workspace_id = w.id
           AND s.scanned_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1 / 1000, 'unixepoch', printf('-%d days', w.retention_days - 1))
         LIMIT ?2)`,
    )
    .bind(dayStartMs, limit)
    .run();
  return result.meta.changes;
}

/** Scans of deleted codes. */
export async function purgeDeletedCodeScans(db: D1Database, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM scans WHERE rowid IN (
         SELECT s.rowid FROM deletions d JOIN scans s ON s.code_id = d.id WHERE d.kind = 'code' LIMIT ?1)`,
    )
    .bind(limit)
    .run();
  return result.meta.changes;
}

/** Scans of deleted workspaces. */
export async function purgeDeletedWorkspaceScans(db: D1Database, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM scans WHERE rowid IN (
         SELECT s.rowid FROM deletions d JOIN scans s ON s.workspace_id = d.id WHERE d.kind = 'workspace' LIMIT ?1)`,
    )
    .bind(limit)
    .run();
  return result.meta.changes;
}

/** Tombstones whose scans are all gone. */
export async function clearFinishedDeletions(db: D1Database): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM deletions WHERE
         (kind = 'code' AND NOT EXISTS (SELECT 1 FROM scans WHERE code_id = deletions.id))
         OR (kind = 'workspace' AND NOT EXISTS (SELECT 1 FROM scans WHERE workspace_id = deletions.id))`,
    )
    .run();
  return result.meta.changes;
}

/**
 * Finished webhook deliveries whose id sorts below `idsBefore` (ids begin with their time, so
 * this walks the primary key from the oldest); their attempts go with them.
 */
export async function purgeOldDeliveries(db: D1Database, idsBefore: string, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE id < ?1 AND state != 'pending' LIMIT ?2)`,
    )
    .bind(idsBefore, limit)
    .run();
  return result.meta.changes;
}
