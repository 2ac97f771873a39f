import { updateCode } from "@qr3/db";
import { auditFacts } from "../audit.ts";
import { codeEvents, sendCodeEvents } from "../code-events.ts";
import type { ApiRequest } from "../context.ts";
import { notFound } from "../errors.ts";
import { readLogo } from "../logos/intake.ts";
import { logoKey, pruneLogos, putLogo } from "../logos/store.ts";
import { designOf, logoOf, presentCode, shortUrl } from "../present.ts";
import { assertScans } from "../qr-design.ts";
import { ok } from "../respond.ts";
import { findCode } from "./codes.ts";

// PUT, GET and DELETE /v1/codes/:id/logo. The image goes to R2 before the code's row names it, and
// a replaced or removed image is pruned only after the row has moved on: the row never names
// bytes that are not there.

/** Writes the code's logo facts (or null), with its audit entry and code.updated events. */
async function setLogo(request: ApiRequest, env: Env, logo: string | null) {
  const id = request.params.id!;
  const audit = auditFacts(request, "code.updated", id);
  const events = codeEvents(request, env, "code.updated", [{ code_id: id, audit_id: audit.id }]);
  const code = await updateCode(request.db, request.auth.workspaceId, id, { logo }, new Date().toISOString(), audit, events);
  if (!code) throw notFound("Code");
  await sendCodeEvents(request, env, events);
  return code;
}

export async function putLogoRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const upload = await readLogo(request);
  const image = { type: upload.facts.type, bytes: upload.bytes, width: upload.facts.width, height: upload.facts.height };
  await assertScans(shortUrl(code, env.PUBLIC_BASE_URL), designOf(code), image, "body");
  await putLogo(env.LOGOS, code.workspace_id, code.id, upload.facts, upload.bytes);
  const updated = await setLogo(request, env, JSON.stringify(upload.facts));
  await pruneLogos(env.LOGOS, code.workspace_id, code.id, upload.facts.sha256);
  return ok(request, presentCode(updated, env.PUBLIC_BASE_URL));
}

export async function getLogoRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const logo = logoOf(code);
  const object = logo ? await env.LOGOS.get(logoKey(code.workspace_id, code.id, logo.sha256)) : null;
  if (!logo || !object) throw notFound("Logo");
  return new Response(object.body, {
    headers: {
      "content-type": logo.type,
      etag: `"${logo.sha256}"`,
      "cache-control": "private, max-age=3600",
      // An SVG opened on its own stays inert: no script runs, nothing is fetched.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
      "x-content-type-options": "nosniff",
    },
  });
}

export async function deleteLogoRoute(request: ApiRequest, env: Env): Promise<Response> {
  const code = await findCode(request);
  const updated = code.logo === null ? code : await setLogo(request, env, null);
  await pruneLogos(env.LOGOS, code.workspace_id, code.id, null);
  return ok(request, presentCode(updated, env.PUBLIC_BASE_URL));
}
