// Idempotency-Key records (shard: idempotency_keys), one per API key and Idempotency-Key, in the
// shard of the key's workspace. Times are ISO 8601 strings, compared as such.

export interface IdempotencyClaim {
  api_key_id: string;
  idempotency_key: string;
  workspace_id: string;
  fingerprint: string;
  request_id: string;
  /** The claim's time. */
  now: string;
  /** Until when the claim holds while its request runs. */
  locked_until: string;
  /** Until when the record is replayed. */
  expires_at: string;
}

/** An answer as stored for replay: its status, its headers ([name, value] pairs) and its body (sealed by the API). */
export interface StoredAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export type ClaimOutcome =
  | { kind: "claimed" }
  /** The key was used, and is still remembered, for another request (method, path or body). */
  | { kind: "mismatch" }
  /** Another request with the key and the same fingerprint holds a live claim. */
  | { kind: "in_progress" }
  | { kind: "replay"; answer: StoredAnswer };

interface Stored {
  fingerprint: string;
  status: number | null;
  headers: string | null;
  body: string | null;
}

// One statement claims: a new row, or, over an existing one, a row past its expiry (whatever it
// held) or a claim of the same request whose lease has passed (its request died without an
// answer). Anything else stays as it is and the statement returns nothing. D1 runs one statement
// at a time, so of concurrent claims exactly one gets the row.
const CLAIM_SQL = `INSERT INTO idempotency_keys
    (api_key_id, idempotency_key, workspace_id, fingerprint, request_id, locked_until, status, headers, body, created_at, expires_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?7, NULL, NULL, NULL, ?6, ?8)
  ON CONFLICT (api_key_id, idempotency_key) DO UPDATE SET
    workspace_id = excluded.workspace_id, fingerprint = excluded.fingerprint, request_id = excluded.request_id,
    locked_until = excluded.locked_until, status = NULL, headers = NULL, body = NULL,
    created_at = excluded.created_at, expires_at = excluded.expires_at
  WHERE idempotency_keys.expires_at <= excluded.created_at
     OR (idempotency_keys.locked_until <= excluded.created_at AND idempotency_keys.fingerprint = excluded.fingerprint)
  RETURNING request_id`;

/**
 * Claims the key for a request, or says why not. Should the row that held it off be gone by the
 * time it is read (its request failed and released it), the claim is tried again.
 */
export async function claimIdempotencyKey(db: D1Database, claim: IdempotencyClaim): Promise<ClaimOutcome> {
  for (let attempt = 1; ; attempt++) {
    const claimed = await db
      .prepare(CLAIM_SQL)
      .bind(claim.api_key_id, claim.idempotency_key, claim.workspace_id, claim.fingerprint, claim.request_id, claim.now, claim.locked_until, claim.expires_at)
      .first();
    if (claimed) return { kind: "claimed" };
    const held = await db
      .prepare("SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE api_key_id = ?1 AND idempotency_key = ?2")
      .bind(claim.api_key_id, claim.idempotency_key)
      .first<Stored>();
    if (!held) {
      // Released and claimed again each time: as busy as a claim held.
      if (attempt >= 3) return { kind: "in_progress" };
      continue;
    }
    if (held.fingerprint !== claim.fingerprint) return { kind: "mismatch" };
    if (held.status === null) return { kind: "in_progress" };
    return { kind: "replay", answer: { status: held.status, headers: JSON.parse(held.headers ?? "[]") as StoredAnswer["headers"], body: held.body ?? "" } };
  }
}

/** Stores the claim's answer and ends its lease; only while the claim is still this request's. */
export async function storeIdempotentAnswer(db: D1Database, apiKeyId: string, key: string, requestId: string, answer: StoredAnswer): Promise<void> {
  await db
    .prepare(
      `UPDATE idempotency_keys SET status = ?4, headers = ?5, body = ?6, locked_until = NULL
       WHERE api_key_id = ?1 AND idempotency_key = ?2 AND request_id = ?3`,
    )
    .bind(apiKeyId, key, requestId, answer.status, JSON.stringify(answer.headers), answer.body)
    .run();
}

/** Gives the claim up, so that the next request with the key runs; only while it is still this request's and unanswered. */
export async function releaseIdempotencyKey(db: D1Database, apiKeyId: string, key: string, requestId: string): Promise<void> {
  await db
    .prepare("DELETE FROM idempotency_keys WHERE api_key_id = ?1 AND idempotency_key = ?2 AND request_id = ?3 AND status IS NULL")
    .bind(apiKeyId, key, requestId)
    .run();
}

/** Records past their expiry at `now`, at most `limit`; answers how many. */
export async function purgeExpiredIdempotencyKeys(db: D1Database, now: string, limit: number): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM idempotency_keys WHERE (api_key_id, idempotency_key) IN (
         SELECT api_key_id, idempotency_key FROM idempotency_keys WHERE expires_at <= ?1 LIMIT ?2)`,
    )
    .bind(now, limit)
    .run();
  return result.meta.changes;
}
