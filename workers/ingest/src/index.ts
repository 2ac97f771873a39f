import { consumeScans } from "./consume-scans.ts";
import { parkDeadLetters } from "./dead-letters/park.ts";
import { isDeadLetterQueue } from "./dead-letters/queues.ts";
import { replayDeadLetters } from "./dead-letters/replay.ts";
import { DAILY_CRON, runScheduled } from "./maintenance.ts";
import { QUEUES } from "./queues.ts";
import { consumeWebhookQueue } from "./webhooks/consume.ts";

export default {
  queue(batch, env, ctx) {
    if (isDeadLetterQueue(batch.queue)) return parkDeadLetters(batch, env, batch.queue);
    if (batch.queue === QUEUES.webhooks) return consumeWebhookQueue(batch, env);
    return consumeScans(batch, env, ctx);
  },
  async scheduled(controller, env) {
    // The frequent cron also sends back dead letters marked for replay. Each part runs even when
    // the other fails; the run fails if either did.
    const parts = [runScheduled(env, controller.cron, controller.scheduledTime)];
    if (controller.cron !== DAILY_CRON) parts.push(replayDeadLetters(env, controller.scheduledTime).then(() => {}));
    for (const part of await Promise.allSettled(parts)) if (part.status === "rejected") throw part.reason;
  },
} satisfies ExportedHandler<Env, unknown>;
