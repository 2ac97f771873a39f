import type { ApiRequest } from "../context.ts";
import { buildOpenApiDocument } from "../openapi.ts";

// Built once per isolate and origin: the document depends on nothing but the code and the host.
const documents = new Map<string, string>();

/** GET /v1/openapi.json: the API's OpenAPI 3.1 document, without a key. */
export function openApiRoute(request: ApiRequest): Response {
  const origin = new URL(request.url).origin;
  let text = documents.get(origin);
  if (text === undefined) {
    text = JSON.stringify(buildOpenApiDocument(origin));
    documents.set(origin, text);
  }
  return new Response(text, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "public, max-age=300",
      // Any tool may read it, from any origin: it holds nothing private.
      "access-control-allow-origin": "*",
    },
  });
}
