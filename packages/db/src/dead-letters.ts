// Parked dead letters (migrations/control): written by the ingest worker's
// dead-letter consumers, listed and marked for replay by `pnpm admin dlq`, sent back to their queue
// by the ingest cron.

export type DeadLetterFormat = "json" | "bytes" | "lossy";

export interface DeadLetter {
  queue: string;
  message_id: string;
  body: string;
  format: DeadLetterFormat;
  attempts: number;
  reason: string | null;
  parked_at: string;
}

export interface DeadLetterRow extends DeadLetter {
  replay_requested_at: string | null;
  replayed_at: string | null;
}

export interface DeadLetterCounts {
  queue: string;
  parked: number;
  awaiting_replay: number;
  replayed: number;
  oldest_parked_at: string | null;
}

export type DeadLetterKey = Pick<DeadLetter, "queue" | "message_id">;

/**
 * Parks dead letters in one transaction. A dead letter delivered again (its queue delivers at
 * least once too) is already parked and left as it is.
 */
export async function parkDeadLetters(db: D1Database, letters: readonly DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await db.batch(
    letters.map((l) =>
      db
        .prepare(
          `INSERT INTO dead_letters (queue, message_id, body, format, attempts, reason, parked_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (queue, message_id) DO NOTHING`,
        )
        .bind(l.queue, l.message_id, l.body, l.format, l.attempts, l.reason, l.parked_at),
    ),
  );
}

/** Per queue: how many are parked, marked and not yet sent, and sent back. */
export async function deadLetterCounts(db: D1Database): Promise<DeadLetterCounts[]> {
  const { results } = await db
    .prepare(
      `SELECT queue, count(*) AS parked,
              coalesce(sum(replay_requested_at IS NOT NULL AND replayed_at IS NULL), 0) AS awaiting_replay,
              coalesce(sum(replayed_at IS NOT NULL), 0) AS replayed,
              min(parked_at) AS oldest_parked_at
       FROM dead_letters GROUP BY queue ORDER BY queue`,
    )
    .all<DeadLetterCounts>();
  return results;
}

/** A queue's most recently parked rows, newest first. */
export async function recentDeadLetters(db: D1Database, queue: string, limit: number): Promise<DeadLetterRow[]> {
  const { results } = await db
    .prepare(
      `SELECT queue, message_id, body, format, attempts, reason, parked_at, replay_requested_at, replayed_at
       FROM dead_letters WHERE queue = ?1 ORDER BY parked_at DESC, message_id LIMIT ?2`,
    )
    .bind(queue, limit)
    .all<DeadLetterRow>();
  return results;
}

/**
 * Marks rows for replay: every row not yet replayed or marked, of `queue` (every queue when
 * null), and only those with the given message ids when `messageIds` is not null. Answers the
 * rows it marked.
 */
export async function markDeadLettersForReplay(
  db: D1Database,
  queue: string | null,
  messageIds: readonly string[] | null,
  now: string,
): Promise<DeadLetterKey[]> {
  const { results } = await db
    .prepare(
      `UPDATE dead_letters SET replay_requested_at = ?1
       WHERE replay_requested_at IS NULL AND replayed_at IS NULL
         AND (?2 IS NULL OR queue = ?2)
         AND (?3 IS NULL OR message_id IN (SELECT value FROM json_each(?3)))
       RETURNING queue, message_id`,
    )
    .bind(now, queue, messageIds === null ? null : JSON.stringify(messageIds))
    .all<DeadLetterKey>();
  return results;
}

/** The oldest rows marked for replay and not yet sent. */
export async function deadLettersToReplay(db: D1Database, limit: number): Promise<DeadLetter[]> {
  const { results } = await db
    .prepare(
      `SELECT queue, message_id, body, format, attempts, reason, parked_at FROM dead_letters
       WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL ORDER BY parked_at LIMIT ?1`,
    )
    .bind(limit)
    .all<DeadLetter>();
  return results;
}

/** Records that these rows were sent back to their queue. */
export async function markDeadLettersReplayed(db: D1Database, keys: readonly DeadLetterKey[], now: string): Promise<void> {
  if (keys.length === 0) return;
  await db
    .prepare(
      `UPDATE dead_letters SET replayed_at = ?1
       WHERE (queue, message_id) IN (SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?2) AS j)`,
    )
    .bind(now, JSON.stringify(keys.map((k) => [k.queue, k.message_id])))
    .run();
}

/** Takes back the replay mark of rows not sent: they wait for another `pnpm admin dlq replay`. */
export async function unmarkDeadLetters(db: D1Database, keys: readonly DeadLetterKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db
    .prepare(
      `UPDATE dead_letters SET replay_requested_at = NULL
       WHERE replayed_at IS NULL AND (queue, message_id) IN (SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?1) AS j)`,
    )
    .bind(JSON.stringify(keys.map((k) => [k.queue, k.message_id])))
    .run();
}

/** Deletes at most `limit` rows replayed before `before`; answers how many it deleted. */
export async function purgeReplayedDeadLetters(db: D1Database, before: string, limit: number): Promise<number> {
  const result = await db
    .prepare(`DELETE FROM dead_letters WHERE rowid IN (SELECT rowid FROM dead_letters WHERE replayed_at < ?1 LIMIT ?2)`)
    .bind(before, limit)
    .run();
  return result.meta.changes;
}
