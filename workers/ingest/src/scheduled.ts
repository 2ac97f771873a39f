import { addDays, ensureSalt, shardNumbers } from "@qr3/core";
import type { MaintenanceMessage } from "@qr3/schema";
import { replayDeadLetters } from "./dead-letters/replay.ts";
import { DAILY_CRON } from "./queues.ts";

// Queues' sendBatch takes at most 100 messages.
const MAX_MESSAGES_PER_SEND = 100;

/** One maintenance message per shard, each carried out in an invocation of its own (maintenance.ts). */
async function fanOut(env: Env, cron: string, now: number): Promise<number> {
  const messages = shardNumbers(env).map((shard): MessageSendRequest<MaintenanceMessage> => ({
    body: { kind: "maintenance", shard, cron, scheduled_time: now },
    contentType: "json",
  }));
  for (let i = 0; i < messages.length; i += MAX_MESSAGES_PER_SEND) await env.MAINTENANCE.sendBatch(messages.slice(i, i + MAX_MESSAGES_PER_SEND));
  return messages.length;
}

/**
 * The crons' own invocation does what concerns every shard at once, and hands each shard's part to
 * the maintenance queue. `now` is the scheduled time, so a run can be replayed for any date.
 * - Daily: writes tomorrow's IP-hash salt a day ahead (and today's, should an earlier run have
 *   been missed).
 * - Every 5 minutes: sends back dead letters marked for replay (they are kept in the control
 *   database).
 * - Every run: one maintenance message per shard.
 * Its D1 queries are the control database's for the dead letters, whatever the number of shards.
 * Each part runs even when another fails; the run fails if any did.
 */
export async function runScheduled(env: Env, cron: string, now: number): Promise<void> {
  const daily = cron === DAILY_CRON;
  const parts = await Promise.allSettled([
    daily ? Promise.all([ensureSalt(env.SALTS, now, now), ensureSalt(env.SALTS, addDays(now, 1), now)]).then(() => null) : Promise.resolve(null),
    daily ? Promise.resolve(null) : replayDeadLetters(env, now),
    fanOut(env, cron, now),
  ]);
  const [, deadLetters, shards] = parts.map((p) => (p.status === "fulfilled" ? p.value : null));
  console.log(JSON.stringify({ event: "cron_finished", cron, scheduled_time: new Date(now).toISOString(), dead_letters: deadLetters, maintenance_messages: shards }));
  for (const part of parts) if (part.status === "rejected") throw part.reason;
}
