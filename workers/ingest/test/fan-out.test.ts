import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { deliveryRows, recordingQueue, runWebhookQueue, seedWebhook } from "./webhook-helpers.ts";

async function deliverScans(bodies: unknown[], queue = recordingQueue()) {
  const batch = createMessageBatch("qr3-scans", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, WEBHOOKS: queue.queue }, ctx);
  return { result: await getQueueResult(batch, ctx), sent: queue.sent };
}

const outboxRows = (db: D1Database) => db.prepare("SELECT * FROM webhook_outbox").all<Record<string, unknown>>().then((r) => r.results);

describe("webhook fan-out of stored scans", () => {
  it("stages a batch's events per subscribed workspace, then dispatches one delivery per scan and subscription", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    const a = await seedWebhook(ws);
    const b = await seedWebhook(ws);
    const off = await seedWebhook(ws, { status: "disabled" });
    const quiet = await seedWorkspace(env);
    const quietCode = await seedCode(env, quiet);
    const otherWs = await seedWorkspace(env);
    const foreign = await seedWebhook(otherWs);
    // A webhook of another workspace in the same shard gets nothing either.
    const neighbour = await seedWebhook(await seedWorkspace(env, "pro", "Neighbour", 730, ws.shard));

    const messages = [scanMessage(code, { country: "AT" }), scanMessage(code, { country: null }), scanMessage(quietCode)];
    const { result, sent } = await deliverScans(messages);
    expect(result.explicitAcks).toHaveLength(3);

    // One outbox row, in the shard of the one workspace with subscriptions, and one dispatch message for it.
    const outbox = await outboxRows(ws.db);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ workspace_id: ws.id });
    expect(await outboxRows(quiet.db)).toEqual([]);
    expect(sent).toEqual([{ body: { kind: "dispatch", outbox_id: outbox[0]!.id, shard: ws.shard }, delaySeconds: undefined }]);

    const dispatched = await runWebhookQueue([sent[0]!.body]);
    expect(dispatched.result.explicitAcks).toEqual(["w0"]);
    expect(await outboxRows(ws.db)).toEqual([]);
    for (const webhook of [a, b]) {
      const rows = await deliveryRows(webhook);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.state)).toEqual(["pending", "pending"]);
      expect(rows[0]!.id).toMatch(/^dlv_[0-9a-z]{26}$/);
      const payloads = rows.map((r) => JSON.parse(r.payload as string));
      expect(payloads).toContainEqual({
        id: `evt_${messages[0]!.scan_id.slice(4)}`,
        type: "qr.scanned",
        created: messages[0]!.scanned_at,
        data: { code_id: code.id, short_code: code.short_code, scan_id: messages[0]!.scan_id, country: "AT", device_type: "mobile", os: "iOS" },
      });
    }
    expect(await deliveryRows(off)).toHaveLength(0);
    expect(await deliveryRows(foreign)).toHaveLength(0);
    expect(await deliveryRows(neighbour)).toHaveLength(0);

    // One deliver message per subscription, each pointing at its two deliveries' first attempt.
    expect(dispatched.sent).toHaveLength(2);
    for (const m of dispatched.sent) {
      expect(m.delaySeconds).toBe(0);
      expect(m.body).toMatchObject({ kind: "deliver", deliveries: [{ attempt: 1 }, { attempt: 1 }], shard: ws.shard });
    }
    expect(dispatched.sent.map((m) => (m.body as { webhook_id: string }).webhook_id).sort()).toEqual([a.id, b.id].sort());
  });

  it("adds no second delivery for a redelivered scan message", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    const webhook = await seedWebhook(ws);
    const message = scanMessage(code);
    const first = await deliverScans([message]);
    await runWebhookQueue([first.sent[0]!.body]);
    const again = await deliverScans([message]);
    expect(again.result.explicitAcks).toEqual(["m0"]);
    const redispatched = await runWebhookQueue([again.sent[0]!.body]);
    expect(redispatched.sent).toEqual([]);
    expect(await deliveryRows(webhook)).toHaveLength(1);
    // A dispatch message for an outbox row already dispatched is a no-op.
    expect((await runWebhookQueue([first.sent[0]!.body])).sent).toEqual([]);
  });

  it("skips events of scans that were not stored", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    const webhook = await seedWebhook(ws);
    await ws.db.prepare("DELETE FROM codes WHERE id = ?1").bind(code.id).run();
    const { sent } = await deliverScans([scanMessage(code)]);
    await runWebhookQueue(sent.map((s) => s.body));
    expect(await deliveryRows(webhook)).toHaveLength(0);
  });

  it("skips the events of a code deleted between storing and dispatch, and dispatches a row once", async () => {
    const ws = await seedWorkspace(env);
    const [kept, deleted] = [await seedCode(env, ws), await seedCode(env, ws)];
    const webhook = await seedWebhook(ws);
    const { sent } = await deliverScans([scanMessage(kept), scanMessage(deleted)]);
    await ws.db.prepare("DELETE FROM codes WHERE id = ?1").bind(deleted.id).run();
    await runWebhookQueue(sent.map((s) => s.body));
    const rows = await deliveryRows(webhook);
    expect(rows.map((r) => JSON.parse(r.payload as string).data.code_id)).toEqual([kept.id]);
    // The dispatch message again (a redelivery): the row is gone, nothing more is created.
    expect((await runWebhookQueue(sent.map((s) => s.body))).sent).toEqual([]);
    expect(await deliveryRows(webhook)).toHaveLength(1);
  });

  it("keeps the scans and staged events when enqueueing fails: the sweep sends them later", async () => {
    const ws = await seedWorkspace(env);
    const code = await seedCode(env, ws);
    await seedWebhook(ws);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { result } = await deliverScans([scanMessage(code)], recordingQueue({ fail: true }));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect((await outboxRows(ws.db)).filter((r) => r.workspace_id === ws.id)).toHaveLength(1);
    expect(errors.mock.calls.map((c) => String(c[0])).join()).toContain("dispatch_enqueue_failed");
    errors.mockRestore();
  });
});
