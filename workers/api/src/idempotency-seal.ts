import { toHex } from "@qr3/core";
import { base64ToBytes, bytesToBase64 } from "@qr3/webhooks";

// A stored answer can hold what is shown only once: a new API key, a webhook's signing secret.
// So its body is stored sealed (AES-256-GCM) under a key derived (HKDF-SHA256) from the API key
// that made the request and the Idempotency-Key. Only the API key's hash is stored anywhere, so
// the stored answer opens only for a request that presents that API key again: the database alone
// cannot read it, and no key of ours needs keeping or rotating for it. Stored as
// "<iv>:<ciphertext>", both base64.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SALT = encoder.encode("qr3 idempotent answer v1");

async function sealingKey(apiKey: string, idempotencyKey: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(apiKey), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: SALT, info: encoder.encode(idempotencyKey) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealAnswer(apiKey: string, idempotencyKey: string, body: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealingKey(apiKey, idempotencyKey), encoder.encode(body));
  return `${bytesToBase64(iv)}:${bytesToBase64(new Uint8Array(sealed))}`;
}

/** The body sealAnswer sealed; throws if it was not sealed with this API key and Idempotency-Key. */
export async function openAnswer(apiKey: string, idempotencyKey: string, stored: string): Promise<string> {
  const [iv, data] = stored.split(":").map(base64ToBytes);
  if (!iv || !data) throw new Error("idempotency: the stored answer is not sealed");
  return decoder.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, await sealingKey(apiKey, idempotencyKey), data));
}

/**
 * What a request is, for comparing a repeat with the first: an HMAC-SHA256 of it under the API
 * key that made it, so that a body holding a secret (a webhook's, chosen by the caller) is not
 * stored as a plain hash anyone could test guesses against.
 */
export async function fingerprintOf(apiKey: string, request: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(apiKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(request)));
}
