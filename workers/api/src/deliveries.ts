import type { DeliveryRow } from "@qr3/db";
import { enqueueDeliveries } from "@qr3/webhooks";

/**
 * Hands a stored delivery to the webhooks queue. The delivery row already exists, so should the
 * send fail the ingest cron's sweep enqueues it within minutes: the caller is not failed for it.
 */
export async function enqueueNewDelivery(env: Env, shard: number, delivery: DeliveryRow): Promise<void> {
  try {
    await enqueueDeliveries(env.WEBHOOKS, shard, [{ id: delivery.id, webhook_id: delivery.webhook_id, attempt: 1 }]);
  } catch (err) {
    console.error(JSON.stringify({ event: "delivery_enqueue_failed", delivery_id: delivery.id, error: String(err) }));
  }
}
