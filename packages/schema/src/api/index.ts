// The API's contract: every request and response shape, and every operation. The API validates
// with these and its presenters produce them; the OpenAPI document is generated from them; the
// dashboard imports their types.
export * from "./limits.ts";
export * from "./common.ts";
export * from "./urls.ts";
export * from "./domains.ts";
export * from "./routing.ts";
export * from "./codes.ts";
export * from "./qr.ts";
export * from "./analytics.ts";
export * from "./workspaces.ts";
export * from "./webhooks.ts";
export * from "./keys.ts";
export * from "./audit.ts";
export * from "./scopes.ts";
export * from "./rate-limits.ts";
export * from "./operations.ts";
