import { shardDb } from "@qr3/core";
import { claimOverdueDeliveries, claimOverdueOutbox } from "@qr3/db";
import { enqueueDeliveries, enqueueDispatch } from "@qr3/webhooks";

// Work this late has lost its queue message (a failed send after the data was stored, a restart).
const OVERDUE_AFTER_MS = 10 * 60 * 1000;
const SWEEP_LIMIT = 1000;

/**
 * The outbox's safety net, run by every cron on each shard: re-enqueues outbox rows not yet dispatched and
 * pending deliveries whose next attempt is overdue. Returns how many of each it re-enqueued.
 */
export async function sweepWebhooks(env: Env, shard: number, now: number): Promise<{ outbox: number; deliveries: number }> {
  const db = shardDb(env, shard);
  const overdueBefore = new Date(now - OVERDUE_AFTER_MS).toISOString();
  const nowIso = new Date(now).toISOString();
  const outbox = await claimOverdueOutbox(db, overdueBefore, nowIso, SWEEP_LIMIT);
  if (outbox.length > 0) await enqueueDispatch(env.WEBHOOKS, shard, outbox);
  const deliveries = await claimOverdueDeliveries(db, overdueBefore, nowIso, SWEEP_LIMIT);
  if (deliveries.length > 0) {
    await enqueueDeliveries(env.WEBHOOKS, shard, deliveries.map((d) => ({ id: d.id, webhook_id: d.webhook_id, attempt: d.attempts + 1 })));
  }
  if (outbox.length + deliveries.length > 0) {
    console.log(JSON.stringify({ event: "webhook_work_requeued", shard, outbox: outbox.length, deliveries: deliveries.length }));
  }
  return { outbox: outbox.length, deliveries: deliveries.length };
}
