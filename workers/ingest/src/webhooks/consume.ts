import { shardDb } from "@qr3/core";
import { WebhookQueueMessageSchema } from "@qr3/schema";
import { retryDelaySeconds } from "../retry.ts";
import { deliverMessage } from "./deliver.ts";
import { dispatchMessage } from "./dispatch.ts";

/**
 * The webhooks queue: dispatch messages fan scan events out into deliveries, deliver messages
 * make attempts, each in the shard it names (shard 0 for a message from before sharding, whose
 * single database became shard 0). A message is acked once its work is recorded in D1, and
 * retried if that could not be done; an invalid one is logged and acked.
 */
export async function consumeWebhookQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = WebhookQueueMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`);
        console.error(JSON.stringify({ event: "webhook_message_invalid", message_id: message.id, issues }));
        message.ack();
        return;
      }
      try {
        const shard = parsed.data.shard ?? 0;
        const db = shardDb(env, shard);
        if (parsed.data.kind === "dispatch") await dispatchMessage(env, db, shard, parsed.data, Date.now());
        else await deliverMessage(env, db, shard, parsed.data, Date.now());
        message.ack();
      } catch (err) {
        console.error(JSON.stringify({ event: "webhook_message_failed", message_id: message.id, error: String(err) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
