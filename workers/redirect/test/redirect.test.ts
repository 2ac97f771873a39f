import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { hashIp, saltKey, utcDate, workspaceSalt } from "@qr3/core";
import { describe, expect, it, vi } from "vitest";
import { describeAtClocks } from "../../../test/clocks.ts";
import { handleRedirect } from "../src/redirect.ts";
import { OWN_ORIGIN, putLink, recordingEnv } from "./helpers.ts";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

async function scan(path: string, init: RequestInit<IncomingRequestCfProperties> = {}, options = {}) {
  const recorded = recordingEnv(options);
  const ctx = createExecutionContext();
  const response = await handleRedirect(
    new Request(`${OWN_ORIGIN}${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    recorded.env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { response, ...recorded };
}

describe("redirect", () => {
  it("answers 302 to the destination, uncacheable, through the worker's fetch", async () => {
    await putLink("r7f3Kx", { url: "https://example.com/menu?table=4" });
    const response = await exports.default.fetch(`${OWN_ORIGIN}/r7f3Kx`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("https://example.com/menu?table=4");
    expect(response.headers.get("cache-control")).toBe("private, no-store");
  });

  it("enqueues one scan message with every field", async () => {
    const link = await putLink("spring26");
    const { response, sent } = await scan("/spring26", {
      headers: {
        "user-agent": IPHONE,
        referer: "https://example.com/landing",
        "accept-language": "de-AT,de;q=0.9,en;q=0.8",
        "cf-connecting-ip": "203.0.113.7",
      },
      cf: { country: "AT", region: "Vienna", city: "Vienna" } as IncomingRequestCfProperties,
    });
    expect(response.status).toBe(302);
    expect(sent).toHaveLength(1);
    const message = sent[0]!;
    expect(message).toEqual({
      scan_id: expect.stringMatching(/^scn_[0-9a-z]{26}$/),
      code_id: link.code_id,
      workspace_id: link.workspace_id,
      scanned_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      country: "AT",
      region: "Vienna",
      city: "Vienna",
      user_agent: IPHONE,
      referer: "https://example.com/landing",
      language: "de",
      redirected_to: link.url,
      ip_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      method: "GET",
      purpose: null,
    });
    expect(JSON.stringify(message)).not.toContain("203.0.113.7");
  });

  it("leaves absent geo, headers and IP null", async () => {
    await putLink("plain1");
    const { sent } = await scan("/plain1");
    expect(sent[0]).toMatchObject({
      country: null,
      region: null,
      city: null,
      user_agent: null,
      referer: null,
      language: null,
      ip_hash: null,
    });
  });

  it("gives the same IP the same hash on one day and different IPs different hashes", async () => {
    await putLink("hash01");
    const a = await scan("/hash01", { headers: { "cf-connecting-ip": "198.51.100.1" } });
    const b = await scan("/hash01", { headers: { "cf-connecting-ip": "198.51.100.1" } });
    const c = await scan("/hash01", { headers: { "cf-connecting-ip": "198.51.100.2" } });
    expect(a.sent[0]!.ip_hash).toBe(b.sent[0]!.ip_hash);
    expect(a.sent[0]!.ip_hash).not.toBe(c.sent[0]!.ip_hash);
  });

  it("records HEAD requests and prefetches too, with the signals the consumer needs to flag them", async () => {
    await putLink("head01");
    const { response, sent } = await scan("/head01", { method: "HEAD" });
    expect(response.status).toBe(302);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe("HEAD");
    const prefetch = await scan("/head01", { headers: { "sec-purpose": "prefetch" } });
    expect(prefetch.sent[0]!.purpose).toBe("prefetch");
  });

  it("answers 404 with a page for an unknown code, and records nothing", async () => {
    const { response, sent, kvReads } = await scan("/nope42");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("Link not found");
    expect(kvReads).toEqual(["code:nope42"]);
    expect(sent).toHaveLength(0);
  });

  it.each(["/", "/ab", "/favicon.ico", "/a/b", `/${"x".repeat(65)}`, "/%F0%9F%98%80", "/v1/codes/"])(
    "answers 404 without a KV read for %s",
    async (path) => {
      const { response, kvReads, sent } = await scan(path);
      expect(response.status).toBe(404);
      expect(kvReads).toEqual([]);
      expect(sent).toHaveLength(0);
    },
  );

  it("answers 410 for a disabled code and records nothing", async () => {
    await putLink("off123", { status: "disabled" });
    const { response, sent } = await scan("/off123");
    expect(response.status).toBe(410);
    expect(await response.text()).toContain("disabled");
    expect(sent).toHaveLength(0);
  });

  it("answers 405 to other methods", async () => {
    await putLink("post01");
    const { response, sent } = await scan("/post01", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(sent).toHaveLength(0);
  });

  it("still redirects when the queue send fails, and logs without the IP", async () => {
    await putLink("fail01");
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { response } = await scan("/fail01", { headers: { "cf-connecting-ip": "192.0.2.55" } }, { failSend: true });
    expect(response.status).toBe(302);
    expect(errors).toHaveBeenCalledTimes(1);
    const logged = String(errors.mock.calls[0]![0]);
    expect(JSON.parse(logged)).toMatchObject({ event: "scan_enqueue_failed", scans: 1, scan_ids: [expect.stringMatching(/^scn_/)] });
    expect(logged).not.toContain("192.0.2.55");
    errors.mockRestore();
  });

});

describe("packing", () => {
  it("sends the scans of one batch as one queue message", async () => {
    await putLink("pack01");
    const recorded = recordingEnv();
    // A batch window longer than the five requests take, on any machine.
    const env = { ...recorded.env, SCAN_BATCH_MS: "2000" };
    const contexts = [];
    for (let i = 0; i < 5; i++) {
      const ctx = createExecutionContext();
      contexts.push(ctx);
      const response = await handleRedirect(new Request(`${OWN_ORIGIN}/pack01`, { headers: { "cf-connecting-ip": `198.51.100.${i}` } }), env, ctx);
      expect(response.status).toBe(302);
    }
    await Promise.all(contexts.map((ctx) => waitOnExecutionContext(ctx)));
    expect(recorded.packs).toHaveLength(1);
    const ids = recorded.packs[0]!.scans.map((m) => m.scan_id);
    expect(new Set(ids).size).toBe(5);
  });
});

describeAtClocks("the day's salt", ({ now }) => {
  it("is created in KV by the redirects when the cron has not, and hashes the scan's IP", async () => {
    const day = utcDate(now);
    const link = await putLink("salt01");
    const { sent } = await scan("/salt01", { headers: { "cf-connecting-ip": "198.51.100.9" } });
    const value = await env.SALTS.get(saltKey(day));
    expect(value).toMatch(/^[0-9a-f]{64}$/);
    const ipHash = hashIp("198.51.100.9", workspaceSalt(value!, link.workspace_id));
    expect(sent[0]).toMatchObject({ scanned_at: new Date(now).toISOString(), ip_hash: ipHash });
  });
});
