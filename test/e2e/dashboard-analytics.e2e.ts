// The dashboard's analytics in a real headless Chromium over the real local stack: each control
// (date range, comparison, filters from the top lists, weekly periods for long windows, the
// campaign page) reaches the API with its parameters, and what the page shows equals the API's
// answer to the same query, fetched directly. The world map's code loads only when the map is
// shown, and the page's CSV holds its figures with formula-like cells neutralised.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium, signIn, watchPage } from "./browser.ts";
import { apiClient, clearOfMidnight, startTestStack, waitFor, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");
const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
let codeId: string;
let today: string;
const requested: string[] = [];
let pageErrors: string[];
let contractProblems: string[] = [];

/** A scan from a phone or a desktop somewhere; resolves once the redirect answered. */
async function scan(shortCode: string, from: { ua: string; country: string; city: string; ip: string }): Promise<void> {
  const res = await fetch(`${stack.origin}/${shortCode}`, {
    redirect: "manual",
    headers: { "user-agent": from.ua, "x-dev-country": from.country, "x-dev-city": from.city, "x-dev-ip": from.ip, "accept-language": "de-AT,de;q=0.9" },
  });
  expect(res.status).toBe(302);
}

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  const key = await workspaceKey(persistTo, "Campaign shop");
  api = apiClient(stack.origin, key);
  const a = await api("/v1/codes", { method: "POST", body: { url: "https://example.com/a", short_code: "spring-a", tags: ["spring"] } });
  const b = await api("/v1/codes", { method: "POST", body: { url: "https://example.com/b", short_code: "spring-b", tags: ["spring"] } });
  expect([a.status, b.status]).toEqual([201, 201]);
  codeId = a.json.data.id;

  // Every scan on one UTC day (the browser's zone here), read back as "today" below.
  await clearOfMidnight(180_000);
  today = new Date().toISOString().slice(0, 10);
  const vienna = { ua: PHONE_UA, country: "AT", city: "Vienna", ip: "203.0.113.7" };
  await scan("spring-a", vienna);
  await scan("spring-a", vienna);
  await scan("spring-a", { ua: DESKTOP_UA, country: "DE", city: "Berlin", ip: "203.0.113.8" });
  // A city that a spreadsheet would run as a formula.
  await scan("spring-a", { ua: DESKTOP_UA, country: "DE", city: "=1+2", ip: "203.0.113.9" });
  await scan("spring-b", vienna);
  const counted = (res: Awaited<ReturnType<typeof api>>) => res.json?.data?.period_scans === 5;
  expect(counted(await waitFor(() => api("/v1/workspaces/current/scans"), counted, 30_000))).toBe(true);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, timezoneId: "UTC" });
  page = await context.newPage();
  page.on("request", (request) => requested.push(request.url()));
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
  await signIn(page, stack.origin, key);
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

/** The next successful aggregation answer the page receives whose query passes `want`. */
const scansAnswer = (want: (q: URLSearchParams) => boolean) =>
  page.waitForResponse((r) => /\/scans$/.test(new URL(r.url()).pathname) && want(new URL(r.url()).searchParams) && r.status() === 200);

/** The API's answer to the page's request, asked again directly with the same query. */
async function direct(res: Response) {
  const url = new URL(res.url());
  const answer = await api(`${url.pathname}${url.search}`);
  expect(answer.status).toBe(200);
  return answer.json.data;
}

const analytics = () => page.locator("section.analytics");
const totalText = (n: number) => analytics().locator(".total").nth(n).locator(".total-value").innerText();
/** The chart's table (date, scans, unique) row by row. */
const chartRows = () =>
  page.locator(".chart-section > table tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent ?? "")));
const plural = (n: number) => `${n} ${n === 1 ? "scan" : "scans"}`;

/** The page's totals and heat map agree with an aggregation answer. */
async function expectFigures(data: { period_scans: number; period_unique_scans: number; scans_by_hour: Array<{ weekday: number; hour: number; count: number }> }) {
  await expect.poll(() => totalText(0)).toMatch(new RegExp(`^${plural(data.period_scans)}\\b`));
  expect(await totalText(1)).toMatch(new RegExp(`^${data.period_unique_scans} unique\\b`));
  const cells = await page.locator(".heatmap td").evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-count"))));
  expect(cells).toHaveLength(7 * 24);
  const expected = Array<number>(7 * 24).fill(0);
  for (const c of data.scans_by_hour) expected[(c.weekday - 1) * 24 + c.hour] = c.count;
  expect(cells).toEqual(expected);
}

describe("the dashboard's analytics", () => {
  it("shows a code's figures as the API answers them, the map's code loaded only once the map is shown", async () => {
    const first = scansAnswer((q) => q.get("days") === "30");
    await page.goto(`${stack.origin}/#/codes/${codeId}`);
    const data = await direct(await first);
    expect(data.period_scans).toBe(4);
    await expectFigures(data);
    expect(requested.some((u) => /world-map-draw-.*\.js$/.test(u))).toBe(false);

    await page.locator(".world-map-section").scrollIntoViewIfNeeded();
    const austria = page.locator('.world-map path[data-country="AT"]');
    await austria.waitFor();
    expect(requested.some((u) => /world-map-draw-.*\.js$/.test(u))).toBe(true);
    for (const entry of data.top_countries as Array<{ value: string; count: number }>) {
      expect(await page.locator(`.world-map path[data-country="${entry.value}"]`).getAttribute("data-count")).toBe(String(entry.count));
    }
    await page.screenshot({ path: join(SHOTS, "analytics-code.png"), fullPage: true });
  });

  it("asks for a range of dates, keeps it in the address, and restores it on reload", async () => {
    const from = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const asked = scansAnswer((q) => q.get("from") === from && q.get("to") === today && !q.has("days"));
    await page.getByLabel("From").fill(from);
    const data = await direct(await asked);
    expect([data.from, data.to]).toEqual([from, today]);
    await expectFigures(data);
    expect(new URL(page.url()).hash).toBe(`#/codes/${codeId}?from=${from}&to=${today}`);
    expect(await page.getByLabel("Window").inputValue()).toBe("range");

    const again = scansAnswer((q) => q.get("from") === from && q.get("to") === today);
    await page.reload();
    await again;
    expect(await page.getByLabel("From").inputValue()).toBe(from);
    // The chart's table: the range's days with scans, as the API counts them.
    const days = (data.scans_by_day as Array<{ date: string; count: number; unique: number }>).map((d) => [d.date, String(d.count), String(d.unique)]);
    expect(days.map((d) => d[0])).toEqual([today]);
    await expect.poll(() => chartRows()).toEqual(days);
  });

  it("compares with the previous period: deltas and the previous period's line", async () => {
    const asked = scansAnswer((q) => q.get("compare") === "previous");
    await page.getByLabel("Compare with previous period").check();
    const data = await direct(await asked);
    expect(data.previous.period_scans).toBe(0);
    expect(data.change.period_scans).toBeNull();
    // Nothing before: the change reads "new".
    await expect.poll(() => analytics().locator(".total-change").first().innerText()).toBe("new");
    await expect.poll(() => page.locator(".chart-section thead th").allInnerTexts()).toContain("Previous period");
    expect(new URL(page.url()).hash).toContain("compare=previous");
  });

  it("filters by a top list's entry, shown as a chip that removes it", async () => {
    const asked = scansAnswer((q) => q.getAll("country").join() === "AT");
    await page.locator("section.top", { has: page.getByRole("heading", { name: "Countries" }) }).getByRole("button", { name: "AT", exact: true }).click();
    const data = await direct(await asked);
    expect(data.filters).toEqual({ country: ["AT"] });
    expect(data.period_scans).toBe(2);
    await expectFigures(data);
    await page.getByText("Country: AT").waitFor();
    expect(new URL(page.url()).hash).toContain("country=AT");

    const unfiltered = scansAnswer((q) => !q.has("country"));
    await page.getByRole("button", { name: "Remove filter Country: AT" }).click();
    expect((await direct(await unfiltered)).period_scans).toBe(4);
    await expect.poll(() => page.locator(".filter-chip").count()).toBe(0);
  });

  it("asks for weeks beyond 90 days and draws the API's series", async () => {
    const asked = scansAnswer((q) => q.get("days") === "365" && q.get("granularity") === "week");
    await page.getByLabel("Window").selectOption("365");
    const data = await direct(await asked);
    await page.getByRole("heading", { name: "Scans per week" }).waitFor();
    const series = (data.series as Array<{ start: string; count: number; unique: number }>).filter((s) => s.count > 0);
    expect(series.length).toBeGreaterThan(0);
    await expect.poll(() => chartRows()).toEqual(series.map((s) => [s.start, String(s.count), String(s.unique)]));
  });

  it("downloads the page's figures as one CSV, formula-like cells neutralised", async () => {
    const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(file.suggestedFilename()).toMatch(/^qr3-analytics-spring-a-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = readFileSync((await file.path())!, "utf8");
    expect(text.startsWith("Totals\r\n")).toBe(true);
    for (const title of ["Scans per week", "Countries", "Cities", "Scans by weekday and hour"]) expect(text).toContain(`\r\n${title}\r\n`);
    expect(text).toContain("scans,4,0,\r\n");
    expect(text).toContain(`"'=1+2",1\r\n`);
    expect(text).not.toMatch(/(^|,)=1\+2/m);
  });

  it("shows a campaign from the tags list: its codes together, unique visitors summed over codes", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tags" }).click();
    const asked = scansAnswer((q) => q.get("days") === "30");
    await page.getByRole("link", { name: /^Analytics of spring/ }).click();
    const res = await asked;
    expect(new URL(res.url()).pathname).toBe("/v1/tags/spring/scans");
    expect(new URL(page.url()).hash).toBe("#/tags/spring");
    const data = await direct(res);
    expect([data.code_count, data.period_scans]).toEqual([2, 5]);
    await expectFigures(data);
    await page.getByText("unique visitors, summed over codes").waitFor();
    const top = page.locator("section.top", { has: page.getByRole("heading", { name: "Most scanned codes" }) });
    await expect.poll(() => top.locator("li").allInnerTexts()).toEqual(
      (data.top_codes as Array<{ short_code: string; count: number }>).map((c) => expect.stringMatching(new RegExp(`^${c.short_code}\\s*${c.count}$`))),
    );
    await page.screenshot({ path: join(SHOTS, "analytics-campaign.png"), fullPage: true });
  });

  it("stayed on this origin, within the API's contract, without script errors", () => {
    expect(requested.filter((u) => !u.startsWith(stack.origin) && !u.startsWith("blob:") && !u.startsWith("data:"))).toEqual([]);
    expect(contractProblems).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
