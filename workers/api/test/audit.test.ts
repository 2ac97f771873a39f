// The audit log: every change made through the API, with the key that made it and the fields it
// changed, never a secret; only what the reading key may read, for 90 days.
import { env } from "cloudflare:workers";
import { DAY_MS, newId, shardDb } from "@qr3/core";
import { MAX_WEBHOOKS_PER_WORKSPACE as LIMIT } from "@qr3/schema";
import { AUDIT_RETENTION_DAYS, type Scope } from "@qr3/schema/api";
import { describe, expect, it } from "vitest";
import { describeAtClocks, freezeClock } from "../../../test/clocks.ts";
import { readableResources, recordAudit } from "../src/audit.ts";
import type { ApiRequest } from "../src/context.ts";
import { addKey, call, seedKey, type Json } from "./helpers.ts";

const log = async (key: string, query = "") => {
  const res = await call(`/v1/audit-log${query}`, { key });
  expect(res.status).toBe(200);
  return res.json.data as Json[];
};

const post = (key: string, path: string, body?: unknown) => call(path, { method: "POST", key, ...(body === undefined ? {} : { body }) });
const patch = (key: string, path: string, body: unknown) => call(path, { method: "PATCH", key, body });

describe("the audit log of codes", () => {
  it("records create, updates (changed fields only) and delete, newest first, with the key and the request", async () => {
    const { key, keyId } = await seedKey("pro", "Acme", undefined, { name: "Deploy bot" });
    const created = await post(key, "/v1/codes", { url: "https://example.com/old", short_code: "audit-menu" });
    const code = created.json.data;
    const moved = await patch(key, `/v1/codes/${code.id}`, { url: "https://example.com/new" });
    const disabled = await patch(key, `/v1/codes/${code.id}`, { status: "disabled", url: "https://example.com/new" });
    const deleted = await call(`/v1/codes/${code.id}`, { method: "DELETE", key });
    expect(deleted.status).toBe(204);

    const entries = await log(key);
    expect(entries.map((e) => e.action)).toEqual(["code.deleted", "code.updated", "code.updated", "code.created"]);
    const [del, second, first, create] = entries;
    expect(first).toMatchObject({ before: { url: "https://example.com/old" }, after: { url: "https://example.com/new" } });
    // The url given again did not change: only the status shows.
    expect(second).toMatchObject({ before: { status: "active" }, after: { status: "disabled" } });
    expect(create.before).toBeNull();
    expect(create.after).toEqual(code);
    expect(del.after).toBeNull();
    expect(del.before).toMatchObject({ id: code.id, short_code: "audit-menu", url: "https://example.com/new", status: "disabled" });
    const requests = [deleted, disabled, moved, created].map((r) => r.headers.get("x-request-id"));
    entries.forEach((entry, i) => {
      expect(entry).toMatchObject({ resource_type: "code", resource_id: code.id, api_key_id: keyId, api_key_name: "Deploy bot", request_id: requests[i] });
      expect(Date.parse(entry.created_at)).toBeGreaterThan(Date.now() - 60_000);
      expect(entry.id).toMatch(/^aud_/);
    });
  });

  it("records an update that changes nothing shown with empty before and after", async () => {
    const { key } = await seedKey();
    const code = (await post(key, "/v1/codes", { url: "https://example.com/same" })).json.data;
    await patch(key, `/v1/codes/${code.id}`, { url: "https://example.com/same" });
    const [entry] = await log(key, "?action=code.updated");
    expect(entry).toMatchObject({ before: {}, after: {} });
  });

  it("records nothing for a change that did not happen, nor for a replayed request", async () => {
    const { key } = await seedKey();
    expect((await patch(key, `/v1/codes/${newId("qr")}`, { url: "https://example.com/x" })).status).toBe(404);
    expect((await call(`/v1/codes/${newId("qr")}`, { method: "DELETE", key })).status).toBe(404);
    const once = { method: "POST", key, body: { url: "https://example.com/once" }, headers: { "idempotency-key": "audit-once" } };
    await call("/v1/codes", once);
    expect((await call("/v1/codes", once)).headers.get("idempotent-replayed")).toBe("true");
    expect((await log(key)).map((e) => e.action)).toEqual(["code.created"]);
  });
});

describe("the audit log of webhooks", () => {
  it("records every change and never a secret", async () => {
    const { key } = await seedKey();
    const created = await post(key, "/v1/webhooks", { url: "https://example.com/hooks", events: ["qr.scanned"] });
    expect(created.status).toBe(201);
    const webhook = created.json.data;
    const secrets = [webhook.secret as string];
    await patch(key, `/v1/webhooks/${webhook.id}`, { url: "https://example.com/hooks/v2" });
    const tested = (await post(key, `/v1/webhooks/${webhook.id}/test`)).json.data;
    const redelivered = (await post(key, `/v1/webhooks/${webhook.id}/deliveries/${tested.id}/redeliver`)).json.data;
    const rotated = await post(key, `/v1/webhooks/${webhook.id}/rotate-secret`, {});
    secrets.push(rotated.json.data.secret);
    const chosen = "whsec_" + btoa("a secret of my own choosing");
    secrets.push(chosen);
    await post(key, `/v1/webhooks/${webhook.id}/rotate-secret`, { secret: chosen });
    await patch(key, `/v1/webhooks/${webhook.id}`, { status: "disabled" });
    expect((await call(`/v1/webhooks/${webhook.id}`, { method: "DELETE", key })).status).toBe(204);

    const entries = await log(key);
    expect(entries.map((e) => e.action)).toEqual([
      "webhook.deleted",
      "webhook.updated",
      "webhook.secret_rotated",
      "webhook.secret_rotated",
      "webhook.redelivered",
      "webhook.tested",
      "webhook.updated",
      "webhook.created",
    ]);
    const [del, disable, rotation, , redelivery, test, move, create] = entries;
    const { secret: _, ...shown } = webhook;
    expect(create.after).toEqual(shown);
    expect(move).toMatchObject({ before: { url: "https://example.com/hooks" }, after: { url: "https://example.com/hooks/v2" } });
    expect(test.after).toEqual({ delivery_id: tested.id, event_id: tested.event_id, event_type: "webhook.test" });
    expect(redelivery.after).toEqual({ delivery_id: redelivered.id, redelivery_of: tested.id, event_id: tested.event_id, event_type: "webhook.test" });
    expect(rotation.after).toEqual({ previous_secret_expires_at: expect.any(String) });
    expect(disable).toMatchObject({ before: { status: "enabled", disabled_reason: null }, after: { status: "disabled", disabled_reason: "manual" } });
    expect(del.before).toMatchObject({ id: webhook.id, url: "https://example.com/hooks/v2", events: ["qr.scanned"], status: "disabled" });
    for (const entry of entries) expect(entry).toMatchObject({ resource_type: "webhook", resource_id: webhook.id });
    // Neither a secret nor its sealed form is anywhere in the log.
    const text = JSON.stringify(entries);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/v1:|whsec_|secret"/);
  });

  it("records no create refused by the limit and no test of a disabled webhook", async () => {
    const { key } = await seedKey();
    const creates = await Promise.all(
      Array.from({ length: LIMIT + 3 }, (_, i) => post(key, "/v1/webhooks", { url: `https://example.com/h/${i}`, events: ["qr.scanned"] })),
    );
    expect(creates.filter((r) => r.status === 201)).toHaveLength(LIMIT);
    const one = creates.find((r) => r.status === 201)!.json.data;
    await patch(key, `/v1/webhooks/${one.id}`, { status: "disabled" });
    expect((await post(key, `/v1/webhooks/${one.id}/test`)).status).toBe(409);
    const entries = await log(key, "?limit=100");
    expect(entries.filter((e) => e.action === "webhook.created")).toHaveLength(LIMIT);
    expect(entries.filter((e) => e.action === "webhook.tested")).toHaveLength(0);
  });
});

describe("GET /v1/audit-log", () => {
  it("filters by resource_id and action, and pages newest first", async () => {
    const { key } = await seedKey();
    const a = (await post(key, "/v1/codes", { url: "https://example.com/a" })).json.data;
    const b = (await post(key, "/v1/codes", { url: "https://example.com/b" })).json.data;
    for (let i = 0; i < 3; i++) await patch(key, `/v1/codes/${a.id}`, { url: `https://example.com/a/${i}` });

    const ofA = await log(key, `?resource_id=${a.id}`);
    expect(ofA.map((e) => e.action)).toEqual(["code.updated", "code.updated", "code.updated", "code.created"]);
    expect((await log(key, `?resource_id=${b.id}`)).map((e) => e.action)).toEqual(["code.created"]);
    expect((await log(key, "?action=code.created")).map((e) => e.resource_id)).toEqual([b.id, a.id]);
    expect(await log(key, `?resource_id=${b.id}&action=code.updated`)).toEqual([]);

    const all = await log(key);
    const seen: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await call(`/v1/audit-log?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key });
      seen.push(...page.json.data);
      cursor = page.json.pagination.next_cursor;
      expect(page.json.pagination.has_more).toBe(cursor !== null);
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(5);
  });

  it.each([
    ["?action=code.renamed", "action: "],
    ["?limit=0", "limit: "],
    ["?cursor=nope", "cursor: "],
    ["?resource=qr_1", "resource: "],
  ])("answers 400 naming the parameter for %s", async (query, message) => {
    const { key } = await seedKey();
    const res = await call(`/v1/audit-log${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message.startsWith(message)).toBe(true);
  });

  it("shows a workspace only its own entries", async () => {
    const [mine, theirs] = [await seedKey(), await seedKey()];
    const code = (await post(theirs.key, "/v1/codes", { url: "https://example.com/theirs" })).json.data;
    expect(await log(mine.key)).toEqual([]);
    expect(await log(mine.key, `?resource_id=${code.id}`)).toEqual([]);
  });

  it("shows a key only the entries of what it may read", async () => {
    const { key, workspace } = await seedKey();
    const code = (await post(key, "/v1/codes", { url: "https://example.com/c" })).json.data;
    const webhook = (await post(key, "/v1/webhooks", { url: "https://example.com/w", events: ["qr.scanned"] })).json.data;
    const keyEntry = newId("key");
    const request = {
      auth: { workspaceId: workspace.id, keyId: "key_x", keyName: "Admin", scopes: [], retentionDays: 90, shard: workspace.shard },
      requestId: newId("req"),
      db: shardDb(env, workspace.shard),
    } as unknown as ApiRequest;
    await recordAudit(request, { action: "api_key.created", resourceId: keyEntry, after: { id: keyEntry, name: "CI" } });

    const resources = async (scopes: Scope[]) => (await log((await addKey(workspace, { scopes })).key)).map((e) => e.resource_id);
    expect(await resources(["codes:read"])).toEqual([code.id]);
    expect(await resources(["webhooks:read"])).toEqual([webhook.id]);
    expect(await resources(["keys:write"])).toEqual([keyEntry]);
    expect(await resources(["analytics:read"])).toEqual([]);
    expect(await resources(["codes:read", "webhooks:read", "keys:write"])).toEqual([keyEntry, webhook.id, code.id]);
    // An action of a kind the key may not read is not refused: it is empty.
    expect(await log((await addKey(workspace, { scopes: ["codes:read"] })).key, "?action=webhook.created")).toEqual([]);
    expect(readableResources(["codes:write"])).toEqual([]);
  });
});

describe("recordAudit", () => {
  it("writes a change made outside the shard to the workspace's log", async () => {
    const { key, workspace } = await seedKey();
    const request = {
      auth: { workspaceId: workspace.id, keyId: "key_admin", keyName: "Admin", scopes: [], retentionDays: 90, shard: workspace.shard },
      requestId: newId("req"),
      db: shardDb(env, workspace.shard),
    } as unknown as ApiRequest;
    const revoked = newId("key");
    await recordAudit(request, { action: "api_key.revoked", resourceId: revoked });
    const [entry] = await log(key);
    expect(entry).toMatchObject({
      action: "api_key.revoked",
      resource_type: "api_key",
      resource_id: revoked,
      api_key_id: "key_admin",
      api_key_name: "Admin",
      request_id: request.requestId,
      before: null,
      after: null,
    });
  });
});

describeAtClocks("the audit log's retention", ({ now }) => {
  it(`shows entries for ${AUDIT_RETENTION_DAYS} days, to the millisecond, before any purge`, async () => {
    const { key } = await seedKey();
    freezeClock(now);
    const code = (await post(key, "/v1/codes", { url: "https://example.com/kept" })).json.data;
    const madeAt = Date.parse((await log(key))[0].created_at);
    freezeClock(madeAt + AUDIT_RETENTION_DAYS * DAY_MS);
    expect((await log(key)).map((e) => e.resource_id)).toEqual([code.id]);
    freezeClock(madeAt + AUDIT_RETENTION_DAYS * DAY_MS + 1);
    expect(await log(key)).toEqual([]);
    expect(await log(key, `?resource_id=${code.id}`)).toEqual([]);
  });
});
