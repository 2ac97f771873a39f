-- The control database: what every request and every scan must find whatever shard holds its
-- workspace. Workspaces (with the shard that holds everything else of theirs), API keys, the
-- global directory of short codes, and the dead letters (a dead letter may hold scans of several
-- shards). Consolidated from migrations 0001-0011 of the single database; the rest of that
-- schema is the shard schema (migrations/shard).

-- Workspaces own codes, keys and scans. There is no sign-up: the admin command creates them.
-- retention_days: how many UTC days of scans a workspace keeps (today included), set from the
-- plan when the workspace is created or its plan changes (packages/schema/src/plans.ts holds the
-- table); enterprise workspaces carry a custom value. shard: the SHARD_<n> database that holds
-- the workspace's codes, scans, summaries and webhooks; a workspace never spans shards.
CREATE TABLE workspaces (
  id             TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  plan           TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'business', 'agency', 'enterprise')),
  retention_days INTEGER NOT NULL DEFAULT 90 CHECK (retention_days BETWEEN 1 AND 3650),
  shard          INTEGER NOT NULL CHECK (shard >= 0),
  created_at     TEXT NOT NULL
);
-- The maintenance of a shard reads its workspaces' retentions.
CREATE INDEX workspaces_shard ON workspaces (shard);

-- API keys are stored only as the hex SHA-256 of the key; prefix is the start of the key, kept so
-- that a person can tell keys apart without it being usable.
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  key_hash     TEXT NOT NULL UNIQUE,
  prefix       TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  revoked_at   TEXT
);
CREATE INDEX api_keys_workspace ON api_keys (workspace_id);

-- Every short code in use, whatever shard holds its code: the primary key is what keeps short
-- codes unique across shards. A code's short code is claimed here before the code is written to
-- its shard, and released once the code is deleted there (packages/db/src/short-codes.ts).
-- created_at is the claim's time, which the link sweep compares with before it releases a row
-- whose code no longer exists.
CREATE TABLE short_codes (
  short_code   TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  code_id      TEXT NOT NULL,
  created_at   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX short_codes_workspace ON short_codes (workspace_id);

-- Messages that the scans or webhooks consumer gave up on (max_retries), parked by the ingest
-- worker, which also consumes both dead-letter queues, until an operator replays them
-- (`pnpm admin dlq replay`); the 5-minute cron then sends each marked row back to its queue and
-- marks it replayed.
CREATE TABLE dead_letters (
  queue        TEXT NOT NULL,    -- the queue the message was meant for: qr3-scans or qr3-webhooks
  message_id   TEXT NOT NULL,    -- its id on the dead-letter queue
  body         TEXT NOT NULL,    -- JSON: the body itself, or for bytes the base64 of them (format)
  format       TEXT NOT NULL,    -- json | bytes | lossy (not plain JSON; stored as its closest JSON)
  attempts     INTEGER NOT NULL, -- deliveries of the dead letter until it was parked
  reason       TEXT,             -- what is known of why it failed, or null
  parked_at    TEXT NOT NULL,
  replay_requested_at TEXT,
  replayed_at  TEXT,
  -- The dead-letter queue delivers at least once too: a redelivered dead letter is parked once.
  PRIMARY KEY (queue, message_id)
);

-- The cron's work: rows marked for replay and not yet sent, oldest first.
CREATE INDEX dead_letters_to_replay ON dead_letters (parked_at)
  WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL;
-- `pnpm admin dlq`: the most recent rows of a queue.
CREATE INDEX dead_letters_recent ON dead_letters (queue, parked_at);
