import { controlDb, linkAddress, linkRecord, newId, randomShortCode, RESERVED_SHORT_CODES } from "@qr3/core";
import {
  activeHostnames,
  claimShortCode,
  codeSortValue,
  deleteCode,
  getCode,
  insertCode,
  listCodes,
  listTags,
  releaseShortCode,
  storedRouting,
  isScheduleRefusal,
  takenCodeField,
  updateCode,
  type CodeRow,
} from "@qr3/db";
import { auditFacts } from "../audit.ts";
import { codeEvents, sendCodeEvents } from "../code-events.ts";
import { decodeCodeCursor, encodeCodeCursor } from "../code-cursor.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import type { ApiRequest } from "../context.ts";
import { syncCodeLink } from "../links.ts";
import { designOf, logoOf, presentCode, shortUrl } from "../present.ts";
import { assertScans, changedDesign, storedDesign } from "../qr-design.ts";
import { pruneLogos, readLogoImage } from "../logos/store.ts";
import { DEFAULT_QR_STYLE } from "@qr3/schema/qr-style";
import { noContent, ok, okPage } from "../respond.ts";
import { CodeListQuery, CreateCodeBody, routingPatch, SCHEDULE_PROBLEM, UpdateCodeBody } from "@qr3/schema/api";
import { parseBody, parseWith } from "../validation.ts";

const GENERATED_CODE_ATTEMPTS = 5;

/**
 * A write refused by a unique index of the code's own fields is a 409 naming the field; one
 * refused for a schedule that would end before it starts, a 400.
 */
function conflictOf(err: unknown): unknown {
  if (isScheduleRefusal(err)) return badRequest(SCHEDULE_PROBLEM.field, SCHEDULE_PROBLEM.message);
  const field = takenCodeField(err);
  return field ? new ApiError("CONFLICT", `${field}: is already taken`) : err;
}

/** The code named by the path, in the caller's workspace (any other is a 404). */
export async function findCode(request: ApiRequest): Promise<CodeRow> {
  const code = await getCode(request.db, request.auth.workspaceId, request.params.id!);
  if (!code) throw notFound("Code");
  return code;
}

/**
 * Deletes a code in its shard, with its audit entry, then frees its short code in the directory.
 * Should the release fail, the code is gone all the same and the mark its delete left makes the
 * link sweep free the short code within minutes. A create undone (see createCodeRoute) is recorded
 * as deleted too: the code did exist, and could be read, for that moment.
 */
async function removeCode(request: ApiRequest, env: Env, id: string): Promise<CodeRow | null> {
  const audit = auditFacts(request, "code.deleted", id);
  const events = codeEvents(request, env, "code.deleted", [{ code_id: id, audit_id: audit.id }]);
  const code = await deleteCode(request.db, request.auth.workspaceId, id, new Date().toISOString(), audit, events);
  if (!code) return null;
  await sendCodeEvents(request, env, events);
  try {
    await releaseShortCode(controlDb(env), code.short_code, code.id);
  } catch (err) {
    console.error(JSON.stringify({ event: "short_code_release_deferred", short_code: code.short_code, error: String(err) }));
  }
  return code;
}

/**
 * Claims the code's address in the control database's directory, whose primary key lets exactly
 * one of concurrent creates have it, whatever their shards (on a branded domain, only while the
 * workspace holds the domain active); then writes the code to the workspace's shard, with its
 * audit entry (the code as the answer presents it) and its code.created events. Null when the
 * address is taken. Should the shard's write fail, the claim is undone.
 */
async function insertClaimed(request: ApiRequest, env: Env, row: Parameters<typeof insertCode>[1], domain: string | null): Promise<CodeRow | null> {
  const claim = { short_code: row.short_code, workspace_id: row.workspace_id, code_id: row.id, created_at: row.created_at, domain };
  if (!(await claimShortCode(controlDb(env), claim))) return null;
  const stored = {
    name: row.name ?? null,
    tags: JSON.stringify(row.tags ?? []),
    external_id: row.external_id ?? null,
    routing: storedRouting(row.routing),
    qr_style: row.qr_style ?? null,
    logo: null,
  };
  const created = presentCode({ ...row, ...stored, total_scans: 0, bot_scans: 0, version: 1, capped_at: null }, env.PUBLIC_BASE_URL);
  const audit = { ...auditFacts(request, "code.created", row.id), after: created };
  const events = codeEvents(request, env, "code.created", [{ code_id: row.id, audit_id: audit.id }]);
  try {
    const code = await insertCode(request.db, row, audit, events);
    await sendCodeEvents(request, env, events);
    return code;
  } catch (err) {
    await releaseShortCode(controlDb(env), row.short_code, row.id).catch((release: unknown) =>
      console.error(JSON.stringify({ event: "short_code_release_failed", short_code: row.short_code, error: String(release) })),
    );
    throw conflictOf(err);
  }
}

/** Why a code cannot be created on a domain: only the workspace's active domains take codes. */
export const DOMAIN_NOT_ACTIVE = "is not an active domain of this workspace: add it with POST /v1/domains and verify it";

export async function createCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, CreateCodeBody);
  if (body.short_code && RESERVED_SHORT_CODES.has(body.short_code.toLowerCase())) {
    throw badRequest("short_code", "is reserved");
  }
  const domain = body.domain ?? null;
  if (domain !== null && !(await activeHostnames(controlDb(env), request.auth.workspaceId, [domain])).has(domain)) {
    throw badRequest("domain", DOMAIN_NOT_ACTIVE);
  }
  const design = body.qr_style === undefined ? null : changedDesign(DEFAULT_QR_STYLE, body.qr_style);
  const now = new Date().toISOString();
  const base = {
    workspace_id: request.auth.workspaceId,
    url: body.url,
    status: "active" as const,
    name: body.name ?? null,
    tags: body.tags ?? [],
    external_id: body.external_id ?? null,
    routing: routingPatch(body),
    qr_style: design === null ? null : storedDesign(design),
    created_at: now,
    updated_at: now,
  };

  let code: CodeRow | null = null;
  for (let attempt = 0; !code; attempt++) {
    const address = linkAddress(domain, body.short_code ?? randomShortCode());
    // The design must read back as the very link it will encode.
    if (design !== null) await assertScans(shortUrl({ short_code: address }, env.PUBLIC_BASE_URL), design, null);
    code = await insertClaimed(request, env, { ...base, id: newId("qr"), short_code: address }, domain);
    if (code) break;
    // The domain may have been removed since it was checked: the claim requires it active.
    if (domain !== null && !(await activeHostnames(controlDb(env), request.auth.workspaceId, [domain])).has(domain)) {
      throw badRequest("domain", DOMAIN_NOT_ACTIVE);
    }
    if (body.short_code) throw new ApiError("CONFLICT", domain === null ? "short_code: is already taken" : `short_code: is already taken on ${domain}`);
    if (attempt + 1 >= GENERATED_CODE_ATTEMPTS) throw new Error(`no free short code in ${GENERATED_CODE_ATTEMPTS} attempts`);
  }
  const sync = await syncCodeLink(env, code.short_code, linkRecord(code, request.auth.shard));
  if (!sync.settled && sync.error !== undefined) {
    // Without its KV record the code could not be scanned: undo, and let the client retry. Should
    // the failed write have landed after all, the link sweep removes the record.
    await removeCode(request, env, code.id);
    throw sync.error;
  }
  return ok(request, presentCode(code, env.PUBLIC_BASE_URL), 201);
}

export async function listCodesRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(CodeListQuery, request.query);
  const rows = await listCodes(request.db, request.auth.workspaceId, {
    q: query.q,
    tags: query.tag,
    status: query.status,
    externalId: query.external_id,
    sort: query.sort,
    after: query.cursor === undefined ? null : decodeCodeCursor(query.sort, query.cursor),
    limit: query.limit + 1,
  });
  return okPage(request, rows, query.limit, (c) => presentCode(c, env.PUBLIC_BASE_URL), (c) => encodeCodeCursor(query.sort, c.id, codeSortValue(query.sort, c)));
}

export async function listTagsRoute(request: ApiRequest): Promise<Response> {
  const tags = await listTags(request.db, request.auth.workspaceId);
  return ok(request, tags.map(({ tag, codes, total_scans }) => ({ tag, codes, total_scans })));
}

export async function getCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  return ok(request, presentCode(await findCode(request), env.PUBLIC_BASE_URL));
}

export async function updateCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, UpdateCodeBody);
  if (Object.values(body).every((v) => v === undefined)) throw badRequest("body", "must contain at least one field of the code");
  const id = request.params.id!;
  const audit = auditFacts(request, "code.updated", id);
  const events = codeEvents(request, env, "code.updated", [{ code_id: id, audit_id: audit.id }]);
  const { url, status, name, tags, external_id } = body;
  const changes = { url, status, name, tags, external_id, routing: routingPatch(body), qr_style: await designChange(request, env, body.qr_style) };
  const code = await updateCode(request.db, request.auth.workspaceId, id, changes, new Date().toISOString(), audit, events).catch((err: unknown) => {
    throw conflictOf(err);
  });
  if (!code) throw notFound("Code");
  await sendCodeEvents(request, env, events);
  // The change is in D1 whatever KV answers: a sync left unsettled is finished by the link sweep.
  // Name, tags and external_id are not in the KV record: a change of only those leaves it be.
  if (url !== undefined || status !== undefined || changes.routing !== undefined) await syncCodeLink(env, code.short_code, linkRecord(code, request.auth.shard));
  return ok(request, presentCode(code, env.PUBLIC_BASE_URL));
}

/**
 * A change of the code's design, checked against the code as stored (its link, its logo), as the
 * column it writes: the design whole. Two designers saving at once: the later design wins whole,
 * and each was checked.
 */
async function designChange(request: ApiRequest, env: Env, change: Parameters<typeof changedDesign>[1] | undefined): Promise<string | null | undefined> {
  if (change === undefined) return undefined;
  const code = await findCode(request);
  const design = changedDesign(designOf(code), change);
  const logo = await readLogoImage(env.LOGOS, code.workspace_id, code.id, logoOf(code));
  await assertScans(shortUrl(code, env.PUBLIC_BASE_URL), design, logo);
  return storedDesign(design);
}

export async function deleteCodeRoute(request: ApiRequest, env: Env): Promise<Response> {
  // D1 first: should it fail, nothing has changed and the client's retry finds the code; should
  // the KV removal then fail, the mark the delete left makes the link sweep remove the record.
  // The code's scans are deleted by the ingest worker's cron within minutes, in bounded chunks.
  const code = await removeCode(request, env, request.params.id!);
  if (!code) throw notFound("Code");
  await syncCodeLink(env, code.short_code, null);
  if (code.logo !== null) {
    await pruneLogos(env.LOGOS, code.workspace_id, code.id, null).catch((err: unknown) =>
      console.error(JSON.stringify({ event: "logo_prune_failed", code_id: code.id, error: String(err) })),
    );
  }
  return noContent();
}
