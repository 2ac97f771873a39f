// KV refusing writes (in production: 429 when one key is written more than once a second, as a
// burst of changes to one code does): a change in D1 is never lost, nor answered as a failure.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, callWithEnv, seedKey } from "./helpers.ts";

const link = (shortCode: string) => env.LINKS.get(`code:${shortCode}`, "json");
const mark = (db: D1Database, shortCode: string) => db.prepare("SELECT changed_at FROM link_syncs WHERE short_code = ?1").bind(shortCode).first("changed_at");

/** A LINKS binding whose first `failures` puts fail as KV fails them. */
function failingPuts(failures: number) {
  let failed = 0;
  return new Proxy(env.LINKS, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "put") {
        return (...args: Parameters<KVNamespace["put"]>) => {
          if (failed++ < failures) return Promise.reject(new Error("KV PUT failed: 429 Too Many Requests"));
          return target.put(...args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("KV refusing a write", () => {
  it("is retried a second later: the PATCH ends with KV holding its change", async () => {
    const { key } = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "kv-retry" } })).json.data;
    const res = await callWithEnv({ LINKS: failingPuts(1) }, `/v1/codes/${code.id}`, { method: "PATCH", key, body: { url: "https://example.com/b" } });
    expect(res.status).toBe(200);
    expect(await link("kv-retry")).toMatchObject({ code_id: code.id, url: "https://example.com/b", version: 2 });
  });

  it("answers the PATCH as done when KV keeps failing, leaving the short code marked for the link sweep", async () => {
    const { key, db } = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "kv-down" } })).json.data;
    const res = await callWithEnv({ LINKS: failingPuts(Infinity) }, `/v1/codes/${code.id}`, { method: "PATCH", key, body: { status: "disabled" } });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ status: "disabled" });
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.status).toBe("disabled");
    expect(await link("kv-down")).toMatchObject({ status: "active", version: 1 });
    expect(await mark(db, "kv-down")).not.toBeNull();
  });

  it("undoes a create when KV keeps failing, so that the client's retry can have the short code", async () => {
    const { key } = await seedKey();
    const res = await callWithEnv({ LINKS: failingPuts(Infinity) }, "/v1/codes", {
      method: "POST",
      key,
      body: { url: "https://example.com/a", short_code: "kv-create" },
    });
    expect(res.status).toBe(500);
    expect(res.json.error.code).toBe("INTERNAL_SERVER_ERROR");
    expect((await call("/v1/codes", { key })).json.data).toEqual([]);
    expect((await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "kv-create" } })).status).toBe(201);
  });
});
