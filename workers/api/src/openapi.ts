import { OPERATIONS, TAGS, ErrorBody, SCOPE_DESCRIPTIONS, SCOPES, IDEMPOTENCY_TTL_HOURS, type Operation } from "@qr3/schema/api";
import * as z from "zod/mini";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "./errors.ts";

// The OpenAPI 3.1 document of the API, generated from the contract (packages/schema/src/api): the
// operations table gives the paths, scopes and shapes, zod the JSON Schemas. Nothing here is
// written by hand but the words.

/** `/v1/codes/:id` as OpenAPI writes it: `/v1/codes/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");

const STRING = { type: "string" } as const;

/** Response headers, each described once in components.headers; `true`: always sent where listed. */
const HEADERS = {
  "x-request-id": ["The request's id, also in meta.request_id: quote it when asking for help.", true],
  "x-d1-bookmark": ["The position of the request's reads and writes: send it back as x-d1-bookmark to read no earlier than this.", false],
  RateLimit: ['What is left of the key\'s limit in the current window: `"reads";r=<remaining>;t=<seconds to reset>` (IETF draft; see the README for how remaining is estimated).', true],
  "RateLimit-Policy": ['The limit that applies: `"reads";q=<requests>;w=<window seconds>` (IETF draft).', true],
  "idempotent-replayed": ['"true" when this is the stored answer to an earlier request with the same Idempotency-Key.', false],
  "www-authenticate": ['Bearer realm="qr3"', true],
  "retry-after": ["Seconds until the limit's window resets.", true],
} as const;
type HeaderName = keyof typeof HEADERS;
const headerRefs = (names: HeaderName[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

const ERROR_WORDS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: "A parameter, header or field is invalid; the message names it.",
  UNAUTHORIZED: "No API key, an unknown or revoked one, or one past its expires_at.",
  FORBIDDEN: "The key lacks the operation's scope; the message names it.",
  NOT_FOUND: "No such resource in the key's workspace.",
  CONFLICT: "The change conflicts with the resource's state.",
  IDEMPOTENCY_IN_PROGRESS: "A request with the same Idempotency-Key is still running.",
  PAYLOAD_TOO_LARGE: "The body is over 1 MB.",
  UNSUPPORTED_MEDIA_TYPE: "The body is not declared application/json.",
  IDEMPOTENCY_MISMATCH: "The Idempotency-Key was used with another body or path.",
  RATE_LIMITED: "Over the key's rate limit: retry after Retry-After seconds.",
  DOMAIN_NOT_VERIFIED: "The domain's TXT record does not hold its verification value yet; the message says what was found.",
  INTERNAL_SERVER_ERROR: "Something failed on qr3's side; safe to retry.",
  DNS_UNAVAILABLE: "The DNS resolver did not answer; safe to retry.",
};

/** The error answers by status, each described once in components.responses. */
const ERROR_RESPONSES = new Map<number, ErrorCode[]>();
for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
  if (code === "METHOD_NOT_ALLOWED") continue; // a path asked with a method it lacks: no operation's answer
  ERROR_RESPONSES.set(ERROR_STATUS[code], [...(ERROR_RESPONSES.get(ERROR_STATUS[code]) ?? []), code]);
}
const errorResponseName = (status: number) => `Error${status}`;

/** The error envelope with the codes a status carries. */
const errorBodyOf = (codes: ErrorCode[]) =>
  z.object({
    error: z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]), message: ErrorBody.shape.error.shape.message, details: ErrorBody.shape.error.shape.details }),
    meta: ErrorBody.shape.meta,
  });

function errorResponseComponents() {
  return Object.fromEntries(
    [...ERROR_RESPONSES].map(([status, codes]) => {
      const headers: HeaderName[] = ["x-request-id"];
      if (status === 401) headers.push("www-authenticate");
      if (status === 429) headers.push("retry-after", "RateLimit", "RateLimit-Policy");
      return [
        errorResponseName(status),
        {
          description: codes.map((c) => `${c}: ${ERROR_WORDS[c]}`).join(" "),
          headers: headerRefs(headers),
          content: { "application/json": { schema: errorBodyOf(codes) } },
        },
      ];
    }),
  );
}

/** The error statuses an operation may answer with, from what it takes and needs. */
function errorStatusesOf(operation: Operation): number[] {
  const statuses = [400];
  if (operation.scope !== "public") statuses.push(401, 403, 429);
  if (operation.path.includes(":")) statuses.push(404);
  if (operation.method !== "GET") statuses.push(409);
  if (operation.body || operation.upload) statuses.push(413, 415);
  if (operation.method === "POST") statuses.push(422);
  statuses.push(500, ...(operation.errors ?? []));
  return statuses.sort((a, b) => a - b);
}

function successResponse(operation: Operation): ZodOpenApiResponsesObject {
  const { success } = operation;
  const names: HeaderName[] = operation.scope === "public" ? ["x-request-id"] : ["x-request-id", "x-d1-bookmark", "RateLimit", "RateLimit-Policy"];
  if (operation.method === "POST") names.push("idempotent-replayed");
  const headers: Record<string, unknown> = headerRefs(names);
  for (const [name, description] of Object.entries(success.headers ?? {})) headers[name] = { description, schema: STRING };
  const content: Record<string, { schema: z.ZodMiniType }> = {};
  if (success.body) content["application/json"] = { schema: success.body };
  for (const [type, description] of Object.entries(success.media ?? {})) {
    const schema = type === "application/json" ? z.record(z.string(), z.unknown()) : z.string();
    content[type] = { schema: schema.register(z.globalRegistry, { description }) };
  }
  const responses: ZodOpenApiResponsesObject = {
    [String(success.status)]: { description: success.description, headers, ...(Object.keys(content).length ? { content } : {}) },
  } as ZodOpenApiResponsesObject;
  if (success.notModified) {
    (responses as Record<string, unknown>)["304"] = { description: "Not modified: the ETag given in If-None-Match still holds.", headers: headerRefs(["x-request-id"]) };
  }
  for (const status of errorStatusesOf(operation)) {
    (responses as Record<string, unknown>)[String(status)] = { $ref: `#/components/responses/${errorResponseName(status)}` };
  }
  return responses;
}

/** A raw file body: one binary content per type it may be. */
function uploadContent(upload: NonNullable<Operation["upload"]>) {
  return Object.fromEntries(
    Object.entries(upload.types).map(([type, description]) => [
      type,
      { schema: z.string().register(z.globalRegistry, { description: `${description} At most ${upload.max_bytes} bytes.`, format: "binary" }) },
    ]),
  );
}

const pathParams = (path: string) => {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  return names.length ? z.object(Object.fromEntries(names.map((n) => [n, z.string()]))) : undefined;
};

function operationObject(id: string, operation: Operation): ZodOpenApiOperationObject {
  const scope = operation.scope;
  const access =
    scope === "public" ? "No API key needed." : scope === "any" ? "Any API key." : `Scope: \`${scope}\`.`;
  const headerParams: Record<string, z.ZodMiniType> = {};
  if (operation.method === "POST") {
    headerParams["idempotency-key"] = z.optional(z.string().register(z.globalRegistry, {
      description: `1 to 255 printable characters. Within ${IDEMPOTENCY_TTL_HOURS} hours the same key, body and API key replay the first answer instead of acting again.`,
    }));
  }
  if (scope !== "public") {
    headerParams["x-d1-bookmark"] = z.optional(z.string().register(z.globalRegistry, { description: "A bookmark an earlier answer sent: read no earlier than it." }));
  }
  const path = pathParams(operation.path);
  return {
    operationId: id,
    tags: [operation.tag],
    summary: operation.summary,
    description: [operation.description, access].filter(Boolean).join("\n\n"),
    ...(scope === "public" ? { security: [] } : { "x-qr3-scope": scope }),
    requestParams: {
      ...(path ? { path } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(Object.keys(headerParams).length ? { header: z.object(headerParams) } : {}),
    },
    ...(operation.body ? { requestBody: { required: !operation.body.optional, content: { "application/json": { schema: operation.body.schema } } } } : {}),
    ...(operation.upload ? { requestBody: { required: true, content: uploadContent(operation.upload) } } : {}),
    responses: successResponse(operation),
  };
}

export function buildOpenApiDocument(serverUrl: string) {
  const paths: ZodOpenApiPathsObject = {};
  for (const [id, operation] of Object.entries(OPERATIONS) as [string, Operation][]) {
    const item = (paths[openApiPath(operation.path)] ??= {});
    item[operation.method.toLowerCase() as "get"] = operationObject(id, operation);
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "qr3 API",
      version: "1.0.0",
      description:
        "Dynamic QR codes whose every scan is tracked, privately, at the edge. Every answer is JSON `{ data, meta }` (lists add `pagination`); every error is `{ error: { code, message }, meta }`, the message naming the field at fault.\n\n" +
        "Authenticate with `Authorization: Bearer qr3_sk_...`. Scopes:\n\n" +
        SCOPES.map((s) => `- \`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join("\n"),
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "An API key, qr3_sk_..." } },
      headers: Object.fromEntries(Object.entries(HEADERS).map(([name, [description, required]]) => [name, { description, required, schema: STRING }])),
      responses: errorResponseComponents(),
    },
  });
}
