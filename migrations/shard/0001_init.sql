-- A shard: everything of the workspaces assigned to it (workspaces.shard in the control
-- database), apart from the workspaces themselves and their API keys. Every shard has this same
-- schema, consolidated from migrations 0001-0011 of the single database. A shard holds no copy of
-- the workspaces table: where its SQL needs a workspace's retention, the caller passes it from
-- the control database (packages/db/src/purge.ts).

CREATE TABLE codes (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  -- Unique here too; across shards the control database's short_codes keeps them unique.
  short_code   TEXT NOT NULL UNIQUE,
  url          TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  total_scans  INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  -- Scans flagged as bots, counted apart: total_scans counts people only.
  bot_scans    INTEGER NOT NULL DEFAULT 0,
  -- Every change to a code increments its version, in the same UPDATE, and the KV record carries
  -- it: the record of a code's state can be told from that of any other state of it.
  version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX codes_workspace ON codes (workspace_id, id);

-- One row per scan, exactly the documented fields. No foreign key: scans are deleted in bounded
-- chunks by their own jobs, never by a cascade that could exceed D1's per-query time limit.
-- Link-preview fetchers, crawlers, HEAD requests and browser prefetches are still redirected but
-- stored as bots (is_bot); counts leave them out unless asked.
CREATE TABLE scans (
  id            TEXT PRIMARY KEY,
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
  ip_hash       TEXT,
  scanned_at    TEXT NOT NULL,
  is_bot        INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1))
);
CREATE INDEX scans_code_time ON scans (code_id, scanned_at);
-- The purge deletes each workspace's oldest scans through this index, a bounded chunk at a time.
CREATE INDEX scans_workspace_time ON scans (workspace_id, scanned_at);

-- The monthly usage counter. It moves only when a scan row is really inserted (by the
-- scan_intake trigger below): a redelivered message counts nothing, and purging old scans leaves
-- it untouched.
CREATE TABLE workspace_monthly_scans (
  workspace_id TEXT NOT NULL,
  month        TEXT NOT NULL, -- YYYY-MM, UTC
  scans        INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, month)
) WITHOUT ROWID;

-- Codes and workspaces deleted while they still had scans. Their scans are deleted by the purge
-- in bounded chunks (a code may have millions), then the tombstone goes.
CREATE TABLE deletions (
  kind       TEXT NOT NULL CHECK (kind IN ('code', 'workspace')),
  id         TEXT NOT NULL,
  deleted_at TEXT NOT NULL,
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;

-- Webhook subscriptions. The secret signs deliveries; after a rotation the previous secret keeps
-- signing alongside the new one until previous_secret_expires_at. Both are stored sealed:
-- AES-256-GCM under a key held as the Worker secret WEBHOOK_SECRETS_KEYS, bound to the webhook's
-- id, as "v1:<key id>:<iv>:<ciphertext>" (packages/webhooks/src/secret-box.ts). A secret stored
-- before secrets were sealed is plain, marked "plain:" should it start like a sealed value, and
-- the ingest worker's cron seals it.
CREATE TABLE webhooks (
  id                         TEXT PRIMARY KEY,
  workspace_id               TEXT NOT NULL,
  url                        TEXT NOT NULL,
  events                     TEXT NOT NULL, -- JSON array of event types
  status                     TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_reason            TEXT CHECK (disabled_reason IN ('manual', 'endpoint_gone', 'failing')),
  secret                     TEXT NOT NULL,
  previous_secret            TEXT,
  previous_secret_expires_at TEXT,
  failing_since              TEXT, -- first failed attempt since the last success
  created_at                 TEXT NOT NULL,
  updated_at                 TEXT NOT NULL
);
CREATE INDEX webhooks_workspace ON webhooks (workspace_id, status);
-- The cron looks for secrets not under the current key by range on these, so a run with nothing
-- left to reseal reads next to nothing.
CREATE INDEX webhooks_secret ON webhooks (secret);
CREATE INDEX webhooks_previous_secret ON webhooks (previous_secret) WHERE previous_secret IS NOT NULL;

-- The outbox: the qr.scanned events of one consumer batch and workspace, written in the same D1
-- transaction as the scans they announce (and only for workspaces with an enabled subscription),
-- so no event is ever skipped and the scan path pays one small row per batch. The row names the
-- scans whose events it stages, and a dispatch step on the webhooks queue builds the events from
-- the stored scans, turns them into deliveries and deletes the row; the ingest cron re-enqueues
-- rows whose dispatch is overdue.
CREATE TABLE webhook_outbox (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  scan_ids     TEXT NOT NULL, -- JSON array of scan ids
  due_at       TEXT NOT NULL, -- when the dispatch is expected; the sweep takes rows long past it
  created_at   TEXT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (due_at);

-- One delivery per event and subscription. The queue only carries pointers to these rows, and the
-- ingest cron re-enqueues any pending delivery whose next attempt is overdue.
CREATE TABLE webhook_deliveries (
  id              TEXT PRIMARY KEY,
  webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  workspace_id    TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  payload         TEXT NOT NULL, -- the exact JSON body sent
  state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_status     INTEGER,
  last_error      TEXT,
  last_duration_ms INTEGER,
  next_attempt_at TEXT, -- null once final
  redelivery_of   TEXT, -- the delivery this one re-sends, if any
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
-- A redelivered scan message must not create a second delivery of the same event.
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (webhook_id, event_id) WHERE redelivery_of IS NULL;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';

-- Every attempt of every delivery, as the delivery log shows it.
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  status      INTEGER, -- HTTP status, null when no response arrived
  error       TEXT,    -- why the attempt failed, null on success
  duration_ms INTEGER NOT NULL,
  started_at  TEXT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;

-- Summaries, so that an aggregation reads rows in proportion to its window and to the distinct
-- values in it, never to the scans. Every summary has a scope: a code id (qr_...) for one code,
-- or a workspace id (ws_...) for all of a workspace's codes. They are folded from scan_tail
-- (below), so redelivered messages count nothing, and they are purged with the scans.

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

-- The same per UTC calendar month, so that long windows read a row per month, not per day. A
-- month row is always the sum of its month's day rows in scan_dims: the purge subtracts each
-- chunk of expired day rows from their months' rows in the transaction that deletes them
-- (packages/db/src/purge.ts).
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

-- Storing a batch of scans is one statement, and the summaries are folded in later, many
-- batches at once.
--
-- A summary's cost grows with the distinct keys it touches (code, day, dimension value), and
-- reading each scan once to count it costs the same whether a batch or ten are counted; but every
-- statement of a batch has its own overhead, and keys repeat from batch to batch. So a batch
-- stores its scans, its counters and a copy of what the summaries need of each scan it really
-- stored (scan_tail), through the scan_intake view below. Folding counts every row of scan_tail
-- into scan_days, scan_quarters, scan_dims, scan_dim_months and scan_visitors and empties it, in
-- one transaction. The consumer folds once enough scans wait or when its batch was not full;
-- the purge, the crons and a rebuild fold first. Aggregation reads never write: they read the
-- tail beside the summaries, in one batch, and count it as the fold would (packages/db/src/tail.ts).

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

-- The fold's working table: each visitor of the tail with what scan_visitors knew of it, filled
-- and emptied inside the fold's transaction, so always empty between.
CREATE TABLE scan_fold_visitors (
  scope   TEXT NOT NULL,
  day     TEXT NOT NULL,
  ip_hash TEXT NOT NULL,
  mn      INTEGER NOT NULL, -- first and last quarter of the visitor's scans in the tail
  mx      INTEGER NOT NULL,
  f       INTEGER, -- first and last quarter known before the fold; null for a new visitor
  l       INTEGER
);

-- The purge's working table: one chunk of expired day rows, filled and emptied inside one
-- transaction, so always empty between.
CREATE TABLE scan_purge_dims (
  scope     TEXT NOT NULL,
  dim       TEXT NOT NULL,
  day       TEXT NOT NULL,
  value     TEXT NOT NULL,
  scans     INTEGER NOT NULL,
  bot_scans INTEGER NOT NULL
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

-- Short codes whose KV record may not match D1 yet. Every change to a code marks its short code
-- here, in the change's own transaction (by the triggers below, so no way of changing codes can
-- forget it, a workspace's deletion included). The API writes KV right after its change; the
-- ingest cron's link sweep writes KV again for marks older than a minute (by then no request
-- that could still write an older state is running) and deletes each mark that no change renewed
-- in the meantime. So a lost KV write (a crash, KV errors that outlasted the retries) is repaired
-- within minutes. changed_at is D1's own clock, which the sweep compares with. A short code is
-- marked in the shard whose code changed; what KV must hold for it is read through the control
-- database's short_codes, since the code that holds it now may live on another shard.
CREATE TABLE link_syncs (
  short_code TEXT PRIMARY KEY,
  changed_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX link_syncs_changed ON link_syncs (changed_at);

CREATE TRIGGER codes_link_insert AFTER INSERT ON codes
BEGIN
  INSERT OR REPLACE INTO link_syncs (short_code, changed_at) VALUES (NEW.short_code, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- The counters (total_scans, bot_scans) are not in the KV record: changing them marks nothing.
CREATE TRIGGER codes_link_update AFTER UPDATE OF short_code, workspace_id, url, status, version ON codes
BEGIN
  INSERT OR REPLACE INTO link_syncs (short_code, changed_at)
  VALUES (OLD.short_code, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), (NEW.short_code, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

CREATE TRIGGER codes_link_delete AFTER DELETE ON codes
BEGIN
  INSERT OR REPLACE INTO link_syncs (short_code, changed_at) VALUES (OLD.short_code, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
