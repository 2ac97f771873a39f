// The aggregation, served from summaries, against the same figures counted from the raw rows:
// for time zones with whole-, half- and quarter-hour offsets and daylight-saving changes, with
// and without bots, after random redeliveries, with scans still waiting to be folded into the
// summaries, and again after a purge.
import { env } from "cloudflare:workers";
import { retentionStart } from "@qr3/core";
import { deletedSummaryPurges, expiredSummaryPurges, foldScans, purgeExpiredScans } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, type ScanRow } from "@qr3/schema";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

const NOW = Date.parse("2026-11-02T10:37:00.000Z"); // a week after Europe's, a day after America's DST change
const DAY = 86_400_000;
const ZONES = ["UTC", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "Europe/Vienna", "America/New_York", "Australia/Lord_Howe"];

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20261126);
const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;

let key: string;
let workspaceId: string;
const codes: Array<{ id: string; short_code: string; workspace_id: string }> = [];

function randomRow(code: (typeof codes)[number]): ScanRow {
  const t = NOW - Math.floor(random() * 70 * DAY);
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
  });
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
function expected(rows: ScanRow[], tz: string, days: number, includeBots: boolean, retentionDays: number, now: number, workspace: boolean) {
  const today = localDay(tz, now);
  const firstDate = new Date(Date.parse(`${today}T00:00:00.000Z`) - (days - 1) * DAY).toISOString().slice(0, 10);
  const start = Math.max(firstInstant(tz, firstDate), retentionStart(now, retentionDays));
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

const stored = async () => (await env.DB.prepare("SELECT * FROM scans WHERE workspace_id = ?1").bind(workspaceId).all<ScanRow>()).results;

async function compareAll(now: number, retentionDays: number, cases: Array<[string, number, boolean]>) {
  vi.setSystemTime(now);
  const rows = await stored();
  for (const [tz, days, includeBots] of cases) {
    const query = `?days=${days}&tz=${encodeURIComponent(tz)}&include_bots=${includeBots}`;
    for (const code of codes) {
      const res = await call(`/v1/codes/${code.id}/scans${query}`, { key });
      expect(res.status).toBe(200);
      expect(res.json.data, `${code.short_code} ${query}`).toMatchObject(
        expected(rows.filter((r) => r.code_id === code.id), tz, days, includeBots, retentionDays, now, false),
      );
    }
    const ws = await call(`/v1/workspaces/${workspaceId}/scans${query}`, { key });
    expect(ws.status).toBe(200);
    expect(ws.json.data, `workspace ${query}`).toMatchObject(expected(rows, tz, days, includeBots, retentionDays, now, true));
  }
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  const seeded = await seedKey("pro");
  key = seeded.key;
  workspaceId = seeded.workspace.id;
  for (let i = 0; i < 3; i++) {
    const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com", short_code: `exact${i}` } });
    codes.push({ ...created.json.data, workspace_id: workspaceId });
  }
  const rows = Array.from({ length: 1500 }, () => randomRow(pick(codes)));
  // Random redeliveries: a third of the rows come again, in other batches and orders.
  const again = rows.filter(() => random() < 0.33);
  const all = [...rows, ...again].sort(() => random() - 0.5);
  // Folded now and then, as the consumer does under load, and never after the last batches: the
  // first reads find scans still waiting, which they must count.
  for (let i = 0; i < all.length; i += 100) await storeScans(all.slice(i, i + 100), { fold: i + 100 < all.length && random() < 0.3 });
  await storeScans(again.slice(0, 150), { fold: false });
  expect(await waiting()).toBeGreaterThan(0);
});

const waiting = async () => (await env.DB.prepare("SELECT count(*) AS n FROM scan_tail").first<{ n: number }>())!.n;

afterAll(() => vi.useRealTimers());

describe("aggregation from summaries equals counting the raw rows", () => {
  it("stored every scan once", async () => {
    const rows = await stored();
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    const totals = await call(`/v1/codes/${codes[0]!.id}`, { key });
    expect(totals.json.data.total_scans).toBe(rows.filter((r) => r.code_id === codes[0]!.id && !r.is_bot).length);
  });

  it.each(ZONES)("in %s", async (tz) => {
    await compareAll(NOW, 90, [
      [tz, 1, false],
      [tz, 7, false],
      [tz, 30, true],
      [tz, 60, false],
    ]);
  });

  it("after a purge forty days later, which folds the scans still waiting first", async () => {
    const later = NOW + 40 * DAY;
    const dayStart = Math.floor(later / DAY) * DAY;
    // New scans, some already past retention by then (late redeliveries), wait in the tail when
    // the purge begins, together with redeliveries of stored ones; the cron folds them first.
    const late = Array.from({ length: 300 }, () => randomRow(pick(codes)));
    await storeScans([...late, ...(await stored()).slice(0, 100)], { fold: false });
    expect(await waiting()).toBe(300);
    await foldScans(env.DB);
    for (let n = 1; n > 0; ) n = await purgeExpiredScans(env.DB, dayStart, 5000);
    for (const step of [...expiredSummaryPurges(env.DB, dayStart, 5000), ...deletedSummaryPurges(env.DB, 5000)]) while ((await step()) > 0);
    const oldest = (await stored()).map((r) => r.scanned_at).sort()[0]!;
    expect(Date.parse(oldest)).toBeGreaterThanOrEqual(retentionStart(later, 90));
    await compareAll(later, 90, [
      ["UTC", 60, false],
      ["Asia/Kathmandu", 60, true],
      ["America/St_Johns", 60, false],
    ]);
  });
});

describe("rebuilding summaries from the raw rows", () => {
  it("gives the very summaries that ingestion kept", async () => {
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
      // Zero rows are harmless leftovers of moved first/last visits; compare what counts. The month
      // holding the retention's start still counts scans purged since (reads never use it whole).
      const firstWholeMonth = new Date(retentionStart(NOW + 40 * DAY, 90) + 31 * DAY).toISOString().slice(0, 7);
      const nonZero = (rows: unknown[]) =>
        rows.filter((r) => Object.values(r as object).some((v) => typeof v === "number" && v !== 0) && !((r as { month?: string }).month! < firstWholeMonth));
      for (const table of Object.keys(incremental)) expect(nonZero(rebuilt[table]!), `${scope} ${table}`).toEqual(nonZero(incremental[table]!));
    }
  });
});
