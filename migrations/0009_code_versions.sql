-- Every change to a code increments its version, in the same UPDATE, and the KV record carries it:
-- the record of a code's state can be told from that of any other state of it.
ALTER TABLE codes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Short codes whose KV record may not match D1 yet. Every change to a code marks its short code
-- here, in the change's own transaction (by the triggers below, so no way of changing codes can
-- forget it, a workspace's cascade included). The API writes KV right after its change; the ingest
-- cron's link sweep writes KV again from D1 for marks older than a minute (by then no request that
-- could still write an older state is running) and deletes each mark that no change renewed in
-- the meantime. So a lost KV write (a crash, KV errors that outlasted the retries) is repaired
-- within minutes. changed_at is D1's own clock, which the sweep compares with.
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
