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
