// Facts of webhooks that the API's schemas, the dashboard and the webhooks package all use.
// Zod-free, so the dashboard may import it.

/** The events a subscription may list (a test event, "webhook.test", is sent on request only). */
export const EVENT_TYPES = ["qr.scanned", "code.created", "code.updated", "code.deleted"] as const;
/** The events of a code's own changes, made through the API. */
export const CODE_EVENT_TYPES = ["code.created", "code.updated", "code.deleted"] as const;
export type CodeEventType = (typeof CODE_EVENT_TYPES)[number];
export type SubscribableEvent = (typeof EVENT_TYPES)[number];

/** A signing secret the caller brings: its length in characters. */
export const MIN_SECRET_LENGTH = 16;
export const MAX_SECRET_LENGTH = 256;

/** The most webhook subscriptions a workspace can have. */
export const MAX_WEBHOOKS_PER_WORKSPACE = 10;
