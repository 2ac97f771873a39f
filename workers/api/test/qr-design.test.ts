import { env } from "cloudflare:workers";
import { API_LIMITS } from "@qr3/schema/api/limits";
import { DEFAULT_QR_STYLE, QR_IMAGE_LIMITS, QR_LOGO_LIMITS } from "@qr3/schema/qr-style";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { API_ORIGIN, apiFetch, call, seedKey } from "./helpers.ts";
import { discPng, png } from "./images.ts";
import { decodeSvg } from "./qr-decode.ts";

// A code's design, logo and images through the API worker: stored whole once it scans, previewed
// by query, drawn in three formats, cached by ETag, and a tag's images as one ZIP.

const image = (id: string, key: string, file: string, query = "", headers: Record<string, string> = {}) =>
  apiFetch(`${API_ORIGIN}/v1/codes/${id}/${file}${query}`, { headers: { authorization: `Bearer ${key}`, ...headers } });

const putLogo = (id: string, key: string, body: Uint8Array | string, type: string) =>
  apiFetch(`${API_ORIGIN}/v1/codes/${id}/logo`, { method: "PUT", headers: { authorization: `Bearer ${key}`, "content-type": type }, body });

async function newCode(key: string, body: Record<string, unknown> = {}) {
  const res = await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/menu", ...body } });
  expect(res.status).toBe(201);
  return res.json.data;
}

/** Both decoders' reading of the SVG, or what each read when they differ. */
async function decoded(svg: string) {
  const read = await decodeSvg(svg, 480);
  return read.jsqr === read.zxing ? read.jsqr : read;
}

describe("a code's qr_style", () => {
  it("is the default design until one is set, and a change puts its fields over the stored ones", async () => {
    const { key } = await seedKey();
    const code = await newCode(key);
    expect(code.qr_style).toEqual(DEFAULT_QR_STYLE);
    expect(code.logo).toBeNull();
    const styled = await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style: { foreground: "#1A237E", modules: "dots", frame: "box", cta: "Scan for the menu" } } });
    expect(styled.status).toBe(200);
    expect(styled.json.data.qr_style).toEqual({ ...DEFAULT_QR_STYLE, foreground: "#1a237e", modules: "dots", frame: "box", cta: "Scan for the menu" });
    const again = await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style: { eyes: "circle" } } });
    expect(again.json.data.qr_style).toMatchObject({ foreground: "#1a237e", modules: "dots", eyes: "circle" });
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.qr_style).toEqual(again.json.data.qr_style);
    const reset = await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style: null } });
    expect(reset.json.data.qr_style).toEqual(DEFAULT_QR_STYLE);
  });

  it("is taken on create, and the image is drawn in it and reads back as the short link", async () => {
    const { key } = await seedKey();
    const code = await newCode(key, { qr_style: { foreground: "#ffffff", background: "#0b3d2e", inverted: true, modules: "rounded", eyes: "rounded", margin: 2 } });
    expect(code.qr_style).toMatchObject({ foreground: "#ffffff", background: "#0b3d2e", inverted: true, margin: 2 });
    const svg = await (await image(code.id, key, "qr.svg")).text();
    expect(svg).toContain('fill="#0b3d2e"');
    expect(svg).toContain('fill="#ffffff"');
    expect(await decoded(svg)).toBe(code.short_url);
  });

  it.each([
    [{ foreground: "#cccccc" }, "qr_style.foreground: contrast with the background is 1.61:1, below the 3:1 a scanner needs"],
    [{ foreground: "#ffffff", background: "#000000" }, "qr_style.inverted: a light foreground on a darker background must be set as inverted: true (not every scanner reads one)"],
    [{ foreground: "black" }, "qr_style.foreground: must be a colour as #rrggbb or #rgb"],
    [{ margin: 1 }, "qr_style.margin: must be at least 2"],
    [{ cta: "x".repeat(31) }, "qr_style.cta: must be at most 30 characters"],
    [{ frame: "circle" }, 'qr_style.frame: must be one of "none", "box", "banner"'],
    [{ dots: true }, "qr_style.dots: is not a known field"],
    [{ frame: "banner", cta: "スキャン" }, "qr_style.cta: has characters the frame's typeface cannot draw: ス キ ャ ン"],
    // Contrast enough for the rule (3.03:1), but a decoder cannot read this grey, dense and with the least quiet zone.
    [{ foreground: "#949494", ecc: "H", margin: 2 }, "qr_style: does not scan: a decoder could not read the image back as the code's link; raise the contrast or the error correction, or choose other shapes"],
  ])("refuses a design that would not scan or is malformed: %j", async (qr_style, message) => {
    const { key } = await seedKey();
    const code = await newCode(key);
    const res = await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe(message);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.qr_style).toEqual(DEFAULT_QR_STYLE);
    expect((await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com", qr_style } })).status).toBe(400);
  });

  it("checks a change against the stored design: a background alone that loses the contrast is refused", async () => {
    const { key } = await seedKey();
    const code = await newCode(key, { qr_style: { foreground: "#555555" } });
    const res = await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style: { background: "#333333" } } });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^qr_style\.foreground: contrast/);
  });

  it("is taken per item by a bulk create, a bad one named by its index", async () => {
    const { key } = await seedKey();
    const bad = await call("/v1/codes/bulk", {
      method: "POST",
      key,
      body: { codes: [{ url: "https://example.com/a", qr_style: { modules: "dots" } }, { url: "https://example.com/b", qr_style: { foreground: "#eeeeee" } }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details).toEqual([{ index: 1, field: "qr_style.foreground", message: expect.stringMatching(/^contrast/) }]);
    const good = await call("/v1/codes/bulk", { method: "POST", key, body: { codes: [{ url: "https://example.com/a", qr_style: { modules: "dots" } }, { url: "https://example.com/b" }] } });
    expect(good.status).toBe(201);
    expect(good.json.data.map((c: { qr_style: { modules: string } }) => c.qr_style.modules)).toEqual(["dots", "square"]);
  });
});

describe("a code's images", () => {
  it("previews a design given by query without storing it, refusing one that would not scan", async () => {
    const { key } = await seedKey();
    const code = await newCode(key);
    const preview = await image(code.id, key, "qr.svg", "?foreground=%23b71c1c&modules=dots");
    expect(preview.status).toBe(200);
    const svg = await preview.text();
    expect(svg).toContain('fill="#b71c1c"');
    expect(await decoded(svg)).toBe(code.short_url);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.qr_style).toEqual(DEFAULT_QR_STYLE);
    // The "#" may be left out of a colour in a query.
    expect(await (await image(code.id, key, "qr.svg", "?foreground=0d47a1")).text()).toContain('fill="#0d47a1"');
    const refused = await image(code.id, key, "qr.svg", "?foreground=%23dddddd");
    expect(refused.status).toBe(400);
    expect((await refused.json<{ error: { message: string } }>()).error.message).toMatch(/^foreground: contrast/);
  });

  it("carries an ETag of what it is drawn from, answering 304 to it, and names the file by the code's name", async () => {
    const { key } = await seedKey();
    const code = await newCode(key, { name: "Café menu / Table 4" });
    const first = await image(code.id, key, "qr.svg", "?download=true");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.headers.get("content-disposition")).toBe('attachment; filename="Cafe-menu-Table-4.svg"');
    const again = await image(code.id, key, "qr.svg", "", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { qr_style: { eyes: "circle" } } });
    const changed = await image(code.id, key, "qr.svg", "", { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    // A destination change leaves the image (and its ETag) as it was: the short link did not change.
    const before = changed.headers.get("etag")!;
    await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { url: "https://example.com/other" } });
    expect((await image(code.id, key, "qr.svg")).headers.get("etag")).toBe(before);
  });

  it("draws a PNG at the width asked, in pixels or in millimetres at a resolution", async () => {
    const { key } = await seedKey();
    const code = await newCode(key);
    const width = async (query: string) => {
      const res = await image(code.id, key, "qr.png", query);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      return new DataView(await res.arrayBuffer()).getUint32(16);
    };
    expect(await width("")).toBe(1024);
    expect(await width("?size=128")).toBe(128);
    expect(await width("?size_mm=25.4&dpi=300")).toBe(300);
    for (const [query, message] of [
      // The least width the format allows, but fewer than 2 pixels a module for this link.
      ["?size=64", /^size: 64 pixels give this design 1\.\d pixels a module: it needs at least \d+ \(2 a module\) to scan$/],
      ["?size_mm=10&dpi=170", /^size_mm: 67 pixels give this design 1\.\d pixels a module: it needs at least \d+ \(2 a module\) to scan$/],
      ["?size=63", "size: must be at least 64"],
      ["?size=4097", "size: must be at most 4096"],
      ["?size_mm=50", "dpi: size_mm and dpi go together"],
      ["?size_mm=400&dpi=1200", "size_mm: at 1200 dpi is 18898 pixels wide: a PNG is 64 to 4096 pixels"],
      ["?size=100&size_mm=20&dpi=300", "size: give size or size_mm, not both"],
    ] as const) {
      const res = await image(code.id, key, "qr.png", query);
      expect(res.status, query).toBe(400);
      expect((await res.json<{ error: { message: string } }>()).error.message).toMatch(message);
    }
  });

  it("is a 404 for another workspace's code, and needs a key", async () => {
    const mine = await seedKey();
    const theirs = await seedKey();
    const code = await newCode(theirs.key);
    for (const file of ["qr.svg", "qr.png", "qr.pdf", "logo"]) {
      expect((await image(code.id, mine.key, file)).status, file).toBe(404);
      expect((await call(`/v1/codes/${code.id}/${file}`)).status, file).toBe(401);
    }
    expect((await putLogo(code.id, mine.key, discPng(), "image/png")).status).toBe(404);
    expect((await call(`/v1/codes/${code.id}/logo`, { method: "DELETE", key: mine.key })).status).toBe(404);
  });
});

describe("one design for many codes: POST /v1/codes/bulk-update with set.qr_style", () => {
  const bulkDesign = (key: string, qr_style: unknown) => call("/v1/codes/bulk-update", { method: "POST", key, body: { tag: "tables", set: { qr_style } } });

  it("gives every code of the tag the design (over the default, not over each code's own), and its image reads back", async () => {
    const { key } = await seedKey();
    const plain = await newCode(key, { tags: ["tables"] });
    const styled = await newCode(key, { tags: ["tables"], qr_style: { modules: "dots", eyes: "circle" } });
    const withLogo = await newCode(key, { tags: ["tables"] });
    expect((await putLogo(withLogo.id, key, discPng(96), "image/png")).status).toBe(200);
    const other = await newCode(key, { tags: ["bar"] });
    const res = await bulkDesign(key, { foreground: "#1A237E", frame: "banner", cta: "Order here" });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ updated: 3 });
    const want = { ...DEFAULT_QR_STYLE, foreground: "#1a237e", frame: "banner", cta: "Order here" };
    for (const code of [plain, styled, withLogo]) {
      expect((await call(`/v1/codes/${code.id}`, { key })).json.data.qr_style).toEqual(want);
      expect(await decoded(await (await image(code.id, key, "qr.svg")).text())).toBe(code.short_url);
    }
    expect((await call(`/v1/codes/${other.id}`, { key })).json.data.qr_style).toEqual(DEFAULT_QR_STYLE);
    const reset = await bulkDesign(key, null);
    expect(reset.json.data).toEqual({ updated: 3 });
    expect((await call(`/v1/codes/${styled.id}`, { key })).json.data.qr_style).toEqual(DEFAULT_QR_STYLE);
  });

  it.each([
    [{ foreground: "#cccccc" }, /^set\.qr_style\.foreground: contrast with the background is 1\.61:1/],
    [{ foreground: "#949494", ecc: "H", margin: 2 }, /^set\.qr_style: does not scan/],
    [{ modules: "hexagons" }, /^set\.qr_style\.modules: must be one of/],
  ])("refuses a design that would not scan or is malformed, changing no code: %j", async (qr_style, message) => {
    const { key } = await seedKey();
    const code = await newCode(key, { tags: ["tables"], qr_style: { modules: "dots" } });
    const res = await bulkDesign(key, qr_style);
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(message);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.qr_style).toMatchObject({ modules: "dots", foreground: "#000000" });
  });
});

const DRAWS_NOTHING = "body: draws nothing: the image is empty, fully transparent or its data cannot be read";
/** The PNG with its compressed image data garbled (its header, and so its size, intact). */
const damaged = (image: Uint8Array) => image.map((b, i) => (i > 45 && i < image.length - 20 ? (b * 7 + 13) & 0xff : b));
/** A JPEG's start, frame header (64 x 64) and scan header, with five bytes of no image. */
const JPEG_HEADERS_ONLY = new Uint8Array([
  0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x40, 0x00, 0x40, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
  0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 1, 2, 3, 4, 5, 0xff, 0xd9,
]);

describe("a code's logo", () => {
  const objects = async () => (await env.LOGOS.list({ prefix: "logos/" })).objects.map((o) => o.key);

  it("is stored in R2, named by the code, centred on the image with error correction H, and read back", async () => {
    const { key, workspace } = await seedKey();
    const code = await newCode(key, { qr_style: { ecc: "L" } });
    const plain = await (await image(code.id, key, "qr.svg")).text();
    const logo = discPng(96);
    const res = await putLogo(code.id, key, logo, "image/png");
    expect(res.status).toBe(200);
    const facts = (await res.json<{ data: { logo: Record<string, unknown> } }>()).data.logo;
    expect(facts).toEqual({ type: "image/png", bytes: logo.byteLength, width: 96, height: 96, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await objects()).toContain(`logos/${workspace.id}/${code.id}/${facts.sha256}`);
    const stored = await image(code.id, key, "logo");
    expect(stored.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await stored.arrayBuffer())).toEqual(logo);

    const svg = await (await image(code.id, key, "qr.svg")).text();
    expect(svg).toContain("<image");
    expect(svg).toContain("data:image/png;base64,");
    // H is denser than L: the symbol grew.
    const side = (s: string) => Number(/viewBox="0 0 ([\d.]+)/.exec(s)![1]);
    expect(side(svg)).toBeGreaterThan(side(plain));
    expect(await decoded(svg)).toBe(code.short_url);

    const removed = await call(`/v1/codes/${code.id}/logo`, { method: "DELETE", key });
    expect(removed.status).toBe(200);
    expect(removed.json.data.logo).toBeNull();
    expect((await objects()).filter((k) => k.includes(code.id))).toEqual([]);
    expect((await image(code.id, key, "logo")).status).toBe(404);
    expect(await (await image(code.id, key, "qr.svg")).text()).toBe(plain);
  });

  it("replaced, keeps only the new image; deleted with its code, is removed", async () => {
    const { key } = await seedKey();
    const code = await newCode(key);
    await putLogo(code.id, key, discPng(64), "image/png");
    const second = await (await putLogo(code.id, key, discPng(80), "image/png")).json<{ data: { logo: { sha256: string } } }>();
    expect((await objects()).filter((k) => k.includes(code.id))).toEqual([expect.stringContaining(second.data.logo.sha256)]);
    expect((await call(`/v1/codes/${code.id}`, { method: "DELETE", key })).status).toBe(204);
    expect((await objects()).filter((k) => k.includes(code.id))).toEqual([]);
  });

  it("takes an SVG kept to drawing: no script, event attribute or external reference survives", async () => {
    const { key } = await seedKey();
    const code = await newCode(key);
    const hostile = `<?xml version="1.0"?>
      <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 40 20" onload="alert(1)">
        <script>alert(2)</script><style>@import url(https://evil.test/x.css);</style>
        <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
        <rect width="40" height="20" fill="#0d47a1" onclick="alert(3)" style="fill:url(https://evil.test/p);stroke:#fff"/>
        <use xlink:href="https://evil.test/sprite.svg#a"/><use href="#r"/>
        <image href="https://evil.test/track.png" width="1" height="1"/>
        <circle id="r" cx="20" cy="10" r="6" fill="url(#g)"/>
        <a href="javascript:alert(4)"><circle r="1"/></a>
      </svg>`;
    const res = await putLogo(code.id, key, hostile, "image/svg+xml");
    expect(res.status).toBe(200);
    expect((await res.json<{ data: { logo: Record<string, unknown> } }>()).data.logo).toMatchObject({ type: "image/svg+xml", width: 40, height: 20 });
    const kept = await (await image(code.id, key, "logo")).text();
    for (const gone of ["script", "alert", "onload", "onclick", "evil.test", "foreignObject", "<style", "javascript", "<a"]) expect(kept, gone).not.toContain(gone);
    expect(kept).toContain('<rect width="40" height="20" fill="#0d47a1" style="stroke:#fff"/>');
    expect(kept).toContain('<use href="#r"/>');
    expect(await decoded(await (await image(code.id, key, "qr.svg")).text())).toBe(code.short_url);
  });

  it.each([
    ["a GIF", new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]), "image/gif", 415, "content-type: must be one of image/png, image/jpeg, image/svg+xml"],
    ["a PNG declared as JPEG", discPng(), "image/jpeg", 400, "body: is not a JPEG, as its content-type says"],
    ["text declared as PNG", new TextEncoder().encode("hello"), "image/png", 400, "body: is not a PNG, as its content-type says"],
    ["an empty body", new Uint8Array(), "image/png", 400, "body: must hold the image"],
    ["an SVG with a DOCTYPE", new TextEncoder().encode('<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1">&a;</svg>'), "image/svg+xml", 400, "body: is an SVG with a DOCTYPE: save it without one"],
    ["broken XML", new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>'), "image/svg+xml", 400, "body: is not well-formed SVG"],
    ["an SVG without a size", new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'), "image/svg+xml", 400, "body: is an SVG without a size: give it a viewBox"],
    ["HTML", new TextEncoder().encode("<html><body>x</body></html>"), "image/svg+xml", 400, "body: is not an SVG: its root must be an svg element"],
    ["a truncated PNG", discPng().subarray(0, 20), "image/png", 400, "body: is not a valid PNG: its header gives no size"],
    ["a PNG too large", new Uint8Array(QR_LOGO_LIMITS.bytes_max + 1).fill(7), "image/png", 413, `body: must be at most ${QR_LOGO_LIMITS.bytes_max} bytes`],
    ["a PNG whose image data is damaged", damaged(discPng(64)), "image/png", 400, DRAWS_NOTHING],
    ["a fully transparent PNG", png(32, 32, () => [0, 0, 0, 0]), "image/png", 400, DRAWS_NOTHING],
    ["a JPEG of headers and no image", JPEG_HEADERS_ONLY, "image/jpeg", 400, DRAWS_NOTHING],
    ["an SVG that draws nothing", new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g/></svg>'), "image/svg+xml", 400, DRAWS_NOTHING],
  ])("refuses %s, keeping the code as it was", async (_, body, type, status, message) => {
    const { key } = await seedKey();
    const code = await newCode(key);
    const res = await putLogo(code.id, key, body, type);
    expect(res.status).toBe(status);
    expect((await res.json<{ error: { message: string } }>()).error.message).toBe(message);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.logo).toBeNull();
    expect((await objects()).filter((k) => k.includes(code.id))).toEqual([]);
  });
});

describe("GET /v1/tags/:tag/qr.zip", () => {
  it("holds every code of the tag, named by name or short code, each name unique", async () => {
    const { key } = await seedKey();
    const a = await newCode(key, { name: "Table 1", tags: ["menus"] });
    const b = await newCode(key, { name: "Table 1", tags: ["menus"], qr_style: { modules: "dots" } });
    const c = await newCode(key, { short_code: "bar-menu", tags: ["menus"] });
    await newCode(key, { name: "Elsewhere", tags: ["other"] });
    const res = await apiFetch(`${API_ORIGIN}/v1/tags/menus/qr.zip`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="qr3-menus-svg.zip"');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["Table-1-2.svg", "Table-1.svg", "bar-menu.svg"]);
    const text = (name: string) => new TextDecoder().decode(files[name]);
    expect(await decoded(text("Table-1.svg"))).toBe(a.short_url);
    expect(await decoded(text("Table-1-2.svg"))).toBe(b.short_url);
    expect(await decoded(text("bar-menu.svg"))).toBe(c.short_url);

    const pngs = unzipSync(new Uint8Array(await (await apiFetch(`${API_ORIGIN}/v1/tags/menus/qr.zip?format=png&size=256`, { headers: { authorization: `Bearer ${key}` } })).arrayBuffer()));
    expect(Object.keys(pngs).sort()).toEqual(["Table-1-2.png", "Table-1.png", "bar-menu.png"]);
    expect(new DataView(pngs["bar-menu.png"]!.buffer, pngs["bar-menu.png"]!.byteOffset).getUint32(16)).toBe(256);
  });

  it("refuses PNGs that would add up to more pixels than one archive draws, before drawing any", async () => {
    const { key } = await seedKey();
    const { max, png_megapixels_max } = API_LIMITS.tag_qr_zip;
    const side = QR_IMAGE_LIMITS.size.max;
    const codes = Math.floor((png_megapixels_max * 1e6) / side ** 2) + 1;
    expect(codes).toBeLessThanOrEqual(max);
    const bulk = await call("/v1/codes/bulk", { method: "POST", key, body: { codes: Array.from({ length: codes }, (_, i) => ({ url: `https://example.com/${i}`, tags: ["posters"] })) } });
    expect(bulk.status).toBe(201);
    const res = await call(`/v1/tags/posters/qr.zip?format=png&size=${side}`, { key });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(new RegExp(`^size: ${codes} PNGs of ${side} px are \\d+ million pixels: one archive holds at most ${png_megapixels_max} million`));
    expect((await apiFetch(`${API_ORIGIN}/v1/tags/posters/qr.zip?format=png&size=128`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it("is a 404 for a tag no code of the workspace carries", async () => {
    const { key } = await seedKey();
    const other = await seedKey();
    await newCode(other.key, { tags: ["theirs"] });
    const res = await apiFetch(`${API_ORIGIN}/v1/tags/theirs/qr.zip`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    expect((await apiFetch(`${API_ORIGIN}/v1/tags/theirs/qr.zip?format=gif`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(400);
  });
});
