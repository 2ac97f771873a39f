// POST /v1/codes/bulk and /v1/codes/bulk-update: all or nothing, every bad item named, the
// directory and KV left as they were by a refused request, and another workspace's codes never
// touched.
import { env } from "cloudflare:workers";
import { linkKey } from "@qr3/core";
import { API_LIMITS } from "@qr3/schema/api";
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey, type Json } from "./helpers.ts";

let key: string;
let db: D1Database;
let workspaceId: string;
beforeEach(async () => {
  let workspace;
  ({ key, db, workspace } = await seedKey());
  workspaceId = workspace.id;
});

const bulk = (codes: unknown[], as = key) => call("/v1/codes/bulk", { method: "POST", key: as, body: { codes } });
const bulkUpdate = (body: unknown, as = key) => call("/v1/codes/bulk-update", { method: "POST", key: as, body });
const codeCount = async () => (await db.prepare("SELECT count(*) AS n FROM codes WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>())!.n;
const directory = async (shortCode: string) => env.CONTROL.prepare("SELECT code_id FROM short_codes WHERE short_code = ?1").bind(shortCode).first();
const record = async (shortCode: string) => JSON.parse((await env.LINKS.get(linkKey(shortCode))) ?? "null");
const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

describe("POST /v1/codes/bulk", () => {
  it("creates every code, in the order given, with its fields, scannable at once", async () => {
    const s = unique("menu");
    const res = await bulk([
      { url: "https://example.com/a", short_code: s, name: "Menu", tags: ["Food", "food", "Print"], external_id: "sku-1" },
      { url: "https://example.com/b" },
      { url: "https://example.com/c", name: null },
    ]);
    expect(res.status).toBe(201);
    expect(res.json.data.map((c: Json) => c.url)).toEqual(["https://example.com/a", "https://example.com/b", "https://example.com/c"]);
    expect(res.json.data[0]).toMatchObject({ short_code: s, name: "Menu", tags: ["food", "print"], external_id: "sku-1", domain: null, status: "active" });
    for (const code of res.json.data) {
      expect((await call(`/v1/codes/${code.id}`, { key })).json.data).toEqual(code);
      expect(await record(code.short_code)).toMatchObject({ code_id: code.id, url: code.url, status: "active" });
    }
    const tags = (await call("/v1/tags", { key })).json.data;
    expect(tags.map((t: Json) => t.tag).sort()).toEqual(["food", "print"]);
  });

  it(`takes ${API_LIMITS.bulk_codes.max} codes in one request and refuses one more`, async () => {
    const many = Array.from({ length: API_LIMITS.bulk_codes.max }, (_, i) => ({ url: `https://example.com/${i}`, external_id: `e${i}` }));
    const res = await bulk(many);
    expect(res.status).toBe(201);
    expect(res.json.data).toHaveLength(API_LIMITS.bulk_codes.max);
    expect(res.json.data.map((c: Json) => c.external_id)).toEqual(many.map((m) => m.external_id));
    expect(new Set(res.json.data.map((c: Json) => c.short_code)).size).toBe(API_LIMITS.bulk_codes.max);
    expect(await codeCount()).toBe(API_LIMITS.bulk_codes.max);
    const over = await bulk([...many, { url: "https://example.com/x" }].map((m, i) => ({ ...m, external_id: `f${i}` })));
    expect(over.status).toBe(400);
    expect(over.json.error.message).toBe(`codes: must hold at most ${API_LIMITS.bulk_codes.max} codes`);
    expect(await codeCount()).toBe(API_LIMITS.bulk_codes.max);
  });

  it("refuses an empty list, a missing one and unknown fields: 400 naming the field", async () => {
    expect((await bulk([])).json.error.message).toBe("codes: must hold at least one code");
    expect((await call("/v1/codes/bulk", { method: "POST", key, body: {} })).json.error.message).toBe("codes: is required");
    expect((await call("/v1/codes/bulk", { method: "POST", key, body: { codes: [{ url: "https://example.com/" }], extra: 1 } })).json.error.message).toBe("extra: is not a known field");
  });

  it("names every invalid item, by index, field and problem, and creates none", async () => {
    const s = unique("ok");
    const res = await bulk([
      { url: "https://example.com/ok", short_code: s },
      { url: "ftp://example.com/" },
      { url: "https://example.com/", short_code: "a" },
      { url: "https://example.com/", short_code: "assets" },
      { url: "https://example.com/", tags: ["x".repeat(API_LIMITS.code_tags.tag_max + 1)] },
      { url: "https://example.com/", domain: "go.not-ours.example" },
      "not an object",
    ]);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("BAD_REQUEST");
    expect(res.json.error.message).toBe("codes: 6 of 7 items are invalid, see error.details; none was created");
    expect(res.json.error.details.map((d: Json) => [d.index, d.field])).toEqual([
      [1, "url"],
      [2, "short_code"],
      [3, "short_code"],
      [4, "tags[0]"],
      [5, "domain"],
      [6, "body"],
    ]);
    expect(res.json.error.details[2].message).toBe("is reserved");
    expect(await codeCount()).toBe(0);
    expect(await directory(s)).toBeNull();
  });

  it("refuses items taking one short code or external_id within the request: 409, the later items named", async () => {
    const s = unique("dup");
    const res = await bulk([
      { url: "https://example.com/1", short_code: s, external_id: "x" },
      { url: "https://example.com/2", short_code: s },
      { url: "https://example.com/3", external_id: "x" },
    ]);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toBe("codes: 2 of 3 items conflict, see error.details; none was created");
    expect(res.json.error.details).toEqual([
      { index: 1, field: "short_code", message: "is also given by item 0" },
      { index: 2, field: "external_id", message: "is also given by item 0" },
    ]);
    expect(await codeCount()).toBe(0);
  });

  it("refuses short codes and external ids already taken, releasing every claim it made", async () => {
    const taken = unique("taken");
    const other = await seedKey();
    expect((await call("/v1/codes", { method: "POST", key: other.key, body: { url: "https://example.com/", short_code: taken } })).status).toBe(201);
    expect((await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/", external_id: "mine" } })).status).toBe(201);
    const free = unique("free");
    const res = await bulk([
      { url: "https://example.com/1", short_code: free },
      { url: "https://example.com/2", short_code: taken },
      { url: "https://example.com/3", external_id: "mine" },
      { url: "https://example.com/4" },
    ]);
    expect(res.status).toBe(409);
    expect(res.json.error.details).toEqual([
      { index: 1, field: "short_code", message: "is already taken" },
      { index: 2, field: "external_id", message: "is already taken" },
    ]);
    expect(await codeCount()).toBe(1);
    expect(await directory(free)).toBeNull();
    const one = await bulk([{ url: "https://example.com/1" }, { url: "ftp://example.com/" }]);
    expect(one.json.error.message).toBe("codes: 1 of 2 items is invalid, see error.details; none was created");
    expect(await record(free)).toBeNull();
    // What was refused can be created once the conflicts are gone.
    expect((await bulk([{ url: "https://example.com/1", short_code: free }])).status).toBe(201);
  });

  it("writes one audit entry per code created", async () => {
    const res = await bulk([{ url: "https://example.com/1" }, { url: "https://example.com/2" }]);
    const log = (await call("/v1/audit-log?action=code.created", { key })).json.data;
    expect(log.map((e: Json) => e.resource_id).sort()).toEqual(res.json.data.map((c: Json) => c.id).sort());
    for (const entry of log) expect(entry.after).toEqual(res.json.data.find((c: Json) => c.id === entry.resource_id));
  });
});

describe("POST /v1/codes/bulk-update", () => {
  async function three() {
    const res = await bulk([
      { url: "https://example.com/1", tags: ["spring", "a"] },
      { url: "https://example.com/2", tags: ["spring"] },
      { url: "https://example.com/3", tags: ["autumn"] },
    ]);
    return res.json.data as Json[];
  }
  const get = async (id: string) => (await call(`/v1/codes/${id}`, { key })).json.data;

  it("changes the codes named by ids: url and status, mirrored to KV", async () => {
    const [a, b, c] = await three();
    const res = await bulkUpdate({ ids: [a.id, b.id], set: { url: "https://example.com/new", status: "disabled" } });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ updated: 2 });
    for (const code of [a, b]) {
      expect(await get(code.id)).toMatchObject({ url: "https://example.com/new", status: "disabled" });
      expect(await record(code.short_code)).toMatchObject({ url: "https://example.com/new", status: "disabled", version: 2 });
    }
    expect(await get(c.id)).toMatchObject({ url: "https://example.com/3", status: "active" });
    expect(await record(c.short_code)).toMatchObject({ url: "https://example.com/3", version: 1 });
  });

  it("changes the codes carrying a tag: tags added once, in order, and removed", async () => {
    const [a, b, c] = await three();
    const res = await bulkUpdate({ tag: "Spring", set: { add_tags: ["print", "A", "print"], remove_tags: ["spring"] } });
    expect(res.json.data).toEqual({ updated: 2 });
    expect((await get(a.id)).tags).toEqual(["a", "print"]);
    expect((await get(b.id)).tags).toEqual(["print", "a"]);
    expect((await get(c.id)).tags).toEqual(["autumn"]);
    expect((await call("/v1/codes?tag=spring", { key })).json.data).toEqual([]);
    expect((await call("/v1/codes?tag=print", { key })).json.data.map((x: Json) => x.id).sort()).toEqual([a.id, b.id].sort());
    // A tag change leaves the KV record as it was.
    expect(await record(a.short_code)).toMatchObject({ version: 1 });
  });

  it("refuses a change that would give a code too many tags, in the write itself, changing none", async () => {
    const full = Array.from({ length: API_LIMITS.code_tags.max }, (_, i) => `t${i}`);
    const [a] = (await bulk([{ url: "https://example.com/1", tags: full }, { url: "https://example.com/2" }])).json.data;
    const res = await bulkUpdate({ ids: [a.id], set: { add_tags: ["one-more"] } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(`set.add_tags: would give a code more than ${API_LIMITS.code_tags.max} tags`);
    expect((await get(a.id)).tags).toEqual(full);
  });

  it("records what changed of each code in the audit log, and nothing for a code left as it was", async () => {
    const [a, , c] = await three();
    await bulkUpdate({ ids: [a.id, c.id], set: { add_tags: ["autumn"] } });
    const log = (await call("/v1/audit-log?action=code.updated", { key })).json.data;
    const byCode = new Map(log.map((e: Json) => [e.resource_id, e]));
    expect((byCode.get(a.id) as Json).before).toEqual({ tags: ["spring", "a"] });
    expect((byCode.get(a.id) as Json).after).toEqual({ tags: ["spring", "a", "autumn"] });
    expect((byCode.get(c.id) as Json).before).toEqual({});
  });

  it("refuses a body naming both or neither ids and tag, or no change: 400 naming the field", async () => {
    expect((await bulkUpdate({ set: { status: "disabled" } })).json.error.message).toBe("body: must name the codes by either ids or tag");
    expect((await bulkUpdate({ ids: ["qr_x"], tag: "a", set: { status: "disabled" } })).json.error.message).toBe("body: must name the codes by either ids or tag");
    expect((await bulkUpdate({ ids: ["qr_x"], set: {} })).json.error.message).toBe("set: must contain url, status, add_tags, remove_tags or qr_style");
    expect((await bulkUpdate({ ids: [], set: { status: "disabled" } })).status).toBe(400);
    expect((await bulkUpdate({ ids: ["qr_x"], set: { status: "gone" } })).json.error.message).toBe('set.status: must be one of "active", "disabled"');
    expect((await bulkUpdate({ ids: ["qr_x"], set: { url: "javascript:alert(1)" } })).json.error.message).toMatch(/^set\.url: /);
  });

  it("never changes another workspace's codes, named by id or by tag", async () => {
    const other = await seedKey("pro", "Other", 1);
    const theirs = (await bulk([{ url: "https://example.com/theirs", tags: ["spring"] }], other.key)).json.data[0];
    const [mine] = await three();
    const res = await bulkUpdate({ ids: [theirs.id, mine.id], set: { status: "disabled" } });
    expect(res.json.data).toEqual({ updated: 1 });
    expect(await bulkUpdate({ tag: "spring", set: { url: "https://example.com/hijack" } })).toMatchObject({ json: { data: { updated: 2 } } });
    const after = (await call(`/v1/codes/${theirs.id}`, { key: other.key })).json.data;
    expect(after).toMatchObject({ status: "active", url: "https://example.com/theirs" });
    expect(await record(theirs.short_code)).toMatchObject({ status: "active", url: "https://example.com/theirs" });
  });
});
