import { dispatchOutbox } from "@qr3/db";
import type { DispatchMessage } from "@qr3/schema";
import { enqueueDeliveries } from "@qr3/webhooks";

/**
 * Fans an outbox row out into one delivery per event and subscription, then enqueues their first
 * attempts. Should that send fail, the deliveries are stored and pending: the sweep enqueues them.
 */
export async function dispatchMessage(env: Env, message: DispatchMessage, now: number): Promise<void> {
  const [created] = await env.DB.batch<{ id: string; webhook_id: string }>(dispatchOutbox(env.DB, message.outbox_id, new Date(now).toISOString()));
  const deliveries = created!.results;
  if (deliveries.length === 0) return;
  try {
    await enqueueDeliveries(env.WEBHOOKS, deliveries.map((d) => ({ ...d, attempt: 1 })));
  } catch (err) {
    console.error(JSON.stringify({ event: "delivery_enqueue_failed", deliveries: deliveries.length, error: String(err) }));
  }
}
