import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { scanMessage, seedCode, seedWorkspace } from "../../../test/fixtures.ts";
import { fanOutScanEvents, insertScans } from "@qr3/db";
import { recordingQueue, seedWebhook } from "./webhook-helpers.ts";

describe("overdue delivery sweep", () => {
  it("re-enqueues pending deliveries whose queue message was lost, once per claim", async () => {
    const ws = await seedWorkspace(env.DB);
    const code = await seedCode(env.DB, ws.id);
    const webhook = await seedWebhook(ws.id);
    const longAgo = new Date(Date.now() - 3600_000).toISOString();
    const message = scanMessage(code);
    await env.DB.batch([
      insertScans(env.DB, [{ ...message, id: message.scan_id, device_type: null, os: null, browser: null }] as never),
      fanOutScanEvents(env.DB, [{ workspace_id: ws.id, code_id: code.id, event_id: "evt_x", payload: "{}" }], longAgo),
    ]);

    const queue = recordingQueue();
    const now = Date.now();
    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }), { ...env, WEBHOOKS: queue.queue });
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]!.body).toEqual({ webhook_id: webhook.id, deliveries: [{ id: expect.stringMatching(/^dlv_/), attempt: 1 }] });

    // Claimed: the next run, minutes later, leaves it to the queue.
    await worker.scheduled(createScheduledController({ scheduledTime: now + 60_000, cron: "*/5 * * * *" }), { ...env, WEBHOOKS: queue.queue });
    expect(queue.sent).toHaveLength(1);
  });
});
