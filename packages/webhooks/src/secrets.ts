import { base64ToBytes, bytesToBase64 } from "./base64.ts";

// Signing secrets, as the Standard Webhooks specification defines them: "whsec_" followed by the
// base64 of the key bytes. Subscribers may bring their own secret instead; any secret that does
// not start with "whsec_" is used as its UTF-8 bytes.
export const SECRET_PREFIX = "whsec_";
export { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH } from "@qr3/schema/webhook-facts";

export function generateSecret(): string {
  return SECRET_PREFIX + bytesToBase64(crypto.getRandomValues(new Uint8Array(32)));
}

/** The HMAC key bytes of a secret; null for a "whsec_" secret whose rest is not valid base64. */
export function signingKey(secret: string): Uint8Array | null {
  if (secret.startsWith(SECRET_PREFIX)) {
    const key = base64ToBytes(secret.slice(SECRET_PREFIX.length));
    return key && key.byteLength > 0 ? key : null;
  }
  return new TextEncoder().encode(secret);
}
