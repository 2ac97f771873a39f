-- The audit log and the Idempotency-Key records: both belong to a workspace's requests, so they
-- live in its shard, beside the changes they record and the answers they replay.

-- Every change made through the API (packages/db/src/audit-log.ts). A change to a code, a webhook
-- or a delivery is written in the same transaction as its entry; a change in the control database
-- (an API key) writes its entry right after. before/after are JSON objects of the changed fields
-- (for a create, after is the new resource; for a delete, before is the resource as it was), or
-- NULL; never a secret. Entries are read for 90 days (AUDIT_RETENTION_DAYS) and purged after by
-- the ingest worker's daily cron.
CREATE TABLE audit_log (
  id            TEXT PRIMARY KEY, -- "aud_...", time-sortable: the log is read newest first by id
  workspace_id  TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  action        TEXT NOT NULL,    -- "code.updated", ...: AUDIT_ACTIONS
  resource_type TEXT NOT NULL,    -- "code", "webhook", "api_key": AUDIT_RESOURCES
  resource_id   TEXT NOT NULL,
  api_key_id    TEXT NOT NULL,
  api_key_name  TEXT NOT NULL,
  request_id    TEXT NOT NULL,
  before        TEXT,
  after         TEXT
);
-- GET /v1/audit-log: a workspace's entries newest first (the kinds a key may read filtered on
-- the way), those of one resource, those of one action.
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
CREATE INDEX audit_log_resource ON audit_log (workspace_id, resource_id, id);
CREATE INDEX audit_log_action ON audit_log (workspace_id, action, id);

-- One row per (API key, Idempotency-Key) of a POST (packages/db/src/idempotency.ts). The primary
-- key is the claim: of concurrent requests with the same key, the one whose INSERT lands runs.
-- While it runs, locked_until is its lease (a crashed request's claim is taken over once it has
-- passed); once answered, the answer is stored (status, headers, and the body sealed with the
-- API key that sent it: it may hold a secret shown once) and replayed until
-- expires_at, 24 hours after the claim (IDEMPOTENCY_TTL_HOURS). Expired rows are ignored by the
-- claim and purged by the daily cron.
CREATE TABLE idempotency_keys (
  api_key_id      TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  workspace_id    TEXT NOT NULL,
  fingerprint     TEXT NOT NULL, -- hex SHA-256 of the method, path and body
  request_id      TEXT NOT NULL, -- the request that holds (or held) the claim
  locked_until    TEXT,          -- set while the request runs, NULL once its answer is stored
  status          INTEGER,
  headers         TEXT,          -- JSON array of [name, value]
  body            TEXT,
  created_at      TEXT NOT NULL,
  expires_at      TEXT NOT NULL,
  PRIMARY KEY (api_key_id, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
