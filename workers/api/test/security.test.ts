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
    await env.CONTROL.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1").bind(keyId, new Date().toISOString()).run();
    expect((await call("/v1/codes", { key })).status).toBe(401);
  });

  it("stores only the key's hash", async () => {
    const { key, keyId } = await seedKey();
    const row = await env.CONTROL.prepare("SELECT * FROM api_keys WHERE id = ?1").bind(keyId).first<Record<string, string>>();
    expect(Object.values(row!).join(" ")).not.toContain(key);
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("workspace isolation", () => {
  it.each([
    ["on another shard", 0, 1],
    ["on the same shard", 2, 2],
  ])("hides every resource of a workspace %s as 404: codes, scans, export, QR image, webhooks, deliveries, workspace", async (_, myShard, theirShard) => {
    const mine = await seedKey("pro", "Mine", myShard);
    const theirs = await seedKey("pro", "Theirs", theirShard);
    expect([mine.workspace.shard, theirs.workspace.shard]).toEqual([myShard, theirShard]);
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com" } })).json.data;
    await storeScans([scanRow({ id: code.id, workspace_id: theirs.workspace.id }, new Date().toISOString())]);
    const webhook = (await call("/v1/webhooks", { method: "POST", key: theirs.key, body: { url: "https://example.com/hook", events: ["qr.scanned"] } })).json.data;
    const delivery = (await call(`/v1/webhooks/${webhook.id}/test`, { method: "POST", key: theirs.key })).json.data;

    for (const [method, path, body] of [
      ["GET", `/v1/codes/${code.id}`, undefined],
      ["PATCH", `/v1/codes/${code.id}`, { url: "https://evil.example" }],
      ["DELETE", `/v1/codes/${code.id}`, undefined],
      ["GET", `/v1/codes/${code.id}/scans`, undefined],
      ["GET", `/v1/codes/${code.id}/scans/export`, undefined],
      ["GET", `/v1/codes/${code.id}/qr.svg`, undefined],
      ["GET", `/v1/webhooks/${webhook.id}`, undefined],
      ["PATCH", `/v1/webhooks/${webhook.id}`, { status: "disabled" }],
      ["DELETE", `/v1/webhooks/${webhook.id}`, undefined],
      ["POST", `/v1/webhooks/${webhook.id}/rotate-secret`, undefined],
      ["POST", `/v1/webhooks/${webhook.id}/test`, undefined],
      ["GET", `/v1/webhooks/${webhook.id}/deliveries`, undefined],
      ["POST", `/v1/webhooks/${webhook.id}/deliveries/${delivery.id}/redeliver`, undefined],
      ["GET", `/v1/workspaces/${theirs.workspace.id}`, undefined],
      ["GET", `/v1/workspaces/${theirs.workspace.id}/scans`, undefined],
    ] as const) {
      const res = await call(path, { method, key: mine.key, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json, `${method} ${path}`).toEqual({
        error: { code: "NOT_FOUND", message: expect.stringMatching(/ not found$/) },
        meta: { request_id: expect.stringMatching(/^req_/) },
      });
    }
    // Their delivery under a webhook of mine is not found either.
    const myWebhook = (await call("/v1/webhooks", { method: "POST", key: mine.key, body: { url: "https://example.com/mine", events: ["qr.scanned"] } })).json.data;
    const crossed = await call(`/v1/webhooks/${myWebhook.id}/deliveries/${delivery.id}/redeliver`, { method: "POST", key: mine.key });
    expect(crossed.status).toBe(404);
    expect(crossed.json.error.code).toBe("NOT_FOUND");
    await call(`/v1/webhooks/${myWebhook.id}`, { method: "DELETE", key: mine.key });
    expect((await call("/v1/codes", { key: mine.key })).json.data).toEqual([]);
    expect((await call("/v1/webhooks", { key: mine.key })).json.data).toEqual([]);
    expect((await call("/v1/workspaces/current/scans", { key: mine.key })).json.data).toMatchObject({ total_scans: 0, period_scans: 0, top_codes: [] });
    // Untouched for its owner.
    const still = await call(`/v1/codes/${code.id}`, { key: theirs.key });
    expect(still.json.data).toMatchObject({ url: "https://example.com/", total_scans: 1 });
    expect((await call(`/v1/webhooks/${webhook.id}`, { key: theirs.key })).json.data.status).toBe("enabled");
    expect((await call(`/v1/webhooks/${webhook.id}/deliveries`, { key: theirs.key })).json.data).toHaveLength(1);
  });
});

describe("workspace isolation: nothing is done for another workspace's code", () => {
  it("answers 404 before folding any waiting scans", async () => {
    const mine = await seedKey("pro", "Mine", 1);
    const theirs = await seedKey("pro", "Theirs", 1);
    const tail = () => theirs.db.prepare("SELECT count(*) AS n FROM scan_tail").first<number>("n");
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com/" } })).json.data;
    await storeScans([scanRow({ id: code.id, workspace_id: theirs.workspace.id }, new Date().toISOString())], { fold: false });
    const waiting = await tail();
    expect(waiting).toBeGreaterThan(0);

    for (const path of [
      `/v1/codes/${code.id}/scans`,
      `/v1/codes/${code.id}/scans?tz=Asia/Kathmandu`,
      `/v1/codes/${code.id}/scans?compare=previous&country=AT`,
      `/v1/codes/${code.id}/scans?referer=example.com`,
      "/v1/codes/qr_00000000000000000000000000/scans",
      `/v1/workspaces/${theirs.workspace.id}/scans`,
    ]) {
      const res = await call(path, { key: mine.key });
      expect(res.status, path).toBe(404);
      expect(await tail(), path).toBe(waiting);
    }
    // Its owner's read counts them.
    expect((await call(`/v1/codes/${code.id}/scans`, { key: theirs.key })).json.data.period_scans).toBe(1);
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
    const { key, db } = await seedKey();
    await db.exec("ALTER TABLE codes RENAME TO codes_gone");
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
      await db.exec("ALTER TABLE codes_gone RENAME TO codes");
    }
  });
});
