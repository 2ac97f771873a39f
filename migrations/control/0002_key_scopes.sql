-- Keys a team can hand out: each has a name, the scopes it holds (a JSON array of scopes of
-- packages/schema/src/api/scopes.ts), an optional expiry and the time it was last used, kept to
-- the minute (the API writes it at most once a minute per key, after answering).
-- A key inserted without scopes may do nothing, rather than everything: the default is no scope.
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '[]' CHECK (json_type(scopes) = 'array');
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;

-- Every key so far was made by the admin command and could do everything: it keeps every scope
-- there was when this migration was written.
UPDATE api_keys
SET name = 'Admin key',
    scopes = '["codes:read","codes:write","analytics:read","webhooks:read","webhooks:write","keys:write"]';
