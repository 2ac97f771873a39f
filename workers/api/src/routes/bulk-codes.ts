import { controlDb, linkAddress, linkRecord, newId, randomShortCode, RESERVED_SHORT_CODES } from "@qr3/core";
import {
  activeHostnames,
  bulkTargets,
  claimShortCodes,
  insertCodes,
  overTagLimit,
  releaseShortCodes,
  storedRouting,
  takenCodeField,
  takenExternalIds,
  updateCodes,
  type BulkTargetRow,
  type Claim,
  type NewCode,
} from "@qr3/db";
import { API_LIMITS, bulkCodeCount, BulkUpdateCodesBody, CreateCodeBody, routingPatch, type ErrorDetail } from "@qr3/schema/api";
import * as z from "zod/mini";
import { auditFacts } from "../audit.ts";
import { codeEvents, requestLinkSyncs, sendCodeEvents } from "../code-events.ts";
import type { ApiRequest } from "../context.ts";
import { ApiError, badRequest } from "../errors.ts";
import { syncCodeLink } from "../links.ts";
import { readLogoImage } from "../logos/store.ts";
import { logoOf, presentCode, shortUrl } from "../present.ts";
import { assertScans, changedDesign, storedDesign } from "../qr-design.ts";
import { DEFAULT_QR_STYLE, type QrStyle } from "@qr3/schema/qr-style";
import { ok } from "../respond.ts";
import { checkWith, parseBody } from "../validation.ts";
import { DOMAIN_NOT_ACTIVE } from "./codes.ts";

// POST /v1/codes/bulk and /v1/codes/bulk-update: up to 1,000 codes in one request, each change
// one statement whatever the number of codes (see @qr3/db bulk-codes.ts), all or nothing.

const GENERATED_CODE_ATTEMPTS = 5;
// Codes whose KV records the request writes itself; those of a larger request are written by the
// ingest worker within seconds (a request may make only so many KV writes).
const DIRECT_LINK_SYNCS = 20;

// The list, checked for its length only: each item is checked apart, so that every bad one is named.
const BulkItems = z.strictObject({ codes: z.array(z.unknown()).check(...bulkCodeCount()) });

function refused(code: "BAD_REQUEST" | "CONFLICT", details: ErrorDetail[], total: number): ApiError {
  details.sort((a, b) => a.index - b.index);
  const items = new Set(details.map((d) => d.index)).size;
  const one = items === 1;
  const what = code === "CONFLICT" ? (one ? "conflicts" : "conflict") : one ? "is invalid" : "are invalid";
  return new ApiError(code, `codes: ${items} of ${total} items ${what}, see error.details; none was created`).withDetails(details);
}

/** Keeps KV in step with the new or changed codes: a few directly, the rest through the ingest worker. */
async function syncLinks(request: ApiRequest, env: Env, codes: ReadonlyArray<Parameters<typeof linkRecord>[0] & { short_code: string }>): Promise<void> {
  if (codes.length <= DIRECT_LINK_SYNCS) {
    await Promise.all(codes.map((c) => syncCodeLink(env, c.short_code, linkRecord(c, request.auth.shard))));
  } else {
    await requestLinkSyncs(request, env, codes.map((c) => c.short_code));
  }
}

/**
 * The items whose design does not read back. Each distinct design is read once, with the longest
 * link of the items that have it (the densest symbol: a generated short code drawn again has the
 * same length); every item of a design that fails is named.
 */
async function unreadableDesigns(items: ReadonlyArray<{ row: NewCode; index: number; design: QrStyle | undefined }>, env: Env): Promise<ErrorDetail[]> {
  const byDesign = new Map<string, { design: QrStyle; link: string; indexes: number[] }>();
  for (const { row, index, design } of items) {
    if (!design) continue;
    const key = JSON.stringify(design);
    const link = shortUrl(row, env.PUBLIC_BASE_URL);
    const group = byDesign.get(key) ?? { design, link, indexes: [] };
    if (link.length > group.link.length) group.link = link;
    group.indexes.push(index);
    byDesign.set(key, group);
  }
  const details: ErrorDetail[] = [];
  for (const { design, link, indexes } of byDesign.values()) {
    try {
      await assertScans(link, design, null);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const message = err.message.slice("qr_style: ".length);
      for (const index of indexes) details.push({ index, field: "qr_style", message });
    }
  }
  return details;
}

export async function bulkCreateCodesRoute(request: ApiRequest, env: Env): Promise<Response> {
  const { codes: raw } = await parseBody(request, BulkItems);
  const invalid: ErrorDetail[] = [];
  const conflicts: ErrorDetail[] = [];
  const items: Array<z.output<typeof CreateCodeBody> & { index: number }> = [];
  raw.forEach((input, index) => {
    const checked = checkWith(CreateCodeBody, input);
    if (!checked.ok) invalid.push({ index, field: checked.field, message: checked.message });
    else if (checked.data.short_code && RESERVED_SHORT_CODES.has(checked.data.short_code.toLowerCase())) invalid.push({ index, field: "short_code", message: "is reserved" });
    else items.push({ ...checked.data, index });
  });
  const designs = new Map<number, QrStyle>();
  for (const item of items) {
    if (item.qr_style === undefined) continue;
    try {
      designs.set(item.index, changedDesign(DEFAULT_QR_STYLE, item.qr_style));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const [field, ...message] = err.message.split(": ");
      invalid.push({ index: item.index, field: field!, message: message.join(": ") });
    }
  }

  const control = controlDb(env);
  const workspaceId = request.auth.workspaceId;
  const hostnames = [...new Set(items.flatMap((i) => (i.domain ? [i.domain] : [])))];
  const active = await activeHostnames(control, workspaceId, hostnames);
  for (const item of items) if (item.domain && !active.has(item.domain)) invalid.push({ index: item.index, field: "domain", message: DOMAIN_NOT_ACTIVE });

  // Two items of the request taking one address or one external_id: the later ones conflict.
  const firstAddress = new Map<string, number>();
  const firstExternalId = new Map<string, number>();
  for (const item of items) {
    if (item.short_code) {
      const address = linkAddress(item.domain ?? null, item.short_code);
      const first = firstAddress.get(address);
      if (first === undefined) firstAddress.set(address, item.index);
      else conflicts.push({ index: item.index, field: "short_code", message: `is also given by item ${first}` });
    }
    if (item.external_id) {
      const first = firstExternalId.get(item.external_id);
      if (first === undefined) firstExternalId.set(item.external_id, item.index);
      else conflicts.push({ index: item.index, field: "external_id", message: `is also given by item ${first}` });
    }
  }
  const takenIds = await takenExternalIds(request.db, workspaceId, [...firstExternalId.keys()]);
  for (const item of items) {
    if (item.external_id && takenIds.has(item.external_id) && firstExternalId.get(item.external_id) === item.index) {
      conflicts.push({ index: item.index, field: "external_id", message: "is already taken" });
    }
  }
  if (invalid.length > 0) throw refused("BAD_REQUEST", [...invalid, ...conflicts], raw.length);

  // Claim every address in the directory at once; generated short codes taken meanwhile are drawn again.
  const now = new Date().toISOString();
  const rows: Array<NewCode & { domain: string | null }> = items.map((item) => ({
    id: newId("qr"),
    workspace_id: workspaceId,
    short_code: linkAddress(item.domain ?? null, item.short_code ?? randomShortCode()),
    domain: item.domain ?? null,
    url: item.url,
    status: "active",
    name: item.name ?? null,
    tags: item.tags ?? [],
    external_id: item.external_id ?? null,
    routing: routingPatch(item),
    qr_style: designs.has(item.index) ? storedDesign(designs.get(item.index)!) : null,
    created_at: now,
    updated_at: now,
  }));
  const unreadable = await unreadableDesigns(rows.map((row, i) => ({ row, index: items[i]!.index, design: designs.get(items[i]!.index) })), env);
  if (unreadable.length > 0) throw refused("BAD_REQUEST", unreadable, raw.length);
  const claimed: Claim[] = [];
  let pending = rows.map((row, i) => ({ row, item: items[i]! }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    const claims = pending.map(({ row }) => ({ short_code: row.short_code, code_id: row.id, created_at: now, domain: row.domain }));
    const won = await claimShortCodes(control, workspaceId, claims);
    claimed.push(...claims.filter((c) => won.has(c.short_code)));
    const lost = pending.filter(({ row }) => !won.has(row.short_code));
    for (const { item } of lost) if (item.short_code) conflicts.push({ index: item.index, field: "short_code", message: "is already taken" });
    pending = lost.filter(({ item }) => !item.short_code);
    if (pending.length > 0 && attempt >= GENERATED_CODE_ATTEMPTS) {
      await releaseShortCodes(control, claimed);
      throw new Error(`no free short code in ${GENERATED_CODE_ATTEMPTS} attempts`);
    }
    for (const p of pending) p.row.short_code = linkAddress(p.row.domain, randomShortCode());
  }
  // Every conflict, of the request's own items and with codes that exist, is named at once.
  if (conflicts.length > 0) {
    await releaseShortCodes(control, claimed);
    throw refused("CONFLICT", conflicts, raw.length);
  }

  const audits = rows.map((row) => ({
    ...auditFacts(request, "code.created", row.id),
    after: presentCode(
      {
        ...row,
        name: row.name ?? null,
        tags: JSON.stringify(row.tags),
        external_id: row.external_id ?? null,
        routing: storedRouting(row.routing),
        qr_style: row.qr_style ?? null,
        logo: null,
        total_scans: 0,
        bot_scans: 0,
        version: 1,
        capped_at: null,
      },
      env.PUBLIC_BASE_URL,
    ),
  }));
  const events = codeEvents(request, env, "code.created", audits.map((a) => ({ code_id: a.resource_id, audit_id: a.id })));
  let created;
  try {
    created = await insertCodes(request.db, rows, audits, events);
  } catch (err) {
    await releaseShortCodes(control, claimed).catch((release: unknown) =>
      console.error(JSON.stringify({ event: "short_code_release_failed", short_codes: claimed.length, error: String(release) })),
    );
    if (takenCodeField(err) === null) throw err;
    // An external_id taken since it was checked: name the items that hold one now.
    const taken = await takenExternalIds(request.db, workspaceId, [...firstExternalId.keys()]);
    const raced = items.filter((i) => i.external_id && taken.has(i.external_id)).map((i) => ({ index: i.index, field: "external_id", message: "is already taken" }));
    throw refused("CONFLICT", raced, raw.length);
  }
  await sendCodeEvents(request, env, events);
  await syncLinks(request, env, created);
  return ok(request, created.map((c) => presentCode(c, env.PUBLIC_BASE_URL)), 201);
}

/**
 * A 400 unless `design` reads back on every target: once for the codes without a logo, and once
 * for each shape of logo (width by height) among the others, each with the longest link of its
 * group (the densest symbol) and, for a logo, that code's own.
 */
async function assertScansOnEvery(env: Env, workspaceId: string, targets: readonly BulkTargetRow[], design: QrStyle): Promise<void> {
  const groups = new Map<string, { code: BulkTargetRow; link: string }>();
  for (const code of targets) {
    const logo = logoOf(code);
    const key = logo ? `${logo.width}x${logo.height}` : "";
    const link = shortUrl(code, env.PUBLIC_BASE_URL);
    const group = groups.get(key);
    if (!group || link.length > group.link.length) groups.set(key, { code, link });
  }
  for (const { code, link } of groups.values()) {
    const logo = await readLogoImage(env.LOGOS, workspaceId, code.id, logoOf(code));
    await assertScans(link, design, logo, "set.qr_style");
  }
}

export async function bulkUpdateCodesRoute(request: ApiRequest, env: Env): Promise<Response> {
  const body = await parseBody(request, BulkUpdateCodesBody);
  if ((body.ids === undefined) === (body.tag === undefined)) throw badRequest("body", "must name the codes by either ids or tag");
  const { qr_style, ...set } = body.set;
  if (Object.values(body.set).every((v) => v === undefined)) throw badRequest("set", "must contain url, status, add_tags, remove_tags or qr_style");
  const design = qr_style === undefined ? undefined : changedDesign({ ...DEFAULT_QR_STYLE }, qr_style, "set.qr_style");
  const max = API_LIMITS.bulk_codes.max;
  const targets = await bulkTargets(request.db, request.auth.workspaceId, body.ids ? { ids: body.ids } : { tag: body.tag! }, max + 1);
  if (targets.length > max) throw badRequest("tag", `is carried by more than ${max} codes: name them by ids, ${max} at a time`);
  if (targets.length === 0) return ok(request, { updated: 0 });
  if (design) await assertScansOnEvery(env, request.auth.workspaceId, targets, design);

  const audits = targets.map((t) => auditFacts(request, "code.updated", t.id));
  const events = codeEvents(request, env, "code.updated", audits.map((a) => ({ code_id: a.resource_id, audit_id: a.id })));
  const changes = { ...set, ...(design ? { qr_style: storedDesign(design) } : {}) };
  const updated = await updateCodes(request.db, request.auth.workspaceId, audits, changes, new Date().toISOString(), events).catch((err: unknown) => {
    if (overTagLimit(err)) throw badRequest("set.add_tags", `would give a code more than ${API_LIMITS.code_tags.max} tags`);
    throw err;
  });
  await sendCodeEvents(request, env, events);
  if (set.url !== undefined || set.status !== undefined) await syncLinks(request, env, updated);
  return ok(request, { updated: updated.length });
}
