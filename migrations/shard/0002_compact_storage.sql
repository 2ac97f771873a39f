-- Compact storage: what a retained scan costs in bytes and in rows written.
--
-- - scans is clustered on (code_id, scanned_at, id), WITHOUT ROWID: a code's scans in time order
--   are the table itself, so the reads by code and time (export, edges of a window) and the
--   duplicate check need no index, and a stored scan is one b-tree entry, not four (the table,
--   its text primary key and two indexes). Reads by workspace go through the workspace's codes
--   (packages/db/src/workspace-codes.ts), and a deleted workspace's scans through the tombstones
--   of its codes, which deleting a workspace writes.
-- - ip_hash is stored as its 32 bytes (a BLOB), not as 64 hex characters, here and in the
--   summaries' visitor rows; readers that show it (the export) show it as lower-case hex again.
-- - scan_visitors keeps each visitor's day only as long as a scan of that day may still arrive by
--   the queue (VISITOR_DAYS, packages/db/src/visitors.ts). A scan that arrives later for a day
--   whose visitor rows are gone first rebuilds its visitor's row from the stored scans, so the
--   counts stay exact (the storing statement does, before the scan itself goes in).
-- - A code's counters and its workspace's monthly usage move once per stored batch, not once per
--   scan: the trigger marks each stored scan's tail row with its batch, and a statement of the
--   same transaction adds the batch's counts.
-- - The fold's visitor working table goes: its two writes per visitor cost more than reading the
--   tail twice.

-- The outbox names its scans by their primary key now. Rows written by an older consumer are
-- converted while scans still has its id index; a consumer of the older version writing after
-- this migration fails on the renamed column and its batch is retried by the new one.
ALTER TABLE webhook_outbox RENAME COLUMN scan_ids TO scan_keys; -- JSON array of [code_id, scanned_at, id]
UPDATE webhook_outbox SET scan_keys = (
  SELECT json_group_array(json_array(s.code_id, s.scanned_at, s.id))
  FROM json_each(webhook_outbox.scan_keys) AS i JOIN scans s ON s.id = i.value);

DROP VIEW scan_intake; -- and its trigger

CREATE TABLE scans_clustered (
  id            TEXT NOT NULL,
  code_id       TEXT NOT NULL,
  workspace_id  TEXT NOT NULL,
  country       TEXT,
  region        TEXT,
  city          TEXT,
  device_type   TEXT CHECK (device_type IN ('mobile', 'tablet', 'desktop')),
  os            TEXT,
  browser       TEXT,
  referer       TEXT,
  language      TEXT,
  redirected_to TEXT NOT NULL,
  ip_hash       BLOB CHECK (ip_hash IS NULL OR length(ip_hash) = 32),
  scanned_at    TEXT NOT NULL,
  is_bot        INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1)),
  PRIMARY KEY (code_id, scanned_at, id)
) WITHOUT ROWID;
INSERT INTO scans_clustered
  SELECT id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
         redirected_to, unhex(ip_hash), scanned_at, is_bot
  FROM scans ORDER BY code_id, scanned_at, id;
DROP TABLE scans;
ALTER TABLE scans_clustered RENAME TO scans;

CREATE TABLE scan_visitors_compact (
  scope         TEXT NOT NULL,
  day           TEXT NOT NULL,
  ip_hash       BLOB NOT NULL,
  first_quarter INTEGER NOT NULL,
  last_quarter  INTEGER NOT NULL,
  PRIMARY KEY (scope, day, ip_hash)
) WITHOUT ROWID;
INSERT INTO scan_visitors_compact SELECT scope, day, unhex(ip_hash), first_quarter, last_quarter FROM scan_visitors;
DROP TABLE scan_visitors;
ALTER TABLE scan_visitors_compact RENAME TO scan_visitors;

-- The days before this one have had their visitor rows pruned (but for rows rebuilt since for a
-- late scan). One row; '0000-00-00' until the first prune.
CREATE TABLE visitor_horizon (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  day TEXT NOT NULL
);
INSERT INTO visitor_horizon (id, day) VALUES (1, '0000-00-00');

CREATE TABLE scan_tail_batched (
  code_id      TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  is_bot       INTEGER NOT NULL,
  ip_hash      BLOB,
  day          TEXT NOT NULL, -- YYYY-MM-DD, UTC
  quarter      INTEGER NOT NULL, -- floor(epoch ms / 900000)
  country      TEXT,
  city         TEXT,
  device_type  TEXT,
  os           TEXT,
  browser      TEXT,
  referer_host TEXT,
  language     TEXT,
  scan_id      TEXT NOT NULL, -- so that a late scan's visitor rows are rebuilt from folded scans only
  batch        INTEGER NOT NULL -- the storing statement's mark, by which it counts its own scans
);
-- Rows waiting from before name no scan and no batch; no late scan's visitor rows are rebuilt
-- before the first visitor prune, which folds them first.
INSERT INTO scan_tail_batched (scan_id, code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host, language, batch)
  SELECT '', code_id, workspace_id, is_bot, unhex(ip_hash), day, quarter, country, city, device_type, os, browser, referer_host, language, 0 FROM scan_tail;
DROP TABLE scan_tail;
ALTER TABLE scan_tail_batched RENAME TO scan_tail;

DROP TABLE scan_fold_visitors;

-- What the ingest worker inserts: a scan (ip_hash as hex, as the message carries it) with the host
-- its referer is counted by and the batch it comes in. A scan already stored (a redelivered
-- message, or the same scan twice in one batch) or whose code is gone or not its workspace's is
-- skipped; any other is stored and queued, with its id, for the summaries and the counters in scan_tail.
CREATE VIEW scan_intake AS
  SELECT id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
         redirected_to, ip_hash, scanned_at, is_bot, NULL AS referer_host, NULL AS batch
  FROM scans WHERE false;

CREATE TRIGGER scan_intake_insert INSTEAD OF INSERT ON scan_intake
WHEN NOT EXISTS (SELECT 1 FROM scans WHERE code_id = NEW.code_id AND scanned_at = NEW.scanned_at AND id = NEW.id)
  AND EXISTS (SELECT 1 FROM codes WHERE id = NEW.code_id AND workspace_id = NEW.workspace_id)
BEGIN
  INSERT INTO scans (id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
                     redirected_to, ip_hash, scanned_at, is_bot)
  VALUES (NEW.id, NEW.code_id, NEW.workspace_id, NEW.country, NEW.region, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer, NEW.language, NEW.redirected_to, unhex(NEW.ip_hash), NEW.scanned_at, NEW.is_bot);
  INSERT INTO scan_tail (scan_id, code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host, language, batch)
  VALUES (NEW.id, NEW.code_id, NEW.workspace_id, NEW.is_bot, unhex(NEW.ip_hash), substr(NEW.scanned_at, 1, 10),
          CAST(strftime('%s', NEW.scanned_at) AS INTEGER) / 900, NEW.country, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer_host, NEW.language, NEW.batch);
END;
