// The aggregation, served from summaries, against the same figures counted from the raw rows:
// for time zones with whole-, half- and quarter-hour offsets and daylight-saving changes, with
// and without bots, after random redeliveries, with scans still waiting to be folded into the
// summaries, after a purge, and after a purge whose clock runs ahead of the read's and cuts into
// a month that the read takes whole; today and on the calendar's edges.
import { env } from "cloudflare:workers";
import { retentionStart, startOfUtcDay } from "@qr3/core";
import { deletedSummaryPurges, expiredSummaryPurges, foldScans, purgeExpiredScans } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, type ScanRow } from "@qr3/schema";
import { beforeAll, expect, it, vi } from "vitest";
import { CLOCKS, describeAtClocks } from "../../../test/clocks.ts";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

const DAY = 86_400_000;
const ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/Vienna", "America/New_York", "Australia/Lord_Howe"];
const RETENTION = 90; // pro

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Code = { id: string; short_code: string; workspace_id: string };

const dayFormat = new Map<string, Intl.DateTimeFormat>();
function localDay(tz: string, ms: number): string {
  let f = dayFormat.get(tz);
  if (!f) dayFormat.set(tz, (f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" })));
  return f.format(ms);
}

/** The first instant of a local day, found by stepping through quarter hours (slow but obvious). */
function firstInstant(tz: string, date: string): number {
  let t = Date.parse(`${date}T00:00:00.000Z`) - 15 * 3600_000;
  while (localDay(tz, t) < date) t += 900_000;
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
      const v = dim === "referer" ? host(r.referer) : (r[dim] as string | null);
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

const waiting = async () => (await env.DB.prepare("SELECT count(*) AS n FROM scan_tail").first<{ n: number }>())!.n;

/** The daily purge's steps at `now`, each run until it has nothing left, after folding what waits. */
async function purgeAt(now: number) {
  const dayStart = startOfUtcDay(now);
  await foldScans(env.DB);
  for (let n = 1; n > 0; ) n = await purgeExpiredScans(env.DB, dayStart, 5000);
  for (const step of [...expiredSummaryPurges(env.DB, dayStart, 5000), ...deletedSummaryPurges(env.DB, 5000)]) while ((await step.run()) > 0);
}

const clocks = [
  ...CLOCKS,
  // Where this harness began: a week after Europe's, a day after America's daylight-saving change.
  { name: "a day after America/New_York's fall-back day (2026-11-02T10:37:00.000Z)", now: Date.parse("2026-11-02T10:37:00.000Z") },
];

describeAtClocks(
  "aggregation from summaries equals counting the raw rows",
  ({ now: NOW }) => {
    const random = rng(20261126);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    let key: string;
    let workspaceId: string;
    const codes: Code[] = [];

    /** A scan of a random code with random values, at a random instant of [from, to). */
    function randomRow(from = NOW - 70 * DAY, to = NOW): ScanRow {
      const t = from + Math.floor(random() * (to - from));
      return scanRow(pick(codes), new Date(t).toISOString(), {
        country: pick(["AT", "DE", "CH", "US", null]),
        city: pick(["Vienna", "Graz", "Berlin", "zürich", "Zürich", null]),
        device_type: pick(["mobile", "mobile", "tablet", "desktop", null]),
        os: pick(["iOS", "Android", "macOS", "Windows", null]),
        browser: pick(["Safari", "Chrome", "Firefox", null]),
        referer: pick(["https://www.example.com/a", "https://news.example.org/x?y=1", "http://EXAMPLE.net/", null]),
        language: pick(["de", "en", "fr", null]),
        ip_hash: pick([null, ..."0123456789ab".split("").map((c) => c.repeat(64))]),
        is_bot: random() < 0.15 ? 1 : 0,
      });
    }

    const stored = async () => (await env.DB.prepare("SELECT * FROM scans WHERE workspace_id = ?1").bind(workspaceId).all<ScanRow>()).results;

    async function compareAll(now: number, cases: Array<[string, number, boolean]>) {
      vi.setSystemTime(now);
      const rows = await stored();
      for (const [tz, days, includeBots] of cases) {
        const query = `?days=${days}&tz=${encodeURIComponent(tz)}&include_bots=${includeBots}`;
        for (const code of codes) {
          const res = await call(`/v1/codes/${code.id}/scans${query}`, { key });
          expect(res.status).toBe(200);
          expect(res.json.data, `${code.short_code} ${query}`).toMatchObject(
            expected(rows.filter((r) => r.code_id === code.id), codes, tz, days, includeBots, now, false),
          );
        }
        const ws = await call(`/v1/workspaces/${workspaceId}/scans${query}`, { key });
        expect(ws.status).toBe(200);
        expect(ws.json.data, `workspace ${query}`).toMatchObject(expected(rows, codes, tz, days, includeBots, now, true));
      }
    }

    beforeAll(async () => {
      const seeded = await seedKey("pro");
      key = seeded.key;
      workspaceId = seeded.workspace.id;
      for (let i = 0; i < 3; i++) {
        const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com" } });
        codes.push({ ...created.json.data, workspace_id: workspaceId });
      }
      const rows = Array.from({ length: 1500 }, () => randomRow());
      // Random redeliveries: a third of the rows come again, in other batches and orders.
      const again = rows.filter(() => random() < 0.33);
      const all = [...rows, ...again].sort(() => random() - 0.5);
      // Folded now and then, as the consumer does under load, and never after the last batches: the
      // first reads find scans still waiting, which they must count.
      for (let i = 0; i < all.length; i += 100) await storeScans(all.slice(i, i + 100), { fold: i + 100 < all.length && random() < 0.3 });
      await storeScans(again.slice(0, 150), { fold: false });
      expect(await waiting()).toBeGreaterThan(0);
    });

    it("stored every scan once", async () => {
      const rows = await stored();
      expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
      const totals = await call(`/v1/codes/${codes[0]!.id}`, { key });
      expect(totals.json.data.total_scans).toBe(rows.filter((r) => r.code_id === codes[0]!.id && !r.is_bot).length);
    });

    it.each(ZONES)("in %s", async (tz) => {
      await compareAll(NOW, [
        [tz, 1, false],
        [tz, 7, false],
        [tz, 30, true],
        [tz, 60, false],
      ]);
    });

    it("after a purge forty days later, which folds the scans still waiting first", async () => {
      const later = NOW + 40 * DAY;
      // New scans, some already past retention by then (late redeliveries), wait in the tail when
      // the purge begins, together with redeliveries of stored ones; the purge folds them first.
      const late = Array.from({ length: 300 }, () => randomRow());
      await storeScans([...late, ...(await stored()).slice(0, 100)], { fold: false });
      expect(await waiting()).toBe(300);
      await purgeAt(later);
      const oldest = (await stored()).map((r) => r.scanned_at).sort()[0]!;
      expect(Date.parse(oldest)).toBeGreaterThanOrEqual(retentionStart(later, RETENTION));
      await compareAll(later, [
        ["UTC", 60, false],
        ["Asia/Kathmandu", 60, true],
        ["America/St_Johns", 60, false],
      ]);
    });

    it("after a purge whose clock is ahead of the read's, cutting into a month that the read takes whole", async () => {
      // A read at `read` over 60 days takes the month after its first day's month whole (one
      // row per value); the purge, running ten days into that month's retention ahead of the
      // read, deletes that month's first ten days.
      const read = NOW + 45 * DAY;
      await storeScans(Array.from({ length: 400 }, () => randomRow(NOW, read)));
      const firstDay = new Date(startOfUtcDay(read) - 59 * DAY);
      const wholeMonth = Date.UTC(firstDay.getUTCFullYear(), firstDay.getUTCMonth() + 1, 1);
      const cutoff = wholeMonth + 10 * DAY;
      await purgeAt(cutoff + (RETENTION - 1) * DAY);
      const kept = (await stored()).map((r) => r.scanned_at).sort();
      expect(Date.parse(kept[0]!)).toBeGreaterThanOrEqual(cutoff);
      expect(kept.filter((t) => t.slice(0, 7) === new Date(cutoff).toISOString().slice(0, 7)).length).toBeGreaterThan(0);
      await compareAll(read, [
        ["UTC", 60, false],
        ["UTC", 90, true],
        ["Europe/Vienna", 60, false],
        ["America/New_York", 30, true],
      ]);
      // And the other way round: a read ahead of the purge that ran last.
      await compareAll(cutoff + (RETENTION + 4) * DAY, [["UTC", 90, false]]);
    });

    it("rebuilding the summaries from the raw rows gives the very summaries that ingestion and the purges kept", async () => {
      const { rebuildSummaries } = await import("@qr3/db");
      const snapshot = async (scope: string) => {
        const out: Record<string, unknown[]> = {};
        for (const table of ["scan_days", "scan_quarters", "scan_dims", "scan_dim_months", "scan_visitors"]) {
          out[table] = (await env.DB.prepare(`SELECT * FROM ${table} WHERE scope = ?1 ORDER BY 1, 2, 3, 4`).bind(scope).all()).results;
        }
        return out;
      };
      for (const scope of [codes[1]!.id, workspaceId]) {
        const incremental = await snapshot(scope);
        await rebuildSummaries(env.DB, scope);
        const rebuilt = await snapshot(scope);
        // Zero rows are harmless leftovers of moved first/last visits; compare what counts.
        const nonZero = (rows: unknown[]) => rows.filter((r) => Object.values(r as object).some((v) => typeof v === "number" && v !== 0));
        for (const table of Object.keys(incremental)) expect(nonZero(rebuilt[table]!), `${scope} ${table}`).toEqual(nonZero(incremental[table]!));
      }
    });
  },
  clocks,
);
