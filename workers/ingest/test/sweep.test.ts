import { env } from "cloudflare:workers";
import { newId } from "@qr3/core";
import { describe, expect, it } from "vitest";
import { seedWorkspace } from "../../../test/fixtures.ts";
import { FREQUENT, runCron } from "./cron.ts";
import { recordingQueue, seedWebhook } from "./webhook-helpers.ts";

const cron = (scheduledTime: number, queue: ReturnType<typeof recordingQueue>) => runCron({ ...env, WEBHOOKS: queue.queue }, FREQUENT, scheduledTime);

/** An outbox row and two pending deliveries, one overdue and one not, in the workspace's shard. */
async function seedWork(ws: Awaited<ReturnType<typeof seedWorkspace>>, now: number) {
  const webhook = await seedWebhook(ws);
  const longAgo = new Date(now - 3600_000).toISOString();
  const recent = new Date(now - 60_000).toISOString();
  const [outboxId, staleDelivery, freshDelivery] = [newId("obx"), newId("dlv"), newId("dlv")];
  await ws.db.batch([
    ws.db.prepare("INSERT INTO webhook_outbox (id, workspace_id, scan_keys, due_at, created_at) VALUES (?1, ?2, '[]', ?3, ?3)").bind(outboxId, ws.id, longAgo),
    ...[
      [staleDelivery, longAgo, 2],
      [freshDelivery, recent, 0],
    ].map(([id, due, attempts]) =>
      ws.db
        .prepare(
          `INSERT INTO webhook_deliveries (id, webhook_id, workspace_id, event_id, event_type, payload, state, attempts, next_attempt_at, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, 'qr.scanned', '{}', 'pending', ?6, ?5, ?5, ?5)`,
        )
        .bind(id, webhook.id, ws.id, newId("evt"), due, attempts),
    ),
  ]);
  return { webhook, outboxId, staleDelivery };
}

describe("webhook sweep", () => {
  it("re-enqueues overdue outbox rows and pending deliveries whose queue message was lost, once per claim", async () => {
    const ws = await seedWorkspace(env);
    const now = Date.now();
    const { webhook, outboxId, staleDelivery } = await seedWork(ws, now);

    const queue = recordingQueue();
    await cron(now, queue);
    expect(queue.sent.map((m) => m.body)).toEqual([
      { kind: "dispatch", outbox_id: outboxId, shard: ws.shard },
      { kind: "deliver", webhook_id: webhook.id, deliveries: [{ id: staleDelivery, attempt: 3 }], shard: ws.shard },
    ]);

    // Claimed: a run minutes later leaves them to the queue.
    await cron(now + 60_000, queue);
    expect(queue.sent).toHaveLength(2);
  });

  it("sweeps every shard, each message naming the shard that holds its rows", async () => {
    const now = Date.now();
    const workspaces = [await seedWorkspace(env), await seedWorkspace(env), await seedWorkspace(env)];
    expect(new Set(workspaces.map((w) => w.shard)).size).toBe(3);
    const work = await Promise.all(workspaces.map((ws) => seedWork(ws, now)));

    const queue = recordingQueue();
    await cron(now, queue);
    const sent = queue.sent.map((m) => m.body);
    workspaces.forEach((ws, i) => {
      expect(sent).toContainEqual({ kind: "dispatch", outbox_id: work[i]!.outboxId, shard: ws.shard });
      expect(sent).toContainEqual({ kind: "deliver", webhook_id: work[i]!.webhook.id, deliveries: [{ id: work[i]!.staleDelivery, attempt: 3 }], shard: ws.shard });
    });
    expect(sent).toHaveLength(6);
  });
});
