import { controlDb, newId } from "@qr3/core";
import { Router } from "itty-router";
import { authenticate } from "./auth.ts";
import { assertNoBody } from "./body.ts";
import { ApiError, badRequest, notFound } from "./errors.ts";
import type { ApiRequest, Handler } from "./context.ts";
import { errorResponse } from "./respond.ts";
import { BOOKMARK_HEADER, bookmarkOf, openSession } from "./session.ts";
import { exportScansRoute } from "./routes/export.ts";
import { codeQrRoute } from "./routes/qr.ts";
import { codeScansRoute } from "./routes/scans.ts";
import { createCodeRoute, deleteCodeRoute, getCodeRoute, listCodesRoute, updateCodeRoute } from "./routes/codes.ts";
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

type Method = "GET" | "POST" | "PATCH" | "DELETE";

/**
 * Every endpoint of the API, in one table. A route marked "json" reads a JSON body (parseBody);
 * every other one answers a 400 to a body rather than ignore it. Each GET route answers HEAD too.
 */
export const ROUTES: ReadonlyArray<readonly [Method, string, Handler, "json"?]> = [
  ["POST", "/v1/codes", createCodeRoute, "json"],
  ["GET", "/v1/codes", listCodesRoute],
  ["GET", "/v1/codes/:id", getCodeRoute],
  ["PATCH", "/v1/codes/:id", updateCodeRoute, "json"],
  ["DELETE", "/v1/codes/:id", deleteCodeRoute],
  ["GET", "/v1/codes/:id/scans", codeScansRoute],
  ["GET", "/v1/codes/:id/scans/export", exportScansRoute],
  ["GET", "/v1/codes/:id/qr.svg", codeQrRoute],
  ["GET", "/v1/workspaces/:id", getWorkspaceRoute],
  ["GET", "/v1/workspaces/:id/scans", workspaceScansRoute],
  ["POST", "/v1/webhooks", createWebhookRoute, "json"],
  ["GET", "/v1/webhooks", listWebhooksRoute],
  ["GET", "/v1/webhooks/:id", getWebhookRoute],
  ["PATCH", "/v1/webhooks/:id", updateWebhookRoute, "json"],
  ["DELETE", "/v1/webhooks/:id", deleteWebhookRoute],
  ["POST", "/v1/webhooks/:id/rotate-secret", rotateSecretRoute, "json"],
  ["POST", "/v1/webhooks/:id/test", testWebhookRoute],
  ["GET", "/v1/webhooks/:id/deliveries", listDeliveriesRoute],
  ["POST", "/v1/webhooks/:id/deliveries/:delivery_id/redeliver", redeliverRoute],
];

type Args = [Env, ExecutionContext];

function withRequestId(request: ApiRequest): void {
  request.requestId = newId("req");
}

async function withAuth(request: ApiRequest, env: Env): Promise<void> {
  request.auth = await authenticate(request, controlDb(env));
  openSession(request, env);
}

/**
 * Every query parameter is read as one string: one given twice is refused here, for every route,
 * rather than reach a schema as an array.
 */
function withSingleQueryValues(request: ApiRequest): void {
  for (const [name, value] of Object.entries(request.query)) {
    if (Array.isArray(value)) throw badRequest(name, "must be given once");
  }
}

const refusingBody = (handler: Handler): Handler => async (request, env, ctx) => {
  await assertNoBody(request);
  return handler(request, env, ctx);
};

/**
 * The x-request-id header on every response, and the D1 session's bookmark once it has one; a HEAD
 * answer keeps GET's status and headers only.
 */
async function withRequestIdHeader(response: Response, request: ApiRequest): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set("x-request-id", request.requestId);
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
    before: [withRequestId, withAuth, withSingleQueryValues],
    catch: (err, request) => errorResponse(err, (request as ApiRequest).requestId),
    finally: [withRequestIdHeader],
  });
  const allowed = new Map<string, string[]>();
  for (const [method, path, handler, body] of ROUTES) {
    const route = body === "json" ? handler : refusingBody(handler);
    const methods = method === "GET" ? (["GET", "HEAD"] as const) : [method];
    for (const m of methods) router[m.toLowerCase()]!(path, route as never);
    allowed.set(path, [...(allowed.get(path) ?? []), ...methods]);
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
