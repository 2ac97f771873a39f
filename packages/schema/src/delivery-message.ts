import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core";
import { MAX_SHARDS } from "./limits.ts";

// Messages of the webhooks queue. Both only point at rows in D1 (in the shard they name), which
// hold the payloads, states and logs:
// - "dispatch": turn an outbox row (a batch's scan events for one workspace) into deliveries;
// - "deliver": make the given attempt of deliveries of one subscription. A message that arrives
//   for an attempt already made is a duplicate and is dropped.
export const MAX_DELIVERIES_PER_MESSAGE = 50;

const id = (prefix: string) => z.string().check(z.regex(ID_PATTERN), z.startsWith(`${prefix}_`));
// The shard that holds the rows. A message from before sharding lacks it: its rows were in the
// single database, which became shard 0 (docs/scale.md).
const shard = z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_SHARDS - 1)));

export const DispatchMessageSchema = z.object({
  kind: z.literal("dispatch"),
  outbox_id: id("obx"),
  shard,
});

export const DeliverMessageSchema = z.object({
  kind: z.literal("deliver"),
  webhook_id: id("wh"),
  deliveries: z
    .array(z.object({ id: id("dlv"), attempt: z.number().check(z.int(), z.minimum(1), z.maximum(100)) }))
    .check(z.minLength(1), z.maxLength(MAX_DELIVERIES_PER_MESSAGE)),
  shard,
});

export const WebhookQueueMessageSchema = z.discriminatedUnion("kind", [DispatchMessageSchema, DeliverMessageSchema]);

export type DispatchMessage = z.infer<typeof DispatchMessageSchema>;
export type DeliverMessage = z.infer<typeof DeliverMessageSchema>;
export type WebhookQueueMessage = z.infer<typeof WebhookQueueMessageSchema>;
