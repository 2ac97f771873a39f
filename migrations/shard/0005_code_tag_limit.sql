-- A code carries at most 20 tags (API_LIMITS.code_tags in packages/schema/src/api/limits.ts): the
-- API's schemas check what a request gives, and these triggers refuse, in the write itself, any
-- write that would go past it, such as tags added in bulk to codes that already carry many.
CREATE TRIGGER codes_tag_limit_insert BEFORE INSERT ON codes WHEN json_array_length(NEW.tags) > 20
BEGIN
  SELECT RAISE(ABORT, 'code_tag_limit');
END;

CREATE TRIGGER codes_tag_limit_update BEFORE UPDATE OF tags ON codes WHEN json_array_length(NEW.tags) > 20
BEGIN
  SELECT RAISE(ABORT, 'code_tag_limit');
END;
