import { linkRecord, newId, randomShortCode, RESERVED_SHORT_CODES } from "@qr3/core";
import { deleteCode, getCode, insertCode, listCodes, updateCode, type CodeRow } from "@qr3/db";
import { ApiError, badRequest, notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { syncCodeLink } from "../links.ts";
import { presentCode } from "../present.ts";
import { noContent, ok, okPage } from "../respond.ts";
import { CreateCodeBody, ListQuery, UpdateCodeBody } from "../schemas.ts";
import { parseBody, parseWith } from "../validation.ts";

const GENERATED_CODE_ATTEMPTS = 5;

const isShortCodeTaken = (err: unknown) => String(err).includes("UNIQUE constraint failed: codes.short_code");

/** The code named by the path, in the caller's workspace (any other is a 404). */
export async function findCode(request: ApiRequest, env: Env): Promise<CodeRow> {
  const code = await getCode(env.DB, request.auth.workspaceId, request.params.id!);
  if (!code) throw notFound("Code");
  return code;
}

export async function createCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, CreateCodeBody);
  if (body.short_code && RESERVED_SHORT_CODES.has(body.short_code.toLowerCase())) {
    throw badRequest("short_code", "is reserved");
  }
  const now = new Date().toISOString();
  const base = { workspace_id: request.auth.workspaceId, url: body.url, status: "active" as const, created_at: now, updated_at: now };

  let code: CodeRow | undefined;
  for (let attempt = 0; !code; attempt++) {
    const row = { ...base, id: newId("qr"), short_code: body.short_code ?? randomShortCode() };
    try {
      code = await insertCode(env.DB, row);
    } catch (err) {
      if (!isShortCodeTaken(err)) throw err;
      if (body.short_code) throw new ApiError("CONFLICT", "short_code: is already taken");
      if (attempt + 1 >= GENERATED_CODE_ATTEMPTS) throw err;
    }
  }
  const sync = await syncCodeLink(env, code.short_code, linkRecord(code));
  if (!sync.settled && sync.error !== undefined) {
    // Without its KV record the code could not be scanned: undo, and let the client retry. Should
    // the failed write have landed after all, the link sweep removes the record.
    await deleteCode(env.DB, code.workspace_id, code.id, new Date().toISOString());
    throw sync.error;
  }
  return ok(request, presentCode(code, env.PUBLIC_BASE_URL), 201);
}

export async function listCodesRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(ListQuery, request.query);
  const rows = await listCodes(env.DB, request.auth.workspaceId, query.limit + 1, query.cursor ?? null);
  return okPage(request, rows, query.limit, (c) => presentCode(c, env.PUBLIC_BASE_URL));
}

export async function getCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  return ok(request, presentCode(await findCode(request, env), env.PUBLIC_BASE_URL));
}

export async function updateCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, UpdateCodeBody);
  if (body.url === undefined && body.status === undefined) throw badRequest("body", "must contain url or status");
  const code = await updateCode(env.DB, request.auth.workspaceId, request.params.id!, body, new Date().toISOString());
  if (!code) throw notFound("Code");
  // The change is in D1 whatever KV answers: a sync left unsettled is finished by the link sweep.
  await syncCodeLink(env, code.short_code, linkRecord(code));
  return ok(request, presentCode(code, env.PUBLIC_BASE_URL));
}

export async function deleteCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  // D1 first: should it fail, nothing has changed and the client's retry finds the code; should
  // the KV removal then fail, the mark the delete left makes the link sweep remove the record.
  // The code's scans are deleted by the ingest worker's cron within minutes, in bounded chunks.
  const code = await deleteCode(env.DB, request.auth.workspaceId, request.params.id!, new Date().toISOString());
  if (!code) throw notFound("Code");
  await syncCodeLink(env, code.short_code, null);
  return noContent();
}
