import { addDays, ensureSalt } from "@qr3/core";
import { sweepWebhooks } from "./webhooks/sweep.ts";

export const DAILY_CRON = "5 0 * * *";

/**
 * Every cron run re-enqueues webhook work whose queue message was lost. The daily run also
 * writes tomorrow's IP-hash salt a day ahead, so that KV has replicated it before midnight, and
 * today's too should an earlier run have been missed. `now` is the cron's scheduled time, so a
 * run can be replayed for any date.
 */
export async function runScheduled(env: Env, cron: string, now: number): Promise<void> {
  if (cron === DAILY_CRON) {
    await ensureSalt(env.SALTS, now, now);
    await ensureSalt(env.SALTS, addDays(now, 1), now);
  }
  await sweepWebhooks(env, now);
}
