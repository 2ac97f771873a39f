// A cron run as production makes it: the scheduled handler does the global work and sends one
// maintenance message per shard, and each message is then consumed in an invocation of its own
// (the maintenance queue's max_batch_size is 1). The messages are recorded and delivered here
// with the test's env, rather than through the local queue with the project's bindings.
import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import type { MaintenanceMessage } from "@qr3/schema";
import worker from "../src/index.ts";
import { QUEUES } from "../src/queues.ts";
import { recordingQueue } from "./webhook-helpers.ts";

export const DAILY = "5 0 * * *";
export const FREQUENT = "*/5 * * * *";

export interface CronRun {
  /** The scheduled handler's failure, if it failed. */
  error: unknown;
  /** The maintenance messages it sent, in order. */
  sent: MaintenanceMessage[];
  /** Each message's outcome, in the same order. */
  maintenance: Array<{ shard: number; outcome: "acked" | "retried" }>;
}

/** Delivers one message to the maintenance queue's consumer, alone in its batch; answers whether it was retried. */
export async function deliverMaintenance(testEnv: Env, body: unknown, id = "maintenance-0"): Promise<"acked" | "retried"> {
  const batch = createMessageBatch(QUEUES.maintenance, [{ id, timestamp: new Date(), attempts: 1, body }]);
  const ctx = createExecutionContext();
  await worker.queue(batch, testEnv, ctx);
  const result = await getQueueResult(batch, ctx);
  if (result.retryMessages.length > 0) return "retried";
  if (result.explicitAcks.length > 0) return "acked";
  throw new Error("the maintenance message was neither acked nor retried");
}

/** Runs the cron and every maintenance message it sends, reporting what failed instead of throwing. */
export async function cronRun(testEnv: Env, cron: string, scheduledTime: number): Promise<CronRun> {
  const queue = recordingQueue<MaintenanceMessage>();
  let error: unknown = null;
  try {
    await worker.scheduled(createScheduledController({ scheduledTime, cron }), { ...testEnv, MAINTENANCE: queue.queue });
  } catch (err) {
    error = err;
  }
  const maintenance: CronRun["maintenance"] = [];
  for (const [i, { body }] of queue.sent.entries()) {
    maintenance.push({ shard: body.shard, outcome: await deliverMaintenance(testEnv, body, `maintenance-${i}`) });
  }
  return { error, sent: queue.sent.map((m) => m.body), maintenance };
}

/** Runs the cron and its maintenance; rejects, as the old single run did, if any part failed. */
export async function runCron(testEnv: Env, cron: string, scheduledTime: number): Promise<CronRun> {
  const run = await cronRun(testEnv, cron, scheduledTime);
  if (run.error) throw run.error;
  const failed = run.maintenance.filter((m) => m.outcome === "retried").map((m) => m.shard);
  if (failed.length > 0) throw new Error(`the maintenance of shard ${failed.join(", ")} failed (see the maintenance_failed log)`);
  return run;
}
