import { RATE_LIMITS, type RateLimitBucket } from "@qr3/schema/api";
import { ApiError } from "./errors.ts";
import type { ApiRequest } from "./context.ts";

// Each API key has two budgets (RATE_LIMITS): reads (GET, HEAD) and writes (every other method),
// each enforced by a Workers Rate Limiting binding of its own, per fixed window of the wall clock
// (floor(now / period)). Every authenticated request is counted, before its scope is checked, so
// that no kind of request escapes the limit.
//
// The binding answers only whether a request may pass, not how much of the budget is left. The
// RateLimit header's `r` is therefore an estimate: the limit less this isolate's own count of the
// key's passed requests in the window (0 once refused). Locally one isolate serves every request
// and the estimate is exact; in production a key's requests spread over isolates and locations,
// each counting only its own, so `r` may be higher than what is truly left. The binding decides.

const LIMITERS: Record<RateLimitBucket, (env: Env) => RateLimit> = {
  reads: (env) => env.RATE_LIMIT_READS,
  writes: (env) => env.RATE_LIMIT_WRITES,
};

interface Outcome {
  bucket: RateLimitBucket;
  remaining: number;
  /** Seconds until the window ends. */
  reset: number;
}

const outcomes = new WeakMap<ApiRequest, Outcome>();

/** This isolate's count of passed requests per key in the current window, per bucket. */
const counted: Record<RateLimitBucket, { window: number; byKey: Map<string, number> }> = {
  reads: { window: -1, byKey: new Map() },
  writes: { window: -1, byKey: new Map() },
};

const bucketOf = (method: string): RateLimitBucket => (method === "GET" || method === "HEAD" ? "reads" : "writes");

/** Counts the one request more of the key in this window; what the estimate says remains. */
function countPassed(bucket: RateLimitBucket, keyId: string, window: number): number {
  const count = counted[bucket];
  if (count.window !== window) {
    // Every key's window ends at the same instant: the previous window's counts all go at once.
    count.window = window;
    count.byKey.clear();
  }
  const n = (count.byKey.get(keyId) ?? 0) + 1;
  count.byKey.set(keyId, n);
  return Math.max(0, RATE_LIMITS[bucket].limit - n);
}

/** Counts the request against its key's limit; over it, a 429 with Retry-After. */
export async function checkRateLimit(request: ApiRequest, env: Env): Promise<void> {
  const bucket = bucketOf(request.method);
  const { limit, period } = RATE_LIMITS[bucket];
  const { success } = await LIMITERS[bucket](env).limit({ key: request.auth.keyId });
  const now = Date.now();
  const window = Math.floor(now / (period * 1000));
  const reset = Math.max(1, Math.ceil(((window + 1) * period * 1000 - now) / 1000));
  const remaining = success ? countPassed(bucket, request.auth.keyId, window) : 0;
  outcomes.set(request, { bucket, remaining, reset });
  if (!success) {
    throw new ApiError("RATE_LIMITED", `${bucket}: this API key may make ${limit} per ${period} seconds; try again in ${reset} seconds`, {
      "retry-after": String(reset),
    });
  }
}

/** The RateLimit-Policy and RateLimit headers (IETF draft) of the request's limit, once it was counted. */
export function rateLimitHeaders(request: ApiRequest, headers: Headers): void {
  const outcome = outcomes.get(request);
  if (!outcome) return;
  const { limit, period } = RATE_LIMITS[outcome.bucket];
  headers.set("RateLimit-Policy", `"${outcome.bucket}";q=${limit};w=${period}`);
  headers.set("RateLimit", `"${outcome.bucket}";r=${outcome.remaining};t=${outcome.reset}`);
}
