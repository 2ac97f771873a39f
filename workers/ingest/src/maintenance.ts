import { addDays, ensureSalt } from "@qr3/core";

/**
 * The daily cron. Writes tomorrow's IP-hash salt a day ahead so that KV has replicated it before
 * midnight, and today's too should an earlier run have been missed. `now` is the cron's scheduled
 * time, so a run can be replayed for any date.
 */
export async function runDailyMaintenance(env: Env, now: number): Promise<void> {
  await ensureSalt(env.SALTS, now, now);
  await ensureSalt(env.SALTS, addDays(now, 1), now);
}
