import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { deliveryRows, recordingQueue, seedWebhook } from "./webhook-helpers.ts";

async function deliverScans(bodies: unknown[], queue = recordingQueue()) {
  const batch = createMessageBatch("qr3-scans", bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, WEBHOOKS: queue.queue });
  return { result: await getQueueResult(batch, ctx), sent: queue.sent };
}

describe("webhook fan-out of stored scans", () => {
  it("creates one pending delivery per scan and enabled qr.scanned subscription, and enqueues them", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id);
    const a = await seedWebhook(ws.id);
    const b = await seedWebhook(ws.id);
    const off = await seedWebhook(ws.id, { status: "disabled" });
    const otherWs = await seedWorkspace(env.DB);
    const foreign = await seedWebhook(otherWs.id);

    const messages = [scanMessage(code, { country: "AT", short_code: code.short_code }), scanMessage(code, { country: null })];
    const { result, sent } = await deliverScans(messages);
    expect(result.explicitAcks).toHaveLength(2);

    for (const webhook of [a, b]) {
      const rows = await deliveryRows(webhook.id);
      expect(rows).toHaveLength(2);
      expect(rows.map((r) => r.state)).toEqual(["pending", "pending"]);
      expect(rows[0]!.id).toMatch(/^dlv_[0-9a-z]{26}$/);
      const payloads = rows.map((r) => JSON.parse(r.payload as string));
      expect(payloads).toContainEqual({
        id: `evt_${messages[0]!.scan_id.slice(4)}`,
        type: "qr.scanned",
        created: messages[0]!.scanned_at,
        data: {
          code_id: code.id,
          short_code: code.short_code,
          scan_id: messages[0]!.scan_id,
          country: "AT",
          device_type: "mobile",
          os: "iOS",
        },
      });
    }
    expect(await deliveryRows(off.id)).toHaveLength(0);
    expect(await deliveryRows(foreign.id)).toHaveLength(0);

    // One message per subscription, each pointing at its two deliveries' first attempt.
    expect(sent).toHaveLength(2);
    for (const m of sent) {
      expect(m.delaySeconds).toBe(0);
      expect(m.body.deliveries).toHaveLength(2);
      expect(m.body.deliveries.every((d) => d.attempt === 1)).toBe(true);
    }
    expect(sent.map((m) => m.body.webhook_id).sort()).toEqual([a.id, b.id].sort());
  });

  it("adds nothing for a redelivered scan message", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id);
    const webhook = await seedWebhook(ws.id);
    const message = scanMessage(code);
    await deliverScans([message]);
    const again = await deliverScans([message]);
    expect(again.result.explicitAcks).toEqual(["m0"]);
    expect(again.sent).toHaveLength(0);
    expect(await deliveryRows(webhook.id)).toHaveLength(1);
  });

  it("keeps the scans and deliveries when enqueueing fails: the sweep sends them later", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id);
    const webhook = await seedWebhook(ws.id);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { result } = await deliverScans([scanMessage(code)], recordingQueue({ fail: true }));
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(result.retryMessages).toEqual([]);
    expect(await deliveryRows(webhook.id)).toHaveLength(1);
    expect(errors.mock.calls.map((c) => String(c[0])).join()).toContain("delivery_enqueue_failed");
    errors.mockRestore();
  });
});
