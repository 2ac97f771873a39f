import { DeliveryMessageSchema } from "@qr3/schema";
import { retryDelaySeconds } from "../retry.ts";
import { deliverMessage } from "./deliver.ts";

/**
 * The webhooks queue. Each message points at deliveries of one subscription; a message is acked
 * once every attempt it asked for is logged in D1, and retried if that could not be done.
 */
export async function consumeDeliveries(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = DeliveryMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`);
        console.error(JSON.stringify({ event: "delivery_message_invalid", message_id: message.id, issues }));
        message.ack();
        return;
      }
      try {
        await deliverMessage(env, parsed.data, Date.now());
        message.ack();
      } catch (err) {
        console.error(JSON.stringify({ event: "delivery_processing_failed", message_id: message.id, error: String(err) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}
