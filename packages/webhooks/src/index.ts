export * from "./base64.ts";
export * from "./secrets.ts";
export * from "./secret-box.ts";
export * from "./signing.ts";
export * from "./schedule.ts";
export * from "./url-policy.ts";
export * from "./events.ts";
export * from "./enqueue.ts";
