// Which URL a scan is sent to: the one pure function the redirector runs on every scan of a code
// with rules, and the API runs for a simulated scan (resolve). It reads the code's record and the
// scan's facts only: no I/O, so a redirect costs no more reads for having rules. Free of imports,
// so that the dashboard may use it too.

/** A rule's conditions: each one listed must hold; a list holds when any of its values does. */
export interface RuleWhen {
  /** ISO 3166-1 alpha-2, upper case. */
  country?: readonly string[];
  device_type?: ReadonlyArray<"mobile" | "tablet" | "desktop">;
  os?: readonly string[];
  /** Primary language subtags, lower case ("de", "en"). */
  language?: readonly string[];
  /** ISO weekdays, 1 (Monday) to 7 (Sunday), in `tz`. */
  weekday?: readonly number[];
  /** "HH:MM" to "HH:MM" in `tz`, `to` excluded; wraps past midnight when `to` <= `from`. */
  time?: { from: string; to: string };
  /** The IANA time zone of weekday and time; UTC when absent. */
  tz?: string;
}

export interface DestinationRules {
  /** The code's own destination: where a scan goes when nothing else applies. */
  url: string;
  /** ISO 8601 times: outside [starts_at, expires_at) the scan goes to fallback_url, or nowhere. */
  starts_at?: string | null;
  expires_at?: string | null;
  fallback_url?: string | null;
  /** Set once the code has counted its max_scans: from then on the fallback. */
  capped?: boolean;
  rules?: ReadonlyArray<{ when: RuleWhen; url: string }>;
  /** Used when no rule matches; weights sum to 100. */
  variants?: ReadonlyArray<{ url: string; weight: number }>;
  /** Add the scan URL's query string to the destination (the destination's own values win). */
  forward_query?: boolean;
  /** utm_source, utm_medium, ... added unless the destination has them. */
  utm?: Partial<Record<"source" | "medium" | "campaign" | "term" | "content", string>>;
}

/** What a scan brings that rules may look at. */
export interface ScanFacts {
  /** The scan's time, ms since the epoch. */
  at: number;
  country: string | null;
  device_type: "mobile" | "tablet" | "desktop" | null;
  os: string | null;
  /** The visitor's languages, primary subtags lower-cased, in order of preference. */
  languages: readonly string[];
  /** The scan URL's query string, with or without its "?". */
  query: string;
  /** The visitor's bucket of the day, 0 to 99: which variant they get (the same all day). */
  bucket: number;
}

export type DestinationReason =
  | { kind: "not_started" }
  | { kind: "expired" }
  | { kind: "capped" }
  | { kind: "rule"; index: number }
  | { kind: "variant"; index: number }
  | { kind: "default" };

/** Where to send the scan (null: nowhere, answer 410), and why. */
export interface Destination {
  url: string | null;
  reason: DestinationReason;
}

const weekdayAndMinute = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/** The ISO weekday and the minute of the day at `at` in `tz` (an unknown zone reads as UTC). */
export function localWeekdayMinute(at: number, tz: string | undefined): { weekday: number; minute: number } {
  const zone = tz ?? "UTC";
  let format = weekdayAndMinute.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch {
      format = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
    weekdayAndMinute.set(zone, format);
  }
  let weekday = 1;
  let hour = 0;
  let minute = 0;
  for (const part of format.formatToParts(at)) {
    if (part.type === "weekday") weekday = WEEKDAYS[part.value] ?? 1;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { weekday, minute: hour * 60 + minute };
}

const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether a minute of the day is in [from, to), wrapping past midnight when to <= from. */
export function inTimeWindow(minute: number, window: { from: string; to: string }): boolean {
  const from = minuteOf(window.from);
  const to = minuteOf(window.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

function matches(when: RuleWhen, scan: ScanFacts): boolean {
  if (when.country && (scan.country === null || !when.country.includes(scan.country))) return false;
  if (when.device_type && (scan.device_type === null || !when.device_type.includes(scan.device_type))) return false;
  if (when.os && (scan.os === null || !when.os.includes(scan.os))) return false;
  if (when.language && !scan.languages.some((l) => when.language!.includes(l))) return false;
  if (when.weekday || when.time) {
    const local = localWeekdayMinute(scan.at, when.tz);
    if (when.weekday && !when.weekday.includes(local.weekday)) return false;
    if (when.time && !inTimeWindow(local.minute, when.time)) return false;
  }
  return true;
}

/**
 * The destination with the scan's query string and UTM tags added: a parameter the destination
 * already has keeps the destination's value.
 */
export function withQuery(destination: string, rules: Pick<DestinationRules, "forward_query" | "utm">, query: string): string {
  const utm = rules.utm ? Object.entries(rules.utm).filter(([, v]) => v !== undefined && v !== "") : [];
  const forwarded = rules.forward_query && query.replace(/^\?/, "") !== "" ? new URLSearchParams(query) : null;
  if (utm.length === 0 && forwarded === null) return destination;
  const url = new URL(destination);
  const own = new Set(url.searchParams.keys());
  if (forwarded) for (const [name, value] of forwarded) if (!own.has(name)) url.searchParams.append(name, value);
  for (const [name, value] of utm) if (!own.has(`utm_${name}`)) url.searchParams.set(`utm_${name}`, value!);
  return url.href;
}

/** The variant of a bucket (0 to 99): the variants take the buckets in order, each its weight's worth. */
export function variantOf(variants: ReadonlyArray<{ weight: number }>, bucket: number): number {
  let end = 0;
  for (const [index, variant] of variants.entries()) {
    end += variant.weight;
    if (bucket < end) return index;
  }
  return variants.length - 1;
}

/**
 * Where a scan goes: outside the code's schedule or past its cap, the fallback (or nowhere);
 * else the first rule that matches; else a variant, when the code has them; else its url. Query
 * forwarding and UTM tags apply to whatever is chosen, the fallback included.
 */
export function chooseDestination(code: DestinationRules, scan: ScanFacts): Destination {
  const finish = (url: string | null, reason: DestinationReason): Destination => ({ url: url === null ? null : withQuery(url, code, scan.query), reason });
  const fallback = code.fallback_url ?? null;
  if (code.starts_at && scan.at < Date.parse(code.starts_at)) return finish(fallback, { kind: "not_started" });
  if (code.expires_at && scan.at >= Date.parse(code.expires_at)) return finish(fallback, { kind: "expired" });
  if (code.capped && fallback !== null) return finish(fallback, { kind: "capped" });
  for (const [index, rule] of (code.rules ?? []).entries()) {
    if (matches(rule.when, scan)) return finish(rule.url, { kind: "rule", index });
  }
  if (code.variants && code.variants.length > 0) {
    const index = variantOf(code.variants, scan.bucket);
    return finish(code.variants[index]!.url, { kind: "variant", index });
  }
  return finish(code.url, { kind: "default" });
}
