import { dispatchOutbox, outboxScans } from "@qr3/db";
import type { DispatchMessage } from "@qr3/schema";
import { enqueueDeliveries, scanEvent } from "@qr3/webhooks";

/**
 * Fans an outbox row of shard `db` out into one delivery per event and subscription, then enqueues their first
 * attempts. The events are built here from the stored scans. Should the send fail, the
 * deliveries are stored and pending: the sweep enqueues them.
 */
export async function dispatchMessage(env: Env, db: D1Database, shard: number, message: DispatchMessage, now: number): Promise<void> {
  const { found, scans } = await outboxScans(db, message.outbox_id);
  if (!found) return; // dispatched already
  const events = scans.map((scan) => {
    const event = scanEvent(scan);
    return { event_id: event.id, payload: JSON.stringify(event) };
  });
  const [created] = await db.batch<{ id: string; webhook_id: string }>(dispatchOutbox(db, message.outbox_id, events, new Date(now).toISOString()));
  const deliveries = created!.results;
  if (deliveries.length === 0) return;
  try {
    await enqueueDeliveries(env.WEBHOOKS, shard, deliveries.map((d) => ({ ...d, attempt: 1 })));
  } catch (err) {
    console.error(JSON.stringify({ event: "delivery_enqueue_failed", shard, deliveries: deliveries.length, error: String(err) }));
  }
}
