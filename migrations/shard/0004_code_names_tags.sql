-- Codes gain a name, tags and the caller's own id for them (external_id), and lists of codes a
-- search, filters and sorts (packages/db/src/code-lists.ts). The redirector needs none of the
-- three: a change of only these leaves codes.version, and so the KV record, as it was.

ALTER TABLE codes ADD COLUMN name TEXT;
-- JSON array of the code's tags, normalised, in the order given: what the API answers.
ALTER TABLE codes ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE codes ADD COLUMN external_id TEXT;

-- The write itself refuses a second code with the same external_id in a workspace (a 409).
CREATE UNIQUE INDEX codes_external_id ON codes (workspace_id, external_id) WHERE external_id IS NOT NULL;
-- The sorts' keysets: (sort value, id) within a workspace. Codes without a name sort last.
CREATE INDEX codes_workspace_created ON codes (workspace_id, created_at, id);
CREATE INDEX codes_workspace_name ON codes (workspace_id, name IS NULL, name COLLATE NOCASE, id);
CREATE INDEX codes_workspace_scans ON codes (workspace_id, total_scans, id);

-- One row per tag of a code, for the tag filter and GET /v1/tags: codes.tags keeps the order,
-- this table finds the codes of a tag without reading every code. The triggers keep it in step
-- with codes.tags in the very statement that writes a code, whatever writes it (the API, a
-- workspace's deletion), so the two never disagree.
CREATE TABLE code_tags (
  workspace_id TEXT NOT NULL,
  tag          TEXT NOT NULL,
  code_id      TEXT NOT NULL,
  PRIMARY KEY (workspace_id, tag, code_id)
) WITHOUT ROWID;

CREATE TRIGGER codes_tags_inserted AFTER INSERT ON codes WHEN NEW.tags != '[]'
BEGIN
  INSERT INTO code_tags (workspace_id, tag, code_id) SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

-- Only an UPDATE that sets tags fires this: the scan counters' updates never do.
CREATE TRIGGER codes_tags_updated AFTER UPDATE OF tags ON codes WHEN NEW.tags IS NOT OLD.tags
BEGIN
  DELETE FROM code_tags WHERE workspace_id = OLD.workspace_id AND tag IN (SELECT value FROM json_each(OLD.tags)) AND code_id = OLD.id;
  INSERT INTO code_tags (workspace_id, tag, code_id) SELECT NEW.workspace_id, value, NEW.id FROM json_each(NEW.tags);
END;

CREATE TRIGGER codes_tags_deleted AFTER DELETE ON codes WHEN OLD.tags != '[]'
BEGIN
  DELETE FROM code_tags WHERE workspace_id = OLD.workspace_id AND tag IN (SELECT value FROM json_each(OLD.tags)) AND code_id = OLD.id;
END;
