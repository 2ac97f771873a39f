// The dashboard in a real headless Chromium (the one browser.ts brings from npm, or CHROMIUM_PATH's;
// driven by playwright-core) over the real local stack: sign in, create a code, scan it through the
// redirector, see the scan in the chart and the top lists, change the destination and see the
// redirect follow, create a webhook and see its test delivery in the log. Screenshots of the main
// pages go to screenshots/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium, watchPage } from "./browser.ts";
import { Receiver } from "./receiver.ts";
import { checkedApi } from "./contract.ts";
import { clearOfMidnight, startTestStack, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");
const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;
const receiver = new Receiver();
// Every request the page makes, to prove that nothing comes from another host.
const requested: string[] = [];
let pageErrors: string[];
// Every answer of the API the page received that the OpenAPI document does not describe.
let contractProblems: string[] = [];

beforeAll(async () => {
  // First, so that a browser that cannot start fails the file before the stack is up.
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  await receiver.start();
  key = await workspaceKey(persistTo, "Corner Café");
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("request", (request) => requested.push(request.url()));
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
});

afterAll(async () => {
  await browser?.close();
  await receiver.stop();
  await cleanup?.();
});

/** Clicks a download button and reads what the browser saved. */
async function download(button: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

/** Test events the receiver accepted, each verified with the secret it was given. */
const testEvents = () => [...receiver.accepted().values()].filter((r) => r.event.type === "webhook.test").length;

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const alert = () => page.getByRole("alert");

/** A scan as a phone in Vienna would make it; answers the redirect's status and location. */
async function scan(shortCode: string) {
  const res = await fetch(`${stack.origin}/${shortCode}`, {
    redirect: "manual",
    headers: { "user-agent": PHONE_UA, "x-dev-country": "AT", "x-dev-city": "Vienna", "x-dev-ip": "203.0.113.7", "accept-language": "de-AT,de;q=0.9" },
  });
  return { status: res.status, location: res.headers.get("location") };
}

describe("the dashboard in a real browser", () => {
  it("loads from this origin alone, within 150 KB compressed", async () => {
    const html = await (await fetch(`${stack.origin}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    let total = gzipSync(html).byteLength;
    for (const asset of assets) {
      const res = await fetch(`${stack.origin}${asset}`);
      expect(res.status, asset).toBe(200);
      total += gzipSync(Buffer.from(await res.arrayBuffer())).byteLength;
    }
    expect(total).toBeLessThan(150 * 1024);
  });

  it("refuses a wrong key in plain words, and signs in with the keyboard alone", async () => {
    await page.goto(stack.origin);
    await shot("sign-in");
    const input = page.getByLabel("API key");
    await input.fill("qr3_sk_not-a-real-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => alert().innerText()).toMatch(/key/i);

    await input.fill("");
    await input.focus();
    await page.keyboard.type(key);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    // The key lives in this tab's session only.
    expect(await page.evaluate("[sessionStorage.length, localStorage.length, document.cookie]")).toEqual([1, 0, ""]);
  });

  it("shows the API's error when a code cannot be created", async () => {
    await page.getByRole("link", { name: "Codes" }).click();
    await page.getByLabel("Destination URL").fill("ftp://example.com/menu");
    await page.getByRole("button", { name: "Create code" }).click();
    await expect.poll(() => alert().innerText()).toMatch(/url/i);
  });

  it("creates a code and shows its QR code and short link", async () => {
    await page.getByLabel("Destination URL").fill("https://example.com/spring-menu");
    await page.getByLabel("Short code (optional)").fill("spring-menu");
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("link", { name: "spring-menu" }).first().click();
    await page.getByRole("heading", { level: 1, name: /spring-menu/ }).waitFor();
    // The short link's origin is the API's PUBLIC_BASE_URL, whatever port this stack is on.
    const qr = page.getByRole("img", { name: /^QR code for http:\/\/127\.0\.0\.1:\d+\/spring-menu$/ });
    await qr.locator("img").waitFor();
    const svg = await download("Download SVG");
    expect(svg.name).toMatch(/spring-menu.*\.svg$/);
    expect(svg.bytes.toString("utf8")).toMatch(/^<svg[^>]+viewBox/);
    const png = await download("Download PNG");
    expect(png.name).toMatch(/spring-menu.*\.png$/);
    expect(png.bytes.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    await expect.poll(() => page.getByText(/no scans/i).count()).toBeGreaterThan(0);
    await shot("code-empty");
  });

  it("shows a scan made through the redirector in the chart and the top lists, by itself", async () => {
    // The scan and the chart's "today" below on one local day of the browser's zone.
    const zone = (await page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")) as string;
    await clearOfMidnight(120_000, zone);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());
    expect(await scan("spring-menu")).toEqual({ status: 302, location: "https://example.com/spring-menu" });
    // No reload: the page refreshes itself while open.
    await page.getByText(/\b1 scan\b/).first().waitFor({ timeout: 30_000 });
    const countries = page.getByRole("region", { name: "Countries" }).or(page.locator("section", { has: page.getByRole("heading", { name: "Countries" }) }));
    await expect.poll(() => countries.first().innerText()).toMatch(/AT[\s\S]*1/);
    const devices = page.locator("section", { has: page.getByRole("heading", { name: "Devices" }) });
    await expect.poll(() => devices.first().innerText()).toMatch(/mobile[\s\S]*1/i);
    // A scan from a printed code has no referrer: the rest of the window's scans are named so.
    const referrers = page.locator("section", { has: page.getByRole("heading", { name: "Referrers" }) });
    await expect.poll(() => referrers.first().innerText()).toMatch(/Direct \(no referrer\)\s*1/);
    // The chart has drawn today's scan: its data table (for screen readers) says so.
    const chart = page.getByRole("region", { name: "Scans per day" });
    await chart.locator("canvas").first().waitFor();
    await expect.poll(() => chart.locator("tr", { hasText: today }).innerText()).toMatch(/\b1\b/);
    await shot("code-analytics");
  });

  it("asks the API for the window and time zone chosen", async () => {
    const asked = (days: string, tz: string) =>
      page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname.endsWith("/scans") && url.searchParams.get("days") === days && url.searchParams.get("tz") === tz && r.status() === 200;
      });
    const zone = await page.getByLabel("Time zone").inputValue();
    await Promise.all([asked("7", zone), page.getByLabel("Window").selectOption("7")]);
    await Promise.all([asked("7", "Asia/Kolkata"), page.getByLabel("Time zone").selectOption("Asia/Kolkata")]);
    await page.getByText(/\b1 scan\b/).first().waitFor();
    await Promise.all([asked("30", "Asia/Kolkata"), page.getByLabel("Window").selectOption("30")]);
  });

  it("copies the short link", async () => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.origin });
    await page.getByRole("button", { name: "Copy link" }).click();
    await page.getByText(/copied/i).first().waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/spring-menu$/);
  });

  it("labels every control", async () => {
    const unlabelled = await page.evaluate(`[...document.querySelectorAll("input, select, textarea, button, a[href]")]
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80))`);
    expect(unlabelled).toEqual([]);
  });

  it("changes the destination, and the redirect follows", async () => {
    await page.getByLabel("New destination URL").fill("https://example.com/summer-menu");
    await page.getByRole("button", { name: "Save destination" }).click();
    await expect.poll(async () => (await scan("spring-menu")).location, { timeout: 10_000 }).toBe("https://example.com/summer-menu");
  });

  it("shows the change in the code's audit log, old and new URL, with the key's name, and in the workspace's", async () => {
    const current = await checkedApi(stack.origin)(`${stack.origin}/v1/keys/current`, { headers: { authorization: `Bearer ${key}` } });
    const keyName = ((await current.json()) as { data: { name: string } }).data.name;
    const history = page.locator("section", { has: page.getByRole("heading", { name: "Audit log" }) });
    const change = history.locator("li", { hasText: "Code changed" });
    await expect.poll(() => change.count(), { timeout: 10_000 }).toBe(1);
    const text = await change.innerText();
    expect(text).toMatch(/url\s+https:\/\/example\.com\/spring-menu[\s\S]*→[\s\S]*https:\/\/example\.com\/summer-menu/);
    expect(text).toContain(`by ${keyName}`);
    await history.locator("li", { hasText: "Code created" }).waitFor();

    await page.getByRole("link", { name: "Workspace" }).click();
    const all = page.locator("section", { has: page.getByRole("heading", { name: "Audit log" }) });
    await expect.poll(() => all.locator("li", { hasText: "Code changed" }).innerText(), { timeout: 10_000 }).toMatch(/summer-menu/);
    await all.locator("li", { hasText: "Code changed" }).getByRole("link").click();
    await page.getByRole("heading", { level: 1, name: /spring-menu/ }).waitFor();
  });

  it("creates a webhook, shows its secret once, shows the test delivery in the log, and rotates the secret", async () => {
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secret = (await page.getByLabel("Signing secret", { exact: true }).innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret);
    await shot("webhooks");

    await page.getByRole("button", { name: "Send test event" }).first().click();
    await expect.poll(testEvents, { timeout: 20_000 }).toBe(1);
    expect(receiver.rejected).toEqual([]);
    await page.getByRole("link", { name: "Deliveries" }).or(page.getByRole("button", { name: "Deliveries" })).first().click();
    const refresh = page.getByRole("button", { name: "Refresh" });
    await expect
      .poll(async () => {
        await refresh.click();
        return page.locator("body").innerText();
      }, { timeout: 20_000 })
      .toMatch(/succeeded[\s\S]*200/);
    await shot("webhook-deliveries");

    // A rotated secret is shown once, and signs the next event.
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("button", { name: "Yes, rotate" }).click();
    const rotated = (await page.getByLabel("Signing secret", { exact: true }).innerText()).trim();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    receiver.setSecret(rotated);
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(testEvents, { timeout: 20_000 }).toBe(2);
    expect(receiver.rejected).toEqual([]);

    await page.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("button", { name: "Enable" }).waitFor();
    const listed = (await (await checkedApi(stack.origin)(`${stack.origin}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: Array<{ status: string }> };
    expect(listed.data.map((w) => w.status)).toEqual(["disabled"]);
  });

  it("shows the workspace's scans this month, retention, and the scans of all its codes", async () => {
    await page.getByRole("link", { name: "Workspace" }).click();
    await page.getByText("Scans this month").waitFor();
    await expect.poll(() => page.locator("body").innerText()).toMatch(/90 days/);
    // Scans of every code, with the most scanned codes linking to their pages.
    const top = page.locator("section", { has: page.getByRole("heading", { name: "Most scanned codes" }) });
    await top.getByRole("link", { name: "spring-menu" }).waitFor();
    await page.getByRole("region", { name: "Scans per day" }).locator("canvas").first().waitFor();
    await shot("workspace");
    await top.getByRole("link", { name: "spring-menu" }).click();
    await page.getByRole("heading", { level: 1, name: /spring-menu/ }).waitFor();
  });

  it("lists codes with destination, status and total scans", async () => {
    await page.getByRole("link", { name: "Codes" }).click();
    const row = page.locator("tr, li", { has: page.getByRole("link", { name: "spring-menu" }) }).first();
    await expect.poll(() => row.innerText()).toMatch(/https:\/\/example\.com\/summer-menu/);
    // Each scan made above counted: the one shown and the ones that followed the destination.
    const codes = (await (await checkedApi(stack.origin)(`${stack.origin}/v1/codes`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      data: Array<{ short_code: string; total_scans: number }>;
    };
    const total = codes.data.find((c) => c.short_code === "spring-menu")!.total_scans;
    expect(total).toBeGreaterThanOrEqual(2);
    const text = (await row.innerText()).trim();
    expect(text).toMatch(/active/i);
    expect(text).toMatch(new RegExp(`\\s${total}$`));
    await shot("codes");
  });

  it("names and tags a code, and finds it by search, tag and sort", async () => {
    await page.getByLabel("Destination URL").fill("https://example.com/autumn");
    await page.getByLabel("Short code (optional)").fill("autumn-26");
    await page.getByLabel("Name (optional)").fill("Autumn menu");
    await page.getByLabel("Tags (optional)").fill("Menu, Autumn ,");
    await page.getByRole("button", { name: "Create code" }).click();
    const named = page.locator("tr", { has: page.getByRole("link", { name: "Autumn menu" }) });
    await expect.poll(() => named.innerText()).toMatch(/autumn-26/);
    expect(await named.getByRole("listitem").allInnerTexts()).toEqual(["menu", "autumn"]);

    const spring = page.getByRole("link", { name: "spring-menu" });
    // The list redraws when the answer arrives: wait for the filtered list, not a moment between.
    const shown = async () => [await spring.count(), await named.count()];
    await page.getByLabel("Search").fill("AUTUMN");
    await expect.poll(shown).toEqual([0, 1]);
    await page.getByLabel("Search").fill("");
    await expect.poll(shown).toEqual([1, 1]);
    await page.getByLabel("Tag", { exact: true }).selectOption("autumn");
    await expect.poll(shown).toEqual([0, 1]);
    await page.getByLabel("Tag", { exact: true }).selectOption("");
    await page.getByLabel("Sort").selectOption("name");
    // Named codes first.
    await expect.poll(() => page.locator("tbody tr").first().innerText()).toMatch(/Autumn menu/);

    await page.getByRole("link", { name: "Autumn menu" }).click();
    await page.getByRole("heading", { level: 1, name: /Autumn menu.*autumn-26/ }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Autumn specials");
    await page.getByLabel("Tags", { exact: true }).and(page.locator("input")).fill("specials");
    await page.getByRole("button", { name: "Save details" }).click();
    await page.getByRole("heading", { level: 1, name: /Autumn specials/ }).waitFor();
    const details = page.locator("section", { has: page.getByRole("heading", { name: "Details" }) });
    await expect.poll(() => details.getByRole("listitem").allInnerTexts()).toEqual(["specials"]);
    await page.getByRole("link", { name: "Codes" }).click();
    await page.getByLabel("Destination URL").waitFor();
  });

  it("disables, re-enables and deletes a code, with a confirmation", async () => {
    await page.getByRole("link", { name: "spring-menu" }).first().click();
    await page.getByRole("button", { name: "Disable" }).click();
    await expect.poll(async () => (await scan("spring-menu")).status, { timeout: 10_000 }).toBe(410);
    await page.getByRole("button", { name: "Enable" }).click();
    await expect.poll(async () => (await scan("spring-menu")).status, { timeout: 10_000 }).toBe(302);
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await page.getByLabel("Destination URL").waitFor();
    await expect.poll(() => page.getByRole("link", { name: "spring-menu" }).count()).toBe(0);
    await expect.poll(async () => (await scan("spring-menu")).status, { timeout: 10_000 }).toBe(404);
  });

  it("reads well on a phone: nothing wider than the screen", async () => {
    const phone = await context.browser()!.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const small = await phone.newPage();
    await small.goto(stack.origin);
    await small.getByLabel("API key").fill(key);
    await small.getByRole("button", { name: "Sign in" }).click();
    await small.getByRole("button", { name: "Sign out" }).waitFor();
    await small.getByLabel("Destination URL").fill("https://example.com/phone");
    await small.getByLabel("Short code (optional)").fill("phone-menu");
    await small.getByRole("button", { name: "Create code" }).click();
    await small.getByRole("link", { name: "phone-menu" }).first().click();
    await small.getByRole("heading", { level: 1, name: /phone-menu/ }).waitFor();
    expect(await small.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    await small.screenshot({ path: join(SHOTS, "code-phone.png"), fullPage: true });
    await small.getByRole("button", { name: "Sign out" }).click();
    await small.getByLabel("API key").waitFor();
    expect(await small.evaluate("sessionStorage.length")).toBe(0);
    await phone.close();
  });

  it("ran without script errors or content security policy violations", () => {
    expect(pageErrors).toEqual([]);
  });

  it("received only answers that the API's OpenAPI document describes", () => {
    expect(contractProblems).toEqual([]);
  });

  it("loaded nothing from any other host", () => {
    const foreign = requested.filter((url) => !url.startsWith(stack.origin) && !url.startsWith("data:") && !url.startsWith("blob:"));
    expect(foreign).toEqual([]);
  });
});
