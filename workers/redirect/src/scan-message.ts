import { newId, type LinkRecord } from "@qr3/core";
import type { ScanMessage } from "@qr3/schema";

// Caps that keep every message far below the queue's 128 KB limit; the consumer's schema rejects
// anything longer, so these must not exceed its limits.
const MAX_USER_AGENT = 1024;
const MAX_REFERER = 2048;
const MAX_GEO = 128;

function header(request: Request, name: string, max: number): string | null {
  const value = request.headers.get(name);
  return value ? value.slice(0, max) : null;
}

function cfText(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value.slice(0, MAX_GEO) : null;
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
  link: LinkRecord;
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

export function readScan(request: Request, link: LinkRecord, now: number): Scan {
  const cf = request.cf as { country?: unknown; region?: unknown; city?: unknown } | undefined;
  return {
    link,
    now,
    ip: request.headers.get("cf-connecting-ip"),
    country: cfText(cf?.country),
    region: cfText(cf?.region),
    city: cfText(cf?.city),
    userAgent: header(request, "user-agent", MAX_USER_AGENT),
    referer: header(request, "referer", MAX_REFERER),
    acceptLanguage: request.headers.get("accept-language"),
    // Raw signals only: the consumer decides what is a bot, so this worker stays small.
    method: request.method === "HEAD" ? "HEAD" : "GET",
    purpose: header(request, "sec-purpose", 64) ?? header(request, "purpose", 64),
  };
}

/** The one place a scan event is built. It carries the IP's salted hash, never the IP. */
export function buildScanMessage(scan: Omit<Scan, "ip">, ipHash: string | null): ScanMessage {
  return {
    scan_id: newId("scn", scan.now),
    code_id: scan.link.code_id,
    workspace_id: scan.link.workspace_id,
    scanned_at: new Date(scan.now).toISOString(),
    country: scan.country,
    region: scan.region,
    city: scan.city,
    user_agent: scan.userAgent,
    referer: scan.referer,
    language: firstLanguage(scan.acceptLanguage),
    redirected_to: scan.link.url,
    ip_hash: ipHash,
    method: scan.method,
    purpose: scan.purpose,
  };
}
