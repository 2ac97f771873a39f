export * from "./limits.ts";
export * from "./scan-message.ts";
export * from "./scan-columns.ts";
export * from "./plans.ts";
export * from "./delivery-message.ts";
export * from "./dimensions.ts";
export * from "./urls.ts";
export * from "./maintenance-message.ts";
