// The dashboard's API keys page in a real headless Chromium over the real local stack: make a key
// with some scopes, see it once (and copy it), sign in with it and find what it may not do gone
// from the pages, then revoke it with a confirmation.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium, signIn as signInTo, watchPage } from "./browser.ts";
import { apiClient, startTestStack, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let adminKey: string;
let newKey: string;
let codeId: string;
let pageErrors: string[];
let contractProblems: string[];

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  adminKey = await workspaceKey(persistTo, "Key shop");
  codeId = (await apiClient(stack.origin, adminKey)("/v1/codes", { method: "POST", body: { url: "https://example.com/menu", short_code: "key-shop" } })).json.data.id;
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.origin });
  page = await context.newPage();
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

const signIn = (key: string) => signInTo(page, stack.origin, key);

async function signOut(): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API key").waitFor();
}

const nav = () => page.getByRole("navigation", { name: "Main" });

describe("API keys in the dashboard", () => {
  it("lists the workspace's keys for a key that can manage them", async () => {
    await signIn(adminKey);
    await nav().getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { level: 1, name: "API keys" }).waitFor();
    const row = page.locator("tr", { hasText: "Admin key" });
    await expect.poll(() => row.innerText()).toMatch(/The key you are signed in with/);
    expect(await row.innerText()).toMatch(/keys:write/);
  });

  it("creates a key with the scopes chosen and shows it once, with a copy button", async () => {
    await page.getByLabel("Name").fill("Menu board");
    await page.getByRole("checkbox", { name: /codes:read/ }).check();
    await page.getByRole("checkbox", { name: /analytics:read/ }).check();
    await page.getByLabel("Expires (optional)").fill("2099-12-31T12:00");
    await page.getByRole("button", { name: "Create key" }).click();

    const shown = page.getByLabel("New API key");
    newKey = (await shown.innerText()).trim();
    expect(newKey).toMatch(/^qr3_sk_/);
    await page.getByRole("button", { name: "Copy key" }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(newKey);
    const row = page.locator("tr", { hasText: "Menu board" });
    expect(await row.innerText()).toMatch(/codes:read, analytics:read/);
    await page.screenshot({ path: join(SHOTS, "keys.png"), fullPage: true });
    expect(await row.innerText()).toMatch(/2099/);

    // Once dismissed, the key is nowhere on the page, and never comes back.
    await page.getByRole("button", { name: "Done" }).click();
    await expect.poll(() => shown.count()).toBe(0);
    expect(await page.locator("body").innerText()).not.toContain(newKey);
    await page.reload();
    await page.locator("tr", { hasText: "Menu board" }).waitFor();
    expect(await page.locator("body").innerText()).not.toContain(newKey);

    const current = await apiClient(stack.origin, newKey)("/v1/keys/current");
    expect(current.json.data).toMatchObject({ name: "Menu board", scopes: ["codes:read", "analytics:read"] });
  });

  it("hides, for a key with fewer scopes, what it may not do", async () => {
    await signOut();
    await signIn(newKey);
    // No keys or webhooks in the navigation, no form to create a code.
    await page.getByRole("heading", { level: 1, name: "Codes" }).waitFor();
    await page.getByRole("link", { name: "key-shop" }).first().waitFor();
    expect(await nav().getByRole("link", { name: "API keys" }).isVisible()).toBe(false);
    expect(await nav().getByRole("link", { name: "Webhooks" }).isVisible()).toBe(false);
    expect(await page.getByLabel("Destination URL").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Create code" }).count()).toBe(0);

    // A code's page: its analytics, but nothing that changes it.
    await page.getByRole("link", { name: "key-shop" }).first().click();
    await page.getByRole("heading", { level: 1, name: "key-shop" }).waitFor();
    await page.getByRole("region", { name: "Scans per day" }).waitFor();
    for (const button of ["Save destination", "Disable", "Delete"]) expect(await page.getByRole("button", { name: button }).count(), button).toBe(0);

    // The pages it may not use say why, when reached by their address.
    await page.goto(`${stack.origin}/#/keys`);
    await page.getByRole("heading", { level: 1, name: "Not available with this key" }).waitFor();
    expect(await page.locator("main").innerText()).toMatch(/keys:write/);
    await page.goto(`${stack.origin}/#/webhooks`);
    await expect.poll(() => page.locator("main").innerText()).toMatch(/webhooks:read/);
  });

  it("revokes a key after a confirmation; it is refused from then on", async () => {
    await signOut();
    await signIn(adminKey);
    await nav().getByRole("link", { name: "API keys" }).click();
    await page.getByRole("button", { name: "Revoke Menu board" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await expect.poll(() => page.locator("tr", { hasText: "Menu board" }).count()).toBe(0);
    await page.getByText("Key “Menu board” revoked.").waitFor();
    expect((await apiClient(stack.origin, newKey)("/v1/codes")).status).toBe(401);

    // The last key that can manage keys stays: the API's refusal is shown in plain words.
    await page.getByRole("button", { name: "Revoke Admin key" }).click();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toMatch(/last active key/);
    expect((await apiClient(stack.origin, adminKey)(`/v1/codes/${codeId}`)).status).toBe(200);
  });

  it("ran without script errors or content security policy violations", () => {
    expect(pageErrors).toEqual([]);
    expect(contractProblems).toEqual([]);
  });
});
