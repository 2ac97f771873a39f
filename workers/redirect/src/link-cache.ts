import { linkKey, splitAddress } from "@qr3/core";
import { checkLinkRecord, type Link } from "./link-record.ts";

// A per-isolate cache of code records, checked, by address: a short code on our own domain, or
// `hostname/short_code` on a branded domain (linkAddress in @qr3/core), so that one short code on
// two domains is two entries. A printed code is scanned in bursts (a flyer handed out, a poster at
// an event), and every scan would otherwise cost a KV read. Entries live a few seconds
// (LINK_CACHE_SECONDS), so a changed destination or a disabled code takes effect within that, on
// top of KV's own propagation; local development sets 0.
const MAX_ENTRIES = 10_000;

interface Entry {
  link: Link;
  until: number;
}

const entries = new Map<string, Entry>();

/** The cached link of an address (null: no usable record), or undefined when KV must be read. */
export function cachedLink(address: string, now: number): Link | undefined {
  const hit = entries.get(address);
  return hit && now < hit.until ? hit.link : undefined;
}

/**
 * Reads and checks the code record of an address from KV, and caches it for `ttlSeconds` (not at
 * all when 0). A record that exists but cannot be used answers as an unknown code, and is logged
 * (by short code, and domain when branded; once per read).
 */
export async function readLink(kv: KVNamespace, address: string, ttlSeconds: number, now: number): Promise<Link> {
  const { link, invalid, dropped } = checkLinkRecord(await kv.get(linkKey(address), "text"));
  if (invalid !== null) logInvalid(address, "link_record_invalid", invalid);
  if (dropped) logInvalid(address, "link_record_settings_dropped", dropped.join(","));
  if (ttlSeconds > 0) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(address, { link, until: now + ttlSeconds * 1000 });
  }
  return link;
}

function logInvalid(address: string, event: string, field: string): void {
  const { domain, short_code } = splitAddress(address);
  console.error(JSON.stringify({ event, short_code, ...(domain === null ? {} : { domain }), field }));
}
