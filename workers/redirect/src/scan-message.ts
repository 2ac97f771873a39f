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

/** The one place a scan event is built. The raw IP is not an input: only its salted hash is. */
export function buildScanMessage(
  request: Request,
  link: LinkRecord,
  now: number,
  ipHash: string | null,
): ScanMessage {
  const cf = request.cf as { country?: unknown; region?: unknown; city?: unknown } | undefined;
  return {
    scan_id: newId("scn", now),
    code_id: link.code_id,
    workspace_id: link.workspace_id,
    scanned_at: new Date(now).toISOString(),
    country: cfText(cf?.country),
    region: cfText(cf?.region),
    city: cfText(cf?.city),
    user_agent: header(request, "user-agent", MAX_USER_AGENT),
    referer: header(request, "referer", MAX_REFERER),
    language: firstLanguage(request.headers.get("accept-language")),
    redirected_to: link.url,
    ip_hash: ipHash,
    // Raw signals only: the consumer decides what is a bot, so this worker stays small.
    method: request.method === "HEAD" ? "HEAD" : "GET",
    purpose: header(request, "sec-purpose", 64) ?? header(request, "purpose", 64),
  };
}
