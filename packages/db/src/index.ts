export * from "./scans.ts";
export * from "./codes.ts";
export * from "./workspaces.ts";
export * from "./api-keys.ts";
export * from "./analytics.ts";
export * from "./webhooks.ts";
export * from "./webhook-deliveries.ts";
export * from "./webhook-outbox.ts";
