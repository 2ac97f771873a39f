import { consumeScans } from "./consume-scans.ts";
import { runScheduled } from "./maintenance.ts";
import { QUEUES } from "./queues.ts";
import { consumeWebhookQueue } from "./webhooks/consume.ts";

export default {
  queue(batch, env, ctx) {
    if (batch.queue === QUEUES.webhooks) return consumeWebhookQueue(batch, env);
    return consumeScans(batch, env, ctx);
  },
  scheduled: (controller, env) => runScheduled(env, controller.cron, controller.scheduledTime),
} satisfies ExportedHandler<Env, unknown>;
