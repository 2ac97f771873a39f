// API keys a team hands out: scopes no wider than the creating key's, expiry, listing, revoking
// (never the last key that can manage keys, however the revocations race), the calling key, and
// last_used_at kept to the minute without a write on every request.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newApiKey, newId } from "@qr3/core";
import { insertGrantedApiKey } from "@qr3/db";
import { SCOPES } from "@qr3/schema/api";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { addKey, call, callWithEnv, seedKey } from "./helpers.ts";

const API_KEY_FIELDS = ["created_at", "expires_at", "id", "last_used_at", "name", "prefix", "scopes"];
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const anHourAgo = () => new Date(Date.now() - 3_600_000).toISOString();

const create = (key: string, body: unknown) => call("/v1/keys", { method: "POST", key, body });
const revoke = (key: string, id: string) => call(`/v1/keys/${id}`, { method: "DELETE", key });
const keyRow = (id: string) => env.CONTROL.prepare("SELECT * FROM api_keys WHERE id = ?1").bind(id).first<Record<string, string | null>>();

describe("POST /v1/keys", () => {
  it("answers the new key once, beside its fields, and the key can do what its scopes allow and no more", async () => {
    const { key } = await seedKey();
    const res = await create(key, { name: "  Reporting  ", scopes: ["analytics:read", "codes:read", "codes:read"] });
    expect(res.status).toBe(201);
    const created = res.json.data;
    expect(Object.keys(created).sort()).toEqual([...API_KEY_FIELDS, "api_key"].sort());
    expect(created).toMatchObject({ name: "Reporting", scopes: ["codes:read", "analytics:read"], last_used_at: null, expires_at: null });
    expect(created.id).toMatch(/^key_/);
    expect(created.api_key).toMatch(/^qr3_sk_/);
    expect(created.api_key.startsWith(created.prefix)).toBe(true);

    // Only the hash is stored, and the key is never shown again.
    const row = await keyRow(created.id);
    expect(Object.values(row!).join(" ")).not.toContain(created.api_key);
    const listed = await call("/v1/keys", { key });
    expect(JSON.stringify(listed.json)).not.toContain(created.api_key);

    expect((await call("/v1/codes", { key: created.api_key })).status).toBe(200);
    const forbidden = await call("/v1/codes", { method: "POST", key: created.api_key, body: { url: "https://example.com/" } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error).toEqual({ code: "FORBIDDEN", message: 'scope: this API key lacks the "codes:write" scope' });
    expect((await call("/v1/keys", { key: created.api_key })).status).toBe(403);
  });

  it("refuses a scope the creating key lacks, naming it, and stores nothing", async () => {
    const { workspace } = await seedKey();
    const { key } = await addKey(workspace, { scopes: ["codes:read", "keys:write"] });
    const res = await create(key, { name: "Wider", scopes: ["codes:read", "webhooks:write"] });
    expect(res.status).toBe(403);
    expect(res.json.error).toEqual({ code: "FORBIDDEN", message: 'scopes: this API key lacks the "webhooks:write" scope, so it cannot give it' });
    const count = await env.CONTROL.prepare("SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?1").bind(workspace.id).first<number>("n");
    expect(count).toBe(2);
    // Its own scopes, or some of them, it may give.
    expect((await create(key, { name: "Same", scopes: ["keys:write", "codes:read"] })).status).toBe(201);
  });

  it.each([
    [{ scopes: ["codes:read"] }, "name: is required"],
    [{ name: "   ", scopes: ["codes:read"] }, "name: must not be empty"],
    [{ name: "x".repeat(101), scopes: ["codes:read"] }, "name: must be at most 100 characters"],
    [{ name: "A" }, "scopes: is required"],
    [{ name: "A", scopes: [] }, "scopes: must list at least one scope"],
    [{ name: "A", scopes: ["codes:admin"] }, `scopes[0]: must be one of ${SCOPES.map((s) => JSON.stringify(s)).join(", ")}`],
    [{ name: "A", scopes: ["codes:read"], expires_at: "tomorrow" }, "expires_at: has an invalid format"],
    [{ name: "A", scopes: ["codes:read"], expires_at: "2020-01-01T00:00:00Z" }, "expires_at: must be in the future"],
    [{ name: "A", scopes: ["codes:read"], owner: "me" }, "owner: is not a known field"],
  ])("answers 400 naming the field for %j", async (body, message) => {
    const { key } = await seedKey();
    const res = await create(key, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it("stores expires_at in UTC, and the key works until then", async () => {
    const { key } = await seedKey();
    const local = new Date(Date.now() + 86_400_000);
    const offset = `${local.toISOString().slice(0, 19)}+02:00`;
    const res = await create(key, { name: "Contractor", scopes: ["codes:read"], expires_at: offset });
    expect(res.status).toBe(201);
    expect(res.json.data.expires_at).toBe(new Date(Date.parse(offset)).toISOString());
    expect((await call("/v1/codes", { key: res.json.data.api_key })).status).toBe(200);
  });

  it("makes no key for a grantor revoked or expired by the time of the insert", async () => {
    const { workspace, keyId } = await seedKey();
    const expired = await addKey(workspace, { expiresAt: anHourAgo() });
    const row = async () => {
      const { hash, prefix } = await newApiKey();
      return { id: newId("key"), workspace_id: workspace.id, key_hash: hash, prefix, name: "Late", scopes: ["codes:read"], created_at: new Date().toISOString() };
    };
    expect(await insertGrantedApiKey(env.CONTROL, await row(), expired.keyId)).toBeNull();
    await env.CONTROL.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1").bind(keyId, new Date().toISOString()).run();
    expect(await insertGrantedApiKey(env.CONTROL, await row(), keyId)).toBeNull();
    const live = await addKey(workspace, { scopes: ["codes:read"] });
    expect(await insertGrantedApiKey(env.CONTROL, { ...(await row()), scopes: ["codes:read", "codes:write"] }, live.keyId)).toBeNull();
    expect(await insertGrantedApiKey(env.CONTROL, await row(), live.keyId)).toMatchObject({ name: "Late", scopes: '["codes:read"]' });
  });
});

/** The shard `db`, but refusing every write to the audit log, as an overloaded D1 would. */
function refusingAudit(db: D1Database): D1Database {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop) {
        const own = t as unknown as { prepare(sql: string): D1PreparedStatement; withSession(constraint?: string): object };
        if (prop === "prepare") {
          return (sql: string) =>
            sql.startsWith("INSERT INTO audit_log") ? { bind: () => ({ run: () => Promise.reject(new Error("D1_ERROR: database is overloaded")) }) } : own.prepare(sql);
        }
        if (prop === "withSession") return (constraint?: string) => wrap(own.withSession(constraint));
        const value = Reflect.get(t, prop, t);
        return typeof value === "function" ? value.bind(t) : value;
      },
    });
  return wrap(db);
}

describe("a key whose audit entry cannot be written", () => {
  it("is revoked again, and the request answers 500: no key exists unrecorded", async () => {
    const { workspace, key } = await seedKey();
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const res = await callWithEnv({ [`SHARD_${workspace.shard}`]: refusingAudit(workspace.db) } as Partial<Env>, "/v1/keys", {
        method: "POST",
        key,
        body: { name: "Unrecorded", scopes: ["codes:read"] },
      });
      expect(res.status).toBe(500);
    } finally {
      errors.mockRestore();
    }
    const listed = await call("/v1/keys", { key });
    expect(listed.json.data.map((k: { name: string }) => k.name)).not.toContain("Unrecorded");
    const row = await env.CONTROL.prepare("SELECT revoked_at FROM api_keys WHERE workspace_id = ?1 AND name = 'Unrecorded'").bind(workspace.id).first<{ revoked_at: string | null }>();
    expect(row?.revoked_at).toEqual(expect.any(String));
  });
});

describe("expiry and stored scopes", () => {
  it("answers 401 for an expired key, saying so", async () => {
    const { workspace } = await seedKey();
    const { key } = await addKey(workspace, { expiresAt: anHourAgo() });
    const res = await call("/v1/codes", { key });
    expect(res.status).toBe(401);
    expect(res.json.error).toEqual({ code: "UNAUTHORIZED", message: "API key expired." });
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("gives a key stored without scopes none, and drops stored values that are no scope", async () => {
    const { workspace } = await seedKey();
    const bare = await newApiKey();
    const id = newId("key");
    await env.CONTROL.prepare("INSERT INTO api_keys (id, workspace_id, key_hash, prefix, created_at) VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(id, workspace.id, bare.hash, bare.prefix, new Date().toISOString())
      .run();
    expect((await call("/v1/codes", { key: bare.key })).status).toBe(403);
    expect((await call("/v1/keys/current", { key: bare.key })).json.data.scopes).toEqual([]);

    await env.CONTROL.prepare("UPDATE api_keys SET scopes = ?2 WHERE id = ?1").bind(id, '["admin:everything","codes:read",7,"codes:read"]').run();
    expect((await call("/v1/keys/current", { key: bare.key })).json.data.scopes).toEqual(["codes:read"]);
    expect((await call("/v1/codes", { key: bare.key })).status).toBe(200);
    // Anything but a JSON array is refused by the table itself.
    await expect(env.CONTROL.prepare("UPDATE api_keys SET scopes = ?2 WHERE id = ?1").bind(id, '"codes:read"').run()).rejects.toThrow();
  });
});

describe("GET /v1/keys and /v1/keys/current", () => {
  it("lists the workspace's keys not revoked, expired ones included, newest first, a page at a time", async () => {
    const { workspace, key, keyId } = await seedKey();
    const other = await seedKey();
    const expired = await addKey(workspace, { name: "Expired", expiresAt: anHourAgo(), scopes: ["codes:read"] });
    const revoked = await addKey(workspace, { name: "Revoked" });
    await env.CONTROL.prepare("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1").bind(revoked.keyId, new Date().toISOString()).run();
    const created = (await create(key, { name: "Newest", scopes: ["codes:read"], expires_at: inAnHour() })).json.data;

    const res = await call("/v1/keys", { key });
    expect(res.status).toBe(200);
    expect(res.json.data.map((k: { id: string }) => k.id)).toEqual([created.id, expired.keyId, keyId]);
    for (const listed of res.json.data) expect(Object.keys(listed).sort()).toEqual(API_KEY_FIELDS);
    expect(res.json.data[1]).toMatchObject({ name: "Expired", scopes: ["codes:read"] });
    expect(res.json.pagination).toEqual({ has_more: false, next_cursor: null });
    expect(JSON.stringify(res.json)).not.toContain(other.keyId);

    const first = await call("/v1/keys?limit=2", { key });
    expect(first.json.pagination).toEqual({ has_more: true, next_cursor: expired.keyId });
    const second = await call(`/v1/keys?limit=2&cursor=${first.json.pagination.next_cursor}`, { key });
    expect(second.json.data.map((k: { id: string }) => k.id)).toEqual([keyId]);
    expect((await call("/v1/keys?limit=0", { key })).json.error.message).toBe("limit: must be at least 1");
    expect((await call("/v1/keys?cursor=nope", { key })).json.error.message).toBe("cursor: is not a valid cursor");
  });

  it("answers the calling key, whatever its scopes", async () => {
    const { workspace } = await seedKey();
    const { key, keyId } = await addKey(workspace, { name: "Viewer", scopes: ["analytics:read"], expiresAt: inAnHour() });
    const res = await call("/v1/keys/current", { key });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.data).sort()).toEqual(API_KEY_FIELDS);
    expect(res.json.data).toMatchObject({ id: keyId, name: "Viewer", scopes: ["analytics:read"] });
    expect(res.json.data.prefix).toBe(key.slice(0, res.json.data.prefix.length));
  });
});

describe("DELETE /v1/keys/:id", () => {
  it("revokes a key of the workspace: 204, then that key is refused and no longer listed", async () => {
    const { key } = await seedKey();
    const made = (await create(key, { name: "Temp", scopes: ["codes:read"] })).json.data;
    const res = await revoke(key, made.id);
    expect(res.status).toBe(204);
    expect((await call("/v1/codes", { key: made.api_key })).status).toBe(401);
    expect((await call("/v1/keys", { key })).json.data.map((k: { id: string }) => k.id)).not.toContain(made.id);
    expect((await revoke(key, made.id)).status).toBe(404);
  });

  it("answers 404 for another workspace's key and for an unknown id, revoking nothing", async () => {
    const mine = await seedKey();
    const theirs = await seedKey();
    for (const id of [theirs.keyId, "key_00000000000000000000000000", "current"]) {
      const res = await revoke(mine.key, id);
      expect(res.status, id).toBe(404);
      expect(res.json.error).toEqual({ code: "NOT_FOUND", message: "API key not found" });
    }
    expect((await call("/v1/codes", { key: theirs.key })).status).toBe(200);
  });

  it("never revokes the last active key holding keys:write, expired ones not counting", async () => {
    const { workspace, key, keyId } = await seedKey();
    const reader = await addKey(workspace, { scopes: ["codes:read"] });
    const expiredManager = await addKey(workspace, { expiresAt: anHourAgo() });
    const self = await revoke(key, keyId);
    expect(self.status).toBe(409);
    expect(self.json.error).toEqual({
      code: "CONFLICT",
      message: 'id: is the workspace\'s last active key with the "keys:write" scope; create another one before revoking it',
    });
    expect((await call("/v1/codes", { key })).status).toBe(200);
    // Keys that cannot manage keys, or can no longer, go freely.
    expect((await revoke(key, reader.keyId)).status).toBe(204);
    expect((await revoke(key, expiredManager.keyId)).status).toBe(204);
    // With a second manager, the first may go.
    const second = (await create(key, { name: "Successor", scopes: ["keys:write"] })).json.data;
    expect((await revoke(second.api_key, keyId)).status).toBe(204);
    expect((await revoke(second.api_key, second.id)).status).toBe(409);
  });

  it("lets only one of two managers revoking each other at once succeed", async () => {
    for (let round = 0; round < 5; round++) {
      const { workspace, key: a, keyId: aId } = await seedKey();
      const { key: b, keyId: bId } = await addKey(workspace, { scopes: ["keys:write"] });
      const answers = await Promise.all([revoke(a, bId), revoke(b, aId)]);
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses[0], `round ${round}`).toBe(204);
      expect([401, 409], `round ${round}: ${statuses}`).toContain(statuses[1]);
      const managers = await env.CONTROL.prepare("SELECT count(*) AS n FROM api_keys WHERE workspace_id = ?1 AND revoked_at IS NULL").bind(workspace.id).first<number>("n");
      expect(managers, `round ${round}`).toBe(1);
    }
  });
});

describe("last_used_at", () => {
  const lastUsed = async (id: string) => (await keyRow(id))!.last_used_at;

  it("is written after the answer, then not again within the minute", async () => {
    const { key, keyId } = await seedKey();
    expect(await lastUsed(keyId)).toBeNull();
    expect((await call("/v1/codes", { key })).status).toBe(200);
    await vi.waitFor(async () => expect(await lastUsed(keyId)).not.toBeNull());
    const first = await lastUsed(keyId);
    const writes = vi.spyOn(env.CONTROL, "prepare");
    for (let i = 0; i < 3; i++) expect((await call("/v1/codes", { key })).status).toBe(200);
    expect(writes.mock.calls.filter(([sql]) => sql.includes("last_used_at ="))).toEqual([]);
    writes.mockRestore();
    expect(await lastUsed(keyId)).toBe(first);
    expect((await call("/v1/keys/current", { key })).json.data.last_used_at).toBe(first);

    // A minute later it moves on.
    const stale = new Date(Date.now() - 61_000).toISOString();
    await env.CONTROL.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1").bind(keyId, stale).run();
    expect((await call("/v1/codes", { key })).status).toBe(200);
    await vi.waitFor(async () => expect(await lastUsed(keyId)).not.toBe(stale));
    expect(Date.parse((await lastUsed(keyId))!)).toBeGreaterThan(Date.parse(stale));
  });

  it("is logged, never answered, when its write fails", async () => {
    const { key, keyId } = await seedKey();
    const failing = new Proxy(env.CONTROL, {
      get(target, prop) {
        if (prop === "prepare") {
          return (sql: string) => {
            const statement = target.prepare(sql);
            if (!sql.includes("SET last_used_at")) return statement;
            return { bind: () => ({ run: () => Promise.reject(new Error("D1_ERROR: database is overloaded")) }) };
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const ctx = createExecutionContext();
      const request = new Request("https://api.qr3.test/v1/codes", { headers: { authorization: `Bearer ${key}` } });
      const res = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, { ...env, CONTROL: failing }, ctx);
      expect(res.status).toBe(200);
      await waitOnExecutionContext(ctx);
      const logged = errors.mock.calls.map(([line]) => JSON.parse(String(line)));
      expect(logged).toContainEqual({ event: "api_key_last_used_failed", key_id: keyId, error: "Error: D1_ERROR: database is overloaded" });
    } finally {
      errors.mockRestore();
    }
    expect(await lastUsed(keyId)).toBeNull();
  });
});
