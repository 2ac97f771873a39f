import { consumeScans } from "./consume-scans.ts";
import { runDailyMaintenance } from "./maintenance.ts";

export default {
  queue: (batch, env) => consumeScans(batch, env),
  scheduled: (controller, env) => runDailyMaintenance(env, controller.scheduledTime),
} satisfies ExportedHandler<Env, unknown>;
