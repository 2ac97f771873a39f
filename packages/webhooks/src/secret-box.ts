import { base64ToBytes, bytesToBase64 } from "./base64.ts";

// Signing secrets at rest: AES-256-GCM under a key held as a Worker secret, never in D1.
//
// A stored secret reads `v1:<key id>:<base64 IV>:<base64 ciphertext and tag>`. The IV is 96 random
// bits per sealing; the webhook's id is the additional data, so a ciphertext copied into another
// webhook's row does not open. The key id names the key that sealed it, so keys can rotate: the
// binding lists the current key first and older ones after it, every listed key opens, and the
// ingest cron reseals whatever is not under the current key.
//
// Rows written before secrets were sealed hold them in plain text; they open as they are until
// the cron has sealed them. A plain secret that itself began with "v1:" or "plain:" was marked
// "plain:" by migration 0010, so that nothing plain can pass for a sealed value.

const SECRETS_KEYS_BINDING = "WEBHOOK_SECRETS_KEYS";
const VERSION = "v1";
const LEGACY_MARK = "plain:";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const SEALED = /^v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9+/]{16}):([A-Za-z0-9+/]+={0,2})$/;
const IV_BYTES = 12;
const KEY_BYTES = 32;

/** The key binding is missing or malformed, or lacks a key a stored secret needs: fix the configuration. */
export class SecretsKeyError extends Error {
  override name = "SecretsKeyError";
}

/** A stored secret that does not open: altered, or moved from another webhook's row. */
export class UnreadableSecretError extends Error {
  override name = "UnreadableSecretError";
}

export interface Keyring {
  /** The key that seals; the first of the binding. */
  currentId: string;
  keys: ReadonlyMap<string, CryptoKey>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

async function parseKeyring(config: string | undefined): Promise<Keyring> {
  if (!config?.trim()) throw new SecretsKeyError(`${SECRETS_KEYS_BINDING} is not set`);
  const keys = new Map<string, CryptoKey>();
  const entries = config.split(",").map((e) => e.trim());
  for (const [i, entry] of entries.entries()) {
    // Messages name the entry and key id only: never any key material.
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    const bytes = colon > 0 ? base64ToBytes(entry.slice(colon + 1)) : null;
    if (!KEY_ID.test(id) || bytes?.byteLength !== KEY_BYTES) {
      throw new SecretsKeyError(`${SECRETS_KEYS_BINDING}: entry ${i + 1} is not "<key id>:<base64 of ${KEY_BYTES} bytes>"`);
    }
    if (keys.has(id)) throw new SecretsKeyError(`${SECRETS_KEYS_BINDING}: key id "${id}" appears twice`);
    keys.set(id, await crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]));
  }
  return { currentId: entries[0]!.slice(0, entries[0]!.indexOf(":")), keys };
}

// The binding is the same for the isolate's life: parse and import it once.
let cached: { config: string | undefined; keyring: Promise<Keyring> } | null = null;

/** The keyring of the binding's value; throws SecretsKeyError when it is missing or malformed. */
export function loadKeyring(config: string | undefined): Promise<Keyring> {
  if (!cached || cached.config !== config) cached = { config, keyring: parseKeyring(config) };
  return cached.keyring;
}

/** Seals a webhook's signing secret under the current key, bound to the webhook's id. */
export async function sealSecret(keyring: Keyring, webhookId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = keyring.keys.get(keyring.currentId)!;
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(webhookId) }, key, encoder.encode(secret));
  return `${VERSION}:${keyring.currentId}:${bytesToBase64(iv)}:${bytesToBase64(new Uint8Array(sealed))}`;
}

/** The start every secret sealed under `keyId` shares. */
export const sealedPrefix = (keyId: string) => `${VERSION}:${keyId}:`;

/** The signing secret a stored value holds, whether sealed or still plain. */
export async function openSecret(keyring: Keyring, webhookId: string, stored: string): Promise<string> {
  if (stored.startsWith(LEGACY_MARK)) return stored.slice(LEGACY_MARK.length);
  if (!stored.startsWith(`${VERSION}:`)) return stored;
  const parts = SEALED.exec(stored);
  if (!parts) throw new UnreadableSecretError("not a sealed secret");
  const [, keyId, iv, data] = parts as unknown as [string, string, string, string];
  const key = keyring.keys.get(keyId);
  if (!key) throw new SecretsKeyError(`${SECRETS_KEYS_BINDING} has no key "${keyId}"`);
  try {
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64ToBytes(iv)!, additionalData: encoder.encode(webhookId) },
      key,
      base64ToBytes(data) ?? new Uint8Array(),
    );
    return decoder.decode(opened);
  } catch {
    throw new UnreadableSecretError(`does not open under key "${keyId}" for this webhook`);
  }
}

/** The stored value under the current key: unchanged if it already is, resealed otherwise. */
export async function resealSecret(keyring: Keyring, webhookId: string, stored: string): Promise<string> {
  if (stored.startsWith(sealedPrefix(keyring.currentId))) return stored;
  return sealSecret(keyring, webhookId, await openSecret(keyring, webhookId, stored));
}
