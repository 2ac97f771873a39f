-- Codes gain redirect settings beside their url (packages/schema/src/api/routing.ts): a schedule
-- with a fallback, a scan cap, rules, an A/B split, query forwarding and UTM tags, as one JSON
-- object holding only what is set (NULL: none). The KV record carries it, so the redirector
-- chooses each scan's destination with no read beyond the record's. Every change to it moves
-- codes.version, as a change of url or status does.
ALTER TABLE codes ADD COLUMN routing TEXT;
-- When the code counted routing.max_scans (people, not bots): set by the write that counts the
-- scans, in the same transaction, and by a change of max_scans at or below the count; cleared
-- when max_scans is raised past the count or removed. The KV record says "capped" while it is set.
ALTER TABLE codes ADD COLUMN capped_at TEXT;

-- A schedule ends after it starts: refused in the write itself, so an update of one end cannot
-- pass the other end stored by a concurrent one.
CREATE TRIGGER codes_schedule_insert BEFORE INSERT ON codes WHEN NEW.routing ->> 'starts_at' >= NEW.routing ->> 'expires_at'
BEGIN
  SELECT RAISE(ABORT, 'code_schedule');
END;

CREATE TRIGGER codes_schedule_update BEFORE UPDATE OF routing ON codes WHEN NEW.routing ->> 'starts_at' >= NEW.routing ->> 'expires_at'
BEGIN
  SELECT RAISE(ABORT, 'code_schedule');
END;

-- Scans are counted by the destination chosen for them too (top_destinations): the URL before
-- the visitor's own query string was forwarded onto it, so that forwarding does not split one
-- destination into a value per query. (scans.redirected_to keeps the URL actually sent.)
ALTER TABLE scan_tail ADD COLUMN destination TEXT;

DROP TRIGGER scan_intake_insert;
DROP VIEW scan_intake;

CREATE VIEW scan_intake AS
  SELECT id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
         redirected_to, ip_hash, scanned_at, is_bot, NULL AS referer_host, NULL AS destination, NULL AS batch
  FROM scans WHERE false;

CREATE TRIGGER scan_intake_insert INSTEAD OF INSERT ON scan_intake
WHEN NOT EXISTS (SELECT 1 FROM scans WHERE code_id = NEW.code_id AND scanned_at = NEW.scanned_at AND id = NEW.id)
  AND EXISTS (SELECT 1 FROM codes WHERE id = NEW.code_id AND workspace_id = NEW.workspace_id)
BEGIN
  INSERT INTO scans (id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language,
                     redirected_to, ip_hash, scanned_at, is_bot)
  VALUES (NEW.id, NEW.code_id, NEW.workspace_id, NEW.country, NEW.region, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer, NEW.language, NEW.redirected_to, unhex(NEW.ip_hash), NEW.scanned_at, NEW.is_bot);
  INSERT INTO scan_tail (scan_id, code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host,
                         language, destination, batch)
  VALUES (NEW.id, NEW.code_id, NEW.workspace_id, NEW.is_bot, unhex(NEW.ip_hash), substr(NEW.scanned_at, 1, 10),
          CAST(strftime('%s', NEW.scanned_at) AS INTEGER) / 900, NEW.country, NEW.city, NEW.device_type, NEW.os, NEW.browser,
          NEW.referer_host, NEW.language, coalesce(NEW.destination, NEW.redirected_to), NEW.batch);
END;
