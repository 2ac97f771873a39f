-- Storing a batch of scans becomes one statement, and the summaries are folded in later, many
-- batches at once.
--
-- A summary's cost grows with the distinct keys it touches (code, day, dimension value), and
-- reading each scan once to count it costs the same whether a batch or ten are counted; but every
-- statement of a batch has its own overhead, and keys repeat from batch to batch. So a batch now
-- stores its scans, its counters and a copy of what the summaries need of each scan it really
-- stored (scan_tail), through the scan_intake view below. Folding counts every row of scan_tail
-- into scan_days, scan_quarters, scan_dims, scan_dim_months and scan_visitors and empties it, in
-- one transaction. The consumer folds once enough scans wait or when its batch was not full;
-- every aggregation read, the purge, the crons and a rebuild fold first, so nothing ever reads a
-- summary without its tail.

-- Scans stored but not yet counted in the summaries.
CREATE TABLE scan_tail (
  code_id      TEXT NOT NULL,
  workspace_id TEXT NOT NULL,
  is_bot       INTEGER NOT NULL,
  ip_hash      TEXT,
  day          TEXT NOT NULL, -- YYYY-MM-DD, UTC
  quarter      INTEGER NOT NULL, -- floor(epoch ms / 900000)
  country      TEXT,
  city         TEXT,
  device_type  TEXT,
  os           TEXT,
  browser      TEXT,
  referer_host TEXT,
  language     TEXT
);

-- Working tables of one fold: filled and emptied inside its transaction, so always empty between.
CREATE TABLE scan_fold_dims (
  scope     TEXT NOT NULL,
  dim       TEXT NOT NULL,
  day       TEXT NOT NULL,
  value     TEXT NOT NULL,
  scans     INTEGER NOT NULL,
  bot_scans INTEGER NOT NULL
);
CREATE TABLE scan_fold_visitors (
  scope   TEXT NOT NULL,
  day     TEXT NOT NULL,
  ip_hash TEXT NOT NULL,
  mn      INTEGER NOT NULL, -- first and last quarter of the visitor's scans in the tail
  mx      INTEGER NOT NULL,
  f       INTEGER, -- first and last quarter known before the fold; null for a new visitor
  l       INTEGER
);

-- What the ingest worker inserts: a scan with the host its referer is counted by (which only the
-- worker's URL parser computes). A scan already stored (a redelivered message, or the same scan
-- twice in one batch) or whose code is gone or not its workspace's is skipped; any other is
-- stored, added to its code's counters and its workspace's monthly usage, and queued for the
-- summaries in scan_tail, all within the inserting statement.
CREATE VIEW scan_intake AS
  SELECT id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
         redirected_to, ip_hash, scanned_at, is_bot, NULL AS referer_host
  FROM scans WHERE false;

CREATE TRIGGER scan_intake_insert INSTEAD OF INSERT ON scan_intake
WHEN NOT EXISTS (SELECT 1 FROM scans WHERE id = NEW.id)
  AND EXISTS (SELECT 1 FROM codes WHERE id = NEW.code_id AND workspace_id = NEW.workspace_id)
BEGIN
  INSERT INTO scans (id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
                     redirected_to, ip_hash, scanned_at, is_bot)
  VALUES (NEW.id, NEW.code_id, NEW.workspace_id, NEW.country, NEW.region, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer, NEW.language, NEW.redirected_to, NEW.ip_hash, NEW.scanned_at, NEW.is_bot);
  UPDATE codes SET total_scans = total_scans + (NEW.is_bot = 0), bot_scans = bot_scans + NEW.is_bot WHERE id = NEW.code_id;
  INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
  SELECT NEW.workspace_id, substr(NEW.scanned_at, 1, 7), 1 WHERE NEW.is_bot = 0
  ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + 1;
  INSERT INTO scan_tail (code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host, language)
  VALUES (NEW.code_id, NEW.workspace_id, NEW.is_bot, NEW.ip_hash, substr(NEW.scanned_at, 1, 10),
          CAST(strftime('%s', NEW.scanned_at) AS INTEGER) / 900, NEW.country, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer_host, NEW.language);
END;

-- Batches no longer mark where their rows begin: the trigger sees each row it stores.
DROP TABLE ingest_marks;
