import { randomBase62 } from "./crypto.ts";

export { RESERVED_SHORT_CODES, SHORT_CODE_LENGTH, SHORT_CODE_PATTERN } from "./short-code-rules.ts";
import { SHORT_CODE_PATTERN } from "./short-code-rules.ts";

export function isShortCode(value: string): boolean {
  return SHORT_CODE_PATTERN.test(value);
}

/** A random short code of base62 characters. */
export function randomShortCode(length = 6): string {
  return randomBase62(length);
}
