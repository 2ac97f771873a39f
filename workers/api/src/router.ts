import { controlDb, newId } from "@qr3/core";
import { OPERATIONS, type Operation, type OperationId } from "@qr3/schema/api";
import { Router } from "itty-router";
import { authenticate } from "./auth.ts";
import { assertNoBody } from "./body.ts";
import { ApiError, badRequest, notFound } from "./errors.ts";
import type { ApiRequest, Handler } from "./context.ts";
import { idempotent } from "./idempotency.ts";
import { checkRateLimit, rateLimitHeaders } from "./rate-limit.ts";
import { errorResponse } from "./respond.ts";
import { requireScope } from "./scopes.ts";
import { BOOKMARK_HEADER, bookmarkOf, openSession } from "./session.ts";
import { auditLogRoute } from "./routes/audit.ts";
import { exportScansRoute } from "./routes/export.ts";
import { createKeyRoute, currentKeyRoute, listKeysRoute, revokeKeyRoute } from "./routes/keys.ts";
import { openApiRoute } from "./routes/openapi.ts";
import { codeQrPdfRoute, codeQrPngRoute, codeQrSvgRoute } from "./routes/qr.ts";
import { deleteLogoRoute, getLogoRoute, putLogoRoute } from "./routes/logo.ts";
import { tagQrZipRoute } from "./routes/tag-qr.ts";
import { codeScansRoute } from "./routes/scans.ts";
import { tagScansRoute } from "./routes/tag-scans.ts";
import { bulkCreateCodesRoute, bulkUpdateCodesRoute } from "./routes/bulk-codes.ts";
import { createDomainRoute, deleteDomainRoute, getDomainRoute, listDomainsRoute, verifyDomainRoute } from "./routes/domains.ts";
import { resolveCodeRoute } from "./routes/resolve.ts";
import { createCodeRoute, deleteCodeRoute, getCodeRoute, listCodesRoute, listTagsRoute, updateCodeRoute } from "./routes/codes.ts";
import { listDeliveriesRoute, redeliverRoute } from "./routes/deliveries.ts";
import {
  createWebhookRoute,
  deleteWebhookRoute,
  getWebhookRoute,
  listWebhooksRoute,
  rotateSecretRoute,
  testWebhookRoute,
  updateWebhookRoute,
} from "./routes/webhooks.ts";
import { getWorkspaceRoute, workspaceScansRoute } from "./routes/workspaces.ts";

/**
 * The handler of every operation of the contract (packages/schema/src/api/operations.ts): the
 * router serves exactly the operations the OpenAPI document describes.
 */
export const HANDLERS: Record<OperationId, Handler> = {
  createCode: createCodeRoute,
  bulkCreateCodes: bulkCreateCodesRoute,
  bulkUpdateCodes: bulkUpdateCodesRoute,
  listCodes: listCodesRoute,
  listTags: listTagsRoute,
  tagScans: tagScansRoute,
  getCode: getCodeRoute,
  updateCode: updateCodeRoute,
  deleteCode: deleteCodeRoute,
  resolveCode: resolveCodeRoute,
  codeScans: codeScansRoute,
  exportScans: exportScansRoute,
  codeQrSvg: codeQrSvgRoute,
  codeQrPng: codeQrPngRoute,
  codeQrPdf: codeQrPdfRoute,
  putCodeLogo: putLogoRoute,
  getCodeLogo: getLogoRoute,
  deleteCodeLogo: deleteLogoRoute,
  tagQrZip: tagQrZipRoute,
  getWorkspace: getWorkspaceRoute,
  workspaceScans: workspaceScansRoute,
  createDomain: createDomainRoute,
  listDomains: listDomainsRoute,
  getDomain: getDomainRoute,
  verifyDomain: verifyDomainRoute,
  deleteDomain: deleteDomainRoute,
  createWebhook: createWebhookRoute,
  listWebhooks: listWebhooksRoute,
  getWebhook: getWebhookRoute,
  updateWebhook: updateWebhookRoute,
  deleteWebhook: deleteWebhookRoute,
  rotateWebhookSecret: rotateSecretRoute,
  testWebhook: testWebhookRoute,
  listDeliveries: listDeliveriesRoute,
  redeliver: redeliverRoute,
  createKey: createKeyRoute,
  listKeys: listKeysRoute,
  currentKey: currentKeyRoute,
  revokeKey: revokeKeyRoute,
  auditLog: auditLogRoute,
  openApi: openApiRoute,
};

type Args = [Env, ExecutionContext];

function withRequestId(request: ApiRequest): void {
  request.requestId = newId("req");
}

/**
 * Every query parameter is read as one string unless its operation declares it repeatable: one
 * given twice is refused here rather than reach a schema as an array it does not expect.
 */
function withSingleQueryValues(request: ApiRequest, operation: Operation): void {
  for (const [name, value] of Object.entries(request.query)) {
    if (Array.isArray(value) && !operation.repeatable?.includes(name)) throw badRequest(name, "must be given once");
  }
}

/**
 * What every operation goes through before its handler, in order: the rule on repeated query
 * parameters, the key (resolved to its workspace and shard, once), its rate limit (before the
 * scope, so that a refused request counts too), its scope, the body rule (an operation without a
 * JSON body answers a 400 to one rather than ignore it), and for a POST its Idempotency-Key.
 */
function serve(operation: Operation, handler: Handler): Handler {
  return async (request, env, ctx) => {
    request.operation = operation;
    withSingleQueryValues(request, operation);
    if (operation.scope !== "public") {
      request.auth = await authenticate(request, controlDb(env), ctx);
      await checkRateLimit(request, env);
      requireScope(operation, request.auth);
      openSession(request, env);
    }
    if (!operation.body && !operation.upload) await assertNoBody(request);
    if (operation.method === "POST") return idempotent(request, env, () => Promise.resolve(handler(request, env, ctx)));
    return handler(request, env, ctx);
  };
}

/**
 * On every response: the x-request-id header, the rate limit's headers, and the D1 session's
 * bookmark once it has one; a HEAD answer keeps GET's status and headers only.
 */
async function withResponseHeaders(response: Response, request: ApiRequest): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set("x-request-id", request.requestId);
  rateLimitHeaders(request, headers);
  const bookmark = bookmarkOf(request);
  if (bookmark !== null) headers.set(BOOKMARK_HEADER, bookmark);
  let body = response.body;
  if (request.method === "HEAD" && body) {
    await body.cancel();
    body = null;
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

export function buildRouter() {
  const router = Router<ApiRequest, Args>({
    before: [withRequestId],
    catch: (err, request) => errorResponse(err, (request as ApiRequest).requestId),
    finally: [withResponseHeaders],
  });
  const allowed = new Map<string, string[]>();
  for (const [id, operation] of Object.entries(OPERATIONS) as [OperationId, Operation][]) {
    const route = serve(operation, HANDLERS[id]);
    const methods = operation.method === "GET" ? (["GET", "HEAD"] as const) : [operation.method];
    for (const m of methods) router[m.toLowerCase()]!(operation.path, route as never);
    allowed.set(operation.path, [...(allowed.get(operation.path) ?? []), ...methods]);
  }
  // A known path asked with another method is a 405 naming the methods it has.
  for (const [path, methods] of allowed) {
    router.all(path, () => {
      throw new ApiError("METHOD_NOT_ALLOWED", `Method not allowed. Allowed: ${methods.join(", ")}`, {
        allow: methods.join(", "),
      });
    });
  }
  router.all("*", () => {
    throw notFound("Route");
  });
  return router;
}
