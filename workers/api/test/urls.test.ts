import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey } from "./helpers.ts";

let key: string;
let workspaceId: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, workspace: { id: workspaceId }, db } = await seedKey());
});

const create = (url: string) => call("/v1/codes", { method: "POST", key, body: { url } });
const patch = async (url: string) => {
  const id = (await create("https://example.com/before")).json.data.id;
  return call(`/v1/codes/${id}`, { method: "PATCH", key, body: { url } });
};
const link = (shortCode: string) => env.LINKS.get<{ url: string }>(`code:${shortCode}`, "json");

// Every control character class, in the path, the query and the host.
const CONTROL = [
  ["NUL", "https://example.com/\u0000"],
  ["SOH", "https://example.com/\u0001"],
  ["tab", "https://example.com/a\tb"],
  ["LF", "https://example.com/a\nb"],
  ["CR", "https://exa\rmple.com/"],
  ["VT", "https://example.com/?q=\u000b"],
  ["US", "https://example.com/\u001f"],
  ["DEL", "https://example.com/\u007f"],
  ["NEL (C1)", "https://example.com/\u0085"],
  ["APC (C1)", "https://example.com/\u009f"],
  ["LINE SEPARATOR", "https://example.com/\u2028"],
  ["PARAGRAPH SEPARATOR", "https://example.com/#\u2029"],
  ["a trailing LF", "https://example.com/\n"],
] as const;

// What is stored and answered: the parsed URL's href, IDN hosts as punycode, the rest percent-encoded.
const NORMALISED = [
  ["https://bücher.example/ü", "https://xn--bcher-kva.example/%C3%BC"],
  ["https://example.com/🎉?q=é#ß", "https://example.com/%F0%9F%8E%89?q=%C3%A9#%C3%9F"],
  ["HTTPS://Example.COM:443/a b", "https://example.com/a%20b"],
  ["https://example.com", "https://example.com/"],
  ["https://example.com/a/../b", "https://example.com/b"],
] as const;

// 20 characters of ASCII and 700 of "é": 720 typed, 4,220 once percent-encoded.
const LONG_ONCE_ENCODED = `https://example.com/${"é".repeat(700)}`;

describe("destination URLs: control characters", () => {
  it.each(CONTROL)("POST with %s → 400 naming url", async (_, url) => {
    const res = await create(url);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message: "url: must not contain control characters" });
  });

  it.each(CONTROL)("PATCH with %s → 400 naming url", async (_, url) => {
    const res = await patch(url);
    expect(res.status).toBe(400);
    expect(res.json.error).toEqual({ code: "BAD_REQUEST", message: "url: must not contain control characters" });
  });

  it("stores nothing for a refused URL", async () => {
    await create("https://example.com/\u0000");
    const rows = await db.prepare("SELECT count(*) AS n FROM codes WHERE workspace_id = ?1").bind(workspaceId).first<number>("n");
    expect(rows).toBe(0);
  });
});

describe("destination URLs: the normalised form", () => {
  it.each(NORMALISED)("POST %j stores, answers and publishes %j", async (typed, href) => {
    const res = await create(typed);
    expect(res.status).toBe(201);
    expect(res.json.data.url).toBe(href);
    expect((await call(`/v1/codes/${res.json.data.id}`, { key })).json.data.url).toBe(href);
    expect((await link(res.json.data.short_code))!.url).toBe(href);
  });

  it.each(NORMALISED)("PATCH %j stores, answers and publishes %j", async (typed, href) => {
    const res = await patch(typed);
    expect(res.status).toBe(200);
    expect(res.json.data.url).toBe(href);
    expect((await call(`/v1/codes/${res.json.data.id}`, { key })).json.data.url).toBe(href);
    expect((await link(res.json.data.short_code))!.url).toBe(href);
  });

  it("checks the length limit on the normalised form", async () => {
    expect(LONG_ONCE_ENCODED.length).toBeLessThan(2048);
    for (const res of [await create(LONG_ONCE_ENCODED), await patch(LONG_ONCE_ENCODED)]) {
      expect(res.status).toBe(400);
      expect(res.json.error.message).toBe("url: must be at most 2048 characters");
    }
    const fits = `https://example.com/${"a".repeat(2048 - 20)}`;
    expect((await create(fits)).status).toBe(201);
  });

  it("keeps refusing what is not an http or https URL", async () => {
    for (const url of ["javascript:alert(1)", "https://", "https:example.com", "https://exa mple.com/"]) {
      const res = await create(url);
      expect(res.status, url).toBe(400);
      expect(res.json.error.message).toBe("url: must be an http or https URL");
    }
  });
});
