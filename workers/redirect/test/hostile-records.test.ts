import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { linkKey, newId } from "@qr3/core";
import { LIMITS, ScanMessageSchema } from "@qr3/schema";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index.ts";
import { OWN_ORIGIN, recordingEnv } from "./helpers.ts";

// Code records as KV might hold them, whoever wrote them: each is written straight to KV and
// scanned through the worker's fetch. None may make the redirector answer 500; a redirect goes to
// the destination as the URL parser re-encodes it, and anything else records nothing.
const IP = "198.51.100.77";
const ids = { code_id: newId("qr"), workspace_id: newId("ws") };
const active = (url: unknown) => JSON.stringify({ ...ids, url, status: "active" });
const emojiUrl = `https://example.com/${"😀".repeat((LIMITS.url - 20) / 2)}`;

type Case = [name: string, stored: string, expected: { location: string } | { status: 404 | 410 }];

const CASES: Case[] = [
  ["a trailing NUL", active("https://example.com/\u0000"), { location: "https://example.com/" }],
  ["a NUL inside the path", active("https://example.com/a\u0000b"), { location: "https://example.com/a%00b" }],
  ["U+0001", active("https://example.com/a\u0001b"), { location: "https://example.com/a%01b" }],
  ["a vertical tab", active("https://example.com/a\u000bb"), { location: "https://example.com/a%0Bb" }],
  ["DEL", active("https://example.com/a\u007fb"), { location: "https://example.com/a%7Fb" }],
  ["CR LF in the query", active("https://example.com/?q=a\r\nSet-Cookie: x=1"), { location: "https://example.com/?q=aSet-Cookie:%20x=1" }],
  ["U+2028", active("https://example.com/a\u2028b"), { location: "https://example.com/a%E2%80%A8b" }],
  ["an emoji", active("https://example.com/😀?q=😀#😀"), { location: "https://example.com/%F0%9F%98%80?q=%F0%9F%98%80#%F0%9F%98%80" }],
  ["a raw IDN host", active("https://bücher.example/straße"), { location: "https://xn--bcher-kva.example/stra%C3%9Fe" }],
  ["a lone surrogate", active("https://example.com/a\ud800b"), { location: "https://example.com/a%EF%BF%BDb" }],
  ["2,048 units of emoji", active(emojiUrl), { location: new URL(emojiUrl).href }],
  ["a URL one unit too long", active(`https://example.com/${"a".repeat(LIMITS.url)}`), { status: 404 }],
  ["a NUL in the host", active("https://exa\u0000mple.com/"), { status: 404 }],
  ["a javascript: URL", active("javascript:alert(1)"), { status: 404 }],
  ["an ftp: URL", active("ftp://example.com/file"), { status: 404 }],
  ["an empty URL", active(""), { status: 404 }],
  ["url: 42", active(42), { status: 404 }],
  ["url: null", active(null), { status: 404 }],
  ["no url", JSON.stringify({ ...ids, status: "active" }), { status: 404 }],
  ["status: \"weird\"", JSON.stringify({ ...ids, url: "https://example.com/", status: "weird" }), { status: 404 }],
  ["no status", JSON.stringify({ ...ids, url: "https://example.com/" }), { status: 404 }],
  ["no code_id", JSON.stringify({ workspace_id: ids.workspace_id, url: "https://example.com/", status: "active" }), { status: 404 }],
  ["code_id: 7", JSON.stringify({ ...ids, code_id: 7, url: "https://example.com/", status: "active" }), { status: 404 }],
  ["a code_id the consumer refuses", JSON.stringify({ ...ids, code_id: "qr_x", url: "https://example.com/", status: "active" }), { status: 404 }],
  ["no workspace_id", JSON.stringify({ code_id: ids.code_id, url: "https://example.com/", status: "active" }), { status: 404 }],
  ["not JSON", "{\"code_id\": ", { status: 404 }],
  ["JSON null", "null", { status: 404 }],
  ["a JSON array", "[]", { status: 404 }],
  ["a JSON string", "\"https://example.com/\"", { status: 404 }],
  ["a disabled code with url: 42", JSON.stringify({ ...ids, url: 42, status: "disabled" }), { status: 410 }],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a hostile stored record", () => {
  it.each(CASES.map((c, i) => [...c, `hostile${i}`] as const))("with %s never answers 500", async (_, stored, expected, shortCode) => {
    await env.LINKS.put(linkKey(shortCode), stored);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const init = { redirect: "manual", headers: { "cf-connecting-ip": IP } } as const;

    // Through the deployed entry point, as a phone would see it...
    const response = await exports.default.fetch(`${OWN_ORIGIN}/${shortCode}`, init);
    // ...and through the same fetch handler with the queue sends recorded.
    const recorded = recordingEnv();
    const ctx = createExecutionContext();
    const again = await worker.fetch(new Request(`${OWN_ORIGIN}/${shortCode}`, init), recorded.env, ctx);
    await waitOnExecutionContext(ctx);

    for (const answer of [response, again]) {
      if ("location" in expected) {
        expect(answer.status).toBe(302);
        expect(answer.headers.get("location")).toBe(expected.location);
      } else {
        expect(answer.status).toBe(expected.status);
        expect(answer.headers.get("location")).toBeNull();
        expect(await answer.text()).toContain(expected.status === 404 ? "Link not found" : "disabled");
      }
    }

    if ("location" in expected) {
      expect(recorded.sent).toHaveLength(1);
      expect(ScanMessageSchema.safeParse(recorded.sent[0]).success).toBe(true);
      expect(recorded.sent[0]!.redirected_to.isWellFormed()).toBe(true);
      expect(new URL(recorded.sent[0]!.redirected_to).href).toBe(expected.location);
    } else {
      expect(recorded.sent).toEqual([]);
    }

    const logged = errors.mock.calls.map((c) => String(c[0]));
    expect(logged.join("\n")).not.toContain(IP);
    if ("status" in expected && expected.status === 404) {
      // Logged by short code (once per KV read: once per scan here, the cache being off).
      expect(logged.map((line) => JSON.parse(line))).toEqual([
        { event: "link_record_invalid", short_code: shortCode, field: expect.any(String) },
        { event: "link_record_invalid", short_code: shortCode, field: expect.any(String) },
      ]);
    } else {
      expect(logged).toEqual([]);
    }
  });
});
