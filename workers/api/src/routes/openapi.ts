import type { ApiRequest } from "../context.ts";
import { buildOpenApiDocument } from "../openapi.ts";

// Built once per isolate: the document depends on nothing but the code and the host it is asked
// on. One is kept, so that requests naming ever other hosts cannot grow the isolate's memory.
let cached: { origin: string; text: string } | null = null;

/** GET /v1/openapi.json: the API's OpenAPI 3.1 document, without a key. */
export function openApiRoute(request: ApiRequest): Response {
  const origin = new URL(request.url).origin;
  if (cached?.origin !== origin) cached = { origin, text: JSON.stringify(buildOpenApiDocument(origin)) };
  const { text } = cached;
  return new Response(text, {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "public, max-age=300",
      // Any tool may read it, from any origin: it holds nothing private.
      "access-control-allow-origin": "*",
    },
  });
}
