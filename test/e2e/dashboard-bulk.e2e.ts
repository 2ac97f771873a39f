// The dashboard's pages for many codes at once, in a real headless Chromium over the real local
// stack: the tags page leading to the filtered list, importing codes from CSV (a preview with each
// row's problems first, the API's refusal shown on its row), changing selected codes together, and
// a branded domain added, verified through the stack's DNS and used for a new code.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { Code } from "@qr3/schema/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { launchChromium, signIn, watchPage } from "./browser.ts";
import { apiClient, startTestStack, waitFor, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");
const HOSTNAME = "go.corner-cafe.example";
const PHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let api: ReturnType<typeof apiClient>;
let pageErrors: string[];
let contractProblems: string[] = [];

type ApiCode = Code;

/** Every code of the workspace, by short code. */
async function allCodes(): Promise<Map<string, ApiCode>> {
  const res = await api("/v1/codes?limit=100");
  expect(res.status).toBe(200);
  return new Map((res.json.data as ApiCode[]).map((c) => [c.short_code, c]));
}

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  const key = await workspaceKey(persistTo, "Corner Café");
  api = apiClient(stack.origin, key);
  for (const body of [
    { url: "https://example.com/menu-a", short_code: "menu-a", tags: ["menu", "spring"] },
    { url: "https://example.com/menu-b", short_code: "menu-b", tags: ["menu"] },
    { url: "https://example.com/poster", short_code: "poster", tags: ["poster"] },
  ]) {
    expect((await api("/v1/codes", { method: "POST", body })).status).toBe(201);
  }
  // One scan, as a phone makes it, so that the tags page has scans to count.
  expect((await fetch(`${stack.origin}/poster`, { redirect: "manual", headers: { "user-agent": PHONE_UA } })).status).toBe(302);
  const scanned = (res: Awaited<ReturnType<typeof api>>) => (res.json.data as Array<{ tag: string; total_scans: number }>).some((t) => t.tag === "poster" && t.total_scans === 1);
  expect(scanned(await waitFor(() => api("/v1/tags"), scanned))).toBe(true);

  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.origin });
  page = await context.newPage();
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
  await signIn(page, stack.origin, key);
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

const nav = () => page.getByRole("navigation", { name: "Main" });
const alert = () => page.getByRole("alert");
const notice = () => page.locator(".notice-area");
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const tagFilter = () => page.locator(".list-filters").getByLabel("Tag");
const listRows = () => page.locator(".codes-table tbody tr");
const listedCodes = async () => (await listRows().locator(".code-link").allInnerTexts()).sort();
const importCard = () => page.locator("section", { has: page.getByRole("heading", { name: "Import codes from CSV" }) });
const previewRow = (row: number) => importCard().locator(`tr[data-row="${row}"]`);

async function openCodes(): Promise<void> {
  await nav().getByRole("link", { name: "Codes" }).click();
  await page.getByRole("heading", { level: 1, name: "Codes" }).waitFor();
  await listRows().first().waitFor();
}

describe("the dashboard's pages for many codes", () => {
  it("lists the tags with their codes and scans, each leading to the codes carrying it", async () => {
    await nav().getByRole("link", { name: "Tags" }).click();
    await page.getByRole("heading", { level: 1, name: "Tags" }).waitFor();
    const rows = page.locator(".tags-table tbody tr");
    await rows.first().waitFor();
    // Most scanned first.
    expect((await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim())).toEqual(["poster 1 1", "menu 2 0", "spring 1 0"]);
    await shot("tags");

    await page.getByRole("link", { name: "menu", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Codes" }).waitFor();
    expect(new URL(page.url()).hash).toBe("#/codes?tag=menu");
    await expect.poll(listedCodes).toEqual(["menu-a", "menu-b"]);
    expect(await tagFilter().inputValue()).toBe("menu");

    // Choosing another tag changes the address too; a reload keeps the filter.
    await tagFilter().selectOption("poster");
    await expect.poll(listedCodes).toEqual(["poster"]);
    expect(new URL(page.url()).hash).toBe("#/codes?tag=poster");
    await page.reload();
    await expect.poll(listedCodes).toEqual(["poster"]);
    await tagFilter().selectOption("");
    await expect.poll(listedCodes).toEqual(["menu-a", "menu-b", "poster"]);
  });

  it("previews a CSV with each row's problems, and creates nothing until every row is right and Create is pressed", async () => {
    // Quoted cells with commas, an escaped quote and a line break; CRLF line ends; | between tags.
    const csv = [
      "url,short_code,name,tags,external_id",
      'https://example.com/a?x=1,imp-a,"Café, terrace","summer|Terrace",sku-1',
      'https://example.com/b,x!,"The ""big"" one",,',
      'https://example.com/c,,"Two\r\nlines",summer,',
      "",
    ].join("\r\n");
    await openCodes();
    await importCard().getByLabel("CSV file").setInputFiles({ name: "codes.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect.poll(() => previewRow(3).innerText()).toMatch(/Short code: must be 3 to 64 letters, digits, - or _\./);
    expect(await previewRow(2).innerText()).toMatch(/Café, terrace[\s\S]*summer \| terrace[\s\S]*Ready/);
    expect(await previewRow(3).innerText()).toContain('The "big" one');
    expect(await previewRow(4).innerText()).toMatch(/Two\s+lines/);
    expect(await importCard().getByRole("status").innerText()).toMatch(/3 rows, 1 with a problem/);
    expect(await importCard().getByRole("button", { name: /^Create/ }).isVisible()).toBe(false);
    await shot("import-preview");
    expect([...(await allCodes()).keys()].sort()).toEqual(["menu-a", "menu-b", "poster"]);

    // Corrected in place: a new preview, and only then Create.
    const text = importCard().getByLabel("Or paste CSV");
    expect(await text.inputValue()).toBe(csv.replace(/\r\n/g, "\n"));
    await text.fill(csv.replace(",x!,", ",imp-b,"));
    expect(await previewRow(2).count()).toBe(0);
    await importCard().getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => importCard().getByRole("status").innerText()).toMatch(/3 rows, ready to create\. Nothing has been created yet\./);
    expect((await allCodes()).size).toBe(3);
    await importCard().getByRole("button", { name: "Create 3 codes" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/3 codes created from the CSV\./);
    expect(await previewRow(2).innerText()).toMatch(/created[\s\S]*\/imp-a/);

    const codes = await allCodes();
    expect(codes.size).toBe(6);
    expect(codes.get("imp-a")).toMatchObject({ url: "https://example.com/a?x=1", name: "Café, terrace", tags: ["summer", "terrace"], external_id: "sku-1", domain: null });
    expect(codes.get("imp-b")).toMatchObject({ name: 'The "big" one', tags: [] });
    const third = [...codes.values()].find((c) => c.name === "Two\nlines");
    expect(third?.tags).toEqual(["summer"]);
    // The list shows them, and the tag filter knows the new tags.
    await expect.poll(async () => (await listedCodes()).length).toBe(6);
    await expect.poll(() => tagFilter().locator("option").allInnerTexts()).toContain("summer (2)");
  });

  it("shows on its row a short code the API refuses as taken, and creates none of the request", async () => {
    const text = importCard().getByLabel("Or paste CSV");
    await text.fill("url,short_code\nhttps://example.com/fresh,imp-fresh\nhttps://example.com/taken,menu-a\n");
    await importCard().getByRole("button", { name: "Preview" }).click();
    await importCard().getByRole("button", { name: "Create 2 codes" }).click();
    await expect.poll(() => previewRow(3).innerText()).toMatch(/Short code: is already taken\./);
    expect(await previewRow(2).innerText()).toMatch(/Ready/);
    await expect.poll(() => alert().innerText()).toMatch(/qr3 refused 1 row, so nothing of rows 2 to 3 was created\./);
    await shot("import-conflict");
    const codes = await allCodes();
    expect(codes.has("imp-fresh")).toBe(false);
    expect(codes.get("menu-a")!.url).toBe("https://example.com/menu-a");
    await page.getByRole("button", { name: "Dismiss" }).first().click();
  });

  it("adds a tag to the codes selected, disables them, changes a destination and applies a QR design, each after a confirmation", async () => {
    await page.reload();
    await openCodes();
    await expect.poll(async () => (await listedCodes()).length).toBe(6);
    const bar = page.getByRole("form", { name: "Change the selected codes" });
    expect(await bar.isVisible()).toBe(false);

    // All rows shown, then none, then two.
    await page.getByRole("checkbox", { name: "Select all codes shown" }).check();
    await expect.poll(() => bar.getByRole("status").innerText()).toBe("6 codes selected");
    await bar.getByRole("button", { name: "Clear selection" }).click();
    expect(await bar.isVisible()).toBe(false);
    await page.getByRole("checkbox", { name: "Select menu-b" }).check();
    await page.getByRole("checkbox", { name: "Select poster" }).check();
    await expect.poll(() => bar.getByRole("status").innerText()).toBe("2 codes selected");
    expect(await page.getByRole("checkbox", { name: "Select all codes shown" }).evaluate((el) => (el as unknown as { indeterminate: boolean }).indeterminate)).toBe(true);

    await bar.getByLabel("Action").selectOption("add_tag");
    await bar.getByLabel("Tag to add").fill("Window");
    await shot("bulk-actions");
    await bar.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog").getByText("Add the tag “window” to 2 codes?").waitFor();
    await page.getByRole("button", { name: "Yes, add a tag" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/2 codes changed\./);
    let codes = await allCodes();
    expect(codes.get("menu-b")!.tags).toEqual(["menu", "window"]);
    expect(codes.get("poster")!.tags).toEqual(["poster", "window"]);
    expect(codes.get("menu-a")!.tags).toEqual(["menu", "spring"]);
    // The list was read again: the selection is gone and the chips are there.
    await expect.poll(() => listRows().filter({ hasText: "poster" }).locator(".chip").allInnerTexts()).toEqual(["poster", "window"]);
    expect(await bar.isVisible()).toBe(false);

    await page.getByRole("checkbox", { name: "Select menu-b" }).check();
    await page.getByRole("checkbox", { name: "Select poster" }).check();
    await bar.getByLabel("Action").selectOption("disable");
    expect(await bar.getByLabel("Tag to add").isVisible()).toBe(false);
    await bar.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog").getByText("Disable 2 codes?").waitFor();
    await page.getByRole("button", { name: "Yes, disable" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/2 codes changed\./);
    codes = await allCodes();
    expect([...codes.values()].filter((c) => c.status === "disabled").map((c) => c.short_code).sort()).toEqual(["menu-b", "poster"]);
    await expect.poll(() => listRows().filter({ hasText: "poster" }).locator(".badge").innerText()).toBe("disabled");

    // A new destination for one code; a URL the API would refuse is refused before anything is sent.
    await page.getByRole("checkbox", { name: "Select menu-a" }).check();
    await bar.getByLabel("Action").selectOption("url");
    await bar.getByLabel("New destination").fill("ftp://example.com/new");
    await bar.getByRole("button", { name: "Apply" }).click();
    await bar.getByText("The destination URL must be an http or https URL.").waitFor();
    await bar.getByLabel("New destination").fill("https://example.com/menu-a-new");
    await bar.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog").getByText("Send 1 code to a new destination?").waitFor();
    await page.getByRole("button", { name: "Yes, change the destination" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/1 code changed\./);
    expect((await allCodes()).get("menu-a")!.url).toBe("https://example.com/menu-a-new");
    await expect.poll(async () => (await fetch(`${stack.origin}/poster`, { redirect: "manual" })).status, { timeout: 15_000 }).not.toBe(302);

    // One QR design for two codes, from the designer's presets.
    await page.getByRole("checkbox", { name: "Select menu-a" }).check();
    await page.getByRole("checkbox", { name: "Select poster" }).check();
    await bar.getByLabel("Action").selectOption("design");
    expect(await bar.getByLabel("New destination").isVisible()).toBe(false);
    await bar.getByLabel("Design").selectOption({ label: "Dots" });
    await bar.getByRole("button", { name: "Apply" }).click();
    await page.getByRole("dialog").getByText("Apply the design “Dots” to 2 codes?").waitFor();
    await page.getByRole("button", { name: "Yes, apply a qr design" }).click();
    await expect.poll(() => notice().innerText()).toMatch(/2 codes changed\./);
    codes = await allCodes();
    for (const name of ["menu-a", "poster"]) expect(codes.get(name)!.qr_style, name).toMatchObject({ modules: "dots", eyes: "circle" });
    expect(codes.get("menu-b")!.qr_style).toMatchObject({ modules: "square" });
  });

  it("adds a branded domain, shows its TXT record, verifies it once DNS has it, and creates a code on it", async () => {
    await nav().getByRole("link", { name: "Domains" }).click();
    await page.getByRole("heading", { level: 1, name: "Domains" }).waitFor();
    await page.getByLabel("Hostname").fill(`https://${HOSTNAME.toUpperCase()}/`);
    await page.getByRole("button", { name: "Add domain" }).click();
    const item = page.locator(`li.domain[data-hostname="${HOSTNAME}"]`);
    await item.waitFor();
    const listed = (await api("/v1/domains")).json.data as Array<{ id: string; hostname: string; status: string; verification: { name: string; value: string } }>;
    expect(listed).toHaveLength(1);
    const { verification } = listed[0]!;
    expect(listed[0]).toMatchObject({ hostname: HOSTNAME, status: "pending" });
    expect(await item.locator(".badge").innerText()).toBe("pending");
    expect(await item.innerText()).toContain(verification.name);
    expect(await item.innerText()).toContain(verification.value);
    await item.getByRole("button", { name: `Copy value of the TXT record for ${HOSTNAME}` }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(verification.value);
    await item.getByRole("button", { name: `Copy name of the TXT record for ${HOSTNAME}` }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(verification.name);

    // Not in DNS yet: the API's words, beside the record.
    await item.getByRole("button", { name: `Verify ${HOSTNAME}` }).click();
    await expect.poll(() => item.getByRole("alert").innerText()).toMatch(new RegExp(`${verification.name.replace(/\./g, "\\.")} has .*not "${verification.value}"`));
    expect(await item.locator(".badge").innerText()).toBe("pending");
    await shot("domain-pending");

    stack.dns.setTxt(verification.name, [verification.value]);
    await item.getByRole("button", { name: `Verify ${HOSTNAME}` }).click();
    await expect.poll(() => item.locator(".badge").innerText()).toBe("active");
    await expect.poll(() => notice().innerText()).toMatch(`${HOSTNAME} is verified`);
    expect(await item.getByRole("button", { name: `Verify ${HOSTNAME}` }).count()).toBe(0);
    expect(await item.getByRole("alert").isVisible()).toBe(false);

    // The picker of the create form offers it; the code's short link is on it.
    await openCodes();
    const domain = page.getByLabel("Domain", { exact: true });
    await expect.poll(() => domain.locator("option").allInnerTexts()).toEqual(["qr3 short domain (default)", HOSTNAME]);
    await page.getByLabel("Destination URL").fill("https://example.com/branded");
    await page.getByLabel("Short code (optional)").fill("on-brand");
    await domain.selectOption(HOSTNAME);
    await page.getByRole("button", { name: "Create code" }).click();
    await expect.poll(() => notice().innerText()).toMatch(new RegExp(`Code on-brand created\\. Its short link is https?://${HOSTNAME.replace(/\./g, "\\.")}[:/]`));
    const created = (await allCodes()).get("on-brand")!;
    expect(created.domain).toBe(HOSTNAME);
    expect(new URL(created.short_url).hostname).toBe(HOSTNAME);
    const row = listRows().filter({ hasText: "on-brand" });
    expect(await row.innerText()).toContain(created.short_url);
    await shot("codes-domain");
    await row.getByRole("link", { name: "on-brand" }).click();
    await page.getByRole("heading", { level: 1, name: "on-brand" }).waitFor();
    expect(await page.getByRole("textbox", { name: "Short link" }).inputValue()).toBe(created.short_url);
    await page.getByText(`On the branded domain ${HOSTNAME}.`).waitFor();
  });

  it("refuses to remove a domain codes are on, in the API's words", async () => {
    await nav().getByRole("link", { name: "Domains" }).click();
    const item = page.locator(`li.domain[data-hostname="${HOSTNAME}"]`);
    await item.getByRole("button", { name: `Remove ${HOSTNAME}` }).click();
    await page.getByRole("button", { name: "Yes, remove" }).click();
    await expect.poll(() => alert().innerText()).toMatch(/codes are on this domain/);
    expect(await item.isVisible()).toBe(true);
    expect(((await api("/v1/domains")).json.data as unknown[]).length).toBe(1);
  });

  it("labels every control", async () => {
    for (const link of ["Codes", "Domains", "Tags"]) {
      await nav().getByRole("link", { name: link }).click();
      await page.getByRole("heading", { level: 1, name: link }).waitFor();
      await page.waitForLoadState("networkidle");
      const unlabelled = await page.evaluate(`[...document.querySelectorAll("input, select, textarea, button, a[href]")]
        .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80))`);
      expect(unlabelled, link).toEqual([]);
    }
  });

  it("ran without script errors, and every answer matched the OpenAPI document", () => {
    expect(pageErrors).toEqual([]);
    expect(contractProblems).toEqual([]);
  });
});
