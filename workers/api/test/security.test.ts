import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

describe("authentication", () => {
  it.each([
    ["no header", {}],
    ["a non-Bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["a malformed key", { authorization: "Bearer hello" }],
    ["an unknown key", { authorization: `Bearer qr3_sk_${"A".repeat(40)}` }],
  ])("answers 401 for %s", async (_, headers) => {
    const res = await call("/v1/codes", { headers });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("UNAUTHORIZED");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(res.json.meta.request_id).toMatch(/^req_/);
  });

  it("answers 401 for a revoked key", async () => {
    const { key, keyId } = await seedKey();
    expect((await call("/v1/codes", { key })).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1").bind(keyId, new Date().toISOString()).run();
    expect((await call("/v1/codes", { key })).status).toBe(401);
  });

  it("stores only the key's hash", async () => {
    const { key, keyId } = await seedKey();
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?1").bind(keyId).first<Record<string, string>>();
    expect(Object.values(row!).join(" ")).not.toContain(key);
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("workspace isolation", () => {
  it("hides another workspace's codes, scans and workspace as 404", async () => {
    const mine = await seedKey();
    const theirs = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com" } })).json.data;

    for (const [method, path, body] of [
      ["GET", `/v1/codes/${code.id}`, undefined],
      ["PATCH", `/v1/codes/${code.id}`, { url: "https://evil.example" }],
      ["DELETE", `/v1/codes/${code.id}`, undefined],
      ["GET", `/v1/codes/${code.id}/scans`, undefined],
      ["GET", `/v1/workspaces/${theirs.workspace.id}`, undefined],
    ] as const) {
      const res = await call(path, { method, key: mine.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.code).toBe("NOT_FOUND");
    }
    expect((await call("/v1/codes", { key: mine.key })).json.data).toEqual([]);
    // Untouched for its owner.
    const still = await call(`/v1/codes/${code.id}`, { key: theirs.key });
    expect(still.json.data.url).toBe("https://example.com/");
  });
});

describe("workspace isolation: nothing is done for another workspace's code", () => {
  const tail = () => env.DB.prepare("SELECT count(*) AS n FROM scan_tail").first<number>("n");

  it("answers 404 before folding any waiting scans", async () => {
    const mine = await seedKey();
    const theirs = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com/" } })).json.data;
    await storeScans([scanRow({ id: code.id, workspace_id: theirs.workspace.id }, new Date().toISOString())], { fold: false });
    const waiting = await tail();
    expect(waiting).toBeGreaterThan(0);

    for (const path of [
      `/v1/codes/${code.id}/scans`,
      `/v1/codes/${code.id}/scans?tz=Asia/Kathmandu`,
      "/v1/codes/qr_00000000000000000000000000/scans",
      `/v1/workspaces/${theirs.workspace.id}/scans`,
    ]) {
      const res = await call(path, { key: mine.key });
      expect(res.status, path).toBe(404);
      expect(await tail(), path).toBe(waiting);
    }
    // Its owner's read folds them.
    expect((await call(`/v1/codes/${code.id}/scans`, { key: theirs.key })).json.data.period_scans).toBe(1);
    expect(await tail()).toBe(0);
  });

  it.each([
    ["/scans?days=0"],
    ["/scans?tz=Nowhere/Else"],
    ["/scans/export?format=xml"],
    ["/scans/export?from=yesterday"],
    ["/qr.svg?ecc=Z"],
  ])("answers 404, not a query's 400, for another workspace's code%s", async (suffix) => {
    const mine = await seedKey();
    const theirs = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com/" } })).json.data;
    const res = await call(`/v1/codes/${code.id}${suffix}`, { key: mine.key });
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: "NOT_FOUND", message: "Code not found" });
    expect((await call(`/v1/codes/${code.id}${suffix}`, { key: theirs.key })).status).toBe(400);
  });
});

describe("errors", () => {
  it("turns an unexpected failure into a plain 500 without internals", async () => {
    const { key } = await seedKey();
    await env.DB.exec("ALTER TABLE codes RENAME TO codes_gone");
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const res = await call("/v1/codes", { key });
      expect(res.status).toBe(500);
      expect(res.json).toEqual({
        error: { code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side. Try again later." },
        meta: { request_id: expect.stringMatching(/^req_/) },
      });
      expect(JSON.stringify(errors)).toContain("no such table");
    } finally {
      console.error = original;
      await env.DB.exec("ALTER TABLE codes_gone RENAME TO codes");
    }
  });
});
