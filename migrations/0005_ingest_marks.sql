-- A batch being stored: the highest scans rowid before its insert and how many scans it holds.
-- When the worker's totals are added as they are, `inserted` is set after the insert and the
-- constraint rolls the whole batch back unless every scan of it was new. The batch's last
-- statement deletes the row, so the table is empty between batches.
DROP TABLE ingest_marks;
CREATE TABLE ingest_marks (
  batch     TEXT PRIMARY KEY,
  max_rowid INTEGER NOT NULL,
  scans     INTEGER NOT NULL,
  inserted  INTEGER,
  CONSTRAINT all_scans_new CHECK (inserted IS NULL OR inserted = scans)
);
