export * from "./ids.ts";
export * from "./short-code.ts";
export * from "./crypto.ts";
export * from "./time.ts";
export * from "./links.ts";
export * from "./salt.ts";
export * from "./api-keys.ts";
export * from "./retention.ts";
