// The QR designer in a real headless Chromium over the real local stack: a code created in the
// dashboard, its design changed with a preset and by hand while the preview (the API's own SVG)
// follows, saved and read back through the API, a design that would not scan refused at its
// field, a logo uploaded (and files that are no logo refused), the SVG, PNG and PDF downloaded and
// read back: the PNG decoded by jsQR, the PDF's page measured and drawn by pdf.js in the browser
// and decoded too; and a tag's codes downloaded as one ZIP.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { unzipSync } from "fflate";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../../scripts/lib/stack.ts";
import { discPng } from "../../workers/api/test/images.ts";
import { launchChromium, signIn, watchPage } from "./browser.ts";
import { MM_TO_PT, readQr, readQrTwice, renderPdf } from "./qr-read.ts";
import { apiClient, startTestStack, workspaceKey } from "./helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const SHOTS = join(ROOT, "screenshots");

let stack: Stack;
let persistTo: string;
let cleanup: () => Promise<void>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let key: string;
let api: ReturnType<typeof apiClient>;
let codeId: string;
let shortUrl: string;
let pageErrors: string[];
let contractProblems: string[];
/**
 * Every preview the page received: its overrides and its SVG. The browser keeps no copy of a body
 * read as a blob, so the SVG is asked for again from here, as the same request (the API draws the
 * same bytes for the same address: see its ETag).
 */
const previews: Array<{ url: string; etag: string | null; svg: Promise<string> }> = [];

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
  ({ stack, persistTo, cleanup } = await startTestStack());
  key = await workspaceKey(persistTo, "Print shop");
  api = apiClient(stack.origin, key);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  ({ pageErrors, contractProblems } = watchPage(page, stack.origin));
  page.on("response", (response) => void recordPreview(response));
});

afterAll(async () => {
  await browser?.close();
  await cleanup?.();
});

async function recordPreview(response: Response): Promise<void> {
  const url = new URL(response.url());
  if (!url.pathname.endsWith("/qr.svg") || url.searchParams.has("download") || response.status() !== 200) return;
  const headers = { authorization: `Bearer ${key}` };
  previews.push({ url: url.search, etag: await response.headerValue("etag"), svg: fetch(url, { headers }).then((r) => r.text()) });
}

/** Clicks a button and reads the file the browser saved; fails with the page's error, if it shows one instead. */
async function download(button: string, scope = page.locator("body")): Promise<{ name: string; bytes: Buffer }> {
  const shown = page.getByRole("alert");
  await page.locator(".alert-area").evaluate("(el) => el.replaceChildren()");
  const failed = shown.waitFor({ timeout: 60_000 }).then(async () => Promise.reject(new Error(`the page showed: ${await shown.innerText()}`)));
  failed.catch(() => {});
  const [file] = await Promise.all([Promise.race([page.waitForEvent("download"), failed]), scope.getByRole("button", { name: button }).click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}


const designer = () => page.getByRole("form", { name: "QR design" });
const preview = () => page.getByRole("img", { name: /^QR code for / });

/** The latest preview's overrides. */
const lastQuery = () => Object.fromEntries(new URLSearchParams(previews.at(-1)?.url ?? ""));

/** Waits for a preview after the `count` first ones with exactly these overrides, and answers it. */
async function previewWith(count: number, overrides: Record<string, string>): Promise<{ url: string; etag: string | null; svg: string }> {
  await expect.poll(() => (previews.length > count ? lastQuery() : null)).toEqual(overrides);
  const last = previews.at(-1)!;
  return { ...last, svg: await last.svg };
}

describe("the QR designer in a real browser", () => {
  it("creates a code in the dashboard and shows its QR image drawn by the API", async () => {
    await signIn(page, stack.origin, key);
    await page.getByLabel("Destination URL").fill("https://example.com/spring-menu");
    await page.getByLabel("Short code (optional)").fill("spring-menu");
    await page.getByLabel("Name (optional)").fill("Spring menu");
    await page.getByLabel("Tags (optional)").fill("menu");
    await page.getByRole("button", { name: "Create code" }).click();
    await page.getByRole("link", { name: /Spring menu/ }).first().click();
    await page.getByRole("heading", { level: 1, name: /Spring menu/ }).waitFor();
    codeId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]!);
    const { json } = await api(`/v1/codes/${codeId}`);
    shortUrl = json.data.short_url;
    await expect.poll(() => page.getByRole("img", { name: `QR code for ${shortUrl}` }).locator("img").count()).toBe(1);
    await expect.poll(() => previews.length).toBeGreaterThan(0);
    // The stored design, no overrides.
    expect(previews[0]!.url).toBe("");
    expect(await previews[0]!.svg).toMatch(/^<svg[^>]+viewBox/);
    expect(await previews[0]!.svg).not.toContain("<image");
  });

  it("previews a preset and changes of colours and shapes, each drawn by the API", async () => {
    const before = previews.length;
    const firstSrc = await preview().locator("img").getAttribute("src");
    await designer().getByRole("button", { name: "Dots" }).click();
    const dots = await previewWith(before, { foreground: "#004d40", modules: "dots", eyes: "circle" });
    expect(dots.svg).not.toBe(await previews[0]!.svg);
    expect(dots.etag).not.toBe(previews[0]!.etag);
    expect(dots.svg).toContain("#004d40");
    expect(await preview().locator("img").getAttribute("src")).not.toBe(firstSrc);

    // Several quick changes: one preview after them (debounced), with all of them.
    const beforeHand = previews.length;
    await page.getByLabel("Foreground colour").fill("#1a237e");
    await page.getByLabel("Module shape").selectOption("rounded");
    await page.getByLabel("Eye shape").selectOption("rounded");
    await page.getByLabel("Frame").selectOption("banner");
    await page.getByLabel("Call to action").fill("Scan for the menu");
    const shown = await previewWith(beforeHand, { foreground: "#1a237e", modules: "rounded", eyes: "rounded", frame: "banner", cta: "Scan for the menu" });
    expect(shown.svg).toContain("#1a237e");
    expect(shown.svg).not.toBe(dots.svg);
    // Five changes, fewer previews: each waits for the form to rest a moment.
    expect(previews.length - beforeHand).toBeLessThan(5);
    await expect.poll(() => page.getByText(/Preview of the unsaved design/).count()).toBe(1);
  });

  it("saves the design; the API returns it", async () => {
    await designer().getByRole("button", { name: "Save design" }).click();
    await page.getByText("Design saved.").waitFor();
    const { json } = await api(`/v1/codes/${codeId}`);
    expect(json.data.qr_style).toEqual({
      foreground: "#1a237e",
      background: "#ffffff",
      ecc: "M",
      margin: 4,
      modules: "rounded",
      eyes: "rounded",
      inverted: false,
      frame: "banner",
      cta: "Scan for the menu",
    });
    // Saved, the preview is the stored design again.
    await previewWith(0, {});
    await page.screenshot({ path: join(SHOTS, "qr-designer.png"), fullPage: true });
  });

  it("refuses a colour that would not scan, at its field", async () => {
    const foreground = page.getByLabel("Foreground colour");
    await foreground.fill("#eeeeee");
    // The preview says so as soon as it is asked for it ...
    await expect.poll(() => foreground.getAttribute("aria-invalid")).toBe("true");
    await designer().getByRole("button", { name: "Save design" }).click();
    // ... and so does a save, at the same field.
    const error = designer().locator(`#${(await foreground.getAttribute("aria-describedby"))!.split(" ").at(-1)}`);
    await expect.poll(() => error.innerText()).toMatch(/contrast with the background is 1\.\d\d:1, below the 3:1/);
    expect((await api(`/v1/codes/${codeId}`)).json.data.qr_style.foreground).toBe("#1a237e");
    await page.screenshot({ path: join(SHOTS, "qr-designer-refused.png"), fullPage: true });

    // Set back, the error goes.
    const count = previews.length;
    await foreground.fill("#1a237e");
    await expect.poll(() => foreground.getAttribute("aria-invalid")).toBeNull();
    expect(await error.isHidden()).toBe(true);
    await previewWith(count, {});
  });

  it("uploads a logo, refusing files that are not one", async () => {
    const input = page.getByLabel("Upload a logo");
    const logoError = page.locator(`#${(await input.getAttribute("aria-describedby"))!.split(" ").at(-1)}`);

    await input.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image") });
    await expect.poll(() => logoError.innerText()).toMatch(/PNG, JPEG or SVG/);
    await input.setInputFiles({ name: "fake.png", mimeType: "image/png", buffer: Buffer.from("GIF89a not a png at all") });
    await expect.poll(() => logoError.innerText()).toMatch(/not a PNG/);
    await input.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(300 * 1024, 1) });
    await expect.poll(() => logoError.innerText()).toMatch(/larger than 256 KB/);

    const count = previews.length;
    await input.setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from(discPng(96)) });
    await page.getByText("Logo saved.").waitFor();
    await page.getByText("Logo: PNG, 96 × 96").waitFor();
    expect(await logoError.isHidden()).toBe(true);
    const { json } = await api(`/v1/codes/${codeId}`);
    expect(json.data.logo).toMatchObject({ type: "image/png", width: 96, height: 96 });
    // The preview is drawn again, with the logo embedded.
    const withLogo = await previewWith(count, {});
    expect(withLogo.svg).toContain('href="data:image/png;base64,');
  });

  it("downloads the SVG, a PNG of the width asked and one sized for print, each scanning as the short link", async () => {
    const svg = await download("Download SVG");
    expect(svg.name).toBe("Spring-menu.svg");
    expect(svg.bytes.toString("utf8")).toMatch(/^<svg[^>]+viewBox/);

    await page.getByLabel("PNG width (pixels)").fill("600");
    const png = await download("Download PNG");
    expect(png.name).toBe("Spring-menu.png");
    expect(png.bytes.readUInt32BE(16)).toBe(600); // the header chunk's width
    expect(await readQrTwice(png.bytes)).toEqual({ jsqr: shortUrl, zxing: shortUrl });

    // For print: 30 mm at 300 dpi is 354 pixels, and the file says 300 dpi (11,811 pixels a metre).
    await page.getByLabel("Print PNG width (mm)").fill("30");
    await page.getByLabel("Print PNG resolution (dpi)").fill("300");
    const printed = await download("Download print PNG");
    expect(printed.bytes.readUInt32BE(16)).toBe(354);
    const phys = printed.bytes.indexOf("pHYs");
    expect(phys).toBeGreaterThan(0);
    expect(printed.bytes.readUInt32BE(phys + 4)).toBe(11811);
    expect(await readQrTwice(printed.bytes)).toEqual({ jsqr: shortUrl, zxing: shortUrl });
  });

  it("shows a PNG width the API refuses at its field", async () => {
    const width = page.getByLabel("PNG width (pixels)");
    await width.fill("20000");
    await page.getByRole("button", { name: "Download PNG" }).click();
    await expect.poll(() => width.getAttribute("aria-invalid")).toBe("true");
    await width.fill("600");
  });

  it("downloads a PDF of the width and bleed asked, which pdf.js draws and jsQR reads as the short link", async () => {
    await page.getByLabel("PDF width (mm)").fill("40");
    await page.getByLabel("PDF bleed (mm)").fill("3");
    const pdf = await download("Download PDF");
    expect(pdf.name).toBe("Spring-menu.pdf");
    expect(pdf.bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const width = (40 + 2 * 3) * MM_TO_PT;
    const drawn = await renderPdf(context, pdf.bytes, 4);
    expect(drawn.pages).toBe(1);
    expect(drawn.view[2]! - drawn.view[0]!).toBeCloseTo(width, 1);
    expect(await readQrTwice(drawn.png)).toEqual({ jsqr: shortUrl, zxing: shortUrl });
  });

  it("downloads every code of the tag as one ZIP, in the format chosen", async () => {
    await api("/v1/codes", { method: "POST", body: { url: "https://example.com/summer-menu", name: "Summer menu", tags: ["menu"] } });
    await page.goto(`${stack.origin}/#/tags/menu`);
    const section = page.getByRole("region", { name: "QR codes" });
    await section.waitFor();
    for (const format of ["svg", "png"] as const) {
      await section.getByLabel("Image format").selectOption(format);
      const zip = await download("Download all as ZIP", section);
      expect(zip.name).toBe(`qr3-menu-${format}.zip`);
      const files = unzipSync(new Uint8Array(zip.bytes));
      expect(Object.keys(files).sort()).toEqual([`Spring-menu.${format}`, `Summer-menu.${format}`]);
      if (format === "png") expect(readQr(files["Spring-menu.png"]!)).toBe(shortUrl);
    }
  });

  it("downloads the tag's PDFs as one ZIP from the codes list filtered by the tag", async () => {
    await page.goto(`${stack.origin}/#/codes?tag=menu`);
    const group = page.getByRole("group", { name: "QR codes of the tag" });
    await group.getByLabel("Image format").selectOption("pdf");
    const zip = await download("Download all as ZIP", group);
    expect(zip.name).toBe("qr3-menu-pdf.zip");
    const files = unzipSync(new Uint8Array(zip.bytes));
    expect(Object.keys(files).sort()).toEqual(["Spring-menu.pdf", "Summer-menu.pdf"]);
    for (const bytes of Object.values(files)) expect(Buffer.from(bytes.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
  });

  it("removes the logo", async () => {
    await page.goto(`${stack.origin}/#/codes/${encodeURIComponent(codeId)}`);
    await page.getByRole("button", { name: "Remove logo" }).click();
    await page.getByText("Logo removed.").waitFor();
    expect((await api(`/v1/codes/${codeId}`)).json.data.logo).toBeNull();
    expect(await page.getByRole("button", { name: "Remove logo" }).isHidden()).toBe(true);
  });

  it("resets the design to the default", async () => {
    await designer().getByRole("button", { name: "Reset to default" }).click();
    await page.getByText("Design reset to the default.").waitFor();
    expect((await api(`/v1/codes/${codeId}`)).json.data.qr_style).toMatchObject({ foreground: "#000000", modules: "square", frame: "none", cta: null });
    expect(await page.getByLabel("Module shape").inputValue()).toBe("square");
  });

  it("ran without script errors, and received only answers the OpenAPI document describes", () => {
    expect(pageErrors).toEqual([]);
    expect(contractProblems).toEqual([]);
  });
});
