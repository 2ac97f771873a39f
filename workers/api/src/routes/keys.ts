import { controlDb, newApiKey, newId } from "@qr3/core";
import { getApiKey, insertGrantedApiKey, listApiKeys, revokeApiKey, revokeApiKeyKeepingManager } from "@qr3/db";
import { CreateKeyBody, ListQuery, OPERATIONS, SCOPES } from "@qr3/schema/api";
import { recordAudit } from "../audit.ts";
import { unauthorized } from "../auth.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { presentApiKey } from "../present.ts";
import { noContent, ok, okPage } from "../respond.ts";
import { parseBody, parseWith } from "../validation.ts";

// API keys are rows of the control database, not of the workspace's shard: these routes read and
// write there, always at its primary.

/** The scope that manages keys: a workspace always keeps one active key holding it. */
const MANAGER_SCOPE = OPERATIONS.revokeKey.scope;

/** `expires_at` as stored (UTC, milliseconds, so that times compare as text), or null for none. */
function expiryOf(given: string | undefined, now: number): string | null {
  if (given === undefined) return null;
  const at = Date.parse(given);
  if (Number.isNaN(at)) throw badRequest("expires_at", "has an invalid format");
  if (at <= now) throw badRequest("expires_at", "must be in the future");
  return new Date(at).toISOString();
}

export async function createKeyRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, CreateKeyBody);
  // A key gives some or all of its own scopes, never more.
  const lacking = body.scopes.find((scope) => !request.auth.scopes.includes(scope));
  if (lacking) throw new ApiError("FORBIDDEN", `scopes: this API key lacks the "${lacking}" scope, so it cannot give it`);
  const now = Date.now();
  const { key, hash, prefix } = await newApiKey();
  const row = {
    id: newId("key", now),
    workspace_id: request.auth.workspaceId,
    key_hash: hash,
    prefix,
    name: body.name,
    scopes: SCOPES.filter((scope) => body.scopes.includes(scope)),
    created_at: new Date(now).toISOString(),
    expires_at: expiryOf(body.expires_at, now),
  };
  // The insert checks the calling key again: revoked or expired since it was read, it makes none.
  const created = await insertGrantedApiKey(controlDb(env), row, request.auth.keyId);
  if (!created) throw unauthorized("Invalid API key.");
  const listing = presentApiKey(created);
  try {
    await recordAudit(request, { action: "api_key.created", resourceId: created.id, after: listing });
  } catch (err) {
    // No key without its entry in the audit log: undone, the client's retry makes a new one.
    await revokeApiKey(controlDb(env), created.id, new Date().toISOString()).catch((undo: unknown) =>
      console.error(JSON.stringify({ event: "api_key_undo_failed", key_id: created.id, error: String(undo) })),
    );
    throw err;
  }
  return ok(request, { ...listing, api_key: key }, 201);
}

export async function listKeysRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(ListQuery, request.query);
  const rows = await listApiKeys(controlDb(env), request.auth.workspaceId, query.limit + 1, query.cursor ?? null);
  return okPage(request, rows, query.limit, presentApiKey);
}

export async function currentKeyRoute(request: ApiRequest, env: Env): Promise<Response> {
  const key = await getApiKey(controlDb(env), request.auth.workspaceId, request.auth.keyId);
  // Revoked since the request was authenticated.
  if (!key) throw unauthorized("Invalid API key.");
  return ok(request, presentApiKey(key));
}

export async function revokeKeyRoute(request: ApiRequest, env: Env): Promise<Response> {
  const control = controlDb(env);
  const id = request.params.id!;
  const revoked = await revokeApiKeyKeepingManager(control, request.auth.workspaceId, id, new Date().toISOString(), MANAGER_SCOPE);
  if (!revoked) {
    // The UPDATE refused: either there is no such key here, or it is the last one that manages keys.
    if (!(await getApiKey(control, request.auth.workspaceId, id))) throw notFound("API key");
    throw new ApiError("CONFLICT", `id: is the workspace's last active key with the "${MANAGER_SCOPE}" scope; create another one before revoking it`);
  }
  await recordAudit(request, { action: "api_key.revoked", resourceId: revoked.id, before: presentApiKey(revoked) });
  return noContent();
}
