import { claimIdempotencyKey, releaseIdempotencyKey, storeIdempotentAnswer, type StoredAnswer } from "@qr3/db";
import { IDEMPOTENCY_TTL_HOURS } from "@qr3/schema/api";
import type { ApiRequest } from "./context.ts";
import { ApiError, badRequest } from "./errors.ts";
import { fingerprintOf, openAnswer, sealAnswer } from "./idempotency-seal.ts";
import { errorResponse } from "./respond.ts";
import { retried } from "./retry.ts";
import { bodyText } from "./validation.ts";

// A POST with an Idempotency-Key runs at most once per API key and Idempotency-Key within
// IDEMPOTENCY_TTL_HOURS; a repeat gets the first answer again. The record lives in the
// workspace's shard (packages/db/src/idempotency.ts) and is claimed by one INSERT ... ON CONFLICT,
// so of concurrent duplicates exactly one runs; the others answer 409 IDEMPOTENCY_IN_PROGRESS
// until the first has answered, then its answer.
//
// - What is stored: every answer below 500, errors included (a 404, a 409 short code taken): the
//   request ran and a repeat would be answered the same. A 5xx or a thrown error releases the
//   claim instead, so that a retry runs again: a transient failure stays retryable.
// - The fingerprint is an HMAC of the method, the path and the body (its UTF-8 text as read, a
//   byte order mark aside) under the API key (idempotency-seal.ts). The same key with another fingerprint is 422 IDEMPOTENCY_MISMATCH.
// - A claim holds for LEASE_MS while its request runs. A request that dies without answering (the
//   isolate crashed or was evicted) leaves its claim behind; once the lease has passed, a duplicate
//   with the same fingerprint takes it over and runs. No request runs nearly that long: creating
//   a code, the longest, takes a few seconds even while KV refuses writes.
// - A record past its expiry is ignored by the claim (a new request takes it over whatever it
//   held) and purged by the ingest worker's daily cron.
// - A replay keeps the first answer's status, headers and body (whose meta.request_id is the
//   first request's), adds `Idempotent-Replayed: true`, and carries this request's x-request-id.
// - The stored body is sealed with the API key that made the request (idempotency-seal.ts): an
//   answer may hold a secret shown only once.

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const REPLAYED_HEADER = "idempotent-replayed";

const KEY = /^[\x20-\x7e]{1,255}$/;
const LEASE_MS = 60_000;
const TTL_MS = IDEMPOTENCY_TTL_HOURS * 3_600_000;
// Statuses whose response may not have a body, even an empty one.
const NULL_BODY = new Set([204, 205, 304]);

/** The API key the request presented: authenticate has accepted exactly this header. */
const presentedKey = (request: ApiRequest) => /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")![1]!;

async function fingerprint(request: ApiRequest): Promise<string> {
  // An operation without a body has already refused one (serve's assertNoBody).
  const body = request.operation.body ? await bodyText(request) : "";
  return fingerprintOf(presentedKey(request), `${request.method}\n${new URL(request.url).pathname}\n${body}`);
}

function answer(stored: StoredAnswer, replayed: boolean): Response {
  const headers = new Headers(stored.headers);
  if (replayed) headers.set(REPLAYED_HEADER, "true");
  return new Response(NULL_BODY.has(stored.status) ? null : stored.body, { status: stored.status, headers });
}

/** Runs a POST at most once per Idempotency-Key. */
export async function idempotent(request: ApiRequest, env: Env, run: () => Promise<Response>): Promise<Response> {
  const key = request.headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return run();
  if (!KEY.test(key)) throw badRequest(IDEMPOTENCY_KEY_HEADER, "must be 1 to 255 printable ASCII characters");
  const now = Date.now();
  const owner = { apiKeyId: request.auth.keyId, key, requestId: request.requestId };
  const outcome = await claimIdempotencyKey(request.db, {
    api_key_id: owner.apiKeyId,
    idempotency_key: key,
    workspace_id: request.auth.workspaceId,
    fingerprint: await fingerprint(request),
    request_id: owner.requestId,
    now: new Date(now).toISOString(),
    locked_until: new Date(now + LEASE_MS).toISOString(),
    expires_at: new Date(now + TTL_MS).toISOString(),
  });
  switch (outcome.kind) {
    case "mismatch":
      throw new ApiError("IDEMPOTENCY_MISMATCH", `${IDEMPOTENCY_KEY_HEADER}: was used in the last ${IDEMPOTENCY_TTL_HOURS} hours with another method, path or body`);
    case "in_progress":
      throw new ApiError("IDEMPOTENCY_IN_PROGRESS", `${IDEMPOTENCY_KEY_HEADER}: a request with this key is still running; retry once it has answered`);
    case "replay":
      return answer({ ...outcome.answer, body: await openAnswer(presentedKey(request), key, outcome.answer.body) }, true);
  }

  let response: Response;
  try {
    response = await run();
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) {
      await release(request, owner);
      throw err;
    }
    // The answer the router would make of it, made here so that it is stored.
    response = errorResponse(err, request.requestId);
  }
  if (response.status >= 500) {
    await release(request, owner);
    return response;
  }
  const stored: StoredAnswer = { status: response.status, headers: [...response.headers], body: await response.text() };
  const sealed = { ...stored, body: await sealAnswer(presentedKey(request), key, stored.body) };
  try {
    await retried(() => storeIdempotentAnswer(request.db, owner.apiKeyId, key, owner.requestId, sealed));
  } catch (err) {
    // The change is made: its answer goes out all the same. Unstored, the claim answers
    // duplicates 409 until its lease has passed, and a duplicate after that runs again.
    console.error(JSON.stringify({ event: "idempotency_store_failed", request_id: owner.requestId, key_id: owner.apiKeyId, error: String(err) }));
  }
  return answer(stored, false);
}

/**
 * Gives the claim up after a failure, so that a retry runs. Should that fail too, the error that
 * made the request fail is what the client gets, and the claim's lease ends it within a minute.
 */
async function release(request: ApiRequest, owner: { apiKeyId: string; key: string; requestId: string }): Promise<void> {
  try {
    await retried(() => releaseIdempotencyKey(request.db, owner.apiKeyId, owner.key, owner.requestId));
  } catch (err) {
    console.error(JSON.stringify({ event: "idempotency_release_failed", request_id: owner.requestId, key_id: owner.apiKeyId, error: String(err) }));
  }
}
