-- Workspaces own codes, keys and scans. There is no sign-up: the admin command creates them.
CREATE TABLE workspaces (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  plan       TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'business', 'agency', 'enterprise')),
  created_at TEXT NOT NULL
);

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

CREATE TABLE codes (
  id           TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  short_code   TEXT NOT NULL UNIQUE,
  url          TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  total_scans  INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX codes_workspace ON codes (workspace_id, id);

-- One row per scan, exactly the documented fields. No foreign key: scans are deleted in bounded
-- chunks by their own jobs, never by a cascade that could exceed D1's per-query time limit.
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
  scanned_at    TEXT NOT NULL
);
CREATE INDEX scans_code_time ON scans (code_id, scanned_at);

-- Lifetime and monthly counters. They are kept by a trigger, so they move only when a scan row is
-- really inserted: a redelivered message (INSERT OR IGNORE on the same id) counts nothing, and
-- purging old scans leaves them untouched.
CREATE TABLE workspace_monthly_scans (
  workspace_id TEXT NOT NULL,
  month        TEXT NOT NULL, -- YYYY-MM, UTC
  scans        INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, month)
) WITHOUT ROWID;

CREATE TRIGGER scans_count_insert AFTER INSERT ON scans
BEGIN
  UPDATE codes SET total_scans = total_scans + 1 WHERE id = NEW.code_id;
  INSERT INTO workspace_monthly_scans (workspace_id, month, scans)
  VALUES (NEW.workspace_id, substr(NEW.scanned_at, 1, 7), 1)
  ON CONFLICT (workspace_id, month) DO UPDATE SET scans = scans + 1;
END;
