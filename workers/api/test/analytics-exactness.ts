// The aggregation, served from summaries, against the same figures counted from the raw rows:
// for time zones with whole-, half- and quarter-hour offsets and daylight-saving changes, with
// and without bots, after random redeliveries, with scans still waiting to be folded into the
// summaries, after a purge, and after a purge whose clock runs ahead of the read's and cuts into
// a month that the read takes whole; today and on the calendar's edges.
//
// The clocks are run in two test files (analytics-exactness-*.test.ts), half each, so that the
// two halves run at once.
//
// Across shards: the scans go to workspaces on every shard, and the very same scans (under other
// ids) to a twin of each workspace, all twins on shard 0 with one of the workspaces, as if in one
// database. Every answer must equal the raw rows' figures and its twin's answer, ids aside.
import { env } from "cloudflare:workers";
import { newId, retentionStart, shardDb, shardNumbers, startOfUtcDay } from "@qr3/core";
import { deletedSummaryPurges, expiredSummaryPurges, foldScans, purgeExpiredScans, rebuildSummaries, SCAN_ROW_SQL, shardRetentions, visitorHorizon, visitorPrune } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, type ScanRow } from "@qr3/schema";
import { beforeAll, expect, it, vi } from "vitest";
import { CLOCKS, describeAtClocks } from "../../../test/clocks.ts";
import { seededRandom } from "../../../test/random.ts";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

const DAY = 86_400_000;
const QUARTER = 900_000;
const ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/Vienna", "America/New_York", "Australia/Lord_Howe"];
const RETENTION = 90; // pro
const CODES_PER_WORKSPACE = 2;
const SINGLE_DATABASE = 0;
// Each test reads through eight workspaces on four shards: longer than vitest's default allows on a busy machine.
const LONG = 60_000;

type Case = [tz: string, days: number, includeBots: boolean];

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

/** The first instant of a local day, found by stepping through quarter hours (slow but obvious). */
function firstInstant(tz: string, date: string): number {
  let t = Date.parse(`${date}T00:00:00.000Z`) - 15 * 3600_000;
  while (localDay(tz, t) < date) t += QUARTER;
  return t;
}

function rank(counts: Map<string, number>, limit: number) {
  return [...counts.entries()]
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase()) || (a < b ? -1 : 1))
    .slice(0, limit)
    .map(([value, count]) => ({ value, count }));
}

const host = (referer: string | null) => (referer ? new URL(referer).hostname.toLowerCase() : null);

/** What the API should answer, counted from raw rows. */
function expected(rows: ScanRow[], codes: Code[], tz: string, days: number, includeBots: boolean, now: number, workspace: boolean) {
  const today = localDay(tz, now);
  const firstDate = new Date(Date.parse(`${today}T00:00:00.000Z`) - (days - 1) * DAY).toISOString().slice(0, 10);
  const start = Math.max(firstInstant(tz, firstDate), retentionStart(now, RETENTION));
  const inWindow = rows.filter((r) => Date.parse(r.scanned_at) >= start && Date.parse(r.scanned_at) <= now);
  const counted = inWindow.filter((r) => includeBots || r.is_bot === 0);
  const byDay = new Map<string, { count: number; visitors: Set<string> }>();
  for (const r of counted) {
    const d = localDay(tz, Date.parse(r.scanned_at));
    const e = byDay.get(d) ?? { count: 0, visitors: new Set() };
    e.count++;
    byDay.set(d, e);
  }
  for (const r of inWindow) {
    if (r.is_bot || !r.ip_hash) continue;
    const d = localDay(tz, Date.parse(r.scanned_at));
    const e = byDay.get(d) ?? { count: 0, visitors: new Set() };
    // The salt changes at UTC midnight: the same hash on two UTC days is two visitors.
    e.visitors.add(`${r.scanned_at.slice(0, 10)}:${r.ip_hash}`);
    byDay.set(d, e);
  }
  const scans_by_day = [...byDay.entries()]
    .filter(([, e]) => e.count > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([date, e]) => ({ date, count: e.count, unique: e.visitors.size }));
  const tops: Record<string, unknown> = {};
  for (const dim of DIMENSION_NAMES) {
    const counts = new Map<string, number>();
    for (const r of counted) {
      // These scans' query strings were not forwarded: each is counted by the URL it was sent to.
      const v = dim === "referer" ? host(r.referer) : dim === "destination" ? r.redirected_to : (r[dim] as string | null);
      if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    tops[DIMENSIONS[dim].field] = rank(counts, DIMENSIONS[dim].limit);
  }
  if (workspace) {
    const counts = new Map<string, number>();
    for (const r of counted) counts.set(r.code_id, (counts.get(r.code_id) ?? 0) + 1);
    tops.top_codes = rank(counts, 10).map((e) => ({ ...e, short_code: codes.find((c) => c.id === e.value)!.short_code }));
  }
  return {
    period_scans: counted.length,
    period_unique_scans: scans_by_day.reduce((s, d) => s + d.unique, 0),
    bot_scans: includeBots ? 0 : inWindow.filter((r) => r.is_bot).length,
    scans_by_day,
    ...tops,
  };
}

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

/** The harness under the clocks of one half (0: today and every other edge; 1: the rest). */
export function exactnessAtClocks(half: 0 | 1): void {
  describeAtClocks(
    "aggregation from summaries equals counting the raw rows, on every shard as in a single database",
    ({ now: NOW }) => {
      const random = seededRandom(20261126);
      const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
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
          country: pick(["AT", "DE", "CH", "US", null]),
          city: pick(["Vienna", "Graz", "Berlin", "zürich", "Zürich", null]),
          device_type: pick(["mobile", "mobile", "tablet", "desktop", null]),
          os: pick(["iOS", "Android", "macOS", "Windows", null]),
          browser: pick(["Safari", "Chrome", "Firefox", null]),
          referer: pick(["https://www.example.com/a", "https://news.example.org/x?y=1", "http://EXAMPLE.net/", null]),
          language: pick(["de", "en", "fr", null]),
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

      /**
       * Reads the cases through the API: case `c` in workspace `p` and its twin when `readBy(p, c)`
       * (by default half of the workspaces read a case, the other half the next one, to keep the
       * reads within a reasonable time), the workspace's aggregation and one of its codes' (the
       * codes in turn), each equal to the raw rows' figures and to the twin's answer.
       */
      async function compareAll(now: number, cases: Case[], readBy = (p: number, c: number) => (p + c) % 2 === 0) {
        vi.setSystemTime(now);
        const rows = new Map(await Promise.all(pairs.map(async (p) => [p.sharded.id, await stored(p.sharded)] as const)));
        const reads = cases.flatMap(([tz, days, includeBots], c) => {
          const query = `?days=${days}&tz=${encodeURIComponent(tz)}&include_bots=${includeBots}`;
          return pairs.flatMap(({ sharded, twin }, p) => {
            if (!readBy(p, c)) return [];
            const own = rows.get(sharded.id)!;
            const i = (c + p) % CODES_PER_WORKSPACE;
            const code = sharded.codes[i]!;
            return [
              {
                label: `${code.short_code} on shard ${sharded.shard} ${query}`,
                path: (ws: Workspace) => `/v1/codes/${ws.codes[i]!.id}/scans${query}`,
                want: () => expected(own.filter((r) => r.code_id === code.id), sharded.codes, tz, days, includeBots, now, false),
              },
              {
                label: `workspace on shard ${sharded.shard} ${query}`,
                path: (ws: Workspace) => `/v1/workspaces/${ws.id}/scans${query}`,
                want: () => expected(own, sharded.codes, tz, days, includeBots, now, true),
              },
            ].map((read) => ({ ...read, sharded, twin }));
          });
        });
        // All at once: the shards answer side by side, as they would in production.
        await Promise.all(
          reads.map(async ({ label, path, want, sharded, twin }) => {
            const [answer, twinAnswer] = await Promise.all([sharded, twin].map((ws) => call(path(ws), { key: ws.key })));
            expect([answer!.status, twinAnswer!.status], label).toEqual([200, 200]);
            expect(answer!.json.data, label).toMatchObject(want());
            expect(answer!.json.data, `${label}, against its twin in the single database`).toEqual(asOriginal(twinAnswer!.json.data));
          }),
        );
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
            [tz, 7, false],
            [tz, 30, true],
            [tz, 60, false],
          ],
          (p, c) => p === (c + z) % pairs.length,
        );
      }, LONG);

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
        ]);
        // And the other way round: a read ahead of the purge that ran last.
        await compareAll(cutoff + (RETENTION + 4) * DAY, [["UTC", 90, false]], () => true);
      }, LONG);

      it("rebuilding the summaries from the raw rows gives the very summaries that ingestion and the purges kept, on every shard", async () => {
        const snapshot = async (db: D1Database, scope: string) => {
          const out: Record<string, unknown[]> = {};
          for (const table of ["scan_days", "scan_quarters", "scan_dims", "scan_dim_months"]) {
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
    clocks.filter((_, i) => i % 2 === half),
  );
}
