-- An outbox row names the scans whose events it stages, and the dispatch step builds the events
-- from the stored scans: the scan path no longer carries every event's payload through D1.
UPDATE webhook_outbox SET events = (SELECT json_group_array(e.value ->> 'scan_id') FROM json_each(webhook_outbox.events) AS e);
ALTER TABLE webhook_outbox RENAME COLUMN events TO scan_ids; -- JSON array of scan ids
