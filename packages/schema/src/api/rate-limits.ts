// The API's rate limits, per API key, each a budget of requests per fixed window of the wall clock
// (the window starts at floor(now / period)): reads are GET and HEAD, writes every other method.
// `pnpm config:sync` writes them into wrangler.api.toml's [[ratelimits]] bindings, which enforce
// them; the API names them in its RateLimit-Policy header. Zod-free, so the scripts may import it.
export const RATE_LIMITS = {
  reads: { limit: 600, period: 60 },
  writes: { limit: 120, period: 60 },
} as const satisfies Record<string, { limit: number; period: 10 | 60 }>;

export type RateLimitBucket = keyof typeof RATE_LIMITS;
