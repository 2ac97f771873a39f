import { linkKey, type LinkRecord } from "@qr3/core";

// A per-isolate cache of code records. A printed code is scanned in bursts (a flyer handed out, a
// poster at an event), and every scan would otherwise cost a KV read. Entries live a few seconds
// (LINK_CACHE_SECONDS), so a changed destination or a disabled code takes effect within that, on
// top of KV's own propagation; local development sets 0.
const MAX_ENTRIES = 10_000;

interface Entry {
  link: LinkRecord | null;
  until: number;
}

const entries = new Map<string, Entry>();

/** The cached record (null: the code does not exist), or undefined when KV must be read. */
export function cachedLink(shortCode: string, now: number): LinkRecord | null | undefined {
  const hit = entries.get(shortCode);
  return hit && now < hit.until ? hit.link : undefined;
}

/** Reads a code record from KV, and caches it for `ttlSeconds` (not at all when 0). */
export async function readLink(kv: KVNamespace, shortCode: string, ttlSeconds: number, now: number): Promise<LinkRecord | null> {
  const link = await kv.get<LinkRecord>(linkKey(shortCode), "json");
  if (ttlSeconds > 0) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(shortCode, { link, until: now + ttlSeconds * 1000 });
  }
  return link;
}
