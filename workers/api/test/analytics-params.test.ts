// The analytics parameters' refusals, on the three aggregations (a code's, a workspace's, a tag's):
// each a 400 with the error envelope naming the parameter, and the edges just inside them
// answered. The figures themselves are checked in the exactness harness (analytics-exactness.ts).
import { retentionStart } from "@qr3/core";
import { API_LIMITS } from "@qr3/schema/api";
import { beforeAll, describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";

const DAY = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Today and the dates around it, in UTC (the default tz), read when each test runs. */
const today = () => date(Date.now());
const daysAgo = (n: number) => date(Date.now() - n * DAY);

type Target = { name: string; path: (query: string) => string; key: () => string };

let pro: { key: string; codeId: string; workspaceId: string };
let enterprise: { key: string; codeId: string; workspaceId: string };
let other: { key: string };

async function workspaceWithTaggedCode(plan: "pro" | "enterprise", tags: string[]) {
  const { key, workspace } = await seedKey(plan);
  const created = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com", tags } });
  expect(created.status).toBe(201);
  return { key, codeId: created.json.data.id as string, workspaceId: workspace.id };
}

beforeAll(async () => {
  pro = await workspaceWithTaggedCode("pro", ["spring"]);
  enterprise = await workspaceWithTaggedCode("enterprise", ["spring"]);
  other = { key: (await workspaceWithTaggedCode("pro", ["elsewhere"])).key };
});

const targets = (of: () => typeof pro): Target[] => [
  { name: "a code's", path: (q) => `/v1/codes/${of().codeId}/scans${q}`, key: () => of().key },
  { name: "a workspace's", path: (q) => `/v1/workspaces/${of().workspaceId}/scans${q}`, key: () => of().key },
  { name: "a tag's", path: (q) => `/v1/tags/spring/scans${q}`, key: () => of().key },
];

const refused = async (target: Target, query: string, field: RegExp | string) => {
  const res = await call(target.path(query), { key: target.key() });
  expect(res.status, `${target.name} ${query}: ${JSON.stringify(res.json)}`).toBe(400);
  expect(res.json.error.code).toBe("BAD_REQUEST");
  if (typeof field === "string") expect(res.json.error.message).toBe(field);
  else expect(res.json.error.message).toMatch(field);
  return res.json.error.message as string;
};

const answered = async (target: Target, query: string) => {
  const res = await call(target.path(query), { key: target.key() });
  expect(res.status, `${target.name} ${query}: ${JSON.stringify(res.json)}`).toBe(200);
  return res.json.data;
};

const { values_max, value_max } = API_LIMITS.stats_filter;
const { range_max } = API_LIMITS.stats_days;

describe.each(targets(() => pro))("%s aggregation refuses", (target) => {
  it.each<[string, () => string, RegExp | string]>([
    ["days with from", () => `?days=7&from=${daysAgo(3)}`, /^days: /],
    ["to without from", () => `?to=${daysAgo(1)}`, /^from: /],
    ["from after to", () => `?from=${daysAgo(1)}&to=${daysAgo(2)}`, /^from: /],
    ["to after today", () => `?from=${daysAgo(2)}&to=${date(Date.now() + DAY)}`, /^to: /],
    ["from after today, without to", () => `?from=${date(Date.now() + DAY)}`, /^(from|to): /],
    ["from before the retention's first date", () => `?from=${date(retentionStart(Date.now(), 90) - DAY)}`, /^from: /],
    ["a date not of the calendar", () => "?from=2026-02-30", "from: is not a date of the calendar"],
    ["a date not of the calendar, in to", () => `?from=${daysAgo(3)}&to=2026-02-30`, "to: is not a date of the calendar"],
    ["a date not as YYYY-MM-DD", () => "?from=2026-2-3", "from: must be a date as YYYY-MM-DD"],
    ["an unknown granularity", () => "?granularity=year", /^granularity: /],
    ["compare=foo", () => "?compare=foo", /^compare: /],
    ["a filter value too long", () => `?country=${"x".repeat(value_max + 1)}`, `country: must be 1 to ${value_max} characters`],
    ["an empty filter value", () => "?referer=", `referer: must be 1 to ${value_max} characters`],
    [
      "a filter repeated more than allowed",
      () => `?${Array.from({ length: values_max + 1 }, (_, i) => `city=c${i}`).join("&")}`,
      `city: must be given at most ${values_max} times`,
    ],
    ["an unknown filter", () => "?continent=EU", /^continent: /],
  ])("%s", async (_, query, field) => {
    await refused(target, query(), field);
  });
});

describe.each(targets(() => pro))("%s aggregation answers just inside the limits", (target) => {
  it("from the retention's first date to today, to given or not", async () => {
    const first = date(retentionStart(Date.now(), 90));
    for (const query of [`?from=${first}&to=${today()}`, `?from=${first}`]) {
      const data = await answered(target, query);
      expect(data).toMatchObject({ from: first, to: today(), period_days: 90, granularity: "day", filters: {} });
    }
  });

  it("a filter given as often as allowed, and one value given more often than that (the same value counts once)", async () => {
    const cities = Array.from({ length: values_max }, (_, i) => `c${i}`);
    const data = await answered(target, `?${cities.map((c) => `city=${c}`).join("&")}&${"os=iOS&".repeat(values_max + 5)}country=${"x".repeat(value_max)}`);
    expect(data.filters).toEqual({ city: cities, os: ["iOS"], country: ["x".repeat(value_max)] });
    expect(data.period_scans).toBe(0);
  });

  it("every parameter at once", async () => {
    const data = await answered(target, `?from=${daysAgo(10)}&to=${daysAgo(1)}&tz=Asia%2FKathmandu&include_bots=true&granularity=week&compare=previous&country=AT&country=DE&referer=example.com&destination=${encodeURIComponent("https://example.com/?a=b&c=d")}`);
    expect(data).toMatchObject({
      granularity: "week",
      filters: { country: ["AT", "DE"], referer: ["example.com"], destination: ["https://example.com/?a=b&c=d"] },
      previous: { period_scans: 0, period_unique_scans: 0, scans_by_day: [] },
      change: { period_scans: null, period_unique_scans: null },
      series: [],
      scans_by_hour: [],
    });
  });
});

/** The local date of an instant in a zone. */
const localDate = (tz: string, ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
const addDays = (d: string, n: number) => date(Date.parse(`${d}T00:00:00.000Z`) + n * DAY);

describe.each(["America/New_York", "Pacific/Kiritimati", "Asia/Kathmandu"])("in %s, by its local dates", (tz) => {
  const zone = `&tz=${encodeURIComponent(tz)}`;
  it.each(targets(() => pro))("%s aggregation takes from the date holding the retention's start, and to as late as today", async (target) => {
    const first = localDate(tz, retentionStart(Date.now(), 90));
    const localToday = localDate(tz, Date.now());
    const data = await answered(target, `?from=${first}&to=${localToday}${zone}`);
    expect(data).toMatchObject({ from: first, to: localToday, tz });
    await refused(target, `?from=${addDays(first, -1)}&to=${localToday}${zone}`, /^from: /);
    await refused(target, `?from=${first}&to=${addDays(localToday, 1)}${zone}`, /^to: /);
  });
});

describe("the longest range", () => {
  // An enterprise workspace keeps two years: the range's own limit is what refuses.
  it.each(targets(() => enterprise))(`is ${range_max} days in %s aggregation`, async (target) => {
    const data = await answered(target, `?from=${daysAgo(range_max - 1)}&to=${today()}`);
    expect(data).toMatchObject({ period_days: range_max, from: daysAgo(range_max - 1), to: today() });
    await refused(target, `?from=${daysAgo(range_max)}&to=${today()}`, /^(from|to): /);
    await refused(target, `?from=${daysAgo(range_max + 1)}&to=${daysAgo(1)}`, /^(from|to): /);
  });
});

describe("GET /v1/tags/:tag/scans", () => {
  it("answers 404 for a tag that no code carries", async () => {
    const res = await call("/v1/tags/nothing-here/scans", { key: pro.key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("NOT_FOUND");
  });

  it("answers 404 for a tag that only another workspace's codes carry", async () => {
    expect((await call("/v1/tags/elsewhere/scans", { key: other.key })).status).toBe(200);
    const res = await call("/v1/tags/elsewhere/scans", { key: pro.key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe("NOT_FOUND");
  });

  it("answers a tag with its codes, and 404 once its last code has lost it", async () => {
    const { key, codeId } = await workspaceWithTaggedCode("pro", ["autumn", "menu"]);
    const data = await answered({ name: "a tag's", path: (q) => `/v1/tags/autumn/scans${q}`, key: () => key }, "");
    expect(data).toMatchObject({ tag: "autumn", code_count: 1, total_scans: 0, period_scans: 0, top_codes: [], filters: {} });
    const patched = await call(`/v1/codes/${codeId}`, { method: "PATCH", key, body: { tags: ["menu"] } });
    expect(patched.status).toBe(200);
    expect((await call("/v1/tags/autumn/scans", { key })).status).toBe(404);
    expect((await call("/v1/tags/menu/scans", { key })).status).toBe(200);
  });

  it("takes a tag as the path gives it, percent-encoded, and refuses one that is not", async () => {
    await workspaceWithTaggedCode("pro", ["summer sale", "café"]);
    const { key } = await workspaceWithTaggedCode("pro", ["Summer Sale", "café"]);
    for (const tag of ["summer sale", "Summer Sale", "café"]) {
      const res = await call(`/v1/tags/${encodeURIComponent(tag)}/scans`, { key });
      expect(res.status, tag).toBe(200);
      expect(res.json.data.tag).toBe(tag.toLowerCase());
    }
    const res = await call("/v1/tags/%E0%A4%A/scans", { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^tag: /);
  });
});
