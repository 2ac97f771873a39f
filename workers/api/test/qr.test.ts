import { describe, expect, it } from "vitest";
import { apiFetch, call, seedKey } from "./helpers.ts";
import { decodeSvg } from "./qr-decode.ts";

const qr = (id: string, key: string, query = "") =>
  apiFetch(`https://api.qr3.test/v1/codes/${id}/qr.svg${query}`, { headers: { authorization: `Bearer ${key}` } });

/** The text both decoders read from the image, or what each read when they differ. */
async function decode(svg: string): Promise<string | null | { jsqr: string | null; zxing: string | null }> {
  const read = await decodeSvg(svg);
  return read.jsqr === read.zxing ? read.jsqr : read;
}

describe("GET /v1/codes/:id/qr.svg", () => {
  it("is an SVG QR code that decodes to the code's public short link, with a quiet zone", async () => {
    const { key } = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/menu", short_code: "menu-qr" } })).json.data;
    const res = await qr(code.id, key);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('inline; filename="menu-qr.svg"');
    const svg = await res.text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    expect(await decode(svg)).toBe(code.short_url);
    // Four light modules around the symbol (the image is drawn in modules): no dark shape starts before 4.
    const dark = [...svg.matchAll(/<path fill="#000000"[^>]* d="([^"]+)"/g)].map((m) => m[1]).join("");
    const starts = [...dark.matchAll(/M([\d.]+) ([\d.]+)/g)].flatMap((m) => [Number(m[1]), Number(m[2])]);
    expect(Math.min(...starts)).toBe(4);
  });

  it("keeps encoding the short link after the destination changes", async () => {
    const { key } = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com/a" } })).json.data;
    const before = await (await qr(code.id, key)).text();
    await call(`/v1/codes/${code.id}`, { method: "PATCH", key, body: { url: "https://example.com/b" } });
    expect(await (await qr(code.id, key)).text()).toBe(before);
  });

  it("takes an error correction level, denser for more tolerance", async () => {
    const { key } = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key, body: { url: "https://example.com" } })).json.data;
    const size = async (ecc: string) => Number(/viewBox="0 0 (\d+)/.exec(await (await qr(code.id, key, `?ecc=${ecc}`)).text())![1]);
    expect(await size("H")).toBeGreaterThan(await size("L"));
    expect(await decode(await (await qr(code.id, key, "?ecc=H")).text())).toBe(code.short_url);
    const bad = await qr(code.id, key, "?ecc=X");
    expect(bad.status).toBe(400);
    expect((await bad.json<{ error: { message: string } }>()).error.message).toContain("ecc");
  });

  it("is a 404 for another workspace's code and a 401 without a key", async () => {
    const mine = await seedKey();
    const theirs = await seedKey();
    const code = (await call("/v1/codes", { method: "POST", key: theirs.key, body: { url: "https://example.com" } })).json.data;
    const res = await qr(code.id, mine.key);
    expect(res.status).toBe(404);
    expect((await res.json<{ error: { code: string } }>()).error.code).toBe("NOT_FOUND");
    expect((await call(`/v1/codes/${code.id}/qr.svg`)).status).toBe(401);
  });
});
