import * as z from "zod/mini";
import { MAX_SHARDS } from "./limits.ts";

// What the ingest worker's scheduled handler sends to the maintenance queue, one message per shard
// and cron run, and its consumer carries out: that shard's part of the run, at the run's
// scheduled time (ms), so that a run can be replayed for any date.
export const MaintenanceMessageSchema = z.object({
  kind: z.literal("maintenance"),
  shard: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_SHARDS - 1)),
  cron: z.string().check(z.minLength(1), z.maxLength(64)),
  scheduled_time: z.number().check(z.int(), z.minimum(0)),
});

export type MaintenanceMessage = z.infer<typeof MaintenanceMessageSchema>;
