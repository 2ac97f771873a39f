import { controlDb, hostnameProblem, newId, randomBase62 } from "@qr3/core";
import { activateDomain, deleteDomain, getDomain, insertDomain, listDomains, takenHostname, type DomainRow } from "@qr3/db";
import { API_LIMITS, CreateDomainBody, ListQuery } from "@qr3/schema/api";
import { recordAudit } from "../audit.ts";
import type { ApiRequest } from "../context.ts";
import { lookupTxt } from "../dns.ts";
import { ApiError, badRequest, notFound } from "../errors.ts";
import { domainVerification, presentDomain } from "../present.ts";
import { noContent, ok, okPage } from "../respond.ts";
import { parseBody, parseWith } from "../validation.ts";

// Branded domains live in the control database: a hostname is global, whatever shard holds the
// workspaces that add it. Their audit entries go to the workspace's shard right after the change.

async function findDomain(request: ApiRequest, env: Env): Promise<DomainRow> {
  const domain = await getDomain(controlDb(env), request.auth.workspaceId, request.params.id!);
  if (!domain) throw notFound("Domain");
  return domain;
}

export async function createDomainRoute(request: ApiRequest, env: Env): Promise<Response> {
  const { hostname } = await parseBody(request, CreateDomainBody);
  const problem = hostnameProblem(hostname, new URL(env.PUBLIC_BASE_URL).hostname);
  if (problem) throw badRequest("hostname", problem);
  const row = { id: newId("dom"), workspace_id: request.auth.workspaceId, hostname, verification_token: randomBase62(32), created_at: new Date().toISOString() };
  const domain = await insertDomain(controlDb(env), row, API_LIMITS.domains.max).catch((err: unknown) => {
    if (takenHostname(err) === "added") throw new ApiError("CONFLICT", "hostname: is already added to this workspace");
    throw err;
  });
  if (!domain) throw new ApiError("CONFLICT", `hostname: the workspace already has ${API_LIMITS.domains.max} domains, the most it may have`);
  await recordAudit(request, { action: "domain.created", resourceId: domain.id, after: presentDomain(domain) });
  return ok(request, presentDomain(domain), 201);
}

export async function listDomainsRoute(request: ApiRequest, env: Env): Promise<Response> {
  const query = parseWith(ListQuery, request.query);
  const rows = await listDomains(controlDb(env), request.auth.workspaceId, query.limit + 1, query.cursor ?? null);
  return okPage(request, rows, query.limit, presentDomain);
}

export async function getDomainRoute(request: ApiRequest, env: Env): Promise<Response> {
  return ok(request, presentDomain(await findDomain(request, env)));
}

/** Looks the domain's TXT record up; a match makes it active, unless another workspace holds the hostname active. */
export async function verifyDomainRoute(request: ApiRequest, env: Env): Promise<Response> {
  const domain = await findDomain(request, env);
  if (domain.status === "active") return ok(request, presentDomain(domain));
  const { name, value } = domainVerification(domain);
  const found = await lookupTxt(env.DOH_URL, name);
  if (!found.includes(value)) {
    const seen = found.length === 0 ? "no TXT record" : `TXT ${found.map((f) => JSON.stringify(f)).join(", ")}`;
    throw new ApiError("DOMAIN_NOT_VERIFIED", `hostname: ${name} has ${seen}, not "${value}" (DNS changes can take a few minutes to be seen)`);
  }
  const active = await activateDomain(controlDb(env), request.auth.workspaceId, domain.id, new Date().toISOString()).catch((err: unknown) => {
    if (takenHostname(err) === "active_elsewhere") throw new ApiError("CONFLICT", "hostname: is in use by another workspace");
    throw err;
  });
  if (!active) throw notFound("Domain");
  await recordAudit(request, { action: "domain.verified", resourceId: active.id, before: { status: domain.status }, after: { status: active.status } });
  return ok(request, presentDomain(active));
}

export async function deleteDomainRoute(request: ApiRequest, env: Env): Promise<Response> {
  const deleted = await deleteDomain(controlDb(env), request.auth.workspaceId, request.params.id!);
  if (deleted === null) throw notFound("Domain");
  if (deleted === "in_use") throw new ApiError("CONFLICT", "id: codes are on this domain: delete them first");
  await recordAudit(request, { action: "domain.deleted", resourceId: deleted.id, before: presentDomain(deleted) });
  return noContent();
}
