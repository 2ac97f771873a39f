// Rate limits per API key, through the real Workers Rate Limiting bindings of wrangler.api.toml:
// writes and reads each have their own budget, another key has its own, and every answer to an
// authenticated request says where the key stands.
import { exports } from "cloudflare:workers";
import { RATE_LIMITS } from "@qr3/schema/api";
import { describe, expect, it } from "vitest";
import { addKey, call, seedKey } from "./helpers.ts";

const WRITES = RATE_LIMITS.writes;
const READS = RATE_LIMITS.reads;
const UNKNOWN_CODE = "/v1/codes/qr_00000000000000000000000000";

/**
 * The bindings count per fixed window of the wall clock (floor(now / period)): a test that
 * crossed a window's end would see its count start again. Waits, if need be, until the window
 * has at least `needMs` left (or a new one has begun).
 */
async function clearOfWindowEnd(periodSeconds: number, needMs: number): Promise<void> {
  const period = periodSeconds * 1000;
  const left = period - (Date.now() % period);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** `"writes";r=119;t=42` read back. */
function rateLimit(headers: Headers) {
  const match = /^"(\w+)";r=(\d+);t=(\d+)$/.exec(headers.get("ratelimit") ?? "");
  return match ? { bucket: match[1], remaining: Number(match[2]), reset: Number(match[3]) } : null;
}

const policy = (bucket: "reads" | "writes") => `"${bucket}";q=${RATE_LIMITS[bucket].limit};w=${RATE_LIMITS[bucket].period}`;

describe("rate limits", () => {
  it(
    `answers 429 with Retry-After past ${WRITES.limit} writes of one key in a window, while its reads and another key go on`,
    async () => {
      await clearOfWindowEnd(WRITES.period, 10_000);
      const { workspace, key } = await seedKey();
      const other = await addKey(workspace);

      for (let n = 1; n <= WRITES.limit; n++) {
        const res = await call(UNKNOWN_CODE, { method: "DELETE", key });
        expect(res.status, `write ${n}`).toBe(404);
        expect(res.headers.get("ratelimit-policy")).toBe(policy("writes"));
        const state = rateLimit(res.headers)!;
        expect(state.bucket).toBe("writes");
        expect(state.remaining, `write ${n}`).toBe(WRITES.limit - n);
        expect(state.reset).toBeGreaterThanOrEqual(1);
        expect(state.reset).toBeLessThanOrEqual(WRITES.period);
      }

      const refused = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/" } });
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe("RATE_LIMITED");
      expect(refused.json.error.message).toMatch(new RegExp(`^writes: this API key may make ${WRITES.limit} per ${WRITES.period} seconds; try again in \\d+ seconds$`));
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(WRITES.period);
      expect(refused.headers.get("ratelimit-policy")).toBe(policy("writes"));
      expect(rateLimit(refused.headers)).toEqual({ bucket: "writes", remaining: 0, reset: retryAfter });
      // Refused, it wrote nothing.
      expect(await workspace.db.prepare("SELECT count(*) AS n FROM codes WHERE workspace_id = ?1").bind(workspace.id).first<number>("n")).toBe(0);

      // Reads have their own budget, HEAD counting as a read.
      const read = await call("/v1/codes", { key });
      expect(read.status).toBe(200);
      expect(read.headers.get("ratelimit-policy")).toBe(policy("reads"));
      expect(rateLimit(read.headers)).toMatchObject({ bucket: "reads", remaining: READS.limit - 1 });
      const head = await call("/v1/codes", { method: "HEAD", key });
      expect(rateLimit(head.headers)).toMatchObject({ bucket: "reads", remaining: READS.limit - 2 });

      // Another key of the same workspace has budgets of its own.
      const theirs = await call("/v1/codes", { method: "POST", key: other.key, body: { url: "https://example.com/" } });
      expect(theirs.status).toBe(201);
      expect(rateLimit(theirs.headers)).toMatchObject({ bucket: "writes", remaining: WRITES.limit - 1 });
    },
    90_000,
  );

  it("counts a request refused for its scope, and says so on the answer", async () => {
    const { workspace } = await seedKey();
    const { key } = await addKey(workspace, { scopes: ["codes:read"] });
    await clearOfWindowEnd(WRITES.period, 5_000);
    const forbidden = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/" } });
    expect(forbidden.status).toBe(403);
    expect(rateLimit(forbidden.headers)).toMatchObject({ bucket: "writes", remaining: WRITES.limit - 1 });
    const invalid = await call("/v1/codes?limit=0", { key });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("ratelimit-policy")).toBe(policy("reads"));
    expect(rateLimit(invalid.headers)).toMatchObject({ bucket: "reads", remaining: READS.limit - 1 });
  });

  it("leaves requests without a valid key and the public document without the headers", async () => {
    const anonymous = await call("/v1/codes");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.has("ratelimit")).toBe(false);
    const document = await exports.default.fetch("https://api.qr3.test/v1/openapi.json");
    await document.body?.cancel();
    expect(document.status).toBe(200);
    expect(document.headers.has("ratelimit")).toBe(false);
    expect(document.headers.has("ratelimit-policy")).toBe(false);
  });
});
