import { consumeScans } from "./consume-scans.ts";
import { runScheduled } from "./maintenance.ts";
import { QUEUES } from "./queues.ts";
import { consumeDeliveries } from "./webhooks/consume-deliveries.ts";

export default {
  queue(batch, env) {
    if (batch.queue === QUEUES.webhooks) return consumeDeliveries(batch, env);
    return consumeScans(batch, env);
  },
  scheduled: (controller, env) => runScheduled(env, controller.cron, controller.scheduledTime),
} satisfies ExportedHandler<Env, unknown>;
