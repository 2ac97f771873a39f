import { DEFAULT_QR_STYLE } from "@qr3/schema/qr-style";
import { ROUTING_DEFAULTS } from "@qr3/schema/rule-facts";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";

let key: string;
let shard: number;
beforeEach(async () => {
  ({ key, workspace: { shard } } = await seedKey());
});

const link = (shortCode: string) => env.LINKS.get(`code:${shortCode}`, "json");

describe("codes", () => {
  it("creates a code with a generated short code and publishes it to KV", async () => {
    const res = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/menu" } });
    expect(res.status).toBe(201);
    expect(res.json.data).toEqual({
      id: expect.stringMatching(/^qr_[0-9a-z]{26}$/),
      short_code: expect.stringMatching(/^[A-Za-z0-9]{6}$/),
      short_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:8787\/[A-Za-z0-9]{6}$/),
      domain: null,
      url: "https://example.com/menu",
      status: "active",
      name: null,
      tags: [],
      external_id: null,
      ...ROUTING_DEFAULTS,
      qr_style: DEFAULT_QR_STYLE,
      logo: null,
      scan_cap_reached_at: null,
      total_scans: 0,
      created_at: expect.stringMatching(/Z$/),
      updated_at: res.json.data.created_at,
    });
    expect(res.json.meta.request_id).toMatch(/^req_/);
    expect(res.headers.get("x-request-id")).toBe(res.json.meta.request_id);
    expect(await link(res.json.data.short_code)).toEqual({
      code_id: res.json.data.id,
      workspace_id: expect.stringMatching(/^ws_/),
      url: "https://example.com/menu",
      status: "active",
      version: 1,
      shard,
    });
  });

  it("creates a code with a chosen short code", async () => {
    const res = await call("/v1/codes", { method: "POST", key, body: { url: "http://example.com", short_code: "Spring-Sale_26" } });
    expect(res.status).toBe(201);
    expect(res.json.data.short_code).toBe("Spring-Sale_26");
  });

  it("gets, updates and deletes a code, mirroring each change to KV", async () => {
    const created = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a", short_code: "life01" } })).json.data;

    const got = await call(`/v1/codes/${created.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.json.data).toEqual(created);

    const moved = await call(`/v1/codes/${created.id}`, { method: "PATCH", key, body: { url: "https://example.com/b" } });
    expect(moved.status).toBe(200);
    expect(moved.json.data).toMatchObject({ url: "https://example.com/b", status: "active" });
    expect(await link("life01")).toMatchObject({ url: "https://example.com/b", status: "active", version: 2 });

    const disabled = await call(`/v1/codes/${created.id}`, { method: "PATCH", key, body: { status: "disabled" } });
    expect(disabled.json.data).toMatchObject({ url: "https://example.com/b", status: "disabled" });
    expect(await link("life01")).toMatchObject({ status: "disabled", version: 3 });

    const deleted = await call(`/v1/codes/${created.id}`, { method: "DELETE", key });
    expect(deleted.status).toBe(204);
    expect(await link("life01")).toBeNull();
    expect((await call(`/v1/codes/${created.id}`, { key })).status).toBe(404);

    // The short code is free again.
    expect((await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com", short_code: "life01" } })).status).toBe(201);
  });

  it("lists codes newest first with a cursor", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await call("/v1/codes", { method: "POST", key, body: { url: `https://example.com/${i}` } })).json.data.id);
    }
    const first = await call("/v1/codes?limit=2", { key });
    expect(first.json.data.map((c: { id: string }) => c.id)).toEqual([ids[4], ids[3]]);
    expect(first.json.pagination).toEqual({ has_more: true, next_cursor: ids[3] });
    const second = await call(`/v1/codes?limit=2&cursor=${first.json.pagination.next_cursor}`, { key });
    expect(second.json.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
    const last = await call(`/v1/codes?limit=2&cursor=${second.json.pagination.next_cursor}`, { key });
    expect(last.json.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    expect(last.json.pagination).toEqual({ has_more: false, next_cursor: null });
    const all = await call("/v1/codes", { key });
    expect(all.json.data).toHaveLength(5);
  });
});

describe("deleting a code", () => {
  it("leaves a tombstone so that the purge deletes its scans", async () => {
    const { scanRow, storeScans } = await import("./scan-rows.ts");
    const { workspace, key: k, db } = await seedKey();
    const created = (await call("/v1/codes", { method: "POST", key: k, body: { url: "https://example.com" } })).json.data;
    await storeScans([scanRow({ id: created.id, workspace_id: workspace.id }, new Date().toISOString())]);
    expect((await call(`/v1/codes/${created.id}`, { method: "DELETE", key: k })).status).toBe(204);
    const tombstone = await db.prepare("SELECT kind FROM deletions WHERE id = ?1").bind(created.id).first("kind");
    expect(tombstone).toBe("code");
    // Deleting again is a 404 and writes nothing more.
    expect((await call(`/v1/codes/${created.id}`, { method: "DELETE", key: k })).status).toBe(404);
  });
});
