import * as z from "zod/mini";
import { EVENT_TYPES, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH } from "../webhook-facts.ts";
import { Timestamp } from "./common.ts";
import { webhookUrl } from "./urls.ts";

export const WEBHOOK_STATUSES = ["enabled", "disabled"] as const;
export const DISABLED_REASONS = ["manual", "failing", "endpoint_gone"] as const;
export const DELIVERY_STATES = ["pending", "succeeded", "failed"] as const;

const events = z.array(z.enum(EVENT_TYPES)).check(z.minLength(1, "must list at least one event"));
const secret = z.string().check(z.minLength(MIN_SECRET_LENGTH), z.maxLength(MAX_SECRET_LENGTH));

export const CreateWebhookBody = z
  .strictObject({ url: webhookUrl, events, secret: z.optional(secret) })
  .register(z.globalRegistry, { id: "CreateWebhookBody" });

export const UpdateWebhookBody = z
  .strictObject({
    url: z.optional(webhookUrl),
    events: z.optional(events),
    status: z.optional(z.enum(WEBHOOK_STATUSES)),
  })
  .register(z.globalRegistry, { id: "UpdateWebhookBody", description: "At least one of url, events and status." });

export const RotateSecretBody = z
  .strictObject({ secret: z.optional(secret) })
  .register(z.globalRegistry, { id: "RotateSecretBody" });

const webhookFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  status: z.enum(WEBHOOK_STATUSES),
  disabled_reason: z.nullable(z.enum(DISABLED_REASONS)),
  created_at: Timestamp,
  updated_at: Timestamp,
};

/** A subscription as the API shows it; its secret never appears but once. */
export const Webhook = z.object(webhookFields).register(z.globalRegistry, { id: "Webhook" });
export type Webhook = z.output<typeof Webhook>;

export const CreatedWebhook = z
  .object({ ...webhookFields, secret: z.optional(z.string()) })
  .register(z.globalRegistry, { id: "CreatedWebhook", description: "secret: only when qr3 generated it, shown this once." });
export type CreatedWebhook = z.output<typeof CreatedWebhook>;

export const RotatedWebhook = z
  .object({ ...webhookFields, secret: z.string(), previous_secret_expires_at: z.nullable(Timestamp) })
  .register(z.globalRegistry, { id: "RotatedWebhook" });

export const Attempt = z
  .object({
    attempt: z.int(),
    response_status: z.nullable(z.int()),
    error: z.nullable(z.string()),
    duration_ms: z.nullable(z.number()),
    started_at: Timestamp,
  })
  .register(z.globalRegistry, { id: "Attempt" });
export type Attempt = z.output<typeof Attempt>;

export const Delivery = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z.string(),
    state: z.enum(DELIVERY_STATES),
    attempt_count: z.int(),
    response_status: z.nullable(z.int()),
    error: z.nullable(z.string()),
    duration_ms: z.nullable(z.number()),
    next_attempt_at: z.nullable(Timestamp),
    redelivery_of: z.nullable(z.string()),
    created_at: Timestamp,
    updated_at: Timestamp,
    attempts: z.array(Attempt),
  })
  .register(z.globalRegistry, { id: "Delivery" });
export type Delivery = z.output<typeof Delivery>;
