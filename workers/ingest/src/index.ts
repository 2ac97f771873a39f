import { consumeScans } from "./consume-scans.ts";
import { parkDeadLetters } from "./dead-letters/park.ts";
import { isDeadLetterQueue } from "./dead-letters/queues.ts";
import { consumeMaintenance } from "./maintenance.ts";
import { QUEUES } from "./queues.ts";
import { runScheduled } from "./scheduled.ts";
import { consumeWebhookQueue } from "./webhooks/consume.ts";

export default {
  queue(batch, env, ctx) {
    if (isDeadLetterQueue(batch.queue)) return parkDeadLetters(batch, env, batch.queue);
    if (batch.queue === QUEUES.webhooks) return consumeWebhookQueue(batch, env);
    if (batch.queue === QUEUES.maintenance) return consumeMaintenance(batch, env);
    return consumeScans(batch, env, ctx);
  },
  scheduled: (controller, env) => runScheduled(env, controller.cron, controller.scheduledTime),
} satisfies ExportedHandler<Env, unknown>;
