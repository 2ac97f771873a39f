import { beforeEach, describe, expect, it } from "vitest";
import { OPERATIONS } from "@qr3/schema/api";
import { BOOKMARK_HEADER } from "../src/session.ts";
import { apiFetch, call, seedKey } from "./helpers.ts";
import { discPng } from "./images.ts";

let key: string;
let shard: number;
let ids: Record<string, string>;

beforeEach(async () => {
  const seeded = await seedKey();
  key = seeded.key;
  shard = seeded.workspace.shard;
  const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/", tags: ["spring"] } })).json.data;
  // A logo, so that GET /v1/codes/:id/logo has one to answer.
  await apiFetch(`https://api.qr3.test/v1/codes/${code.id}/logo`, { method: "PUT", headers: { authorization: `Bearer ${seeded.key}`, "content-type": "image/png" }, body: discPng() });
  const webhook = (await call("/v1/webhooks", { method: "POST", key, body: { url: "https://example.com/h", events: ["qr.scanned"] } })).json.data;
  const delivery = (await call(`/v1/webhooks/${webhook.id}/test`, { method: "POST", key })).json.data;
  const domain = (await call("/v1/domains", { method: "POST", key, body: { hostname: `go-${crypto.randomUUID().slice(0, 8)}.example.com` } })).json.data;
  ids = { codes: code.id, workspaces: seeded.workspace.id, webhooks: webhook.id, delivery_id: delivery.id, domains: domain.id };
});

/** A route's path with real ids of this test's workspace in it. */
const concrete = (path: string) =>
  path
    .replace(/\/(\w+)\/:id/, (_, collection: string) => `/${collection}/${ids[collection]}`)
    .replace(":delivery_id", ids.delivery_id!)
    .replace(":tag", "spring");

const raw = (path: string, method: string, k: string | null = key) =>
  apiFetch(`https://api.qr3.test${path}`, { method, headers: k ? { authorization: `Bearer ${k}` } : {} });

// Headers that differ between any two responses. Each request has a D1 session of its own, so
// the bookmark differs too: the test checks its form on each response instead. RateLimit counts
// each request (HEAD is a read like GET), so what remains differs by one: RateLimit-Policy stays.
const comparable = (headers: Headers) =>
  [...headers].filter(([name]) => name !== "x-request-id" && name !== "content-length" && name !== BOOKMARK_HEADER && name !== "ratelimit");

/** `<shard>:<bookmark>`, with the shard of this test's workspace. */
const bookmarkOfShard = () => new RegExp(`^${shard}:[0-9A-Za-z-]+$`);

describe("HEAD", () => {
  // Every GET of a workspace (the public document has no D1 session, hence no bookmark).
  const getRoutes = Object.values(OPERATIONS).filter((o) => o.method === "GET" && o.scope !== "public").map((o) => o.path);
  // API keys and domains live in the control database: their answers read no shard, and carry no bookmark.
  const shardBookmark = (template: string) => (/^\/v1\/(keys|domains)/.test(template) ? null : bookmarkOfShard());

  it.each(getRoutes)("HEAD %s answers GET's status and headers, without a body", async (template) => {
    const path = concrete(template);
    const get = await raw(path, "GET");
    const head = await raw(path, "HEAD");
    await get.body?.cancel();
    expect(get.status).toBe(200);
    expect(head.status).toBe(200);
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
    for (const res of [get, head]) {
      const bookmark = shardBookmark(template);
      if (bookmark) expect(res.headers.get(BOOKMARK_HEADER)).toMatch(bookmark);
      else expect(res.headers.has(BOOKMARK_HEADER)).toBe(false);
    }
    expect(head.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await head.text()).toBe("");
  });

  it("answers errors to HEAD with their status and headers, without a body", async () => {
    const unknown = await raw("/v1/codes/qr_00000000000000000000000000", "HEAD");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe("");
    const anonymous = await raw("/v1/codes", "HEAD", null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain("Bearer");
    const postOnly = await raw(`/v1/webhooks/${ids.webhooks}/test`, "HEAD");
    expect(postOnly.status).toBe(405);
    expect(postOnly.headers.get("allow")).toBe("POST");
    expect(await postOnly.text()).toBe("");
  });

  it("lists HEAD in Allow wherever GET is allowed", async () => {
    for (const [path, allow] of [
      ["/v1/codes", "POST, GET, HEAD"],
      [`/v1/codes/${ids.codes}`, "GET, HEAD, PATCH, DELETE"],
      [`/v1/codes/${ids.codes}/scans`, "GET, HEAD"],
      [`/v1/webhooks/${ids.webhooks}/rotate-secret`, "POST"],
    ] as const) {
      const res = await call(path, { method: "PUT", key });
      expect(res.status, path).toBe(405);
      expect(res.headers.get("allow"), path).toBe(allow);
    }
  });
});

describe("query strings", () => {
  it.each([
    ["/v1/codes?limit=1&limit=2", "limit: must be given once"],
    ["/v1/codes?cursor=a&cursor=b", "cursor: must be given once"],
    ["/v1/webhooks?limit=5&limit=5", "limit: must be given once"],
    ["/v1/workspaces/current/scans?tz=UTC&tz=Europe/Vienna", "tz: must be given once"],
    ["/v1/codes/:code/scans?days=7&days=30", "days: must be given once"],
    ["/v1/codes/:code/scans/export?format=csv&format=ndjson", "format: must be given once"],
    ["/v1/codes/:code/qr.svg?ecc=L&ecc=H", "ecc: must be given once"],
    ["/v1/codes?limt=5", "limt: is not a known field"],
    ["/v1/codes/:code/scans?day=7", "day: is not a known field"],
    ["/v1/codes/:code/scans/export?form=ndjson", "form: is not a known field"],
    ["/v1/codes/:code/qr.svg?size=512", "size: is not a known field"],
    ["/v1/webhooks/:webhook/deliveries?page=2", "page: is not a known field"],
  ])("answers 400 for %s", async (path, message) => {
    const res = await call(path.replace(":code", ids.codes!).replace(":webhook", ids.webhooks!), { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });
});
