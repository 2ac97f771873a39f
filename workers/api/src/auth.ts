import { sha256Hex, timingSafeEqualStrings } from "@qr3/core";
import { findActiveApiKey, touchApiKey, type ApiKeyRow } from "@qr3/db";
import { ApiError } from "./errors.ts";
import type { Auth } from "./context.ts";
import { storedScopes } from "./scopes.ts";

const API_KEY_PATTERN = /^qr3_sk_[A-Za-z0-9]{20,100}$/;

/** How fresh a key's last_used_at is kept: written at most once per this, per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const unauthorized = (message: string) =>
  new ApiError("UNAUTHORIZED", message, { "www-authenticate": 'Bearer realm="qr3"' });

/**
 * Records the key's use after the answer, unless the row read says it was used within the last
 * minute: most requests write nothing. The UPDATE is conditional as well, so concurrent requests
 * that all read a stale row still write once. A failed write costs only the time of use.
 */
function noteUse(control: D1Database, key: Pick<ApiKeyRow, "id" | "last_used_at">, now: number, ctx: ExecutionContext): void {
  const staleBefore = new Date(now - LAST_USED_RESOLUTION_MS).toISOString();
  if (key.last_used_at !== null && key.last_used_at >= staleBefore) return;
  ctx.waitUntil(
    touchApiKey(control, key.id, new Date(now).toISOString(), staleBefore).catch((err: unknown) =>
      console.error(JSON.stringify({ event: "api_key_last_used_failed", key_id: key.id, error: String(err) })),
    ),
  );
}

/**
 * Resolves `Authorization: Bearer qr3_sk_...` to the key's workspace, shard, name and scopes, once
 * per request, in the control database (at its primary: a revoked key is refused at once). The key
 * is looked up by its SHA-256 (only hashes are stored), then the stored hash is compared in
 * constant time as well. A key past its expires_at is refused, saying so.
 */
export async function authenticate(request: Request, control: D1Database, ctx: ExecutionContext): Promise<Auth> {
  const header = request.headers.get("authorization");
  if (!header) throw unauthorized("Missing Authorization header: send 'Authorization: Bearer qr3_sk_...'.");
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthorized("Authorization header must be 'Bearer qr3_sk_...'.");
  const key = match[1]!;
  if (!API_KEY_PATTERN.test(key)) throw unauthorized("Invalid API key.");

  const hash = await sha256Hex(key);
  const row = await findActiveApiKey(control, hash);
  if (!row || !timingSafeEqualStrings(row.key_hash, hash)) throw unauthorized("Invalid API key.");
  const now = Date.now();
  // An expiry that does not read as a time counts as passed.
  if (row.expires_at !== null && !(Date.parse(row.expires_at) > now)) throw unauthorized("API key expired.");
  noteUse(control, row, now, ctx);
  return {
    workspaceId: row.workspace_id,
    keyId: row.id,
    keyName: row.name,
    scopes: storedScopes(row.scopes),
    retentionDays: row.retention_days,
    shard: row.shard,
  };
}
