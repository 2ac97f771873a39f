import { addDays, ensureSalt } from "@qr3/core";
import { foldScans } from "@qr3/db";
import { sweepLinks, type LinkSweepReport } from "./link-sweep.ts";
import { emptyReport, purgeDeletedScans, purgeOldScans, type PurgeReport } from "./purge.ts";
import { resealWebhookSecrets } from "./webhooks/reseal.ts";
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
 * - Every 5 minutes: rewrites from D1 the KV records of codes changed a while ago, should a
 *   write of the API's have been lost (the 5-minute cron also fires at 00:05).
 * - Every run: deletes scans of deleted codes and workspaces, re-enqueues webhook work whose
 *   queue message was lost, and seals webhook secrets not yet under the current key (last: it
 *   throws when the key binding is unusable).
 */
export async function runScheduled(env: Env, cron: string, now: number): Promise<void> {
  let purge: PurgeReport;
  let links: LinkSweepReport | null = null;
  await foldScans(env.DB);
  if (cron === DAILY_CRON) {
    await ensureSalt(env.SALTS, now, now);
    await ensureSalt(env.SALTS, addDays(now, 1), now);
    purge = await purgeOldScans(env.DB, now);
  } else {
    purge = emptyReport();
    await purgeDeletedScans(env.DB, purge, FREQUENT_PURGE_BUDGET);
    links = await sweepLinks(env);
  }
  const swept = await sweepWebhooks(env, now);
  const secrets = await resealWebhookSecrets(env, now);
  console.log(JSON.stringify({ event: "cron_finished", cron, scheduled_time: new Date(now).toISOString(), purge, links, swept, secrets }));
}
