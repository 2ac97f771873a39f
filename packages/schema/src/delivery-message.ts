import * as z from "zod/mini";
import { ID_PATTERN } from "@qr3/core";

// A pointer to webhook deliveries of one subscription, each with the attempt it asks for. The
// deliveries themselves (payload, state, log) live in D1; a message that arrives for an attempt
// already made is a duplicate and is dropped.
export const MAX_DELIVERIES_PER_MESSAGE = 50;

export const DeliveryMessageSchema = z.object({
  webhook_id: z.string().check(z.regex(ID_PATTERN), z.startsWith("wh_")),
  deliveries: z
    .array(
      z.object({
        id: z.string().check(z.regex(ID_PATTERN), z.startsWith("dlv_")),
        attempt: z.number().check(z.int(), z.minimum(1), z.maximum(100)),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_DELIVERIES_PER_MESSAGE)),
});

export type DeliveryMessage = z.infer<typeof DeliveryMessageSchema>;
