import { env } from "cloudflare:workers";
import { newId } from "@qr3/core";
import { insertDelivery } from "@qr3/db";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { refusingBatches, withShard } from "./databases.ts";
import { attemptRows, recordingQueue, runWebhookQueue, seedWebhook } from "./webhook-helpers.ts";

type Responder = (request: Request) => Response | Promise<Response>;
const received: Request[] = [];
let respond: Responder;

// The endpoint, stubbed at fetch: each test says how it answers.
beforeEach(() => {
  received.length = 0;
  respond = () => new Response("ok");
  vi.stubGlobal("fetch", async (input: RequestInfo, init?: RequestInit) => {
    const request = new Request(input, init);
    received.push(request.clone());
    return respond(request);
  });
});
afterEach(() => vi.unstubAllGlobals());

type Subscription = Awaited<ReturnType<typeof seedWebhook>>;

/** A pending delivery of `webhook`, in its shard. */
async function seedDelivery(webhook: Subscription) {
  const eventId = newId("evt");
  const payload = JSON.stringify({ id: eventId, type: "qr.scanned", created: new Date().toISOString(), data: { scan_id: "scn_x" } });
  return (await insertDelivery(webhook.db, {
    id: newId("dlv"),
    webhook_id: webhook.id,
    workspace_id: webhook.workspace_id,
    event_id: eventId,
    event_type: "qr.scanned",
    payload,
    redelivery_of: null,
    created_at: new Date().toISOString(),
  }))!;
}

/** The deliver message the dispatch step sends for `webhook`'s deliveries, naming its shard. */
const run = (webhook: Subscription, deliveries: Array<{ id: string; attempt: number }>) =>
  runWebhookQueue([{ kind: "deliver", webhook_id: webhook.id, deliveries, shard: webhook.shard }]);

// Each test's workspace is on the next shard (seedWorkspace spreads them): rows are read from it.
let db: D1Database;
const delivery = (id: string) => db.prepare("SELECT * FROM webhook_deliveries WHERE id = ?1").bind(id).first<Record<string, unknown>>();
const webhookRow = (id: string) => db.prepare("SELECT * FROM webhooks WHERE id = ?1").bind(id).first<Record<string, unknown>>();
/** A workspace, on the next shard, with a subscription. */
async function seedSubscription(overrides: Parameters<typeof seedWebhook>[1] = {}) {
  const ws = await seedWorkspace(env);
  db = ws.db;
  return seedWebhook(ws, overrides);
}

describe("webhook delivery consumer", () => {
  it("posts the signed payload, logs the attempt and completes the delivery", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    const { result, sent } = await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(result.explicitAcks).toEqual(["w0"]);
    expect(sent).toEqual([]);

    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("https://hooks.example.com/qr3");
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(request.headers.get("webhook-id")).toBe(d.event_id);
    const body = await request.text();
    expect(body).toBe(d.payload);
    expect(new Webhook(webhook.secret).verify(body, Object.fromEntries(request.headers))).toEqual(JSON.parse(d.payload));

    expect(await delivery(d.id)).toMatchObject({ state: "succeeded", attempts: 1, last_status: 200, last_error: null, next_attempt_at: null });
    expect(await attemptRows(webhook.db, d.id)).toEqual([
      { delivery_id: d.id, attempt: 1, status: 200, error: null, duration_ms: expect.any(Number), started_at: expect.any(String) },
    ]);
  });

  it("schedules a failed attempt for retry, then succeeds on it with the same webhook-id", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);

    respond = () => new Response("boom", { status: 500 });
    const first = await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(first.result.explicitAcks).toEqual(["w0"]);
    expect(first.sent).toEqual([{ body: { kind: "deliver", webhook_id: webhook.id, deliveries: [{ id: d.id, attempt: 2 }], shard: webhook.shard }, delaySeconds: 5 }]);
    const pending = await delivery(d.id);
    expect(pending).toMatchObject({ state: "pending", attempts: 1, last_status: 500, last_error: "HTTP 500" });
    expect(Date.parse(pending!.next_attempt_at as string) - Date.now()).toBeGreaterThan(3000);
    expect((await webhookRow(webhook.id))!.failing_since).not.toBeNull();

    respond = () => new Response(null, { status: 204 });
    await run(webhook, [{ id: d.id, attempt: 2 }]);
    expect(await delivery(d.id)).toMatchObject({ state: "succeeded", attempts: 2, last_status: 204 });
    expect((await attemptRows(webhook.db, d.id)).map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 500, "HTTP 500"],
      [2, 204, null],
    ]);
    expect(received.map((r) => r.headers.get("webhook-id"))).toEqual([d.event_id, d.event_id]);
    expect((await webhookRow(webhook.id))!.failing_since).toBeNull();
  });

  it("drops a duplicate message for an attempt already made", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    await run(webhook, [{ id: d.id, attempt: 1 }]);
    const again = await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(again.result.explicitAcks).toEqual(["w0"]);
    expect(received).toHaveLength(1);
  });

  it("logs a timeout as a failed attempt", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    respond = () => Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    const { sent } = await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(await delivery(d.id)).toMatchObject({ state: "pending", attempts: 1, last_status: null, last_error: "timeout after 10 s" });
    expect(sent[0]!.delaySeconds).toBe(5);
  });

  it("treats a redirect as a failure and does not follow it", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    respond = () => new Response(null, { status: 301, headers: { location: "https://elsewhere.example.com/" } });
    await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(received).toHaveLength(1);
    expect(received[0]!.redirect).toBe("manual");
    expect(await delivery(d.id)).toMatchObject({ state: "pending", last_status: 301, last_error: "HTTP 301" });
  });

  it("fails the delivery after the last scheduled attempt", async () => {
    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    await db.prepare("UPDATE webhook_deliveries SET attempts = 7 WHERE id = ?1").bind(d.id).run();
    respond = () => new Response("still down", { status: 503 });
    const { sent } = await run(webhook, [{ id: d.id, attempt: 8 }]);
    expect(sent).toEqual([]);
    expect(await delivery(d.id)).toMatchObject({ state: "failed", attempts: 8, last_status: 503, next_attempt_at: null });
  });

  it("disables the endpoint when it answers 410 Gone", async () => {
    const webhook = await seedSubscription();
    const [d1, d2, d3] = [await seedDelivery(webhook), await seedDelivery(webhook), await seedDelivery(webhook)];
    respond = () => new Response(null, { status: 410 });
    const { sent } = await run(webhook, [{ id: d1.id, attempt: 1 }, { id: d2.id, attempt: 1 }]);
    expect(sent).toEqual([]);
    expect(await webhookRow(webhook.id)).toMatchObject({ status: "disabled", disabled_reason: "endpoint_gone" });
    expect(await delivery(d1.id)).toMatchObject({ state: "failed", last_status: 410 });

    // Deliveries still pending for the disabled endpoint end without a request (and no new one is stored).
    expect(await seedDelivery(webhook)).toBeNull();
    await run(webhook, [{ id: d3.id, attempt: 1 }]);
    expect(received).toHaveLength(2);
    expect(await delivery(d3.id)).toMatchObject({ state: "failed", attempts: 0, last_error: "endpoint disabled" });
  });

  it("disables an endpoint that has failed every attempt for five days", async () => {
    const webhook = await seedSubscription();
    const fourDays = new Date(Date.now() - 4 * 86_400_000).toISOString();
    await db.prepare("UPDATE webhooks SET failing_since = ?2 WHERE id = ?1").bind(webhook.id, fourDays).run();
    respond = () => new Response(null, { status: 500 });
    await run(webhook, [{ id: (await seedDelivery(webhook)).id, attempt: 1 }]);
    expect(await webhookRow(webhook.id)).toMatchObject({ status: "enabled", failing_since: fourDays });

    const fiveDays = new Date(Date.now() - 5 * 86_400_000 - 1000).toISOString();
    await db.prepare("UPDATE webhooks SET failing_since = ?2 WHERE id = ?1").bind(webhook.id, fiveDays).run();
    const d = await seedDelivery(webhook);
    const { sent } = await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(await webhookRow(webhook.id)).toMatchObject({ status: "disabled", disabled_reason: "failing" });
    expect(await delivery(d.id)).toMatchObject({ state: "failed" });
    expect(sent).toEqual([]);
  });

  it("refuses to send to a URL the policy no longer allows", async () => {
    const webhook = await seedSubscription({ url: "http://127.0.0.1:9999/hook" });
    const d = await seedDelivery(webhook);
    await run(webhook, [{ id: d.id, attempt: 1 }]);
    expect(received).toHaveLength(0);
    expect(await delivery(d.id)).toMatchObject({ state: "failed", last_error: "endpoint URL refused: must use https" });
  });

  it("signs with the previous secret too during a rotation", async () => {
    const webhook = await seedSubscription();
    const newer = "whsec_" + btoa("n".repeat(32));
    await db.prepare("UPDATE webhooks SET previous_secret = secret, secret = ?2, previous_secret_expires_at = ?3 WHERE id = ?1")
      .bind(webhook.id, newer, new Date(Date.now() + 3600_000).toISOString())
      .run();
    await run(webhook, [{ id: (await seedDelivery(webhook)).id, attempt: 1 }]);
    const request = received[0]!;
    const body = await request.text();
    const headers = Object.fromEntries(request.headers);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(webhook.secret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(newer).verify(body, headers)).toBeTruthy();
  });

  it("makes the attempts in the shard the message names, shard 0 for a message from before sharding", async () => {
    const onZero = await seedWebhook(await seedWorkspace(env, "pro", "Shard 0", 730, 0));
    const onTwo = await seedWebhook(await seedWorkspace(env, "pro", "Shard 2", 730, 2));
    const [d0, d2] = [await seedDelivery(onZero), await seedDelivery(onTwo)];
    // Without a shard: the single database of before sharding became shard 0.
    const legacy = await runWebhookQueue([{ kind: "deliver", webhook_id: onZero.id, deliveries: [{ id: d0.id, attempt: 1 }] }]);
    expect(legacy.result.explicitAcks).toEqual(["w0"]);
    expect(received).toHaveLength(1);
    // Naming another shard than the delivery's: nothing there to send.
    await runWebhookQueue([{ kind: "deliver", webhook_id: onTwo.id, deliveries: [{ id: d2.id, attempt: 1 }], shard: 1 }]);
    expect(received).toHaveLength(1);
    await run(onTwo, [{ id: d2.id, attempt: 1 }]);
    expect(received).toHaveLength(2);
    for (const [w, d] of [[onZero, d0], [onTwo, d2]] as const) {
      expect(await w.db.prepare("SELECT state, attempts FROM webhook_deliveries WHERE id = ?1").bind(d.id).first()).toEqual({ state: "succeeded", attempts: 1 });
    }
  });

  it("acks and logs an invalid message, and retries one whose deliveries cannot be logged", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const invalid = await runWebhookQueue([{ kind: "deliver", webhook_id: "nope", deliveries: [] }, { kind: "explode" }]);
    expect(invalid.result.explicitAcks).toEqual(["w0", "w1"]);
    expect(String(errors.mock.calls[0]![0])).toContain("webhook_message_invalid");

    const webhook = await seedSubscription();
    const d = await seedDelivery(webhook);
    const failing = withShard(env, webhook.shard, refusingBatches(webhook.db, "D1_ERROR: overloaded"));
    const failed = await runWebhookQueue(
      [{ kind: "deliver", webhook_id: webhook.id, deliveries: [{ id: d.id, attempt: 1 }], shard: webhook.shard }],
      recordingQueue(),
      failing,
    );
    expect(failed.result.retryMessages).toEqual([{ msgId: "w0" }]);
    expect(await delivery(d.id)).toMatchObject({ state: "pending", attempts: 0 });
    errors.mockRestore();
  });
});
