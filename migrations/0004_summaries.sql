-- Link-preview fetchers, crawlers, HEAD requests and browser prefetches are still redirected but
-- stored as bots; counts leave them out unless asked.
ALTER TABLE scans ADD COLUMN is_bot INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1));
ALTER TABLE codes ADD COLUMN bot_scans INTEGER NOT NULL DEFAULT 0;

-- Summaries kept at ingestion, so that an aggregation reads rows in proportion to its window and
-- to the distinct values in it, never to the scans. Every summary has a scope: a code id
-- (qr_...) for one code, or a workspace id (ws_...) for all of a workspace's codes. They are
-- written in the same D1 batch as the scans they count, from the rows that batch really inserted
-- (see ingest_marks), so redelivered messages count nothing, and they are purged with the scans.

-- Per UTC day: scans, bot scans, and unique visitors (distinct ip_hash; the salt rotates daily,
-- so a visitor is only ever recognised within one UTC day).
CREATE TABLE scan_days (
  scope     TEXT NOT NULL,
  day       TEXT NOT NULL, -- YYYY-MM-DD, UTC
  scans     INTEGER NOT NULL DEFAULT 0,
  bot_scans INTEGER NOT NULL DEFAULT 0,
  uniques   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, day)
) WITHOUT ROWID;

-- Per quarter hour (UTC): every time zone's midnight falls on a quarter hour (UTC+5:45 and +12:45
-- included), so local days are exact sums of these. first_visits / last_visits count the unique
-- visitors whose first / last scan of their UTC day falls in the quarter: a visitor is in a part
-- of a local day that begins its UTC day if their first scan is, and in a part that ends it if
-- their last scan is.
CREATE TABLE scan_quarters (
  scope        TEXT NOT NULL,
  quarter      INTEGER NOT NULL, -- floor(epoch ms / 900000)
  scans        INTEGER NOT NULL DEFAULT 0,
  bot_scans    INTEGER NOT NULL DEFAULT 0,
  first_visits INTEGER NOT NULL DEFAULT 0,
  last_visits  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, quarter)
) WITHOUT ROWID;

-- Per UTC day and value of each dimension: country, region... (dim names as in the API's top_*).
CREATE TABLE scan_dims (
  scope     TEXT NOT NULL,
  dim       TEXT NOT NULL,
  day       TEXT NOT NULL,
  value     TEXT NOT NULL,
  scans     INTEGER NOT NULL DEFAULT 0,
  bot_scans INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, dim, day, value)
) WITHOUT ROWID;

-- The same per UTC calendar month, so that long windows read a row per month, not per day.
CREATE TABLE scan_dim_months (
  scope     TEXT NOT NULL,
  dim       TEXT NOT NULL,
  month     TEXT NOT NULL, -- YYYY-MM, UTC
  value     TEXT NOT NULL,
  scans     INTEGER NOT NULL DEFAULT 0,
  bot_scans INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, dim, month, value)
) WITHOUT ROWID;

-- Each visitor's first and last quarter of their UTC day, per scope: what keeps first_visits and
-- last_visits exact as scans arrive in any order.
CREATE TABLE scan_visitors (
  scope         TEXT NOT NULL,
  day           TEXT NOT NULL,
  ip_hash       TEXT NOT NULL,
  first_quarter INTEGER NOT NULL,
  last_quarter  INTEGER NOT NULL,
  PRIMARY KEY (scope, day, ip_hash)
) WITHOUT ROWID;

-- The highest scans rowid before a batch's insert: rows above it are the ones that batch inserted.
CREATE TABLE ingest_marks (
  batch     TEXT PRIMARY KEY,
  max_rowid INTEGER NOT NULL
);

-- The triggers' work moves into the batch's summary statements.
DROP TRIGGER scans_count_insert;
