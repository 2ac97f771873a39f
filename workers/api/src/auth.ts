import { sha256Hex, timingSafeEqualStrings } from "@qr3/core";
import { SCOPES } from "@qr3/schema/api";
import { findActiveApiKey } from "@qr3/db";
import { ApiError } from "./errors.ts";
import type { Auth } from "./context.ts";

const API_KEY_PATTERN = /^qr3_sk_[A-Za-z0-9]{20,100}$/;

const unauthorized = (message: string) =>
  new ApiError("UNAUTHORIZED", message, { "www-authenticate": 'Bearer realm="qr3"' });

/**
 * Resolves `Authorization: Bearer qr3_sk_...` to the key's workspace and its shard, once per
 * request, in the control database (at its primary: a revoked key is refused at once). The key is
 * looked up by its SHA-256 (only hashes are stored), then the stored hash is compared in constant
 * time as well.
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
  return { workspaceId: row.workspace_id, keyId: row.id, keyName: "", scopes: SCOPES, retentionDays: row.retention_days, shard: row.shard };
}
