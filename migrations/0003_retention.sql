-- Retention: how many UTC days of scans a workspace keeps (today included). Set from the plan
-- when the workspace is created or its plan changes (packages/schema/src/plans.ts holds the
-- table); enterprise workspaces carry a custom value.
ALTER TABLE workspaces ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650);
UPDATE workspaces SET retention_days = CASE plan
  WHEN 'free' THEN 7
  WHEN 'pro' THEN 90
  ELSE 365
END;

-- The purge deletes each workspace's oldest scans through this index, a bounded chunk at a time.
CREATE INDEX scans_workspace_time ON scans (workspace_id, scanned_at);

-- Codes and workspaces deleted while they still had scans. Their scans are deleted by the daily
-- purge in bounded chunks (a code may have millions), then the tombstone goes.
CREATE TABLE deletions (
  kind       TEXT NOT NULL CHECK (kind IN ('code', 'workspace')),
  id         TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
