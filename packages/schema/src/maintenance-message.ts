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

/** The most addresses one link-sync message names: one KV write each, in an invocation of its own. */
export const MAX_LINK_SYNC_ADDRESSES = 100;

// What the API sends after creating or changing codes in bulk: the addresses (short codes, or
// hostname/short_code) whose KV records must be brought to what D1 holds now. Should the message
// be lost, the marks the change left make the link sweep do it within minutes.
export const LinkSyncMessageSchema = z.object({
  kind: z.literal("sync_links"),
  shard: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_SHARDS - 1)),
  addresses: z.array(z.string().check(z.minLength(1), z.maxLength(400))).check(z.minLength(1), z.maxLength(MAX_LINK_SYNC_ADDRESSES)),
});

export type LinkSyncMessage = z.infer<typeof LinkSyncMessageSchema>;

/** Every message of the maintenance queue. */
export const MaintenanceQueueMessageSchema = z.discriminatedUnion("kind", [MaintenanceMessageSchema, LinkSyncMessageSchema]);
