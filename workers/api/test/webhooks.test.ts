import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";
import { openedSecrets } from "./webhook-secrets.ts";

let key: string;
let workspaceId: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, workspace: { id: workspaceId }, db } = await seedKey());
});

const create = (body: unknown, k = key) => call("/v1/webhooks", { method: "POST", key: k, body });
const stored = (id: string) => db.prepare("SELECT * FROM webhooks WHERE id = ?1").bind(id).first<Record<string, unknown>>();

describe("webhooks", () => {
  it("subscribes with a generated secret, shown once", async () => {
    const res = await create({ url: "https://example.com/webhooks/qr3", events: ["qr.scanned"] });
    expect(res.status).toBe(201);
    expect(res.json.data).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-z]{26}$/),
      url: "https://example.com/webhooks/qr3",
      events: ["qr.scanned"],
      status: "enabled",
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    expect((await openedSecrets(res.json.data.id)).secret).toBe(res.json.data.secret);
    const got = await call(`/v1/webhooks/${res.json.data.id}`, { key });
    expect(got.json.data.secret).toBeUndefined();
    expect((await call("/v1/webhooks", { key })).json.data.map((w: { id: string }) => w.id)).toEqual([res.json.data.id]);
  });

  it("keeps a secret the caller chose, without echoing it", async () => {
    const res = await create({ url: "https://example.com/h", events: ["qr.scanned", "qr.scanned"], secret: "my-secret-key-min-16-chars" });
    expect(res.status).toBe(201);
    expect(res.json.data.secret).toBeUndefined();
    expect(res.json.data.events).toEqual(["qr.scanned"]);
    expect((await openedSecrets(res.json.data.id)).secret).toBe("my-secret-key-min-16-chars");
  });

  it.each([
    ["url: is required", { events: ["qr.scanned"] }],
    ["events: is required", { url: "https://example.com/h" }],
    ["events: must list at least one event", { url: "https://example.com/h", events: [] }],
    ['events[0]: must be one of "qr.scanned", "code.created", "code.updated", "code.deleted"', { url: "https://example.com/h", events: ["qr.created"] }],
    ["secret: must be at least 16 characters", { url: "https://example.com/h", events: ["qr.scanned"], secret: "short" }],
    ['secret: must be "whsec_" followed by base64', { url: "https://example.com/h", events: ["qr.scanned"], secret: "whsec_***not-base64***" }],
    ["url: must use https", { url: "http://example.com/h", events: ["qr.scanned"] }],
    ["url: must be a valid URL", { url: "example.com/h", events: ["qr.scanned"] }],
    ["url: must use a public host name", { url: "https://localhost/h", events: ["qr.scanned"] }],
    ["url: must use a public host name", { url: "https://metadata.google.internal/", events: ["qr.scanned"] }],
    ["url: must use a host name, not an IP address", { url: "https://169.254.169.254/latest", events: ["qr.scanned"] }],
    ["url: must use a host name, not an IP address", { url: "https://10.1.2.3/h", events: ["qr.scanned"] }],
    ["url: must use https", { url: "http://127.0.0.1:8080/h", events: ["qr.scanned"] }],
    ["headers: is not a known field", { url: "https://example.com/h", events: ["qr.scanned"], headers: {} }],
    ["url: must not contain control characters", { url: "https://example.com/h\u0000", events: ["qr.scanned"] }],
    ["url: must not contain control characters", { url: "https://example.com/\u2028", events: ["qr.scanned"] }],
    ["url: must not contain control characters", { url: "https://exa\tmple.com/h", events: ["qr.scanned"] }],
    ["url: must be at most 2048 characters", { url: `https://example.com/${"é".repeat(700)}`, events: ["qr.scanned"] }],
    ["url: must use a public host name, not a wildcard DNS name", { url: "https://169.254.169.254.nip.io/latest", events: ["qr.scanned"] }],
    ["url: must use a public host name, not one holding a private IP address", { url: "https://10.0.0.1.example.net/h", events: ["qr.scanned"] }],
    ["events: must be an array", { url: "https://example.com/h", events: "qr.scanned" }],
  ])("answers 400 %s", async (message, body) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it.each([
    ["https://bücher.example/ü", "https://xn--bcher-kva.example/%C3%BC"],
    ["https://Example.com/🎉?q=é", "https://example.com/%F0%9F%8E%89?q=%C3%A9"],
    ["https://example.com", "https://example.com/"],
  ])("stores, answers and lists %j as %j, on POST and PATCH", async (typed, href) => {
    const created = await create({ url: typed, events: ["qr.scanned"] });
    expect(created.status).toBe(201);
    expect(created.json.data.url).toBe(href);
    expect((await stored(created.json.data.id))!.url).toBe(href);
    const other = (await create({ url: "https://example.org/x", events: ["qr.scanned"] })).json.data.id;
    const moved = await call(`/v1/webhooks/${other}`, { method: "PATCH", key, body: { url: typed } });
    expect(moved.json.data.url).toBe(href);
    expect((await call(`/v1/webhooks/${other}`, { key })).json.data.url).toBe(href);
  });

  it("refuses control characters and wildcard DNS names on PATCH too", async () => {
    const id = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data.id;
    for (const [url, message] of [
      ["https://example.com/\u007f", "url: must not contain control characters"],
      ["https://10-0-0-1.nip.io/h", "url: must use a public host name, not a wildcard DNS name"],
      ["https://app.192.168.1.20.example.net/h", "url: must use a public host name, not one holding a private IP address"],
    ] as const) {
      const res = await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body: { url } });
      expect(res.status, url).toBe(400);
      expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
    }
    expect((await stored(id))!.url).toBe("https://example.com/a");
  });

  it("updates url, events and status; enabling again clears the failure state", async () => {
    const id = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data.id;
    const moved = await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body: { url: "https://example.org/b" } });
    expect(moved.json.data.url).toBe("https://example.org/b");

    const off = await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body: { status: "disabled" } });
    expect(off.json.data).toMatchObject({ status: "disabled", disabled_reason: "manual" });

    await db.prepare("UPDATE webhooks SET disabled_reason = 'failing', failing_since = '2026-01-01T00:00:00.000Z' WHERE id = ?1").bind(id).run();
    const on = await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body: { status: "enabled" } });
    expect(on.json.data).toMatchObject({ status: "enabled", disabled_reason: null });
    expect((await stored(id))!.failing_since).toBeNull();

    for (const [body, message] of [
      [{}, "body: must contain url, events or status"],
      [{ status: "paused" }, 'status: must be one of "enabled", "disabled"'],
      [{ url: "https://192.168.0.1/x" }, "url: must use a host name, not an IP address"],
    ] as const) {
      const res = await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body });
      expect(res.status).toBe(400);
      expect(res.json.error.message).toBe(message);
    }
  });

  it("deletes a subscription with its delivery log", async () => {
    const id = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data.id;
    await call(`/v1/webhooks/${id}/test`, { method: "POST", key });
    expect((await call(`/v1/webhooks/${id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await call(`/v1/webhooks/${id}`, { key })).status).toBe(404);
    const left = await db.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ?1").bind(id).first("n");
    expect(left).toBe(0);
  });

  it("rotates the secret, keeping the old one signing for 24 hours", async () => {
    const created = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data;
    const res = await call(`/v1/webhooks/${created.id}/rotate-secret`, { method: "POST", key });
    expect(res.status).toBe(200);
    expect(res.json.data.secret).toMatch(/^whsec_/);
    expect(res.json.data.secret).not.toBe(created.secret);
    const expires = Date.parse(res.json.data.previous_secret_expires_at) - Date.now();
    expect(expires).toBeGreaterThan(23.9 * 3600_000);
    expect(expires).toBeLessThanOrEqual(24 * 3600_000);
    expect(await openedSecrets(created.id)).toEqual({ secret: res.json.data.secret, previous_secret: created.secret });

    const custom = await call(`/v1/webhooks/${created.id}/rotate-secret`, { method: "POST", key, body: { secret: "another-secret-of-16+" } });
    expect(custom.json.data.secret).toBe("another-secret-of-16+");
    const bad = await call(`/v1/webhooks/${created.id}/rotate-secret`, { method: "POST", key, body: { secret: "x" } });
    expect(bad.status).toBe(400);
  });

  it("sends a test event through the delivery log, and redelivers a delivery as a new one", async () => {
    const id = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data.id;
    const test = await call(`/v1/webhooks/${id}/test`, { method: "POST", key });
    expect(test.status).toBe(202);
    expect(test.json.data).toMatchObject({
      id: expect.stringMatching(/^dlv_/),
      event_id: expect.stringMatching(/^evt_/),
      event_type: "webhook.test",
      state: "pending",
      attempt_count: 0,
      attempts: [],
    });
    const row = await db.prepare("SELECT payload FROM webhook_deliveries WHERE id = ?1").bind(test.json.data.id).first<{ payload: string }>();
    expect(JSON.parse(row!.payload)).toMatchObject({ id: test.json.data.event_id, type: "webhook.test", data: { webhook_id: id } });

    // The log, with an attempt recorded as the consumer records it.
    await db.batch([
      db.prepare("INSERT INTO webhook_attempts (delivery_id, attempt, status, error, duration_ms, started_at) VALUES (?1, 1, 500, 'HTTP 500', 12, ?2)").bind(test.json.data.id, new Date().toISOString()),
      db.prepare("UPDATE webhook_deliveries SET attempts = 1, state = 'failed', last_status = 500, last_error = 'HTTP 500', last_duration_ms = 12 WHERE id = ?1").bind(test.json.data.id),
    ]);
    const log = await call(`/v1/webhooks/${id}/deliveries`, { key });
    expect(log.json.data).toHaveLength(1);
    expect(log.json.data[0]).toMatchObject({
      state: "failed",
      attempt_count: 1,
      response_status: 500,
      error: "HTTP 500",
      duration_ms: 12,
      attempts: [{ attempt: 1, response_status: 500, error: "HTTP 500", duration_ms: 12, started_at: expect.any(String) }],
    });

    const again = await call(`/v1/webhooks/${id}/deliveries/${test.json.data.id}/redeliver`, { method: "POST", key });
    expect(again.status).toBe(202);
    expect(again.json.data).toMatchObject({ event_id: test.json.data.event_id, redelivery_of: test.json.data.id, state: "pending" });
    const newest = await call(`/v1/webhooks/${id}/deliveries?limit=1`, { key });
    expect(newest.json.data[0].id).toBe(again.json.data.id);
    expect(newest.json.pagination).toEqual({ has_more: true, next_cursor: again.json.data.id });
    const older = await call(`/v1/webhooks/${id}/deliveries?limit=1&cursor=${newest.json.pagination.next_cursor}`, { key });
    expect(older.json.data[0].id).toBe(test.json.data.id);

    expect((await call(`/v1/webhooks/${id}/deliveries/dlv_00000000000000000000000000/redeliver`, { method: "POST", key })).status).toBe(404);
  });

  it("refuses a test or redelivery to a disabled endpoint with 409", async () => {
    const id = (await create({ url: "https://example.com/a", events: ["qr.scanned"] })).json.data.id;
    await call(`/v1/webhooks/${id}`, { method: "PATCH", key, body: { status: "disabled" } });
    const res = await call(`/v1/webhooks/${id}/test`, { method: "POST", key });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("CONFLICT");
  });

  it("limits a workspace to 10 subscriptions", async () => {
    for (let i = 0; i < 10; i++) expect((await create({ url: `https://example.com/${i}`, events: ["qr.scanned"] })).status).toBe(201);
    const res = await create({ url: "https://example.com/11", events: ["qr.scanned"] });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toBe("webhooks: a workspace can have at most 10");
  });

  it("hides another workspace's webhooks and deliveries as 404", async () => {
    const other = await seedKey();
    const theirs = (await create({ url: "https://example.com/a", events: ["qr.scanned"] }, other.key)).json.data;
    const test = (await call(`/v1/webhooks/${theirs.id}/test`, { method: "POST", key: other.key })).json.data;
    for (const [method, path] of [
      ["GET", `/v1/webhooks/${theirs.id}`],
      ["PATCH", `/v1/webhooks/${theirs.id}`],
      ["DELETE", `/v1/webhooks/${theirs.id}`],
      ["POST", `/v1/webhooks/${theirs.id}/rotate-secret`],
      ["POST", `/v1/webhooks/${theirs.id}/test`],
      ["GET", `/v1/webhooks/${theirs.id}/deliveries`],
      ["POST", `/v1/webhooks/${theirs.id}/deliveries/${test.id}/redeliver`],
    ] as const) {
      const res = await call(path, { method, key, body: method === "PATCH" ? { status: "disabled" } : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call("/v1/webhooks", { key })).json.data).toEqual([]);
    expect(workspaceId).not.toBe(other.workspace.id);
  });
});
