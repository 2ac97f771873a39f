import { isId, type DestinationRules } from "@qr3/core";
import { LIMITS, MAX_SHARDS } from "@qr3/schema/limits";
import { checkRouting } from "./routing-record.ts";

// A code record is read from KV, where anything may have been written: by an older API, by hand,
// by a bug. It is checked here, once per read, so that no stored value can make a redirect fail
// (a Location header refuses NUL, CR and LF) or yield a scan message the consumer would refuse.

/** An active code, checked: what a redirect and its scan message need. */
export interface ActiveLink {
  code_id: string;
  workspace_id: string;
  /** The destination re-encoded by the URL parser: printable ASCII, always a valid header value. */
  location: string;
  /** The destination as stored (at most LIMITS.url units, well-formed), for the scan message. */
  redirected_to: string;
  /** The shard holding the code, for the scan message; null in a record from before sharding. */
  shard: number | null;
  /**
   * The code's redirect settings, checked, for the chooser; null for a code that has none, whose
   * scans all go to `location`.
   */
  rules: DestinationRules | null;
}

/** What a code's record says: redirect, "disabled", or null when there is no usable record. */
export type Link = ActiveLink | "disabled" | null;

/**
 * `invalid` names what is wrong with a record that exists but cannot be used (`link` is then
 * null); `dropped`, the parts of a usable record's redirect settings that were left out.
 */
export interface Checked {
  link: Link;
  invalid: string | null;
  dropped?: string[];
}

const unusable = (invalid: string): Checked => ({ link: null, invalid });

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** The record's destination as a Location, or null unless it is an http(s) URL. */
export function toLocation(url: unknown): string | null {
  if (typeof url !== "string" || url.length === 0 || url.length > LIMITS.url) return null;
  // The URL parser percent-encodes control and non-ASCII characters, drops leading and trailing
  // ones, and turns an IDN host into punycode.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  return PRINTABLE_ASCII.test(parsed.href) ? parsed.href : null;
}

/** Checks a code record as KV holds it (null: no record). */
export function checkLinkRecord(text: string | null): Checked {
  if (text === null) return { link: null, invalid: null };
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return unusable("json");
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) return unusable("json");
  const { status, code_id, workspace_id, url, shard, routing, capped } = record as Record<string, unknown>;
  // A disabled code records nothing, so nothing else of its record matters.
  if (status === "disabled") return { link: "disabled", invalid: null };
  if (status !== "active") return unusable("status");
  if (typeof code_id !== "string" || !isId("qr", code_id)) return unusable("code_id");
  if (typeof workspace_id !== "string" || !isId("ws", workspace_id)) return unusable("workspace_id");
  const location = toLocation(url);
  if (location === null) return unusable("url");
  if (shard !== undefined && !(typeof shard === "number" && Number.isInteger(shard) && shard >= 0 && shard < MAX_SHARDS)) return unusable("shard");
  // Lone surrogates would not survive the message's trip into D1 as they are.
  const link: ActiveLink = { code_id, workspace_id, location, redirected_to: (url as string).toWellFormed(), shard: shard ?? null, rules: null };
  if (routing === undefined && capped !== true) return { link, invalid: null };
  const checked = checkRouting(routing ?? {}, location, capped === true, toLocation);
  link.rules = checked.rules;
  return checked.invalid.length === 0 ? { link, invalid: null } : { link, invalid: null, dropped: checked.invalid };
}
