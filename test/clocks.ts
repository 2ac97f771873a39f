// The clocks that date-sensitive tests run under: today, as the real clock reads it when the test
// file loads, and the calendar's edges (a month's first, sixth and last day, the year's last,
// a leap day and the daylight-saving changes of Europe/Vienna and America/New_York). Each edge is
// the next one after today, so that what a test writes with it lies in the future (KV refuses
// expirations in its past) and the list holds on whatever day the suite runs.
//
// A test runs under a clock with vitest's fake Date, frozen at the clock's instant: the workers
// under test run in the test's isolate and read the same Date, so a block never straddles a
// midnight. Only Date is faked: timers, KV, D1 and queues run as usual.
import { beforeAll, afterAll, describe, vi } from "vitest";

export interface Clock {
  name: string;
  now: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

const utc = (y: number, m: number, d: number, time = "00:00:00") =>
  Date.parse(`${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}T${time}.000Z`);

/** The first of `candidates(year, month)` after `after`, trying month after month. */
function next(after: number, candidate: (y: number, m: number) => number | null): number {
  const start = new Date(after);
  for (let i = 0; i < 12 * 8; i++) {
    const y = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + i) / 12);
    const m = ((start.getUTCMonth() + i) % 12) + 1;
    const t = candidate(y, m);
    if (t !== null && t > after) return t;
  }
  throw new Error("no such day within eight years");
}

const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetMinutes(tz: string, t: number): number {
  let format = offsetFormats.get(tz);
  if (!format) offsetFormats.set(tz, (format = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" })));
  const name = format.formatToParts(t).find((p) => p.type === "timeZoneName")!.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** The next two offset changes of `tz` after `after`, an hour past each (still on the change's day). */
function dstChanges(tz: string, after: number): [number, number] {
  const changes: number[] = [];
  for (let t = Math.floor(after / HOUR) * HOUR; changes.length < 2 && t < after + 400 * DAY; t += HOUR) {
    if (offsetMinutes(tz, t) !== offsetMinutes(tz, t + HOUR)) changes.push(t + 2 * HOUR);
  }
  return changes as [number, number];
}

const springFirst = (tz: string, changes: [number, number]) => {
  const gainsHour = (t: number) => offsetMinutes(tz, t) > offsetMinutes(tz, t - 2 * HOUR);
  return gainsHour(changes[0]) ? changes : ([changes[1], changes[0]] as [number, number]);
};

export function calendarEdges(after: number): Clock[] {
  const [viennaSpring, viennaAutumn] = springFirst("Europe/Vienna", dstChanges("Europe/Vienna", after));
  const [newYorkSpring, newYorkAutumn] = springFirst("America/New_York", dstChanges("America/New_York", after));
  const edges: Array<[string, number]> = [
    ["a month's 1st, 00:00:30 UTC", next(after, (y, m) => utc(y, m, 1, "00:00:30"))],
    ["a month's 6th", next(after, (y, m) => utc(y, m, 6, "09:30:00"))],
    ["a month's last day, 23:59:30 UTC", next(after, (y, m) => (m === 12 ? null : utc(y, m, lastDay(y, m), "23:59:30")))],
    ["31 December", next(after, (y, m) => (m === 12 ? utc(y, 12, 31, "23:59:30") : null))],
    ["29 February", next(after, (y, m) => (m === 2 && lastDay(y, 2) === 29 ? utc(y, 2, 29, "12:00:00") : null))],
    ["Europe/Vienna's spring-forward day", viennaSpring],
    ["Europe/Vienna's fall-back day", viennaAutumn],
    ["America/New_York's spring-forward day", newYorkSpring],
    ["America/New_York's fall-back day", newYorkAutumn],
  ];
  return edges.map(([name, now]) => ({ name: `${name} (${new Date(now).toISOString()})`, now }));
}

export const TODAY: Clock = { name: `today (${new Date().toISOString()})`, now: Date.now() };

/** Today first, then the calendar's edges. */
export const CLOCKS: Clock[] = [TODAY, ...calendarEdges(TODAY.now)];

/** Freezes Date at `now` until `vi.useRealTimers()`. */
export function freezeClock(now: number): void {
  vi.useFakeTimers({ toFake: ["Date"], now });
}

/** `body` once under each clock, Date frozen at the clock's instant for the whole block. */
export function describeAtClocks(title: string, body: (clock: Clock) => void, clocks: Clock[] = CLOCKS): void {
  describe.each(clocks)(`${title}, at $name`, (clock) => {
    beforeAll(() => freezeClock(clock.now));
    afterAll(() => {
      vi.useRealTimers();
    });
    body(clock);
  });
}
