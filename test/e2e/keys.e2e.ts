// API keys and rate limits over the real local stack (wrangler dev: the gateway, the API worker
// with its Rate Limiting bindings, the control database): scoped keys made through the API, a
// 403 naming the scope, an expired key's 401, revoking and the last-manager rule, and a 429 with
// its headers.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { RATE_LIMITS } from "@qr3/schema/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { checkedApi } from "./contract.ts";
import { apiClient, startTestStack, waitFor } from "./helpers.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const UNKNOWN_CODE = "/v1/codes/qr_00000000000000000000000000";

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ stack, persistTo, cleanup } = await startTestStack());
});

afterAll(async () => {
  await cleanup?.();
});

/** A request with its answer's headers, for what the JSON client does not show. */
async function raw(key: string, method: string, path: string, body?: unknown) {
  const res = await checkedApi(stack.origin)(`${stack.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

/** A new key made through the API by `grantor`. */
async function createKey(grantor: string, body: { name: string; scopes: string[]; expires_at?: string }) {
  const res = await apiClient(stack.origin, grantor)("/v1/keys", { method: "POST", body });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return res.json.data as { id: string; api_key: string; scopes: string[] };
}

describe("API keys over the local stack", () => {
  it("makes scoped keys that can do what their scopes allow, answering 403 naming the scope otherwise", async () => {
    const admin = stack.demo.api_key;
    const reader = await createKey(admin, { name: "Reader", scopes: ["codes:read"] });
    const api = apiClient(stack.origin, reader.api_key);
    expect((await api("/v1/codes")).status).toBe(200);
    const write = await api("/v1/codes", { method: "POST", body: { url: "https://example.com/" } });
    expect(write.status).toBe(403);
    expect(write.json.error).toEqual({ code: "FORBIDDEN", message: 'scope: this API key lacks the "codes:write" scope' });
    expect((await api("/v1/keys/current")).json.data).toMatchObject({ id: reader.id, name: "Reader", scopes: ["codes:read"] });

    // A manager of keys gives only scopes it holds.
    const manager = await createKey(admin, { name: "Key manager", scopes: ["keys:write", "codes:read"] });
    const wider = await apiClient(stack.origin, manager.api_key)("/v1/keys", { method: "POST", body: { name: "Wider", scopes: ["webhooks:write"] } });
    expect(wider.status).toBe(403);
    expect(wider.json.error.message).toBe('scopes: this API key lacks the "webhooks:write" scope, so it cannot give it');
  });

  it("refuses a key once its expires_at has passed, saying so", async () => {
    const shortLived = await createKey(stack.demo.api_key, { name: "Short-lived", scopes: ["codes:read"], expires_at: new Date(Date.now() + 3000).toISOString() });
    const api = apiClient(stack.origin, shortLived.api_key);
    expect((await api("/v1/codes")).status).toBe(200);
    const refused = await waitFor(() => api("/v1/codes"), (r) => r.status === 401, 10_000);
    expect(refused.status).toBe(401);
    expect(refused.json.error).toEqual({ code: "UNAUTHORIZED", message: "API key expired." });
  });

  it("revokes keys, but never the workspace's last active key that can manage keys", async () => {
    // A workspace of its own, whose only key is the one the admin command printed.
    const { stdout } = await run("node", ["scripts/admin.ts", "create-workspace", "--name", "Key rules", "--plan", "pro", "--persist-to", persistTo], { cwd: ROOT });
    const first = JSON.parse(stdout) as { api_key: string; key_id: string };
    const api = apiClient(stack.origin, first.api_key);
    expect((await api("/v1/keys/current")).json.data.scopes).toEqual(["codes:read", "codes:write", "analytics:read", "webhooks:read", "webhooks:write", "keys:write"]);

    const self = await api(`/v1/keys/${first.key_id}`, { method: "DELETE" });
    expect(self.status).toBe(409);
    expect(self.json.error.code).toBe("CONFLICT");
    expect(self.json.error.message).toMatch(/"keys:write"/);

    const reader = await createKey(first.api_key, { name: "Reader", scopes: ["codes:read"] });
    expect((await api(`/v1/keys/${reader.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await apiClient(stack.origin, reader.api_key)("/v1/codes")).status).toBe(401);
    // Another workspace's key is not found.
    const elsewhere = await createKey(stack.demo.api_key, { name: "Elsewhere", scopes: ["codes:read"] });
    expect((await api(`/v1/keys/${elsewhere.id}`, { method: "DELETE" })).status).toBe(404);

    // With a successor, the first manager may go; then the successor is the last.
    const successor = await createKey(first.api_key, { name: "Successor", scopes: ["keys:write"] });
    const next = apiClient(stack.origin, successor.api_key);
    expect((await next(`/v1/keys/${first.key_id}`, { method: "DELETE" })).status).toBe(204);
    expect((await next(`/v1/keys/${successor.id}`, { method: "DELETE" })).status).toBe(409);
    expect((await next("/v1/keys")).json.data.map((k: { id: string }) => k.id)).toEqual([successor.id]);
  });

  it(
    `answers 429 with Retry-After and RateLimit headers past ${RATE_LIMITS.writes.limit} writes of one key in a window, other budgets untouched`,
    async () => {
      const { limit, period } = RATE_LIMITS.writes;
      const writer = await createKey(stack.demo.api_key, { name: "Busy writer", scopes: ["codes:read", "codes:write"] });
      const bystander = await createKey(stack.demo.api_key, { name: "Bystander", scopes: ["codes:write"] });
      // The limiter's windows are fixed to the clock: start where the whole run (a second or two)
      // fits in one, with room to spare.
      const left = period * 1000 - (Date.now() % (period * 1000));
      if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 100));

      for (let n = 1; n <= limit; n++) {
        const res = await raw(writer.api_key, "DELETE", UNKNOWN_CODE);
        expect(res.status, `write ${n}`).toBe(404);
        expect(res.headers.get("ratelimit"), `write ${n}`).toMatch(new RegExp(`^"writes";r=${limit - n};t=\\d+$`));
      }
      const refused = await raw(writer.api_key, "POST", "/v1/codes", { url: "https://example.com/" });
      expect(refused.status).toBe(429);
      expect(refused.json.error.code).toBe("RATE_LIMITED");
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(period);
      expect(refused.headers.get("ratelimit-policy")).toBe(`"writes";q=${limit};w=${period}`);
      expect(refused.headers.get("ratelimit")).toBe(`"writes";r=0;t=${retryAfter}`);

      const read = await raw(writer.api_key, "GET", "/v1/codes");
      expect(read.status).toBe(200);
      expect(read.headers.get("ratelimit-policy")).toBe(`"reads";q=${RATE_LIMITS.reads.limit};w=${RATE_LIMITS.reads.period}`);
      expect(read.headers.get("ratelimit")).toMatch(new RegExp(`^"reads";r=${RATE_LIMITS.reads.limit - 1};t=\\d+$`));
      const other = await raw(bystander.api_key, "DELETE", UNKNOWN_CODE);
      expect(other.status).toBe(404);
      expect(other.headers.get("ratelimit")).toMatch(new RegExp(`^"writes";r=${limit - 1};t=\\d+$`));
      // The redirector and the public document are not limited.
      const document = await fetch(`${stack.origin}/v1/openapi.json`);
      await document.body?.cancel();
      expect(document.headers.has("ratelimit")).toBe(false);
    },
    120_000,
  );
});
