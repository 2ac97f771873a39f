// The aggregation, served from summaries, against the same figures counted from the raw rows:
// for time zones with whole-, half- and quarter-hour offsets and daylight-saving changes, with
// and without bots, after random redeliveries, with scans still waiting to be folded into the
// summaries, after a purge, and after a purge whose clock runs ahead of the read's and cuts into
// a month that the read takes whole; today and on the calendar's edges.
//
// And every parameter of the aggregations: by days or from/to (ranges before today, from the
// retention's first local date, from alone, ranges starting or ending on a daylight-saving change
// or across a year's end), the series by day, ISO week and month, the scans by weekday and hour,
// compare=previous, filters on one dimension or several (values repeated, referer hosts,
// destinations, regions, a value no scan has), and the tag aggregation (a tag on some codes of
// each workspace, unique visitors summed over its codes, the codes carrying it changing). Each
// clock draws its own combinations from a seeded generator, every kind about as often.
//
// The clocks are run in three test files (analytics-exactness-*.test.ts), a third each, so that
// the three run at once.
//
// Across shards: the scans go to workspaces on every shard, and the very same scans (under other
// ids) to a twin of each workspace, all twins on shard 0 with one of the workspaces, as if in one
// database. Every answer must equal the raw rows' figures and its twin's answer, ids aside.
import { env } from "cloudflare:workers";
import { newId, retentionStart, shardDb, shardNumbers, startOfUtcDay } from "@qr3/core";
import { deletedSummaryPurges, expiredSummaryPurges, foldScans, purgeExpiredScans, rebuildSummaries, SCAN_ROW_SQL, shardRetentions, visitorHorizon, visitorPrune } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, TOP_CODES_LIMIT, type ScanRow } from "@qr3/schema";
import { API_LIMITS, type FilterDimension, type Granularity } from "@qr3/schema/api";
import { beforeAll, expect, it, vi } from "vitest";
import { CLOCKS, describeAtClocks } from "../../../test/clocks.ts";
import { seededRandom } from "../../../test/random.ts";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const QUARTER = 900_000;
const ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/Vienna", "America/New_York", "Australia/Lord_Howe"];
const RETENTION = 90; // pro
const CODES_PER_WORKSPACE = 3;
/** The tags of each workspace's codes, by their place in id order, at first (some codes of a workspace carry a tag, some none). */
const FIRST_TAGS: string[][] = [["spring"], ["spring", "print"], []];
const SINGLE_DATABASE = 0;
// Each test reads through eight workspaces on four shards: longer than vitest's default allows on a busy machine.
const LONG = 60_000;

type Case = [tz: string, days: number, includeBots: boolean];

type Filters = Partial<Record<FilterDimension, string[]>>;

/** A read's query: by `days`, or by from (and to); with a granularity, compare=previous and filters when given. */
export interface Query {
  tz: string;
  includeBots: boolean;
  days?: number;
  from?: string;
  to?: string;
  granularity?: Granularity;
  compare?: boolean;
  /** As given in the query string: a value may come twice. */
  filters?: Filters;
  /** Also read this tag's aggregation (GET /v1/tags/:tag/scans). */
  tag?: string;
  /** What the case is about, for its label. */
  note?: string;
}

const asQuery = (c: Case | Query): Query => (Array.isArray(c) ? { tz: c[0], days: c[1], includeBots: c[2] } : c);

export function queryString(q: Query): string {
  const params = new URLSearchParams();
  if (q.days !== undefined) params.append("days", String(q.days));
  if (q.from !== undefined) params.append("from", q.from);
  if (q.to !== undefined) params.append("to", q.to);
  params.append("tz", q.tz);
  params.append("include_bots", String(q.includeBots));
  if (q.granularity) params.append("granularity", q.granularity);
  if (q.compare) params.append("compare", "previous");
  for (const [dim, values] of Object.entries(q.filters ?? {})) for (const v of values!) params.append(dim, v);
  return `?${params}`;
}

type Code = { id: string; short_code: string; workspace_id: string };

interface Workspace {
  id: string;
  key: string;
  shard: number;
  db: D1Database;
  /** In the order of their ids, as the answers break ties. */
  codes: Code[];
}

/** A workspace on some shard, and its twin on the single database's shard. */
interface Pair {
  sharded: Workspace;
  twin: Workspace;
}

const dayFormat = new Map<string, Intl.DateTimeFormat>();
function localDay(tz: string, ms: number): string {
  let f = dayFormat.get(tz);
  if (!f) dayFormat.set(tz, (f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })));
  return f.format(ms);
}

const hourFormat = new Map<string, Intl.DateTimeFormat>();
/** The local hour (0-23) of an instant, as a wall clock in `tz` shows it. */
function localHour(tz: string, ms: number): number {
  let f = hourFormat.get(tz);
  if (!f) hourFormat.set(tz, (f = new Intl.DateTimeFormat("en-US", { timeZone: tz, hour: "numeric", hourCycle: "h23" })));
  return Number(f.formatToParts(ms).find((p) => p.type === "hour")!.value);
}

const offsetFormat = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset at an instant, by name ("GMT+10:30"). */
function offsetName(tz: string, ms: number): string {
  let f = offsetFormat.get(tz);
  if (!f) offsetFormat.set(tz, (f = new Intl.DateTimeFormat("en-US", { timeZone: tz, timeZoneName: "longOffset" })));
  return f.formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
}

/** The first instant of a local day, found by stepping through quarter hours (slow but obvious). */
function firstInstant(tz: string, date: string): number {
  let t = Date.parse(`${date}T00:00:00.000Z`) - 15 * 3600_000;
  while (localDay(tz, t) < date) t += QUARTER;
  return t;
}

/** The date `n` days after `date` (before, when negative). */
const addDate = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00.000Z`) + n * DAY).toISOString().slice(0, 10);
/** Days from `a` to `b`. */
const daysBetween = (a: string, b: string) => Math.round((Date.parse(`${b}T00:00:00.000Z`) - Date.parse(`${a}T00:00:00.000Z`)) / DAY);
/** ISO weekday of a date: 1 is Monday, 7 Sunday. */
const weekday = (date: string) => ((new Date(`${date}T00:00:00.000Z`).getUTCDay() + 6) % 7) + 1;

function rank(counts: Map<string, number>, limit: number) {
  return [...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

const host = (referer: string | null) => (referer ? new URL(referer).hostname.toLowerCase() : null);

/** A scan's value in a dimension: the referer by its host, the destination by the URL it was sent to. */
function valueOf(r: ScanRow, dim: FilterDimension): string | null {
  // These scans' query strings were not forwarded: each is counted by the URL it was sent to.
  if (dim === "referer") return host(r.referer);
  if (dim === "destination") return r.redirected_to;
  return r[dim] as string | null;
}

/** Whether a scan passes every filter (any of a filter's values). */
const passes = (filters: Filters) => (r: ScanRow) => Object.entries(filters).every(([dim, values]) => values!.includes(valueOf(r, dim as FilterDimension) as string));

/** The filters as the answer echoes them: each given one's distinct values, in their order. */
const echoOf = (filters: Filters = {}) => Object.fromEntries(Object.entries(filters).map(([dim, values]) => [dim, [...new Set(values)]]));

/** The local dates a query reads, first and last, and how many. */
function datesOf(q: Query, now: number) {
  const today = localDay(q.tz, now);
  const from = q.from ?? addDate(today, 1 - (q.days ?? 30));
  const to = q.from !== undefined ? (q.to ?? today) : today;
  return { from, to, days: daysBetween(from, to) + 1 };
}

/**
 * The scans of the local dates from..to, never before the retention's start nor after now; each
 * day's count and distinct visitors (per code and day when `perCode`, as a tag sums its codes').
 */
function figures(rows: ScanRow[], tz: string, from: string, to: string, includeBots: boolean, now: number, perCode: boolean) {
  const start = Math.max(firstInstant(tz, from), retentionStart(now, RETENTION));
  const end = firstInstant(tz, addDate(to, 1));
  const inWindow = rows.filter((r) => {
    const t = Date.parse(r.scanned_at);
    return t >= start && t < end && t <= now;
  });
  const counted = inWindow.filter((r) => includeBots || r.is_bot === 0);
  const byDay = new Map<string, { count: number; visitors: Set<string> }>();
  const entry = (d: string) => {
    let e = byDay.get(d);
    if (!e) byDay.set(d, (e = { count: 0, visitors: new Set() }));
    return e;
  };
  for (const r of counted) entry(localDay(tz, Date.parse(r.scanned_at))).count++;
  for (const r of inWindow) {
    if (r.is_bot || !r.ip_hash) continue;
    // The salt changes at UTC midnight: the same hash on two UTC days is two visitors.
    entry(localDay(tz, Date.parse(r.scanned_at))).visitors.add(`${perCode ? `${r.code_id}:` : ""}${r.scanned_at.slice(0, 10)}:${r.ip_hash}`);
  }
  const scans_by_day = [...byDay.entries()]
    .filter(([, e]) => e.count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, e]) => ({ date, count: e.count, unique: e.visitors.size }));
  return {
    inWindow,
    counted,
    period_scans: counted.length,
    period_unique_scans: scans_by_day.reduce((s, d) => s + d.unique, 0),
    bot_scans: includeBots ? 0 : inWindow.filter((r) => r.is_bot).length,
    scans_by_day,
  };
}

/** The periods of a granularity over the days: each starts on its first date inside the window. */
function seriesOf(days: { date: string; count: number; unique: number }[], from: string, granularity: Granularity) {
  const periods = new Map<string, { start: string; count: number; unique: number }>();
  for (const d of days) {
    const first = granularity === "day" ? d.date : granularity === "week" ? addDate(d.date, 1 - weekday(d.date)) : `${d.date.slice(0, 7)}-01`;
    const start = first < from ? from : first;
    const p = periods.get(start) ?? { start, count: 0, unique: 0 };
    p.count += d.count;
    p.unique += d.unique;
    periods.set(start, p);
  }
  return [...periods.values()].filter((p) => p.count > 0).sort((a, b) => (a.start < b.start ? -1 : 1));
}

function hoursOf(tz: string, counted: ScanRow[]) {
  const cells = new Map<number, number>();
  for (const r of counted) {
    const t = Date.parse(r.scanned_at);
    const key = weekday(localDay(tz, t)) * 100 + localHour(tz, t);
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return [...cells.entries()].sort(([a], [b]) => a - b).map(([key, count]) => ({ weekday: Math.floor(key / 100), hour: key % 100, count }));
}

const change = (cur: number, prev: number) => (prev === 0 ? null : Math.round(((cur - prev) / prev) * 10000) / 10000);

type Kind = "code" | "workspace" | "tag";

/**
 * What the API should answer, counted from raw rows: the rows of the code, of the workspace or of
 * the tag's codes; `codes` are those that top_codes may name.
 */
function expected(rows: ScanRow[], codes: Code[], q: Query, now: number, kind: Kind) {
  const { tz, includeBots } = q;
  const granularity = q.granularity ?? "day";
  const { from, to, days } = datesOf(q, now);
  const matching = rows.filter(passes(q.filters ?? {}));
  const perCode = kind === "tag";
  const { inWindow: _, counted, ...current } = figures(matching, tz, from, to, includeBots, now, perCode);
  const tops: Record<string, unknown> = {};
  for (const dim of DIMENSION_NAMES) {
    const counts = new Map<string, number>();
    for (const r of counted) {
      const v = valueOf(r, dim);
      if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    tops[DIMENSIONS[dim].field] = rank(counts, DIMENSIONS[dim].limit);
  }
  if (kind !== "code") {
    const counts = new Map<string, number>();
    for (const r of counted) counts.set(r.code_id, (counts.get(r.code_id) ?? 0) + 1);
    tops.top_codes = rank(counts, TOP_CODES_LIMIT).map((e) => ({ ...e, short_code: codes.find((c) => c.id === e.value)!.short_code }));
  }
  const answer: Record<string, unknown> = {
    period_days: days,
    from,
    to,
    tz,
    granularity,
    ...current,
    series: seriesOf(current.scans_by_day, from, granularity),
    scans_by_hour: hoursOf(tz, counted),
    ...tops,
  };
  if (q.compare) {
    const before = { from: addDate(from, -days), to: addDate(from, -1) };
    const { period_scans, period_unique_scans, scans_by_day } = figures(matching, tz, before.from, before.to, includeBots, now, perCode);
    answer.previous = { ...before, period_scans, period_unique_scans, scans_by_day };
    answer.change = { period_scans: change(current.period_scans, period_scans), period_unique_scans: change(current.period_unique_scans, period_unique_scans) };
  }
  return answer;
}

/** The values the seeded scans take (besides null), and so what the filters ask for. */
const VALUES = {
  country: ["AT", "DE", "CH", "US"],
  region: ["Vienna", "Styria", "Bavaria", "Zurich", "New York"],
  city: ["Vienna", "Graz", "Berlin", "zürich", "Zürich"],
  device_type: ["mobile", "mobile", "tablet", "desktop"],
  os: ["iOS", "Android", "macOS", "Windows"],
  browser: ["Safari", "Chrome", "Firefox"],
  // Hosts in upper case, a path and a query, an app's referer (not a special scheme: its host is not lowered by URL).
  referer: ["https://www.example.com/a", "https://WWW.Example.com/b?c=d", "https://news.example.org/x?y=1", "http://EXAMPLE.net/", "android-app://com.google.android.gm/"],
  language: ["de", "en", "fr"],
  destination: ["https://example.com", "https://example.com/spring", "https://shop.example.org/menu?utm_source=qr&utm_medium=print"],
} satisfies Record<FilterDimension, string[]>;

/** What a filter may ask for: the seeded values, the referers by host. */
const { values_max } = API_LIMITS.stats_filter;
const FILTER_VALUES: Record<FilterDimension, string[]> = {
  ...VALUES,
  device_type: [...new Set(VALUES.device_type)],
  referer: [...new Set(VALUES.referer.map((r) => host(r)!))],
};

/** The daily purge's steps at `now` on every shard, each run until it has nothing left, after folding what waits. */
async function purgeAt(now: number) {
  const dayStart = startOfUtcDay(now);
  for (const shard of shardNumbers(env)) {
    const db = shardDb(env, shard);
    const retentions = await shardRetentions(env.CONTROL, shard);
    await foldScans(db);
    for (let n = 1; n > 0; ) n = await purgeExpiredScans(db, retentions, dayStart, 5000);
    for (const step of [...expiredSummaryPurges(db, retentions, dayStart, 5000), ...deletedSummaryPurges(db, 5000)]) while ((await step.run()) > 0);
  }
}

/** A workspace with its codes, created through the API. */
async function workspaceOn(shard: number, name: string): Promise<Workspace> {
  const { key, workspace } = await seedKey("pro", name, shard);
  const codes: Code[] = [];
  for (let i = 0; i < CODES_PER_WORKSPACE; i++) {
    const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com" } });
    codes.push({ ...created.json.data, workspace_id: workspace.id });
  }
  codes.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { id: workspace.id, key, shard, db: workspace.db, codes };
}

const clocks = [
  ...CLOCKS,
  // Where this harness began: a week after Europe's, a day after America's daylight-saving change.
  { name: "a day after America/New_York's fall-back day (2026-11-02T10:37:00.000Z)", now: Date.parse("2026-11-02T10:37:00.000Z") },
];

/** The harness under the clocks of one part of `parts` (0: today and every `parts`-th edge after it; 1: the next ones; ...). */
export function exactnessAtClocks(part: number, parts: number): void {
  describeAtClocks(
    "aggregation from summaries equals counting the raw rows, on every shard as in a single database",
    ({ now: NOW }) => {
      const random = seededRandom(20261126);
      const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
      // The combinations of parameters draw from a generator of their own, seeded by the clock's
      // place: each clock samples other ones, and the scans stay those of every clock.
      const combos = seededRandom(20261202 + 7919 * clocks.findIndex((c) => c.now === NOW));
      const pairs: Pair[] = [];
      const codes = () => pairs.flatMap((p) => p.sharded.codes);
      const shardedOf = (workspaceId: string) => pairs.find((p) => p.sharded.id === workspaceId)!.sharded;

      // The twin of each id (code, short code, workspace, scan), and back.
      const twinOf = new Map<string, string>();
      const originalOf = new Map<string, string>();
      const twin = (id: string, make: () => string) => {
        let other = twinOf.get(id);
        if (other === undefined) {
          twinOf.set(id, (other = make()));
          originalOf.set(other, id);
        }
        return other;
      };
      const twinRow = (r: ScanRow): ScanRow => ({
        ...r,
        id: twin(r.id, () => newId("scn", Date.parse(r.scanned_at))),
        code_id: twinOf.get(r.code_id)!,
        workspace_id: twinOf.get(r.workspace_id)!,
      });
      /** A twin's answer with the ids of its original. */
      const asOriginal = (data: unknown) => {
        let text = JSON.stringify(data);
        for (const [other, id] of originalOf) text = text.replaceAll(`"${other}"`, `"${id}"`);
        return JSON.parse(text);
      };

      /** Stores rows in their workspaces' shards and the same scans in the twins, folded alike. */
      const store = (rows: ScanRow[], options?: { fold?: boolean }) => storeScans([...rows, ...rows.map(twinRow)], options);

      /**
       * A scan of a random code with random values, at a random instant of [from, to); `fields`
       * fixes some (`code` picks the code).
       */
      function randomRow(from = NOW - 70 * DAY, to = NOW, { code = pick(codes()), ...fields }: Partial<ScanRow> & { code?: Code } = {}): ScanRow {
        const t = from + Math.floor(random() * (to - from));
        return scanRow(code, new Date(t).toISOString(), {
          country: pick([...VALUES.country, null]),
          region: pick([...VALUES.region, null]),
          city: pick([...VALUES.city, null]),
          device_type: pick([...VALUES.device_type, null]) as ScanRow["device_type"],
          os: pick([...VALUES.os, null]),
          browser: pick([...VALUES.browser, null]),
          referer: pick([...VALUES.referer, null]),
          language: pick([...VALUES.language, null]),
          redirected_to: pick(VALUES.destination),
          ip_hash: pick([null, ..."0123456789ab".split("").map((c) => c.repeat(64))]),
          is_bot: random() < 0.15 ? 1 : 0,
          ...fields,
        });
      }

      const stored = async (ws: Workspace) => (await ws.db.prepare(`SELECT ${SCAN_ROW_SQL} FROM scans WHERE workspace_id = ?1`).bind(ws.id).all<ScanRow>()).results;
      const storedAll = async () => (await Promise.all(pairs.map((p) => stored(p.sharded)))).flat();

      /** The workspaces' scans waiting in their shards' tails. */
      const waiting = async () => {
        let n = 0;
        for (const { sharded } of pairs) n += (await sharded.db.prepare("SELECT count(*) AS n FROM scan_tail WHERE workspace_id = ?1").bind(sharded.id).first<number>("n"))!;
        return n;
      };

      /** The tags of the workspaces' codes, by their place in id order: alike in every workspace and its twin. */
      const tagsAt: string[][] = FIRST_TAGS.map(() => []);
      /** Sets the tags of every workspace's code at `index`, and its twin's, through the API. */
      async function tagCodes(index: number, tags: string[]) {
        for (const { sharded, twin } of pairs) {
          for (const ws of [sharded, twin]) {
            const res = await call(`/v1/codes/${ws.codes[index]!.id}`, { method: "PATCH", key: ws.key, body: { tags } });
            expect(res.status, JSON.stringify(res.json)).toBe(200);
            expect(res.json.data.tags).toEqual(tags);
          }
        }
        tagsAt[index] = tags;
      }
      /** The codes of a workspace now carrying `tag`. */
      const taggedCodes = (ws: Workspace, tag: string) => ws.codes.filter((_, i) => tagsAt[i]!.includes(tag));
      /** A tag's lifetime total: its codes' counters, as the codes' own aggregations answer them. */
      async function tagTotal(ws: Workspace, tag: string, includeBots: boolean) {
        let total = 0;
        for (const code of taggedCodes(ws, tag)) {
          const row = (await ws.db.prepare("SELECT total_scans, bot_scans FROM codes WHERE id = ?1").bind(code.id).first<{ total_scans: number; bot_scans: number }>())!;
          total += row.total_scans + (includeBots ? row.bot_scans : 0);
        }
        return total;
      }

      /**
       * Reads the cases through the API: case `c` in workspace `p` and its twin when `readBy(p, c)`
       * (by default half of the workspaces read a case, the other half the next one, to keep the
       * reads within a reasonable time), the workspace's aggregation, one of its codes' (the codes
       * in turn) and the case's tag's if it names one, each equal to the raw rows' figures and to
       * the twin's answer.
       */
      async function compareAll(now: number, cases: Array<Case | Query>, readBy = (p: number, c: number) => (p + c) % 2 === 0) {
        vi.setSystemTime(now);
        const rows = new Map(await Promise.all(pairs.map(async (p) => [p.sharded.id, await stored(p.sharded)] as const)));
        const reads = cases.map(asQuery).flatMap((q, c) => {
          const query = queryString(q);
          const note = q.note ? ` (${q.note})` : "";
          return pairs.flatMap(({ sharded, twin }, p) => {
            if (!readBy(p, c)) return [];
            const own = rows.get(sharded.id)!;
            const i = (c + p) % CODES_PER_WORKSPACE;
            const code = sharded.codes[i]!;
            const reads = [
              {
                label: `${code.short_code} on shard ${sharded.shard} ${query}${note}`,
                path: (ws: Workspace) => `/v1/codes/${ws.codes[i]!.id}/scans${query}`,
                want: async () => expected(own.filter((r) => r.code_id === code.id), sharded.codes, q, now, "code"),
              },
              {
                label: `workspace on shard ${sharded.shard} ${query}${note}`,
                path: (ws: Workspace) => `/v1/workspaces/${ws.id}/scans${query}`,
                want: async () => expected(own, sharded.codes, q, now, "workspace"),
              },
            ];
            const tag = q.tag;
            if (tag !== undefined) {
              reads.push({
                label: `tag ${tag} (${taggedCodes(sharded, tag).length} codes) on shard ${sharded.shard} ${query}${note}`,
                path: () => `/v1/tags/${encodeURIComponent(tag)}/scans${query}`,
                want: async () => {
                  const codes = taggedCodes(sharded, tag);
                  const ids = new Set(codes.map((c) => c.id));
                  const want = expected(
                    own.filter((r) => ids.has(r.code_id)),
                    codes,
                    q,
                    now,
                    "tag",
                  );
                  // The lifetime total does not depend on the window; with filters the contract names no other.
                  return { tag, code_count: codes.length, ...(q.filters ? {} : { total_scans: await tagTotal(sharded, tag, q.includeBots) }), ...want };
                },
              });
            }
            return reads.map((read) => ({ ...read, q, sharded, twin }));
          });
        });
        // All at once: the shards answer side by side, as they would in production.
        return Promise.all(
          reads.map(async ({ label, path, want, q, sharded, twin }) => {
            const [answer, twinAnswer] = await Promise.all([sharded, twin].map((ws) => call(path(ws), { key: ws.key })));
            expect([answer!.status, twinAnswer!.status], `${label}: ${JSON.stringify(answer!.json?.error ?? twinAnswer!.json?.error ?? null)}`).toEqual([200, 200]);
            const data = answer!.json.data;
            const wanted = await want();
            expect(data, label).toMatchObject(wanted);
            // What toMatchObject lets pass: extra filters, a comparison not asked for.
            expect(data.filters, `${label}: filters`).toEqual(echoOf(q.filters));
            if (!q.compare) expect([data.previous, data.change], `${label}: no comparison asked for`).toEqual([undefined, undefined]);
            expect(data, `${label}, against its twin in the single database`).toEqual(asOriginal(twinAnswer!.json.data));
            return wanted.period_scans as number;
          }),
        );
      }

      const int = (lo: number, hi: number) => lo + Math.floor(combos() * (hi - lo + 1));
      /** `n` of the values, each about as often as the others (from a random one on), in a random order. */
      const spread = <T,>(values: readonly T[], n: number): T[] => {
        const first = Math.floor(combos() * values.length);
        const out = Array.from({ length: n }, (_, i) => values[(first + i) % values.length]!);
        for (let i = out.length - 1; i > 0; i--) {
          const j = Math.floor(combos() * (i + 1));
          [out[i], out[j]] = [out[j]!, out[i]!];
        }
        return out;
      };
      /** Distinct values a filter may ask for. */
      const some = (dim: FilterDimension, n: number) => spread(FILTER_VALUES[dim], FILTER_VALUES[dim].length).slice(0, n);

      /** The local dates of `tz` in from..to on which its offset changes. */
      function offsetChangeDays(tz: string, from: string, to: string): string[] {
        const days = new Set<string>();
        const end = firstInstant(tz, addDate(to, 1));
        for (let t = firstInstant(tz, from); t + HOUR < end; t += HOUR) {
          if (offsetName(tz, t) !== offsetName(tz, t + HOUR)) days.add(localDay(tz, t + HOUR));
        }
        return [...days];
      }

      type WindowKind = "days" | "a range before today" | "from only" | "from the retention's first date" | "a range starting or ending on a daylight-saving change" | "a range across a year's end";
      const WINDOW_KINDS: WindowKind[] = ["days", "a range before today", "from only", "from the retention's first date", "a range starting or ending on a daylight-saving change", "a range across a year's end"];

      /** A window of that kind in `tz` at `now`, never before the retention's first local date nor after today; null if the calendar has none. */
      function windowOf(kind: WindowKind, tz: string, now: number): Pick<Query, "days" | "from" | "to"> | null {
        const today = localDay(tz, now);
        const first = localDay(tz, retentionStart(now, RETENTION));
        switch (kind) {
          case "days":
            return { days: [1, 7, 14, 30, 60, 90, 120][int(0, 6)] };
          case "a range before today": {
            const to = addDate(today, -int(1, 30));
            return { from: addDate(to, -int(0, Math.min(40, daysBetween(first, to)))), to };
          }
          case "from only":
            return { from: addDate(today, -int(0, 60)) };
          case "from the retention's first date":
            return combos() < 0.5 ? { from: first } : { from: first, to: addDate(first, int(0, daysBetween(first, today))) };
          case "a range starting or ending on a daylight-saving change": {
            const changes = offsetChangeDays(tz, first, today);
            if (changes.length === 0) return null;
            const d = changes[int(0, changes.length - 1)]!;
            const r = combos();
            if (r < 0.2) return { from: d, to: d };
            if (r < 0.6) return { from: d, to: addDate(d, int(0, Math.min(20, daysBetween(d, today)))) };
            return { from: addDate(d, -int(0, Math.min(20, daysBetween(first, d)))), to: d };
          }
          case "a range across a year's end": {
            const jan1 = `${today.slice(0, 4)}-01-01`;
            if (!(first < jan1)) return null;
            return { from: addDate(jan1, -int(1, Math.min(20, daysBetween(first, jan1)))), to: addDate(jan1, int(0, Math.min(20, daysBetween(jan1, today)))) };
          }
        }
      }

      const FILTERS: Array<[note: string, filters: () => Filters]> = [
        ["no filter", () => ({})],
        ["a country", () => ({ country: some("country", 1) })],
        [
          "countries repeated, one of them twice",
          () => {
            const [a, b] = some("country", 2);
            return { country: [a!, b!, a!] };
          },
        ],
        ["a referer host", () => ({ referer: some("referer", 1) })],
        ["two referer hosts and a country", () => ({ referer: some("referer", 2), country: some("country", 1) })],
        ["a destination", () => ({ destination: some("destination", 1) })],
        ["regions", () => ({ region: some("region", 2) })],
        ["a region, a destination and a language", () => ({ region: some("region", 1), destination: some("destination", 2), language: some("language", 1) })],
        ["device, OS and language", () => ({ device_type: some("device_type", 1), os: some("os", 2), language: some("language", 1) })],
        ["cities and a browser", () => ({ city: some("city", 2), browser: some("browser", 1) })],
        ["a value no scan has", () => ({ country: ["JP"] })],
        [
          "six dimensions, each given as often as allowed: more values than one statement binds",
          () => {
            const all = (dim: FilterDimension) => {
              const values = some(dim, values_max);
              return [...values, ...Array.from({ length: values_max - values.length }, (_, i) => `none-${i}`)];
            };
            return { country: all("country"), city: all("city"), device_type: all("device_type"), os: all("os"), browser: all("browser"), language: all("language") };
          },
        ],
      ];

      /**
       * `n` random combinations of the new parameters at `now`: every kind of window, granularity,
       * comparison, filter and tag about as often, in random zones, with and without bots.
       */
      function paramCases(now: number, n: number): Query[] {
        const kinds = spread(WINDOW_KINDS, n);
        const zones = spread(ZONES, n);
        const bots = spread([false, true], n);
        const granularities = spread(["week", "month", "week", "month", "day", undefined] as const, n);
        const compares = spread([true, false], n);
        const filters = spread(FILTERS, n);
        const tags = spread(["spring", "print", undefined], n);
        return Array.from({ length: n }, (_, i) => {
          let tz = zones[i]!;
          let kind = kinds[i]!;
          let window = windowOf(kind, tz, now);
          // A daylight-saving change or a year's end in another zone, if not in this one; else another window.
          for (const other of ZONES) {
            if (window) break;
            window = windowOf(kind, (tz = other), now);
          }
          if (!window) window = windowOf((kind = "a range before today"), (tz = zones[i]!), now)!;
          const [note, filter] = filters[i]!;
          const f = filter();
          return {
            tz,
            includeBots: bots[i]!,
            ...window,
            ...(granularities[i] ? { granularity: granularities[i] } : {}),
            ...(compares[i] ? { compare: true } : {}),
            ...(Object.keys(f).length ? { filters: f } : {}),
            ...(tags[i] ? { tag: tags[i] } : {}),
            note: `${kind}; ${note}`,
          };
        });
      }

      beforeAll(async () => {
        for (const shard of shardNumbers(env)) {
          const sharded = await workspaceOn(shard, `Sharded ${shard}`);
          const other = await workspaceOn(SINGLE_DATABASE, `Twin of ${shard}`);
          twin(sharded.id, () => other.id);
          sharded.codes.forEach((code, i) => {
            twin(code.id, () => other.codes[i]!.id);
            twin(code.short_code, () => other.codes[i]!.short_code);
          });
          pairs.push({ sharded, twin: other });
        }
        for (const [i, tags] of FIRST_TAGS.entries()) if (tags.length > 0) await tagCodes(i, tags);
        const rows = Array.from({ length: 1500 }, () => randomRow());
        // Random redeliveries: a third of the rows come again, in other batches and orders.
        const again = rows.filter(() => random() < 0.33);
        const all = [...rows, ...again].sort(() => random() - 0.5);
        // Folded now and then, as the consumer does under load, and never after the last batches: the
        // first reads find scans still waiting, which they must count.
        for (let i = 0; i < all.length; i += 100) await store(all.slice(i, i + 100), { fold: i + 100 < all.length && random() < 0.3 });
        await store(again.slice(0, 150), { fold: false });
        expect(await waiting()).toBeGreaterThan(0);
      }, LONG);

      it("stored every scan once, in its workspace's shard and in its twin's", async () => {
        for (const { sharded, twin } of pairs) {
          const rows = await stored(sharded);
          expect(rows.length).toBeGreaterThan(0);
          expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
          expect((await stored(twin)).map((r) => r.id).sort()).toEqual(rows.map((r) => twinOf.get(r.id)!).sort());
          const code = sharded.codes[0]!;
          const totals = await call(`/v1/codes/${code.id}`, { key: sharded.key });
          expect(totals.json.data.total_scans).toBe(rows.filter((r) => r.code_id === code.id && !r.is_bot).length);
        }
      }, LONG);

      it.each(ZONES)("in %s", async (tz) => {
        // Each window by one workspace, by the next one in the next zone: over the zones, every
        // workspace reads every window.
        const z = ZONES.indexOf(tz);
        await compareAll(
          NOW,
          [
            [tz, 1, false],
            { tz, days: 7, includeBots: false, compare: true, tag: "spring" },
            { tz, days: 30, includeBots: true, granularity: "month" },
            { tz, days: 60, includeBots: false, granularity: "week" },
          ],
          (p, c) => p === (c + z) % pairs.length,
        );
      }, LONG);

      it("with from/to ranges, weeks and months, the previous period, filters and tags, in random combinations; a tag's codes changing", async () => {
        // Each case by one workspace, the next case by the next one.
        const counted = await compareAll(NOW, paramCases(NOW, 10), (p, c) => p === c % pairs.length);
        // Not a comparison of empty answers: most reads count scans.
        expect(counted.filter((n) => n > 0).length).toBeGreaterThan(counted.length / 2);
        // A tag counts the codes that carry it now: the first code loses its tag, the untagged one gains both.
        await tagCodes(0, []);
        await tagCodes(2, ["spring", "print"]);
        await compareAll(
          NOW,
          paramCases(NOW, 3).map((q, i) => ({ ...q, tag: i % 2 ? "spring" : "print" })),
          (p, c) => p === (c + 1) % pairs.length,
        );
      }, 2 * LONG);

      it("with part of the scans not folded yet: visitors seen on a folded day and new ones, at the first and last quarter hours of UTC days", async () => {
        // What waits is folded, as the consumer does; everything stored below then waits.
        for (const shard of shardNumbers(env)) await foldScans(shardDb(env, shard));
        expect(await waiting()).toBe(0);
        const folded = await storedAll();
        const seenVisitors = folded.filter((r) => r.ip_hash !== null && r.is_bot === 0);
        const dayEdge = (day: number): [number, number] => (random() < 0.5 ? [day, day + QUARTER] : [day + DAY - QUARTER, day + DAY]);
        const rows: ScanRow[] = [];
        // A visitor seen on a folded day comes again that UTC day (never after now), at any time or
        // at one of its ends, by the same code or another of the workspace: no new visitor, but the
        // visit's first or last quarter hour may move.
        for (let i = 0; i < 120; i++) {
          const seen = pick(seenVisitors);
          const day = startOfUtcDay(Date.parse(seen.scanned_at));
          const [from, to] = random() < 0.5 ? [day, day + DAY] : dayEdge(day);
          if (from > NOW) continue;
          rows.push(randomRow(from, Math.min(to, NOW), { code: pick(shardedOf(seen.workspace_id).codes), ip_hash: seen.ip_hash, is_bot: 0 }));
        }
        // New visitors, whom no summary knows yet.
        const newcomers = "cdef".split("").map((c) => c.repeat(64));
        for (let i = 0; i < 80; i++) rows.push(randomRow(undefined, undefined, { ip_hash: pick(newcomers) }));
        // The first and last quarter hours of UTC days, today's included as far as now.
        for (let i = 0; i < 100; i++) {
          const [from, to] = dayEdge(startOfUtcDay(NOW) - Math.floor(random() * 70) * DAY);
          if (from <= NOW) rows.push(randomRow(from, Math.min(to, NOW)));
        }
        // And the quarter hour that holds now.
        for (let i = 0; i < 10; i++) rows.push(randomRow(Math.floor(NOW / QUARTER) * QUARTER, NOW));
        // Redeliveries of folded scans count nothing again.
        await store([...rows, ...folded.filter(() => random() < 0.05)].sort(() => random() - 0.5), { fold: false });
        expect(await waiting()).toBe(rows.length);
        await compareAll(NOW, [
          ["UTC", 1, false],
          ["UTC", 60, true],
          ["Asia/Kathmandu", 7, false],
          ["America/St_Johns", 30, false],
          ["Australia/Lord_Howe", 60, true],
          ["Asia/Kolkata", 1, true],
          ...paramCases(NOW, 2),
        ]);
      }, LONG);

      it("after the visitor rows of older days were pruned: late scans of visitors seen on those days, and new ones", async () => {
        // The daily run's visitor prune, as of now: only the last VISITOR_DAYS days keep their rows.
        const horizon = visitorHorizon(NOW);
        for (const shard of shardNumbers(env)) {
          const prune = visitorPrune(shardDb(env, shard), horizon, 500);
          while ((await prune.run()) === 500);
        }
        expect(await waiting()).toBe(0);
        for (const shard of shardNumbers(env)) {
          expect(await shardDb(env, shard).prepare("SELECT count(*) AS n FROM scan_visitors WHERE day < ?1").bind(horizon).first<number>("n")).toBe(0);
        }
        const folded = await storedAll();
        const before = folded.filter((r) => r.ip_hash !== null && r.is_bot === 0 && r.scanned_at < horizon);
        expect(before.length).toBeGreaterThan(50);
        const rows: ScanRow[] = [];
        // A visitor of a pruned day comes again that day, by the same code or another of its
        // workspace, at any time or at one of the day's ends, so that its first or last quarter may move.
        for (let i = 0; i < 150; i++) {
          const seen = pick(before);
          const day = startOfUtcDay(Date.parse(seen.scanned_at));
          const [from, to] = random() < 0.5 ? [day, day + DAY] : random() < 0.5 ? [day, day + QUARTER] : [day + DAY - QUARTER, day + DAY];
          rows.push(randomRow(from, to, { code: pick(shardedOf(seen.workspace_id).codes), ip_hash: seen.ip_hash, is_bot: 0 }));
        }
        // New visitors on pruned days, some of them twice in this batch.
        const newcomers = "0123".split("").map((c) => `${c}e`.repeat(32));
        for (let i = 0; i < 60; i++) rows.push(randomRow(NOW - 60 * DAY, Date.parse(horizon), { ip_hash: pick(newcomers), is_bot: 0 }));
        // Half of it stored and folded, the other half left waiting; with redeliveries of both.
        rows.sort(() => random() - 0.5);
        const half = rows.length >> 1;
        await store(rows.slice(0, half));
        await store([...rows.slice(half), ...rows.slice(0, 20)], { fold: false });
        expect(await waiting()).toBe(rows.length - half);
        await compareAll(NOW, [
          ["UTC", 60, false],
          ["Asia/Kathmandu", 30, true],
          ["America/St_Johns", 60, false],
          ...paramCases(NOW, 2),
        ]);
      }, LONG);

      it("after a purge forty days later, which folds the scans still waiting first", async () => {
        const later = NOW + 40 * DAY;
        // New scans, some already past retention by then (late redeliveries), wait in the tail when
        // the purge begins, together with redeliveries of stored ones; the purge folds them first.
        const late = Array.from({ length: 300 }, () => randomRow());
        const before = await waiting();
        await store([...late, ...(await storedAll()).slice(0, 100)], { fold: false });
        expect(await waiting()).toBe(before + late.length);
        await purgeAt(later);
        expect(await waiting()).toBe(0);
        const oldest = (await storedAll()).map((r) => r.scanned_at).sort()[0]!;
        expect(Date.parse(oldest)).toBeGreaterThanOrEqual(retentionStart(later, RETENTION));
        await compareAll(later, [
          ["UTC", 60, false],
          ["Asia/Kathmandu", 60, true],
          ["America/St_Johns", 60, false],
          ...paramCases(later, 2),
        ]);
      }, LONG);

      it("after a purge whose clock is ahead of the read's, cutting into a month that the read takes whole", async () => {
        // A read at `read` over 60 days takes the month after its first day's month whole (one
        // row per value); the purge, running ten days into that month's retention ahead of the
        // read, deletes that month's first ten days.
        const read = NOW + 45 * DAY;
        await store(Array.from({ length: 400 }, () => randomRow(NOW, read)));
        const firstDay = new Date(startOfUtcDay(read) - 59 * DAY);
        const wholeMonth = Date.UTC(firstDay.getUTCFullYear(), firstDay.getUTCMonth() + 1, 1);
        const cutoff = wholeMonth + 10 * DAY;
        await purgeAt(cutoff + (RETENTION - 1) * DAY);
        const kept = (await storedAll()).map((r) => r.scanned_at).sort();
        expect(Date.parse(kept[0]!)).toBeGreaterThanOrEqual(cutoff);
        expect(kept.filter((t) => t.slice(0, 7) === new Date(cutoff).toISOString().slice(0, 7)).length).toBeGreaterThan(0);
        await compareAll(read, [
          ["UTC", 60, false],
          ["UTC", 90, true],
          ["Europe/Vienna", 60, false],
          ["America/New_York", 30, true],
          ...paramCases(read, 2),
        ]);
        // And the other way round: a read ahead of the purge that ran last.
        await compareAll(cutoff + (RETENTION + 4) * DAY, [["UTC", 90, false]], () => true);
      }, LONG);

      it("rebuilding the summaries from the raw rows gives the very summaries that ingestion and the purges kept, on every shard", async () => {
        const snapshot = async (db: D1Database, scope: string) => {
          const out: Record<string, unknown[]> = {};
          for (const table of ["scan_days", "scan_quarters", "scan_dims", "scan_dim_months", "scan_hour_months"]) {
            out[table] = (await db.prepare(`SELECT * FROM ${table} WHERE scope = ?1 ORDER BY 1, 2, 3, 4`).bind(scope).all()).results;
          }
          // Visitor rows of days before the horizon are pruned, and rebuilt only for a late scan.
          out.scan_visitors = (
            await db
              .prepare("SELECT * FROM scan_visitors WHERE scope = ?1 AND day >= (SELECT day FROM visitor_horizon) ORDER BY 1, 2, 3")
              .bind(scope)
              .all()
          ).results;
          return out;
        };
        for (const { sharded } of pairs) {
          for (const scope of [sharded.codes[1]!.id, sharded.id]) {
            const incremental = await snapshot(sharded.db, scope);
            await rebuildSummaries(sharded.db, scope);
            const rebuilt = await snapshot(sharded.db, scope);
            // Zero rows are harmless leftovers of moved first/last visits; compare what counts.
            const nonZero = (rows: unknown[]) => rows.filter((r) => Object.values(r as object).some((v) => typeof v === "number" && v !== 0));
            for (const table of Object.keys(incremental)) {
              expect(nonZero(rebuilt[table]!), `${scope} on shard ${sharded.shard}: ${table}`).toEqual(nonZero(incremental[table]!));
            }
          }
        }
      }, LONG);
    },
    clocks.filter((_, i) => i % parts === part),
  );
}
