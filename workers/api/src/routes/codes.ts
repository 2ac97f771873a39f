import { newId, randomShortCode, RESERVED_SHORT_CODES } from "@qr3/core";
import { deleteCode, getCode, insertCode, listCodes, updateCode, type CodeRow } from "@qr3/db";
import { ApiError, badRequest, notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { publishLink, unpublishLink } from "../links.ts";
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
      await insertCode(env.DB, row);
      code = { ...row, total_scans: 0, bot_scans: 0 };
    } catch (err) {
      if (!isShortCodeTaken(err)) throw err;
      if (body.short_code) throw new ApiError("CONFLICT", "short_code: is already taken");
      if (attempt + 1 >= GENERATED_CODE_ATTEMPTS) throw err;
    }
  }
  try {
    await publishLink(env.LINKS, code);
  } catch (err) {
    // Without its KV record the code could never be scanned: undo, and let the client retry.
    await deleteCode(env.DB, code.workspace_id, code.id, new Date().toISOString());
    throw err;
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
  await publishLink(env.LINKS, code);
  return ok(request, presentCode(code, env.PUBLIC_BASE_URL));
}

export async function deleteCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request, env);
  // KV first: should the D1 delete then fail, the client's retry still finds the code to delete.
  // Its scans are deleted by the ingest worker's cron within minutes, in bounded chunks.
  await unpublishLink(env.LINKS, code.short_code);
  await deleteCode(env.DB, code.workspace_id, code.id, new Date().toISOString());
  return noContent();
}
