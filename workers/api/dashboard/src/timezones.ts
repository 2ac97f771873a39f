// Local dates in IANA time zones, for the analytics window and its export.

const DAY_MS = 86_400_000;

/** The browser's own zone, or UTC when the browser cannot tell. */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** A short list for the selector: the browser's zone first, then UTC and some common ones. */
export function zoneChoices(): string[] {
  const common = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Vienna",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
  ];
  return [...new Set([browserZone(), ...common])];
}

function partsIn(tz: string, instant: number): Record<string, number> {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  return Object.fromEntries(parts.filter((p) => p.type !== "literal").map((p) => [p.type, Number(p.value)]));
}

const pad = (n: number | undefined, width = 2) => String(n ?? 0).padStart(width, "0");

/** YYYY-MM-DD of a UTC midnight in ms. */
export const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Today's local date in `tz`. */
export function todayIn(tz: string, now = Date.now()): string {
  const p = partsIn(tz, now);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The last `days` local dates in `tz`, today included, oldest first. */
export function windowDates(tz: string, days: number, now = Date.now()): string[] {
  const today = Date.parse(`${todayIn(tz, now)}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => isoDate(today - (days - 1 - i) * DAY_MS));
}

/** How far `tz` is ahead of UTC at `instant`, in ms. */
function offsetAt(tz: string, instant: number): number {
  const p = partsIn(tz, instant);
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local date starts in `tz`. */
export function localMidnight(tz: string, date: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const first = wall - offsetAt(tz, wall);
  return wall - offsetAt(tz, first);
}

/** The wall time "YYYY-MM-DDTHH:MM" (a datetime-local input's value) of an instant in `tz`. */
export function wallTimeIn(tz: string, instant: number): string {
  const p = partsIn(tz, instant);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad((p.hour ?? 0) % 24)}:${pad(p.minute)}`;
}

/** The instant of a wall time "YYYY-MM-DDTHH:MM" in `tz`; NaN when it is no such time. */
export function instantOfWallTime(tz: string, wallTime: string): number {
  const wall = Date.parse(/T\d\d:\d\d$/.test(wallTime) ? `${wallTime}:00Z` : `${wallTime}Z`);
  if (Number.isNaN(wall)) return NaN;
  const first = wall - offsetAt(tz, wall);
  return wall - offsetAt(tz, first);
}

/** The date `n` days after `date` (before, for a negative n). */
export const addDays = (date: string, n: number) => isoDate(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS);

/** Days from `a` to `b`: 0 for the same date. */
export const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

/**
 * The first date of each period from `from` to `to`: every date for days; `from` and each Monday
 * after it for weeks; `from` and each first of a month after it for months. These are the starts
 * the API's series uses, so periods without scans, which it leaves out, can be drawn as zeros.
 */
export function periodStarts(from: string, to: string, granularity: "day" | "week" | "month"): string[] {
  const starts: string[] = [];
  for (let d = from, i = 0; d <= to; d = addDays(d, 1), i++) {
    const day = new Date(`${d}T00:00:00Z`);
    if (i === 0 || granularity === "day" || (granularity === "week" ? day.getUTCDay() === 1 : day.getUTCDate() === 1)) starts.push(d);
  }
  return starts;
}
