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

export async function getLink(kv: KVNamespace, shortCode: string, ttlSeconds: number, now: number): Promise<LinkRecord | null> {
  if (ttlSeconds > 0) {
    const hit = entries.get(shortCode);
    if (hit && now < hit.until) return hit.link;
  }
  const link = await kv.get<LinkRecord>(linkKey(shortCode), "json");
  if (ttlSeconds > 0) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(shortCode, { link, until: now + ttlSeconds * 1000 });
  }
  return link;
}
