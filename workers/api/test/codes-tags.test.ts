// Codes' names, tags and external ids, and the code list's search, filters and sorts, with GET
// /v1/tags: every rule at and past its edges, pages walked to the end under every sort, and
// another workspace's codes never seen.
import { env } from "cloudflare:workers";
import { API_LIMITS, CODE_SORTS, type CodeSort } from "@qr3/schema/api";
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey, type Json } from "./helpers.ts";

let key: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, db } = await seedKey());
});

const create = (body: Record<string, unknown>, as = key) => call("/v1/codes", { method: "POST", key: as, body: { url: "https://example.com/", ...body } });
const patch = (id: string, body: unknown) => call(`/v1/codes/${id}`, { method: "PATCH", key, body });
const list = async (query: string, as = key) => {
  const res = await call(`/v1/codes?${query}`, { key: as });
  expect(res.status, query).toBe(200);
  return res.json;
};
const ids = (codes: Json[]) => codes.map((c: Json) => c.id as string);
/** Sets a code's scan counter as ingest leaves it. */
const setScans = (id: string, n: number) => db.prepare("UPDATE codes SET total_scans = ?2 WHERE id = ?1").bind(id, n).run();

/** Every page of a list, `limit` at a time, checking that each page says truly whether more follow. */
async function walk(query: string, limit = 2): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    seen.push(...ids(page.data));
    expect(page.data.length).toBeLessThanOrEqual(limit);
    cursor = page.pagination.next_cursor;
    expect(page.pagination.has_more).toBe(cursor !== null);
    if (!cursor) return seen;
  }
  throw new Error("no last page");
}

describe("a code's name, tags and external_id", () => {
  it("are null and empty by default, set on create, normalised, and kept out of the KV record", async () => {
    const plain = (await create({})).json.data;
    expect(plain).toMatchObject({ name: null, tags: [], external_id: null });

    const res = await create({ name: "Spring menu", tags: ["  Summer ", "MENU", "summer", "Menu", "ÉTÉ"], external_id: "crm-42", short_code: "named1" });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ name: "Spring menu", tags: ["summer", "menu", "été"], external_id: "crm-42" });
    expect((await call(`/v1/codes/${res.json.data.id}`, { key })).json.data).toEqual(res.json.data);
    const record = (await env.LINKS.get("code:named1", "json")) as Json;
    expect(Object.keys(record).sort()).toEqual(["code_id", "shard", "status", "url", "version", "workspace_id"]);
  });

  it("are changed by PATCH: null clears name and external_id, tags replaces the list", async () => {
    const code = (await create({ name: "Old", tags: ["a", "b"], external_id: "x-1" })).json.data;
    const renamed = await patch(code.id, { name: "New", tags: ["C", "a"] });
    expect(renamed.status).toBe(200);
    expect(renamed.json.data).toMatchObject({ name: "New", tags: ["c", "a"], external_id: "x-1", url: "https://example.com/" });
    const cleared = await patch(code.id, { name: null, external_id: null, tags: [] });
    expect(cleared.json.data).toMatchObject({ name: null, tags: [], external_id: null });
    // The KV record holds none of them: changing only these leaves it, and the version, as it was.
    const record = await env.LINKS.get(`code:${code.short_code}`, "json");
    expect(record).toMatchObject({ version: 1 });
    expect((await patch(code.id, { name: "Again" })).status).toBe(200);
    expect(await env.LINKS.get(`code:${code.short_code}`, "json")).toEqual(record);
    // A field not given is left as it is.
    await patch(code.id, { tags: ["kept"] });
    expect((await patch(code.id, { status: "disabled" })).json.data).toMatchObject({ tags: ["kept"], status: "disabled" });
  });

  const max = { name: API_LIMITS.code_name.max, tags: API_LIMITS.code_tags.max, tag: API_LIMITS.code_tags.tag_max, externalId: API_LIMITS.external_id.max };
  const distinct = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);

  it.each([
    ["a name of the longest length", { name: "n".repeat(max.name) }],
    ["as many tags as allowed", { tags: distinct(max.tags) }],
    ["one tag too many, but a duplicate", { tags: [...distinct(max.tags), "T0"] }],
    ["a tag of the longest length, spaces around", { tags: [` ${"x".repeat(max.tag)}  `] }],
    ["an external_id of the longest length", { external_id: "e".repeat(max.externalId) }],
    ["null name and external_id", { name: null, external_id: null }],
  ])("accepts %s, on create and on PATCH", async (_, fields) => {
    const created = await create(fields);
    expect(created.status).toBe(201);
    // Deleted, so that its external_id is free for the PATCH.
    await call(`/v1/codes/${created.json.data.id}`, { method: "DELETE", key });
    const plain = (await create({})).json.data;
    const patched = await patch(plain.id, fields);
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ ...created.json.data, id: plain.id, short_code: plain.short_code, short_url: plain.short_url, created_at: plain.created_at, updated_at: expect.any(String) });
  });

  it("stores the tags within the limit once duplicates are dropped", async () => {
    const code = (await create({ tags: [...distinct(max.tags), "T0", " t1 "] })).json.data;
    expect(code.tags).toEqual(distinct(max.tags));
  });

  it.each([
    [{ name: "" }, "name: must not be empty"],
    [{ name: "n".repeat(max.name + 1) }, `name: must be at most ${max.name} characters`],
    [{ name: 7 }, "name: must be a string"],
    [{ tags: distinct(max.tags + 1) }, `tags: must hold at most ${max.tags} tags`],
    [{ tags: ["ok", "x".repeat(max.tag + 1)] }, `tags[1]: must be at most ${max.tag} characters`],
    [{ tags: ["   "] }, "tags[0]: must not be empty"],
    [{ tags: [""] }, "tags[0]: must not be empty"],
    [{ tags: "summer" }, "tags: must be an array"],
    [{ tags: [3] }, "tags[0]: must be a string"],
    [{ tags: null }, "tags: must be an array"],
    [{ external_id: "" }, "external_id: must not be empty"],
    [{ external_id: "e".repeat(max.externalId + 1) }, `external_id: must be at most ${max.externalId} characters`],
    [{ external_id: 42 }, "external_id: must be a string"],
  ])("refuses %j on create and on PATCH: 400 %s", async (fields, message) => {
    const created = await create(fields);
    expect(created.status).toBe(400);
    expect(created.json.error).toEqual({ code: "BAD_REQUEST", message });
    const plain = (await create({})).json.data;
    const patched = await patch(plain.id, fields);
    expect(patched.status).toBe(400);
    expect(patched.json.error).toEqual({ code: "BAD_REQUEST", message });
  });
});

describe("external_id", () => {
  it("is unique in the workspace: a taken one is a 409 on create and on PATCH, and is free again once cleared or deleted", async () => {
    const first = (await create({ external_id: "sku-1" })).json.data;
    const taken = await create({ external_id: "sku-1", short_code: "wanted" });
    expect(taken.status).toBe(409);
    expect(taken.json.error).toEqual({ code: "CONFLICT", message: "external_id: is already taken" });
    // The refused create left nothing behind: its short code is free.
    expect((await create({ short_code: "wanted" })).status).toBe(201);

    const second = (await create({ external_id: "sku-2" })).json.data;
    const clash = await patch(second.id, { external_id: "sku-1", name: "Not applied" });
    expect(clash.status).toBe(409);
    expect(clash.json.error).toEqual({ code: "CONFLICT", message: "external_id: is already taken" });
    expect((await call(`/v1/codes/${second.id}`, { key })).json.data).toMatchObject({ external_id: "sku-2", name: null });
    // Set again to its own value: no conflict with itself.
    expect((await patch(first.id, { external_id: "sku-1" })).status).toBe(200);

    expect((await patch(first.id, { external_id: null })).status).toBe(200);
    expect((await patch(second.id, { external_id: "sku-1" })).status).toBe(200);
    expect((await call(`/v1/codes/${second.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await create({ external_id: "sku-1" })).status).toBe(201);
  });

  it("lets exactly one of concurrent creates with the same external_id have it", async () => {
    const results = await Promise.all([1, 2, 3].map(() => create({ external_id: "race" })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect((await list("external_id=race")).data).toHaveLength(1);
    expect((await list("")).data).toHaveLength(1);
  });

  it("is matched exactly, and as case-sensitive, as given", async () => {
    expect((await create({ external_id: "Case" })).status).toBe(201);
    expect((await create({ external_id: "case" })).status).toBe(201);
  });

  it("may be the same in another workspace", async () => {
    const other = await seedKey("pro", "Other", undefined);
    expect((await create({ external_id: "shared" })).status).toBe(201);
    expect((await create({ external_id: "shared" }, other.key)).status).toBe(201);
  });
});

describe("GET /v1/codes: search and filters", () => {
  it("searches name, short code and destination, ignoring case, with % and _ matching themselves", async () => {
    const byName = (await create({ name: "Summer Menu" })).json.data;
    const byShortCode = (await create({ short_code: "MENU-card" })).json.data;
    const byUrl = (await create({ url: "https://shop.example/Menus/today" })).json.data;
    const percent = (await create({ name: "50% off" })).json.data;
    const underscore = (await create({ name: "a_b" })).json.data;
    const decoy = (await create({ name: "50 percent off, aXb" })).json.data;

    expect(ids((await list("q=menu")).data).sort()).toEqual([byName.id, byShortCode.id, byUrl.id].sort());
    expect(ids((await list("q=MeNu")).data).sort()).toEqual([byName.id, byShortCode.id, byUrl.id].sort());
    expect(ids((await list(`q=${encodeURIComponent("0%")}`)).data)).toEqual([percent.id]);
    expect(ids((await list("q=a_b")).data)).toEqual([underscore.id]);
    expect(ids((await list(`q=${encodeURIComponent("\\")}`)).data)).toEqual([]);
    expect(ids((await list("q=percent")).data)).toEqual([decoy.id]);
  });

  it("filters by every tag given, by status and by external_id, together", async () => {
    const both = (await create({ tags: ["menu", "summer"], external_id: "e-1" })).json.data;
    const menu = (await create({ tags: ["menu"] })).json.data;
    const summer = (await create({ tags: ["Summer", "drinks"] })).json.data;
    const disabled = (await create({ tags: ["menu", "summer", "old"] })).json.data;
    await patch(disabled.id, { status: "disabled" });
    await create({});

    expect(ids((await list("tag=menu")).data).sort()).toEqual([both.id, menu.id, disabled.id].sort());
    expect(ids((await list("tag=menu&tag=summer")).data).sort()).toEqual([both.id, disabled.id].sort());
    // Filter tags are normalised like stored ones, duplicates included.
    expect(ids((await list("tag=%20SUMMER%20&tag=menu&tag=Menu")).data).sort()).toEqual([both.id, disabled.id].sort());
    expect(ids((await list("tag=summer&tag=drinks")).data)).toEqual([summer.id]);
    expect(ids((await list("tag=nothing")).data)).toEqual([]);
    expect(ids((await list("tag=menu&tag=summer&status=active")).data)).toEqual([both.id]);
    expect(ids((await list("status=disabled")).data)).toEqual([disabled.id]);
    expect(ids((await list("external_id=e-1")).data)).toEqual([both.id]);
    expect(ids((await list("external_id=E-1")).data)).toEqual([]);
    expect(ids((await list("external_id=e-1&tag=drinks")).data)).toEqual([]);
  });

  it("follows a tag's changes and deletes", async () => {
    const code = (await create({ tags: ["a", "b"] })).json.data;
    await patch(code.id, { tags: ["b", "c"] });
    expect((await list("tag=a")).data).toEqual([]);
    expect(ids((await list("tag=c")).data)).toEqual([code.id]);
    await call(`/v1/codes/${code.id}`, { method: "DELETE", key });
    expect((await list("tag=b")).data).toEqual([]);
    expect(await db.prepare("SELECT count(*) AS n FROM code_tags WHERE code_id = ?1").bind(code.id).first("n")).toBe(0);
  });

  const tooLong = "x".repeat(API_LIMITS.code_tags.tag_max + 1);
  it.each([
    ["q=", "q: must not be empty"],
    [`q=${"q".repeat(API_LIMITS.code_search.max + 1)}`, `q: must be at most ${API_LIMITS.code_search.max} characters`],
    ["q=a&q=b", "q: must be given once"],
    ["tag=", `tag: must be 1 to ${API_LIMITS.code_tags.tag_max} characters`],
    ["tag=%20%20", `tag: must be 1 to ${API_LIMITS.code_tags.tag_max} characters`],
    [`tag=ok&tag=${tooLong}`, `tag: must be 1 to ${API_LIMITS.code_tags.tag_max} characters`],
    [Array.from({ length: API_LIMITS.code_tags.max + 1 }, (_, i) => `tag=t${i}`).join("&"), `tag: must be given at most ${API_LIMITS.code_tags.max} times`],
    ["status=paused", 'status: must be one of "active", "disabled"'],
    ["status=active&status=disabled", "status: must be given once"],
    ["external_id=", "external_id: must not be empty"],
    [`external_id=${"e".repeat(API_LIMITS.external_id.max + 1)}`, `external_id: must be at most ${API_LIMITS.external_id.max} characters`],
    ["sort=newest", `sort: must be one of ${CODE_SORTS.map((s) => JSON.stringify(s)).join(", ")}`],
    ["sort=name&sort=name", "sort: must be given once"],
    ["tags=menu", "tags: is not a known field"],
  ])("GET /v1/codes?%s → 400 %s", async (query, message) => {
    const res = await call(`/v1/codes?${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it("accepts as many filter tags as a code may carry", async () => {
    const tags = Array.from({ length: API_LIMITS.code_tags.max }, (_, i) => `t${i}`);
    const code = (await create({ tags })).json.data;
    expect(ids((await list(tags.map((t) => `tag=${t}`).join("&"))).data)).toEqual([code.id]);
  });
});

describe("GET /v1/codes: sorts and their pages", () => {
  // Codes with every kind of tie: equal names (in any case), no name, equal scans.
  const SEED = [
    { name: "banana", scans: 5, tags: ["fruit"] },
    { name: "Apple", scans: 9, tags: ["fruit", "red"] },
    { name: null, scans: 5, tags: ["fruit"] },
    { name: "apple", scans: 0, tags: [] },
    { name: "cherry", scans: 9, tags: ["fruit", "red"] },
    { name: null, scans: 0, tags: ["red"] },
    { name: "banana", scans: 5, tags: ["fruit"] },
    { name: "Zed", scans: 1, tags: ["fruit"] },
  ];
  type Seeded = { id: string; name: string | null; total_scans: number; created_at: string; tags: string[] };

  async function seed(): Promise<Seeded[]> {
    const codes: Seeded[] = [];
    for (const s of SEED) {
      const code = (await create({ name: s.name, tags: s.tags })).json.data;
      await setScans(code.id, s.scans);
      codes.push({ ...code, total_scans: s.scans });
    }
    return codes;
  }

  const by = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const EXPECTED: Record<CodeSort, (a: Seeded, b: Seeded) => number> = {
    "-created_at": (a, b) => by(b.id, a.id),
    created_at: (a, b) => by(a.created_at, b.created_at) || by(a.id, b.id),
    name: (a, b) =>
      a.name === null || b.name === null
        ? by(a.name === null ? 1 : 0, b.name === null ? 1 : 0) || by(a.id, b.id)
        : by(a.name.toLowerCase(), b.name.toLowerCase()) || by(a.id, b.id),
    total_scans: (a, b) => by(a.total_scans, b.total_scans) || by(a.id, b.id),
    "-total_scans": (a, b) => by(b.total_scans, a.total_scans) || by(b.id, a.id),
  };

  it.each([...CODE_SORTS])("sort=%s: every code once, in order, over pages of every size", async (sort) => {
    const codes = await seed();
    const expected = [...codes].sort(EXPECTED[sort]).map((c) => c.id);
    for (const limit of [1, 2, 3, 100]) expect(await walk(`sort=${sort}`, limit), `limit ${limit}`).toEqual(expected);
    const red = [...codes].filter((c) => c.tags.includes("red")).sort(EXPECTED[sort]).map((c) => c.id);
    expect(await walk(`sort=${sort}&tag=red`, 1)).toEqual(red);
  });

  it("orders codes without a name after every named one, and the default sort is newest first", async () => {
    const codes = await seed();
    const named = (await list("sort=name&limit=100")).data as Json[];
    // "Apple" and "apple" tie, and go by id: the first created first.
    expect(named.map((c) => c.name)).toEqual(["Apple", "apple", "banana", "banana", "cherry", "Zed", null, null]);
    expect(ids((await list("limit=100")).data)).toEqual(codes.map((c) => c.id).reverse());
  });

  it("keeps the default sort's cursor a code id, as before", async () => {
    const codes = await seed();
    const page = await list("limit=3");
    expect(page.pagination.next_cursor).toBe(codes[codes.length - 3]!.id);
    expect(ids((await list(`limit=3&cursor=${page.pagination.next_cursor}&sort=-created_at`)).data)).toEqual(codes.slice(2, 5).map((c) => c.id).reverse());
  });

  it("refuses a cursor that is not one of the sort's: 400 naming cursor", async () => {
    const codes = await seed();
    const nameCursor = (await list("sort=name&limit=2")).pagination.next_cursor as string;
    const scansCursor = (await list("sort=total_scans&limit=2")).pagination.next_cursor as string;
    expect(nameCursor).not.toBe(codes[1]!.id);
    const token = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    for (const [query, why] of [
      [`sort=name&cursor=${codes[0]!.id}`, "a code id for a sort that takes a token"],
      [`sort=total_scans&cursor=${nameCursor}`, "another sort's token"],
      [`sort=-total_scans&cursor=${scansCursor}`, "the reverse sort's token"],
      [`cursor=${nameCursor}`, "a token for the default sort"],
      ["sort=name&cursor=not-a-token!", "not base64url"],
      ["sort=name&cursor=e30", "JSON, but not the token's"],
      ["sort=name&cursor=_w", "not UTF-8"],
      [`sort=name&cursor=${token(["name", 5, codes[0]!.id])}`, "a name that is not a string"],
      [`sort=name&cursor=${token(["name", "", codes[0]!.id])}`, "an empty name"],
      [`sort=total_scans&cursor=${token(["total_scans", -1, codes[0]!.id])}`, "negative scans"],
      [`sort=total_scans&cursor=${token(["total_scans", 1.5, codes[0]!.id])}`, "fractional scans"],
      [`sort=created_at&cursor=${token(["created_at", "yesterday", codes[0]!.id])}`, "not a time"],
      [`sort=created_at&cursor=${token(["created_at", codes[0]!.created_at, "qr_1"])}`, "not an id"],
      [`sort=name&cursor=${token(["name", "a", codes[0]!.id, 1])}`, "a field too many"],
      [`cursor=${"x".repeat(1025)}`, "too long"],
      ["cursor=", "empty"],
    ] as const) {
      const res = await call(`/v1/codes?${query}`, { key });
      expect(res.status, why).toBe(400);
      expect(res.json.error, why).toEqual({ code: "BAD_REQUEST", message: "cursor: is not a valid cursor" });
    }
    // A well-made token of a name nobody has still pages from where it sorts.
    const fromB = await list(`sort=name&limit=100&cursor=${token(["name", "b", "qr_00000000000000000000000000"])}`);
    expect(fromB.data.map((c: Json) => c.name)).toEqual(["banana", "banana", "cherry", "Zed", null, null]);
  });
});

describe("GET /v1/tags", () => {
  it("counts each tag's codes and their scans, most scanned first, ties by tag, following changes", async () => {
    const a = (await create({ tags: ["menu", "summer"] })).json.data;
    const b = (await create({ tags: ["menu"] })).json.data;
    const c = (await create({ tags: ["drinks", "zz"] })).json.data;
    await create({});
    await setScans(a.id, 3);
    await setScans(b.id, 4);
    await setScans(c.id, 3);

    const res = await call("/v1/tags", { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([
      { tag: "menu", codes: 2, total_scans: 7 },
      { tag: "drinks", codes: 1, total_scans: 3 },
      { tag: "summer", codes: 1, total_scans: 3 },
      { tag: "zz", codes: 1, total_scans: 3 },
    ]);

    await patch(a.id, { tags: ["Drinks"] });
    await call(`/v1/codes/${c.id}`, { method: "DELETE", key });
    expect((await call("/v1/tags", { key })).json.data).toEqual([
      { tag: "menu", codes: 1, total_scans: 4 },
      { tag: "drinks", codes: 1, total_scans: 3 },
    ]);
  });

  it("answers an empty list for a workspace without tags, and needs codes:read", async () => {
    expect((await call("/v1/tags", { key })).json.data).toEqual([]);
    const writer = await seedKey("pro", "Writer", undefined, { scopes: ["codes:write"] });
    const refused = await call("/v1/tags", { key: writer.key });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toMatch(/codes:read/);
  });
});

describe("workspace isolation", () => {
  it.each([
    ["on the same shard", 1, 1],
    ["on another shard", 1, 2],
  ])("never lists nor counts another workspace's codes and tags %s", async (_, myShard, theirShard) => {
    const mine = await seedKey("pro", "Mine", myShard);
    const theirs = await seedKey("pro", "Theirs", theirShard);
    const own = (await create({ name: "menu", tags: ["menu"], external_id: "same" }, mine.key)).json.data;
    const other = (await create({ name: "menu", tags: ["menu", "secret"], external_id: "same" }, theirs.key)).json.data;
    await theirs.db.prepare("UPDATE codes SET total_scans = 50 WHERE id = ?1").bind(other.id).run();

    for (const query of ["", "q=menu", "tag=menu", "tag=secret", "external_id=same", "sort=name", "sort=-total_scans", "status=active"]) {
      const page = await list(query, mine.key);
      expect(ids(page.data), query).toEqual(query === "tag=secret" ? [] : [own.id]);
    }
    expect((await call("/v1/tags", { key: mine.key })).json.data).toEqual([{ tag: "menu", codes: 1, total_scans: 0 }]);
    // Their external_id does not block mine, nor can mine be used to reach theirs.
    expect((await call(`/v1/codes/${other.id}`, { method: "PATCH", key: mine.key, body: { tags: ["x"] } })).status).toBe(404);
    expect((await call("/v1/tags", { key: theirs.key })).json.data).toEqual([
      { tag: "menu", codes: 1, total_scans: 50 },
      { tag: "secret", codes: 1, total_scans: 50 },
    ]);
  });
});

describe("the audit log", () => {
  it("shows name, tags and external_id on create, and their changes only on update", async () => {
    const code = (await create({ name: "Menu", tags: ["a"], external_id: "ext" })).json.data;
    await patch(code.id, { name: "Menu 2", tags: ["a", "b"] });
    await patch(code.id, { external_id: null, tags: ["a", "b"] });
    await call(`/v1/codes/${code.id}`, { method: "DELETE", key });
    const entries = (await call(`/v1/audit-log?resource_id=${code.id}`, { key })).json.data as Json[];
    const [deleted, cleared, renamed, created] = entries;
    expect(created.after).toMatchObject({ name: "Menu", tags: ["a"], external_id: "ext" });
    expect(renamed).toMatchObject({ before: { name: "Menu", tags: ["a"] }, after: { name: "Menu 2", tags: ["a", "b"] } });
    expect(Object.keys(renamed.after).sort()).toEqual(["name", "tags"]);
    // The tags given again did not change: only external_id shows.
    expect(cleared).toMatchObject({ before: { external_id: "ext" }, after: { external_id: null } });
    expect(Object.keys(cleared.after)).toEqual(["external_id"]);
    expect(deleted.before).toMatchObject({ name: "Menu 2", tags: ["a", "b"], external_id: null });
  });
});

describe("the OpenAPI document", () => {
  it("describes tag as a repeatable array and the new fields of a code", async () => {
    const doc = (await call("/v1/openapi.json")).json;
    const params = doc.paths["/v1/codes"].get.parameters as Json[];
    const tag = params.find((p) => p.name === "tag");
    expect(tag).toMatchObject({ in: "query", schema: { type: "array", items: { type: "string", maxLength: API_LIMITS.code_tags.tag_max }, maxItems: API_LIMITS.code_tags.max } });
    expect(tag.style ?? "form").toBe("form");
    expect(tag.explode ?? true).toBe(true);
    expect(params.map((p) => p.name).sort()).toEqual(["cursor", "external_id", "limit", "q", "sort", "status", "tag", "x-d1-bookmark"].sort());
    expect(Object.keys(doc.components.schemas.Code.properties)).toEqual(expect.arrayContaining(["name", "tags", "external_id"]));
    expect(doc.paths["/v1/tags"].get["x-qr3-scope"]).toBe("codes:read");
  });
});
