import { addDays, ensureSalt } from "@qr3/core";
import { foldScans } from "@qr3/db";
import { emptyReport, purgeDeletedScans, purgeOldScans, type PurgeReport } from "./purge.ts";
import { sweepWebhooks } from "./webhooks/sweep.ts";

export const DAILY_CRON = "5 0 * * *";

// The frequent cron's share of deleting scans of deleted codes, so that they go within minutes.
const FREQUENT_PURGE_BUDGET = 50;

/**
 * The crons. `now` is the scheduled time, so a run can be replayed for any date.
 * - Daily: writes tomorrow's IP-hash salt a day ahead (and today's, should an earlier run have
 *   been missed), then purges scans past retention.
 * - Every run, first: folds the scans still waiting into the summaries, so that the purge sees
 *   them all and a quiet hour leaves no tail.
 * - Every run: deletes scans of deleted codes and workspaces, and re-enqueues webhook work whose
 *   queue message was lost.
 */
export async function runScheduled(env: Env, cron: string, now: number): Promise<void> {
  let purge: PurgeReport;
  await foldScans(env.DB);
  if (cron === DAILY_CRON) {
    await ensureSalt(env.SALTS, now, now);
    await ensureSalt(env.SALTS, addDays(now, 1), now);
    purge = await purgeOldScans(env.DB, now);
  } else {
    purge = emptyReport();
    await purgeDeletedScans(env.DB, purge, FREQUENT_PURGE_BUDGET);
  }
  const swept = await sweepWebhooks(env, now);
  console.log(JSON.stringify({ event: "cron_finished", cron, scheduled_time: new Date(now).toISOString(), purge, swept }));
}
