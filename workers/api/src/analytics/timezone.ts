import { addDays, DAY_MS, utcDate } from "@qr3/core";
import { QUARTER_MS } from "@qr3/schema";

// Local dates in IANA time zones, from the runtime's own time zone data (Intl). Offsets are
// looked up per instant, so daylight-saving changes fall where they really do.

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's formatter, or null for a name the runtime does not know. */
function formatter(tz: string): Intl.DateTimeFormat | null {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" });
    } catch {
      return null;
    }
    formatters.set(tz, f);
  }
  return f;
}

export function isTimeZone(tz: string): boolean {
  return formatter(tz) !== null;
}

/** Offset from UTC at `ms`, in milliseconds ("GMT+05:45" → 20,700,000). */
export function offsetAt(tz: string, ms: number): number {
  const name = formatter(tz)!.formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
  const m = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(name);
  if (!m) return 0; // "GMT"
  const ms_ = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === "-" ? -ms_ : ms_;
}

/** The local date ("YYYY-MM-DD") of an instant. */
export function localDate(tz: string, ms: number): string {
  return utcDate(ms + offsetAt(tz, ms));
}

/** The first instant of a local date (its midnight, or the first moment after a skipped one). */
export function localMidnight(tz: string, date: string): number {
  const wall = Date.parse(`${date}T00:00:00.000Z`);
  let guess = wall - offsetAt(tz, wall);
  guess = wall - offsetAt(tz, guess);
  if (localDate(tz, guess) < date) {
    // Midnight did not exist that day (a daylight-saving jump at 00:00): step to the first quarter that does.
    while (localDate(tz, guess) < date) guess += QUARTER_MS;
  }
  return guess;
}

export function nextDate(date: string): string {
  return utcDate(addDays(Date.parse(`${date}T00:00:00.000Z`), 1));
}

export interface Segment {
  /** First quarter of the segment, inclusive. */
  from: number;
  /** Last quarter, exclusive. */
  to: number;
  /** The zone's offset throughout, in seconds. */
  offsetSeconds: number;
}

/** Splits the quarters [fromQ, toQ) into stretches of constant offset. */
export function constantOffsetSegments(tz: string, fromQ: number, toQ: number): Segment[] {
  const off = (q: number) => offsetAt(tz, q * QUARTER_MS);
  const DAY = DAY_MS / QUARTER_MS;
  const segments: Segment[] = [];
  let start = fromQ;
  let offset = off(fromQ);
  for (let q = fromQ; q < toQ - 1; ) {
    const next = Math.min(q + DAY, toQ - 1);
    if (off(next) === offset) {
      q = next;
      continue;
    }
    // The offset changes in (q, next]: find the first quarter with the new one.
    let lo = q;
    let hi = next;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (off(mid) === offset) lo = mid;
      else hi = mid;
    }
    segments.push({ from: start, to: hi, offsetSeconds: offset / 1000 });
    start = hi;
    offset = off(hi);
    q = hi;
  }
  segments.push({ from: start, to: toQ, offsetSeconds: offset / 1000 });
  return segments;
}
