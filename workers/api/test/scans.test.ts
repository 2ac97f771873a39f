import { DAY_MS, startOfUtcDay, utcDate } from "@qr3/core";
import type { ScanRow } from "@qr3/schema";
import { beforeEach, describe, expect, it } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

let key: string;
let code: { id: string; short_code: string; workspace_id: string };

const row = (scanned_at: string, fields: Partial<ScanRow> = {}) => scanRow(code, scanned_at, fields);
const store = storeScans;

beforeEach(async () => {
  const seeded = await seedKey();
  key = seeded.key;
  const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com" } });
  code = { ...created.json.data, workspace_id: seeded.workspace.id };
});

describeAtClocks("GET /v1/codes/:id/scans", ({ now }) => {
  const today = startOfUtcDay(now);
  // Scans at the same time of day as far as noon, but never later today than now.
  const timeOfDay = Math.max(0, Math.min(12 * 3600_000, now - today - 60_000));
  const at = (daysAgo: number) => new Date(today - daysAgo * DAY_MS + timeOfDay).toISOString();
  const date = (daysAgo: number) => utcDate(today - daysAgo * DAY_MS);

  it("aggregates the window exactly as documented", async () => {
    const countries = { AT: 5, DE: 4, CH: 3, FR: 2, IT: 2, ES: 1, NL: 1, BE: 1, PL: 1 }; // 9 countries
    const rows: ScanRow[] = [];
    for (const [country, n] of Object.entries(countries)) {
      for (let i = 0; i < n; i++) rows.push(row(at(i % 3), { country }));
    }
    // Devices and OS on top of the same scans; nulls are left out of the top lists.
    rows.forEach((r, i) => {
      r.device_type = (["mobile", "mobile", "desktop", "tablet"] as const)[i % 4]!;
      r.os = ["iOS", "Android", "macOS", "Windows", "Linux", "ChromeOS", null][i % 7]!;
    });
    rows.push(row(at(0)), row(at(45)), row(at(400))); // one with nulls, two outside the window
    await store(rows);

    const res = await call(`/v1/codes/${code.id}/scans`, { key });
    expect(res.status).toBe(200);
    const data = res.json.data;
    // The documented fields, with the window, its periods and hours beside them.
    expect(Object.keys(data)).toEqual([
      "code_id",
      "short_code",
      "total_scans",
      "period_days",
      "from",
      "to",
      "tz",
      "granularity",
      "filters",
      "period_scans",
      "period_unique_scans",
      "bot_scans",
      "scans_by_day",
      "series",
      "scans_by_hour",
      "top_countries",
      "top_devices",
      "top_os",
      "top_browsers",
      "top_referers",
      "top_languages",
      "top_cities",
      "top_destinations",
    ]);
    expect(data.code_id).toBe(code.id);
    expect(data.short_code).toBe(code.short_code);
    expect(data.total_scans).toBe(23);
    expect(data.period_days).toBe(30);
    expect(data.period_scans).toBe(21);
    const perDay = [0, 1, 2].map((d) => rows.filter((r) => r.scanned_at.startsWith(date(d))).length);
    expect(data.scans_by_day).toEqual([
      { date: date(2), count: perDay[2], unique: 0 },
      { date: date(1), count: perDay[1], unique: 0 },
      { date: date(0), count: perDay[0], unique: 0 },
    ]);
    expect(data.top_countries).toEqual([
      { value: "AT", count: 5 },
      { value: "DE", count: 4 },
      { value: "CH", count: 3 },
      { value: "FR", count: 2 },
      { value: "IT", count: 2 },
      { value: "BE", count: 1 },
      { value: "ES", count: 1 },
      { value: "NL", count: 1 },
    ]);
    expect(data.top_devices).toEqual([
      { value: "mobile", count: 10 },
      { value: "desktop", count: 5 },
      { value: "tablet", count: 5 },
    ]);
    // Six OS values tie at 3 (the seventh is null and left out); ties sort by name, ignoring case.
    expect(data.top_os).toEqual(["Android", "ChromeOS", "iOS", "Linux", "macOS"].map((value) => ({ value, count: 3 })));
  });

  it("counts lifetime scans independently of the window and honours days", async () => {
    await store([row(at(0)), row(at(6)), row(at(7)), row(at(364)), row(at(365))]);
    const week = (await call(`/v1/codes/${code.id}/scans?days=7`, { key })).json.data;
    expect(week).toMatchObject({ total_scans: 5, period_days: 7, period_scans: 2 });
    expect(week.scans_by_day.map((d: { date: string }) => d.date)).toEqual([date(6), date(0)]);
    const today1 = (await call(`/v1/codes/${code.id}/scans?days=1`, { key })).json.data;
    expect(today1.period_scans).toBe(1);
    // A pro workspace keeps 90 days: a longer window simply holds fewer scans, even before the
    // purge has run.
    const year = (await call(`/v1/codes/${code.id}/scans?days=365`, { key })).json.data;
    expect(year).toMatchObject({ period_days: 365, period_scans: 3, total_scans: 5 });
    await store([row(at(89)), row(at(90))]);
    expect((await call(`/v1/codes/${code.id}/scans?days=365`, { key })).json.data.period_scans).toBe(4);
  });

  it("reports a business workspace's whole year", async () => {
    const business = await seedKey("business");
    const created = await call("/v1/codes", { method: "POST", key: business.key, body: { url: "https://example.com" } });
    code = { ...created.json.data, workspace_id: business.workspace.id };
    await store([row(at(0)), row(at(364)), row(at(365))]);
    const year = (await call(`/v1/codes/${code.id}/scans?days=365`, { key: business.key })).json.data;
    expect(year.period_scans).toBe(2);
  });

  it("answers an empty window for a code without scans", async () => {
    const data = (await call(`/v1/codes/${code.id}/scans`, { key })).json.data;
    expect(data).toMatchObject({ total_scans: 0, period_scans: 0, scans_by_day: [], top_countries: [], top_devices: [], top_os: [] });
  });

  it("leaves bots out unless include_bots=true, and says how many it left out", async () => {
    await store([row(at(0)), row(at(0), { is_bot: 1, country: "US" }), row(at(1), { is_bot: 1 })]);
    const people = (await call(`/v1/codes/${code.id}/scans`, { key })).json.data;
    expect(people).toMatchObject({ total_scans: 1, period_scans: 1, bot_scans: 2, top_countries: [] });
    const all = (await call(`/v1/codes/${code.id}/scans?include_bots=true`, { key })).json.data;
    expect(all).toMatchObject({ total_scans: 3, period_scans: 3, bot_scans: 0, top_countries: [{ value: "US", count: 1 }] });
  });
});

describe("GET /v1/codes/:id/scans: query parameters and access", () => {
  it.each([
    ["0", "days: must be at least 1"],
    ["366", "days: must be at most 365"],
    ["7.5", "days: must be a whole number"],
    ["-3", "days: must be a whole number"],
    ["abc", "days: must be a whole number"],
    ["", "days: must be a whole number"],
  ])("days=%j → 400 %s", async (days, message) => {
    const res = await call(`/v1/codes/${code.id}/scans?days=${days}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it("answers 404 for an unknown code", async () => {
    const res = await call("/v1/codes/qr_00000000000000000000000000/scans", { key });
    expect(res.status).toBe(404);
  });

  it.each([
    ["tz=Mars%2FOlympus", "tz: must be an IANA time zone name such as Europe/Vienna"],
    ["tz=", "tz: must not be empty"],
    ["include_bots=yes", 'include_bots: must be one of "true", "false"'],
  ])("answers 400 for ?%s", async (query, message) => {
    const res = await call(`/v1/codes/${code.id}/scans?${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(message);
  });

  it("answers a workspace's aggregation for its own id only", async () => {
    const other = await seedKey();
    expect((await call(`/v1/workspaces/${other.workspace.id}/scans`, { key })).status).toBe(404);
    const res = await call(`/v1/workspaces/${code.workspace_id}/scans?tz=Asia%2FKolkata`, { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ workspace_id: code.workspace_id, tz: "Asia/Kolkata", period_days: 30, top_codes: [] });
  });
});
