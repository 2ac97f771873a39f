import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { newId } from "@qr3/core";
import { describe, expect, it } from "vitest";
import worker from "../src/index.ts";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { recordingQueue, seedWebhook } from "./webhook-helpers.ts";

const cron = (scheduledTime: number, queue: ReturnType<typeof recordingQueue>) =>
  worker.scheduled(createScheduledController({ scheduledTime, cron: "*/5 * * * *" }), { ...env, WEBHOOKS: queue.queue });

describe("webhook sweep", () => {
  it("re-enqueues overdue outbox rows and pending deliveries whose queue message was lost, once per claim", async () => {
    const ws = await seedWorkspace(env.DB);
    const webhook = await seedWebhook(ws.id);
    const now = Date.now();
    const longAgo = new Date(now - 3600_000).toISOString();
    const recent = new Date(now - 60_000).toISOString();
    const [outboxId, staleDelivery, freshDelivery] = [newId("obx"), newId("dlv"), newId("dlv")];
    await env.DB.batch([
      env.DB.prepare("INSERT INTO webhook_outbox (id, workspace_id, scan_ids, due_at, created_at) VALUES (?1, ?2, '[]', ?3, ?3)").bind(outboxId, ws.id, longAgo),
      ...[
        [staleDelivery, longAgo, 2],
        [freshDelivery, recent, 0],
      ].map(([id, due, attempts]) =>
        env.DB.prepare(
          `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, 'qr.scanned', '{}', 'pending', ?6, ?5, ?5, ?5)`,
        ).bind(id, webhook.id, ws.id, newId("evt"), due, attempts),
      ),
    ]);

    const queue = recordingQueue();
    await cron(now, queue);
    expect(queue.sent.map((m) => m.body)).toEqual([
      { kind: "dispatch", outbox_id: outboxId },
      { kind: "deliver", webhook_id: webhook.id, deliveries: [{ id: staleDelivery, attempt: 3 }] },
    ]);

    // Claimed: a run minutes later leaves them to the queue.
    await cron(now + 60_000, queue);
    expect(queue.sent).toHaveLength(2);
  });
});
