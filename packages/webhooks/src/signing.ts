import { bytesToBase64 } from "./base64.ts";
import { signingKey } from "./secrets.ts";

const encoder = new TextEncoder();

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks). */
export async function sign(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const keyBytes = signingKey(secret);
  if (!keyBytes) throw new Error("invalid webhook secret");
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestamp}.${body}`));
  return `v1,${bytesToBase64(new Uint8Array(mac))}`;
}

/**
 * The three Standard Webhooks headers. Several secrets (during a rotation) give several
 * space-separated signatures; a receiver accepts the request if any of them verifies.
 */
export async function signedHeaders(secrets: readonly string[], id: string, timestamp: number, body: string) {
  const signatures = await Promise.all(secrets.map((s) => sign(s, id, timestamp, body)));
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
