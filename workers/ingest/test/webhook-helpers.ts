import { env } from "cloudflare:workers";
import { newId, shardDb } from "@qr3/core";
import { insertWebhook } from "@qr3/db";
import type { WebhookQueueMessage } from "@qr3/schema";
import { generateSecret, loadKeyring, sealSecret } from "@qr3/webhooks";

/**
 * A subscription stored as the API stores it (its secret sealed under the test key), in its
 * workspace's shard; `secret` is the plain one, `db` the shard's database.
 */
export async function seedWebhook(
  workspace: { id: string; shard: number },
  overrides: { url?: string; events?: string[]; status?: "enabled" | "disabled" } = {},
) {
  const db = shardDb(env, workspace.shard);
  const secret = generateSecret();
  const id = newId("wh");
  const webhook = (await insertWebhook(
    db,
    {
      id,
      workspace_id: workspace.id,
      url: overrides.url ?? "https://hooks.example.com/qr3",
      events: JSON.stringify(overrides.events ?? ["qr.scanned"]),
      secret: await sealSecret(await loadKeyring(env.WEBHOOK_SECRETS_KEYS), id, secret),
      created_at: new Date().toISOString(),
    },
    Number.MAX_SAFE_INTEGER, // the per-workspace limit is the API's to enforce, not this seed's
  ))!;
  if (overrides.status === "disabled") {
    await db.prepare("UPDATE webhooks SET status = 'disabled', disabled_reason = 'manual' WHERE id = ?1").bind(webhook.id).run();
  }
  return { ...webhook, secret, shard: workspace.shard, db };
}

export interface SentMessage<T = WebhookQueueMessage> {
  body: T;
  delaySeconds: number | undefined;
}

/**
 * A stand-in for a queue producer that records what is sent. It does not forward: in this test
 * project the worker under test is also the queue's consumer, and messages here are delivered by
 * calling the consumer directly.
 */
export function recordingQueue<T = WebhookQueueMessage>(options: { fail?: boolean } = {}) {
  const sent: Array<SentMessage<T>> = [];
  const queue = {
    async send(body: T, opts?: QueueSendOptions) {
      if (options.fail) throw new Error("queue unavailable");
      sent.push({ body, delaySeconds: opts?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<T>>) {
      if (options.fail) throw new Error("queue unavailable");
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
    },
  } as unknown as Queue;
  return { queue, sent };
}

/** A webhook's deliveries, from its shard. */
export const deliveryRows = (webhook: { id: string; db: D1Database }) =>
  webhook.db
    .prepare("SELECT * FROM webhook_deliveries WHERE webhook_id = ?1 ORDER BY id")
    .bind(webhook.id)
    .all<Record<string, unknown>>()
    .then((r) => r.results);

export const attemptRows = (db: D1Database, deliveryId: string) =>
  db.prepare("SELECT * FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt").bind(deliveryId).all<Record<string, unknown>>().then((r) => r.results);

/** Runs the webhooks queue consumer on the given message bodies, recording what it enqueues. */
export async function runWebhookQueue(bodies: unknown[], queue = recordingQueue(), testEnv: Env = env) {
  const { createExecutionContext, createMessageBatch, getQueueResult } = await import("cloudflare:test");
  const { default: worker } = await import("../src/index.ts");
  const batch = createMessageBatch("qr3-webhooks", bodies.map((body, i) => ({ id: `w${i}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...testEnv, WEBHOOKS: queue.queue }, ctx);
  return { result: await getQueueResult(batch, ctx), sent: queue.sent };
}
