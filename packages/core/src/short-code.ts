import { randomBase62 } from "./crypto.ts";

// Short codes are the path of the printed link (https://qr3.app/r7f3Kx). The redirector rejects
// anything outside this pattern without a KV read, so the pattern is the single source of truth.
export const SHORT_CODE_PATTERN = /^[A-Za-z0-9_-]{3,64}$/;

// Paths the public origin routes elsewhere; a code may never shadow them.
export const RESERVED_SHORT_CODES: ReadonlySet<string> = new Set(["v1", "api", "app", "assets", "dashboard", "static"]);

export function isShortCode(value: string): boolean {
  return SHORT_CODE_PATTERN.test(value);
}

/** A random short code of base62 characters. */
export function randomShortCode(length = 6): string {
  return randomBase62(length);
}
