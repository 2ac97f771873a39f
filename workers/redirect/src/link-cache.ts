import { linkKey } from "@qr3/core";
import { checkLinkRecord, type Link } from "./link-record.ts";

// A per-isolate cache of code records, checked. A printed code is scanned in bursts (a flyer handed
// out, a poster at an event), and every scan would otherwise cost a KV read. Entries live a few
// seconds (LINK_CACHE_SECONDS), so a changed destination or a disabled code takes effect within
// that, on top of KV's own propagation; local development sets 0.
const MAX_ENTRIES = 10_000;

interface Entry {
  link: Link;
  until: number;
}

const entries = new Map<string, Entry>();

/** The cached link (null: no usable record), or undefined when KV must be read. */
export function cachedLink(shortCode: string, now: number): Link | undefined {
  const hit = entries.get(shortCode);
  return hit && now < hit.until ? hit.link : undefined;
}

/**
 * Reads and checks a code record from KV, and caches it for `ttlSeconds` (not at all when 0). A
 * record that exists but cannot be used answers as an unknown code, and is logged (by short code,
 * once per read).
 */
export async function readLink(kv: KVNamespace, shortCode: string, ttlSeconds: number, now: number): Promise<Link> {
  const { link, invalid } = checkLinkRecord(await kv.get(linkKey(shortCode), "text"));
  if (invalid !== null) console.error(JSON.stringify({ event: "link_record_invalid", short_code: shortCode, field: invalid }));
  if (ttlSeconds > 0) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(shortCode, { link, until: now + ttlSeconds * 1000 });
  }
  return link;
}
