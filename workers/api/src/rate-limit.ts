import type { ApiRequest } from "./context.ts";

/** Counts the request against its key's limit; over it, a 429. */
export async function checkRateLimit(request: ApiRequest, env: Env): Promise<void> {}

/** The RateLimit-Policy and RateLimit headers of the request's limit. */
export function rateLimitHeaders(request: ApiRequest, headers: Headers): void {}
