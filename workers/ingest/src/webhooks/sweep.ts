import { claimOverdueDeliveries } from "@qr3/db";
import { enqueueDeliveries } from "@qr3/webhooks";

// A pending delivery whose next attempt is this late has lost its queue message.
const OVERDUE_AFTER_MS = 10 * 60 * 1000;
const SWEEP_LIMIT = 1000;

/** Re-enqueues overdue pending deliveries: the outbox's safety net, run by every cron. */
export async function sweepOverdueDeliveries(env: Env, now: number): Promise<number> {
  const overdue = await claimOverdueDeliveries(
    env.DB,
    new Date(now - OVERDUE_AFTER_MS).toISOString(),
    new Date(now).toISOString(),
    SWEEP_LIMIT,
  );
  if (overdue.length > 0) {
    await enqueueDeliveries(env.WEBHOOKS, overdue.map((d) => ({ id: d.id, webhook_id: d.webhook_id, attempt: d.attempts + 1 })));
    console.log(JSON.stringify({ event: "overdue_deliveries_requeued", count: overdue.length }));
  }
  return overdue.length;
}
