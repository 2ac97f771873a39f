import { controlDb, shardDb } from "@qr3/core";
import { foldScans, hasDeletions, shardRetentions } from "@qr3/db";
import { MaintenanceQueueMessageSchema } from "@qr3/schema";
import { sweepLinks, syncAddresses, type LinkSweepReport } from "./link-sweep.ts";
import { emptyReport, purgeDeletedScans, purgeOldScans, PURGE_QUERY_BUDGET, type PurgeReport } from "./purge.ts";
import { retryDelaySeconds } from "./retry.ts";
import { DAILY_CRON } from "./queues.ts";
import { resealWebhookSecrets } from "./webhooks/reseal.ts";
import { sweepWebhooks } from "./webhooks/sweep.ts";

// The frequent cron's share of deleting scans of deleted codes, so that they go within minutes.
const FREQUENT_PURGE_BUDGET = 50;

/**
 * One shard's part of a cron run, in an invocation of its own (a message of the maintenance
 * queue): its D1 queries are within this invocation's budget whatever the number of shards.
 * `now` is the run's scheduled time, so a run can be replayed for any date.
 * - First, daily or when codes were deleted: folds the scans still waiting into the summaries,
 *   so that the purge sees them all. Reads count the waiting scans without folding, so nothing
 *   else needs them folded soon, and a day's scans folded at once write each summary row of
 *   that day once (D1 bills every row written): the consumer folds only once FOLD_AT wait.
 * - Daily: purges scans past retention, with the retentions of the shard's workspaces read from
 *   the control database, and the audit log and Idempotency-Key records past theirs (purge.ts).
 * - Every 5 minutes: deletes scans of deleted codes, and rewrites the KV records of codes changed
 *   a while ago, should a write of the API's have been lost (the 5-minute cron also fires at 00:05).
 * - Every run: re-enqueues webhook work whose queue message was lost, and seals webhook secrets
 *   not yet under the current key (last: it throws when the key binding is unusable).
 */
export async function runMaintenance(env: Env, shard: number, cron: string, now: number, purgeBudget = PURGE_QUERY_BUDGET): Promise<void> {
  const db = shardDb(env, shard);
  let purge: PurgeReport;
  let links: LinkSweepReport | null = null;
  if (cron === DAILY_CRON || (await hasDeletions(db))) await foldScans(db);
  if (cron === DAILY_CRON) {
    purge = await purgeOldScans(db, await shardRetentions(controlDb(env), shard), now, purgeBudget);
  } else {
    purge = emptyReport();
    await purgeDeletedScans(db, purge, Math.min(FREQUENT_PURGE_BUDGET, purgeBudget));
    links = await sweepLinks(env, shard);
  }
  const swept = await sweepWebhooks(env, shard, now);
  const secrets = await resealWebhookSecrets(env, shard, now);
  console.log(JSON.stringify({ event: "maintenance_finished", shard, cron, scheduled_time: new Date(now).toISOString(), purge, links, swept, secrets }));
}

/**
 * The maintenance queue (max_batch_size 1: each message in an invocation of its own): cron runs,
 * and KV records of codes changed in bulk (sync_links). A message is acked once its run is done and retried with backoff when it failed; every step is idempotent, so
 * a run that failed halfway simply runs again. An invalid one is logged and acked.
 */
export async function consumeMaintenance(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const parsed = MaintenanceQueueMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.code}`);
      console.error(JSON.stringify({ event: "maintenance_message_invalid", message_id: message.id, issues }));
      message.ack();
      continue;
    }
    if (parsed.data.kind === "sync_links") {
      const { shard, addresses } = parsed.data;
      try {
        const synced = await syncAddresses(env, addresses);
        console.log(JSON.stringify({ event: "links_synced", shard, synced }));
        message.ack();
      } catch (err) {
        console.error(JSON.stringify({ event: "links_sync_failed", shard, addresses: addresses.length, error: String(err) }));
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
      continue;
    }
    const { shard, cron, scheduled_time } = parsed.data;
    try {
      await runMaintenance(env, shard, cron, scheduled_time);
      message.ack();
    } catch (err) {
      console.error(JSON.stringify({ event: "maintenance_failed", shard, cron, scheduled_time: new Date(scheduled_time).toISOString(), error: String(err) }));
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
