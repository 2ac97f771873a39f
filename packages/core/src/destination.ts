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

export interface RoutingRule {
  when: RuleWhen;
  url: string;
}

/**
 * A code's redirect settings beside its url, as stored (only what is set) and as its KV record
 * carries them.
 */
export interface Routing {
  /** ISO 8601 times: outside [starts_at, expires_at) the scan goes to fallback_url, or nowhere. */
  starts_at?: string;
  expires_at?: string;
  fallback_url?: string;
  /** Once the code has counted this many scans (people), the fallback, or nowhere. */
  max_scans?: number;
  rules?: readonly RoutingRule[];
  /** Used when no rule matches; weights sum to 100. */
  variants?: ReadonlyArray<{ url: string; weight: number }>;
  /** Add the scan URL's query string to the destination (the destination's own values win). */
  forward_query?: boolean;
  /** utm_source, utm_medium, ... added unless the destination has them. */
  utm?: Partial<Record<"source" | "medium" | "campaign" | "term" | "content", string>>;
}

export interface DestinationRules extends Omit<Routing, "max_scans"> {
  /** The code's own destination: where a scan goes when nothing else applies. */
  url: string;
  /** Set once the code has counted its max_scans: from then on the fallback, or nowhere. */
  capped?: boolean;
}

/** What a scan brings that rules may look at. */
export interface ScanFacts {
  /** The scan's time, ms since the epoch. */
  at: number;
  country: string | null;
  /** The device type and OS of the visitor's user agent. Asked for only when a rule names one. */
  device: () => { device_type: "mobile" | "tablet" | "desktop" | null; os: string | null };
  /**
   * The visitor's languages, primary subtags lower-cased, in order of preference. Asked for only
   * when a rule names one.
   */
  languages: () => readonly string[];
  /** The scan URL's query string, with or without its "?". */
  query: string;
  /**
   * The visitor's bucket of the day, 0 to 99: which variant they get (the same all day). Asked
   * for only when a variant is chosen: it costs the redirector a hash.
   */
  bucket: () => number;
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
  /**
   * The URL chosen, with its UTM tags, before the scan's query string was forwarded onto it: what
   * analytics count the scan's destination by (one value per destination, not per query). The
   * same as url when nothing was forwarded.
   */
  base: string | null;
}

const weekdayAndMinute = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const MINUTE_MS = 60_000;
const MAX_ZONES = 500;

// Every zone's offset is a whole number of minutes today, so a zone's local weekday and minute
// hold for a whole UTC minute: each zone's answer is kept for the minute it was asked in, and a
// burst of scans asks the formatter once a minute rather than once a scan.
const lastMinute = new Map<string, { start: number; local: { weekday: number; minute: number } }>();

/** The ISO weekday and the minute of the day at `at` in `tz` (an unknown zone reads as UTC). */
export function localWeekdayMinute(at: number, tz: string | undefined): { weekday: number; minute: number } {
  const zone = tz ?? "UTC";
  const start = at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
  const kept = lastMinute.get(zone);
  if (kept !== undefined && kept.start === start) return kept.local;
  const local = formatWeekdayMinute(at, zone);
  if (lastMinute.size >= MAX_ZONES && kept === undefined) lastMinute.clear();
  lastMinute.set(zone, { start, local });
  return local;
}

function formatWeekdayMinute(at: number, zone: string): { weekday: number; minute: number } {
  let format = weekdayAndMinute.get(zone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    } catch {
      format = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
    if (weekdayAndMinute.size >= MAX_ZONES) weekdayAndMinute.clear();
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
  if (when.device_type || when.os) {
    const { device_type, os } = scan.device();
    if (when.device_type && (device_type === null || !when.device_type.includes(device_type))) return false;
    if (when.os && (os === null || !when.os.includes(os))) return false;
  }
  if (when.language && !scan.languages().some((l) => when.language!.includes(l))) return false;
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
 * Where a scan goes: outside the code's schedule or past its scan cap, the fallback (or nowhere);
 * else the first rule that matches; else a variant, when the code has them; else its url. Query
 * forwarding and UTM tags apply to whatever is chosen, the fallback included.
 */
export function chooseDestination(code: DestinationRules, facts: ScanFacts): Destination {
  // What rules may ask of the scan more than once is worked out once, when first asked.
  let device: ReturnType<ScanFacts["device"]> | undefined;
  let languages: readonly string[] | undefined;
  const scan: ScanFacts = { ...facts, device: () => (device ??= facts.device()), languages: () => (languages ??= facts.languages()) };
  const finish = (url: string | null, reason: DestinationReason): Destination => {
    if (url === null) return { url, reason, base: null };
    const base = withQuery(url, { utm: code.utm }, "");
    return { url: code.forward_query ? withQuery(base, { forward_query: true }, scan.query) : base, reason, base };
  };
  const fallback = code.fallback_url ?? null;
  if (code.starts_at && scan.at < Date.parse(code.starts_at)) return finish(fallback, { kind: "not_started" });
  if (code.expires_at && scan.at >= Date.parse(code.expires_at)) return finish(fallback, { kind: "expired" });
  if (code.capped) return finish(fallback, { kind: "capped" });
  for (const [index, rule] of (code.rules ?? []).entries()) {
    if (matches(rule.when, scan)) return finish(rule.url, { kind: "rule", index });
  }
  if (code.variants && code.variants.length > 0) {
    const index = variantOf(code.variants, scan.bucket());
    return finish(code.variants[index]!.url, { kind: "variant", index });
  }
  return finish(code.url, { kind: "default" });
}

/**
 * A visitor's bucket (0 to 99) for a code's variants: from the day's ip_hash (hex), so that one
 * visitor gets one variant all day, mixed with the code's id, so that a visitor's variants of two
 * codes are independent of each other.
 */
export function bucketOf(ipHash: string, codeId: string): number {
  let h = Number.parseInt(ipHash.slice(0, 8), 16) | 0;
  for (let i = 0; i < codeId.length; i++) h = Math.imul(h ^ codeId.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) % 100;
}

const MAX_LANGUAGES = 10;

/**
 * The primary language subtags of an Accept-Language header, most preferred first, each once:
 * "de-AT,de;q=0.9,en;q=0.8" → ["de", "en"]. Entries with q=0 (not acceptable) and "*" are left out.
 */
export function acceptedLanguages(header: string | null | undefined): string[] {
  if (!header) return [];
  const ranked: Array<{ tag: string; q: number; at: number }> = [];
  for (const [at, entry] of header.split(",").slice(0, 2 * MAX_LANGUAGES).entries()) {
    const [range, ...params] = entry.split(";");
    const tag = range!.trim().split("-")[0]!.toLowerCase();
    if (!/^[a-z]{2,8}$/.test(tag)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    ranked.push({ tag, q, at });
  }
  ranked.sort((a, b) => b.q - a.q || a.at - b.at);
  return [...new Set(ranked.map((r) => r.tag))].slice(0, MAX_LANGUAGES);
}

/** What the chooser reads of a code as D1 holds it (routing: its stored JSON). */
export function codeDestinationRules(code: { url: string; routing: string | null; capped_at: string | null }): DestinationRules {
  return { ...(code.routing === null ? {} : (JSON.parse(code.routing) as Routing)), url: code.url, capped: code.capped_at !== null };
}
