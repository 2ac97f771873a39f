-- Webhook signing secrets are stored sealed from now on: AES-256-GCM under a key held as the
-- Worker secret WEBHOOK_SECRETS_KEYS, bound to the webhook's id, as "v1:<key id>:<iv>:<ciphertext>"
-- (packages/webhooks/src/secret-box.ts). The columns keep their names; only their content changes.
--
-- SQL cannot encrypt, so the secrets stored before this migration stay plain for now: they still
-- open as they are, and the ingest worker's cron seals them under the current key on its next
-- runs (within minutes of deploying). Until then a plain value is told from a sealed one by its
-- "v1:" start; the rare plain secret that itself starts with "v1:" or "plain:" is marked "plain:"
-- here, so that none can pass for a sealed value.
UPDATE webhooks SET secret = 'plain:' || secret
WHERE substr(secret, 1, 3) = 'v1:' OR substr(secret, 1, 6) = 'plain:';

UPDATE webhooks SET previous_secret = 'plain:' || previous_secret
WHERE substr(previous_secret, 1, 3) = 'v1:' OR substr(previous_secret, 1, 6) = 'plain:';

-- The cron looks for secrets not under the current key by range on these, so a run with nothing
-- left to reseal reads next to nothing.
CREATE INDEX webhooks_secret ON webhooks (secret);
CREATE INDEX webhooks_previous_secret ON webhooks (previous_secret) WHERE previous_secret IS NOT NULL;
