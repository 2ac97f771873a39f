-- Webhook subscriptions. The secret signs deliveries; after a rotation the previous secret keeps
-- signing alongside the new one until previous_secret_expires_at.
CREATE TABLE webhooks (
  id                         TEXT PRIMARY KEY,
  workspace_id               TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
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

-- The outbox: the qr.scanned events of one consumer batch and workspace, written in the same D1
-- transaction as the scans they announce (and only for workspaces with an enabled subscription),
-- so no event is ever skipped and the scan path pays one small row per batch. A dispatch step on
-- the webhooks queue turns each row into deliveries and deletes it; the ingest cron re-enqueues
-- rows whose dispatch is overdue.
CREATE TABLE webhook_outbox (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL,
  events       TEXT NOT NULL, -- JSON array of { event_id, scan_id, payload }
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
