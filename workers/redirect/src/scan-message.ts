import { newId } from "@qr3/core";
import type { ScanMessage } from "@qr3/schema";
import { COUNTRY_PATTERN, LIMITS } from "@qr3/schema/limits";
import type { ActiveLink } from "./link-record.ts";

// Every field is fitted to the consumer schema's limits (the same module's numbers), so that a scan
// that was answered is never refused by the consumer as invalid: too long is cut, a value of the
// wrong kind (a number in request.cf, an unknown country) is sent as null.

/**
 * `value` in at most `max` UTF-16 units, as a well-formed string: lone surrogates become U+FFFD,
 * and a cut that would split a surrogate pair drops its first half instead.
 */
export function fitText(value: string, max: number): string {
  const cut = value.toWellFormed().slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** A text value fitted to `max`; null when absent, empty or not a string. */
export function fitted(value: unknown, max: number): string | null {
  return typeof value === "string" && value !== "" ? fitText(value, max) || null : null;
}

/** Cloudflare's country code, or null for none, "XX" (its unknown) and anything else. */
export function countryCode(value: unknown): string | null {
  return typeof value === "string" && value !== "XX" && COUNTRY_PATTERN.test(value) ? value : null;
}

/** Primary subtag of the first Accept-Language entry: "de-AT,de;q=0.9,en;q=0.8" → "de". */
export function firstLanguage(acceptLanguage: string | null): string | null {
  const first = acceptLanguage?.split(",")[0]?.split(";")[0]?.trim().split("-")[0]?.toLowerCase();
  return first && /^[a-z]{2,8}$/.test(first) ? first : null;
}

/**
 * What a scan message is built from, read from the request as it is answered. It holds the raw
 * IP until its batch is sent; it never leaves this worker.
 */
export interface Scan {
  /** Given as the scan is answered, so that a batch lost before its messages exist names its scans. */
  id: string;
  link: ActiveLink;
  /** The URL the scan was sent to, as stored (well-formed, at most LIMITS.url). */
  redirectedTo: string;
  /** What analytics count its destination by, when not redirectedTo (a query string was forwarded). */
  destination: string | null;
  /** The IP's hash, when choosing a variant needed it before the batch. */
  ipHash: string | null;
  now: number;
  ip: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  userAgent: string | null;
  referer: string | null;
  acceptLanguage: string | null;
  method: "GET" | "HEAD";
  purpose: string | null;
}

export function readScan(request: Request, link: ActiveLink, now: number): Scan {
  const cf = request.cf as { country?: unknown; region?: unknown; city?: unknown } | undefined;
  const header = (name: string, max: number) => fitted(request.headers.get(name), max);
  return {
    id: newId("scn", now),
    link,
    redirectedTo: link.redirected_to,
    destination: null,
    ipHash: null,
    now,
    ip: request.headers.get("cf-connecting-ip"),
    country: countryCode(cf?.country),
    region: fitted(cf?.region, LIMITS.geo),
    city: fitted(cf?.city, LIMITS.geo),
    userAgent: header("user-agent", LIMITS.user_agent),
    referer: header("referer", LIMITS.referer),
    acceptLanguage: request.headers.get("accept-language"),
    // Raw signals only: the consumer decides what is a bot, so this worker stays small.
    method: request.method === "HEAD" ? "HEAD" : "GET",
    purpose: header("sec-purpose", LIMITS.purpose) ?? header("purpose", LIMITS.purpose),
  };
}

/** The one place a scan event is built. It carries the IP's salted hash, never the IP. */
export function buildScanMessage(scan: Omit<Scan, "ip" | "ipHash">, ipHash: string | null): ScanMessage {
  return {
    scan_id: scan.id,
    code_id: scan.link.code_id,
    workspace_id: scan.link.workspace_id,
    scanned_at: new Date(scan.now).toISOString(),
    country: scan.country,
    region: scan.region,
    city: scan.city,
    user_agent: scan.userAgent,
    referer: scan.referer,
    language: firstLanguage(scan.acceptLanguage),
    redirected_to: scan.redirectedTo,
    ...(scan.destination === null ? {} : { destination: scan.destination }),
    ip_hash: ipHash,
    method: scan.method,
    purpose: scan.purpose,
    // The consumer stores the scan in this shard; without one (a record from before sharding) it looks the shard up.
    ...(scan.link.shard === null ? {} : { shard: scan.link.shard }),
  };
}

// What a scan's message can take in a queue batch, at most: its texts as JSON in UTF-8 (any UTF-16
// unit takes at most 6 bytes, as a \uXXXX escape; printable ASCII other than " and \ takes 1),
// and the fixed fields (ids, time, hash, country, language, shard, names and punctuation: about
// 400 bytes at most).
const FIXED_BYTES = 600;
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const textBytes = (text: string | null | undefined) => (!text ? 0 : PLAIN.test(text) ? text.length : text.length * 6);

/** An upper bound of the bytes `scan`'s message takes in a batch. */
export function messageBytes(scan: Scan): number {
  return FIXED_BYTES + [scan.redirectedTo, scan.destination, scan.userAgent, scan.referer, scan.region, scan.city, scan.purpose].reduce((n, t) => n + textBytes(t), 0);
}

/**
 * The most any one message can take. A message carries a destination only beside a redirected_to
 * that a code's settings chose: both are then Locations (printable ASCII, at most 2 bytes a
 * character as JSON), together at most 4 × LIMITS.url bytes, less than a redirected_to of the
 * worst text alone.
 */
export const MAX_MESSAGE_BYTES = FIXED_BYTES + 6 * (LIMITS.url + LIMITS.user_agent + LIMITS.referer + 2 * LIMITS.geo + LIMITS.purpose);
