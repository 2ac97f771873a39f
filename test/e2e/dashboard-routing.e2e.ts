// The redirect settings of a code on its dashboard page, in a real headless Chromium over the real
// local stack: rules added, reordered and removed, a schedule with a fallback, a scan cap, an A/B
// split (refused until its weights sum to 100), UTM tags with the final URL shown, saved and read
// back through the API; "Test a scan" in words; and the redirector sending a real scan by the rules.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium, signIn, watchPage } from "./browser.ts";
import { apiClient, startTestStack, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const UTM = "utm_source=poster&utm_campaign=spring";

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let page: Page;
let api: ReturnType<typeof apiClient>;
let code: { id: string; short_code: string; short_url: string };
let pageErrors: string[];
let contractProblems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  const key = await workspaceKey(persistTo, "Routing Café");
  api = apiClient(stack.origin, key);
  const created = await api("/v1/codes", { method: "POST", body: { url: "https://example.com/menu", short_code: "routed" } });
  expect(created.status).toBe(201);
  code = created.json.data;

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC" });
  page = await context.newPage();
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
  await signIn(page, stack.origin, key);
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

const card = () => page.locator("section.routing");
const rule = (n: number) => card().getByRole("group", { name: `Rule ${n}`, exact: true });
const tester = () => page.locator("section", { has: page.getByRole("heading", { name: "Test a scan" }) });
const notice = () => page.locator(".notice-area");
const formError = () => card().locator(".form-error");
const stored = async () => (await api(`/v1/codes/${code.id}`)).json.data;

async function openCode(): Promise<void> {
  await page.goto(`${stack.origin}/#/codes/${code.id}`);
  await page.getByRole("heading", { level: 1, name: "routed" }).waitFor();
  await card().getByRole("heading", { name: "Redirect rules" }).waitFor();
}

async function testScan(fields: { country?: string; preset?: string; languages?: string; at?: string; query?: string }): Promise<string> {
  const t = tester();
  await t.getByLabel("Country").fill(fields.country ?? "");
  await t.getByLabel("Device preset").selectOption({ label: fields.preset ?? "None (no user agent)" });
  await t.getByLabel("Accept-Language").fill(fields.languages ?? "");
  await t.getByLabel("Time").fill(fields.at ?? "");
  await t.getByLabel("Query string").fill(fields.query ?? "");
  // The result area is empty (and hidden) until the first test.
  const result = t.locator('[role="status"]');
  const before = await result.textContent();
  await t.getByRole("button", { name: "Test" }).click();
  await expect.poll(() => result.textContent()).not.toBe(before);
  return (await t.getByRole("status").innerText()).replace(/\s+/g, " ");
}

describe("a code's redirect settings in the dashboard", () => {
  it("edits rules, schedule, cap, variants and UTM tags, refuses weights that do not sum to 100, and saves", async () => {
    await openCode();
    const add = card().getByRole("button", { name: "Add rule" });

    await add.click();
    await rule(1).getByLabel("Destination URL").fill("https://example.com/ios");
    await rule(1).getByRole("group", { name: "Operating systems" }).getByLabel("iOS", { exact: true }).check();

    await add.click();
    await rule(2).getByLabel("Destination URL").fill("https://example.com/de");
    await rule(2).getByLabel("Countries").fill("de, at");
    await expect.poll(() => rule(2).locator(".country-names").innerText()).toBe("Germany, Austria");
    await rule(2).getByLabel("Languages").fill("de");

    await add.click();
    await rule(3).getByLabel("Destination URL").fill("https://example.com/monday");
    await rule(3).getByRole("group", { name: "Weekdays" }).getByLabel("Mon").check();

    // Reordered: the country rule first; the third removed.
    await card().getByRole("button", { name: "Move rule 2 up" }).click();
    expect(await rule(1).getByLabel("Destination URL").inputValue()).toBe("https://example.com/de");
    expect(await rule(2).getByLabel("Destination URL").inputValue()).toBe("https://example.com/ios");
    expect(await card().getByRole("button", { name: "Move rule 1 up" }).isDisabled()).toBe(true);
    await card().getByRole("button", { name: "Remove rule 3" }).click();
    expect(await rule(3).count()).toBe(0);

    // Schedule in UTC, fallback, cap.
    await card().getByLabel("Zone of the schedule").selectOption("UTC");
    await card().getByLabel("Starts").fill("2025-01-01T10:00");
    await card().getByLabel("Expires").fill("2098-06-30T18:30");
    await card().getByLabel("Fallback URL").fill("https://example.com/over");
    await card().getByLabel("Scan cap").fill("1000");
    expect(await card().getByText("0 scans counted so far").count()).toBe(1);

    // Variants, 60/30 first.
    await card().getByRole("button", { name: "Add variant" }).click();
    await card().getByRole("button", { name: "Add variant" }).click();
    await card().getByLabel("Variant 1 URL").fill("https://example.com/a");
    await card().getByLabel("Variant 1 weight (%)").fill("60");
    await card().getByLabel("Variant 2 URL").fill("https://example.com/b");
    await card().getByLabel("Variant 2 weight (%)").fill("30");
    await expect.poll(() => card().locator(".variant-sum").innerText()).toBe("Weights: 90% in all; they must sum to 100%.");

    // UTM tags: the final URL shown as the redirector would build it.
    await card().getByLabel("utm_source").fill("poster");
    await card().getByLabel("utm_campaign").fill("spring");
    await expect.poll(() => card().locator(".final-url").innerText()).toBe(`https://example.com/menu?${UTM}`);
    await card().getByLabel("Forward the scanned link's query string to the destination").check();

    await card().getByRole("button", { name: "Save redirect settings" }).click();
    await expect.poll(() => formError().innerText()).toBe("The variants' weights sum to 90%; they must sum to 100%.");
    expect(await card().getByLabel("Variant 1 weight (%)").getAttribute("aria-invalid")).toBe("true");
    expect(await stored()).toMatchObject({ rules: [], variants: [], utm: null, max_scans: null, starts_at: null });
    await page.screenshot({ path: join(SHOTS, "routing-invalid.png"), fullPage: true });

    await card().getByLabel("Variant 2 weight (%)").fill("40");
    await card().getByLabel("Variant 1 weight (%)").fill("50");
    await card().getByLabel("Variant 2 weight (%)").fill("50");
    await expect.poll(() => card().locator(".variant-sum").innerText()).toBe("Weights: 100% in all.");
    await card().getByRole("button", { name: "Save redirect settings" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/Redirect settings of routed saved\./);
    expect(await formError().isVisible()).toBe(false);

    expect(await stored()).toMatchObject({
      rules: [
        { when: { country: ["DE", "AT"], language: ["de"] }, url: "https://example.com/de" },
        { when: { os: ["iOS"] }, url: "https://example.com/ios" },
      ],
      starts_at: "2025-01-01T10:00:00.000Z",
      expires_at: "2098-06-30T18:30:00.000Z",
      fallback_url: "https://example.com/over",
      max_scans: 1000,
      variants: [
        { url: "https://example.com/a", weight: 50 },
        { url: "https://example.com/b", weight: 50 },
      ],
      forward_query: true,
      utm: { source: "poster", campaign: "spring" },
      scan_cap_reached_at: null,
    });
    // Shown again from the answer.
    expect(await rule(1).getByLabel("Countries").inputValue()).toBe("DE, AT");
    expect(await rule(2).getByRole("group", { name: "Operating systems" }).getByLabel("iOS", { exact: true }).isChecked()).toBe(true);
    expect(await card().getByLabel("Starts").inputValue()).toBe("2025-01-01T10:00");
    await page.screenshot({ path: join(SHOTS, "routing.png"), fullPage: true });
  });

  it("shows the API's refusal next to the form and saves nothing of it", async () => {
    await rule(2).getByLabel("Destination URL").fill("ftp://example.com/ios");
    await card().getByRole("button", { name: "Save redirect settings" }).click();
    await expect.poll(() => formError().innerText()).toMatch(/^Rule 2, destination URL: .+/);
    expect(await rule(2).getByLabel("Destination URL").getAttribute("aria-invalid")).toBe("true");
    expect((await stored()).rules[1].url).toBe("https://example.com/ios");
    await openCode();
  });

  it("tests scans and says why each goes where it goes", async () => {
    await openCode();
    expect(await testScan({ preset: "iPhone", query: "?store=12" })).toContain(`Rule 2 matched. Goes to https://example.com/ios?${UTM}&store=12`);
    expect(await testScan({ preset: "Windows PC", country: "at", languages: "de-AT,de;q=0.9" })).toContain(`Rule 1 matched. Goes to https://example.com/de?${UTM}`);
    expect(await testScan({ preset: "Windows PC" })).toMatch(/Variant [12] \(A\/B split\)\. Goes to https:\/\/example\.com\/[ab]\?utm_source=poster&utm_campaign=spring/);
    expect(await testScan({ preset: "iPhone", at: "2099-01-01T00:00" })).toContain(`Expired: sent to the fallback. Goes to https://example.com/over?${UTM}`);
    expect(await testScan({ at: "2024-12-31T12:00" })).toContain("Not active yet: sent to the fallback.");
  });

  it("sends a real scan from an iPhone by the saved rules", async () => {
    // The short link names the configured public base; the test stack's redirector is on its own port.
    expect(new URL(code.short_url).pathname).toBe("/routed");
    const shortUrl = `${stack.origin}/${code.short_code}`;
    const location = async () => {
      const res = await fetch(`${shortUrl}?store=12`, { redirect: "manual", headers: { "user-agent": IPHONE } });
      return res.headers.get("location");
    };
    await expect.poll(location, { timeout: 15_000 }).toBe(`https://example.com/ios?${UTM}&store=12`);
    const austrian = await fetch(shortUrl, { redirect: "manual", headers: { "user-agent": WINDOWS, "accept-language": "de-AT,de;q=0.9", "x-dev-country": "AT" } });
    expect(austrian.headers.get("location")).toBe(`https://example.com/de?${UTM}`);
    const desktop = await fetch(shortUrl, { redirect: "manual", headers: { "user-agent": WINDOWS, "accept-language": "de" } });
    expect(desktop.status).toBe(302);
    expect(desktop.headers.get("location")).toMatch(/^https:\/\/example\.com\/[ab]\?utm_source=poster&utm_campaign=spring$/);
  });

  it("lists the destinations scans went to in the code's analytics", async () => {
    await openCode();
    const destinations = page.locator("section.top", { has: page.getByRole("heading", { name: "Destinations", exact: true }) });
    await expect
      .poll(async () => (await destinations.locator("li .name").allInnerTexts()).sort(), { timeout: 40_000, interval: 1_000 })
      .toEqual(expect.arrayContaining([`https://example.com/ios?${UTM}`, `https://example.com/de?${UTM}`]));
    // A long URL stays inside its column.
    const box = await destinations.boundingBox();
    const name = await destinations.locator("li .name").first().boundingBox();
    expect(name!.x + name!.width).toBeLessThanOrEqual(box!.x + box!.width + 1);
  });

  it("labels every control of the code page", async () => {
    await page.waitForLoadState("networkidle");
    const unlabelled = await page.evaluate(`[...document.querySelectorAll("input, select, textarea, button, a[href]")]
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80))`);
    expect(unlabelled).toEqual([]);
  });

  it("ran without script errors, and every answer matched the OpenAPI document", () => {
    expect(pageErrors).toEqual([]);
    expect(contractProblems).toEqual([]);
  });
});
