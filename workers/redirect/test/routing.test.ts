// Codes with redirect settings, through the redirector: each scan's destination chosen from the
// KV record alone (one read, nothing else), the 410 pages of a schedule or cap with no fallback
// (nothing recorded), the variant a visitor keeps all day, query forwarding and UTM tags, and
// settings that a record holds broken, which never break a redirect.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { bucketOf, hashIp, saltKey, utcDate, variantOf, workspaceSalt, type LinkRecord } from "@qr3/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleRedirect } from "../src/redirect.ts";
import { OWN_ORIGIN, putLink, recordingEnv } from "./helpers.ts";

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const ANDROID_TABLET = "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

async function scan(path: string, init: { headers?: Record<string, string>; country?: string } = {}) {
  const recorded = recordingEnv();
  const ctx = createExecutionContext();
  const request = new Request(`${OWN_ORIGIN}${path}`, {
    headers: { "cf-connecting-ip": "203.0.113.7", ...init.headers },
    cf: { country: init.country ?? "US" } as IncomingRequestCfProperties,
  }) as Request<unknown, IncomingRequestCfProperties>;
  const response = await handleRedirect(request, recorded.env, ctx);
  await waitOnExecutionContext(ctx);
  return { response, location: response.headers.get("location"), ...recorded };
}

const routed = (shortCode: string, routing: LinkRecord["routing"], over: Partial<LinkRecord> = {}) =>
  putLink(shortCode, { url: "https://example.com/default", routing, version: 1, shard: 0, ...over });

afterEach(() => {
  vi.useRealTimers();
});

describe("a code with rules", () => {
  const rules = {
    rules: [
      { when: { os: ["iOS"] }, url: "https://apps.apple.com/app/id1" },
      { when: { device_type: ["tablet"] as Array<"tablet"> }, url: "https://example.com/tablet" },
      { when: { country: ["DE", "AT"], language: ["de"] }, url: "https://example.com/de" },
    ],
  };

  it("sends each phone where its first matching rule says, else to the code's url, with one KV read", async () => {
    await routed("rules1", rules);
    const cases: Array<[Parameters<typeof scan>[1], string]> = [
      [{ headers: { "user-agent": IPHONE } }, "https://apps.apple.com/app/id1"],
      [{ headers: { "user-agent": ANDROID_TABLET } }, "https://example.com/tablet"],
      [{ headers: { "user-agent": WINDOWS, "accept-language": "fr-CH, de;q=0.8" }, country: "AT" }, "https://example.com/de"],
      [{ headers: { "user-agent": WINDOWS, "accept-language": "fr-CH" }, country: "AT" }, "https://example.com/default"],
      [{ headers: {} }, "https://example.com/default"],
    ];
    for (const [init, expected] of cases) {
      const { response, location, sent, kvReads } = await scan("/rules1", init);
      expect(response.status).toBe(302);
      expect(location, JSON.stringify(init)).toBe(expected);
      expect(kvReads).toEqual(["code:rules1"]);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.redirected_to).toBe(expected);
      expect(sent[0]).not.toHaveProperty("destination");
    }
  });

  it("reads weekday and time in the rule's zone", async () => {
    await routed("lunch1", { rules: [{ when: { weekday: [1, 2, 3, 4, 5], time: { from: "11:30", to: "14:00" }, tz: "Europe/Vienna" }, url: "https://example.com/lunch" }] });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-12-02T11:00:00Z") }); // Wednesday, 12:00 in Vienna
    expect((await scan("/lunch1")).location).toBe("https://example.com/lunch");
    vi.setSystemTime(Date.parse("2026-12-05T11:00:00Z")); // Saturday
    expect((await scan("/lunch1")).location).toBe("https://example.com/default");
  });
});

describe("a code's schedule and scan cap", () => {
  it("answers 410 'not active yet' before starts_at and 'expired' from expires_at, recording nothing, when there is no fallback", async () => {
    await routed("sched1", { starts_at: "2026-06-01T00:00:00.000Z", expires_at: "2026-07-01T00:00:00.000Z" });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.parse("2026-05-31T23:59:59Z") });
    let result = await scan("/sched1");
    expect(result.response.status).toBe(410);
    expect(await result.response.text()).toContain("not active yet");
    expect(result.sent).toHaveLength(0);
    vi.setSystemTime(Date.parse("2026-06-01T00:00:00Z"));
    result = await scan("/sched1");
    expect([result.response.status, result.location, result.sent.length]).toEqual([302, "https://example.com/default", 1]);
    vi.setSystemTime(Date.parse("2026-07-01T00:00:00Z"));
    result = await scan("/sched1");
    expect(result.response.status).toBe(410);
    expect(await result.response.text()).toContain("expired");
    expect(result.sent).toHaveLength(0);
  });

  it("sends scans outside the schedule, and past the cap, to the fallback, recorded as sent there", async () => {
    await routed("sched2", { expires_at: "2026-01-01T00:00:00.000Z", fallback_url: "https://example.com/next-campaign" });
    const expired = await scan("/sched2");
    expect([expired.response.status, expired.location, expired.sent[0]?.redirected_to]).toEqual([302, "https://example.com/next-campaign", "https://example.com/next-campaign"]);
    await routed("capped1", { max_scans: 10, fallback_url: "https://example.com/sold-out" }, { capped: true });
    expect((await scan("/capped1")).location).toBe("https://example.com/sold-out");
    await routed("capped2", { max_scans: 10 }, { capped: true });
    const gone = await scan("/capped2");
    expect([gone.response.status, gone.sent.length]).toEqual([410, 0]);
    expect(await gone.response.text()).toContain("limit of scans");
  });
});

describe("a code's variants", () => {
  const variants = { variants: [{ url: "https://example.com/a", weight: 30 }, { url: "https://example.com/b", weight: 70 }] };

  it("give a visitor the variant of their bucket of the day, the one their ip_hash says, all day", async () => {
    const link = await routed("split1", variants);
    const ip = "198.51.100.23";
    const first = await scan("/split1", { headers: { "cf-connecting-ip": ip } });
    const salt = (await env.SALTS.get(saltKey(utcDate(Date.now()))))!;
    const ipHash = hashIp(ip, workspaceSalt(salt, link.workspace_id));
    expect(first.sent[0]!.ip_hash).toBe(ipHash);
    expect(first.location).toBe(variants.variants[variantOf(variants.variants, bucketOf(ipHash, link.code_id))]!.url);
    for (let i = 0; i < 5; i++) expect((await scan("/split1", { headers: { "cf-connecting-ip": ip } })).location).toBe(first.location);
  });

  // 250 visitors, 30% expected: the share's standard deviation is 2.9 points, 12 points is over 4 of them.
  it("split many visitors about as the weights say", { timeout: 60_000 }, async () => {
    await routed("split2", variants);
    let a = 0;
    for (let i = 0; i < 250; i++) {
      const { location } = await scan("/split2", { headers: { "cf-connecting-ip": `10.${i >> 8}.${i & 255}.7` } });
      if (location === "https://example.com/a") a++;
    }
    expect(Math.abs(a / 2.5 - 30)).toBeLessThan(12);
  });

  it("come after the rules: a matching rule wins", async () => {
    await routed("split3", { ...variants, rules: [{ when: { os: ["iOS"] }, url: "https://apps.apple.com/app/id1" }] });
    expect((await scan("/split3", { headers: { "user-agent": IPHONE } })).location).toBe("https://apps.apple.com/app/id1");
  });
});

describe("query forwarding and UTM tags", () => {
  it("add the scan's query and utm_* to the destination, its own parameters winning, counted without the query", async () => {
    await routed("utm1", { forward_query: true, utm: { source: "flyer", campaign: "spring" } }, { url: "https://example.com/menu?utm_campaign=own" });
    const { location, sent } = await scan("/utm1?table=4&utm_source=hack");
    expect(location).toBe("https://example.com/menu?utm_campaign=own&utm_source=flyer&table=4");
    expect(sent[0]!.redirected_to).toBe(location);
    expect(sent[0]!.destination).toBe("https://example.com/menu?utm_campaign=own&utm_source=flyer");
  });

  it("leave the destination as it is without them", async () => {
    await routed("utm2", { forward_query: false });
    expect((await scan("/utm2?table=4")).location).toBe("https://example.com/default");
  });
});

describe("broken settings in a record", () => {
  it("are left out, logged by name, and never break the redirect", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = {
      starts_at: "soon",
      fallback_url: "javascript:alert(1)",
      rules: [
        { when: { os: "iOS" }, url: "https://example.com/bad-when" },
        { when: { country: ["US"] }, url: "not a url" },
        { when: {}, url: "https://example.com/empty-when" },
        { when: { time: { from: "9", to: "17:00" } }, url: "https://example.com/bad-time" },
        { when: { country: ["US"] }, url: "https://example.com/us" },
      ],
      variants: [{ url: "https://example.com/a", weight: 90 }, { url: "https://example.com/b", weight: 20 }],
      utm: { source: 42 },
      forward_query: "yes",
    };
    await routed("broken1", broken as unknown as LinkRecord["routing"]);
    const { response, location, sent } = await scan("/broken1?x=1");
    expect([response.status, location, sent.length]).toEqual([302, "https://example.com/us", 1]);
    const logged = errors.mock.calls.map((c) => JSON.parse(String(c[0])));
    expect(logged).toContainEqual({
      event: "link_record_settings_dropped",
      short_code: "broken1",
      field: "routing.starts_at,routing.fallback_url,routing.rules[0],routing.rules[1],routing.rules[2],routing.rules[3],routing.variants,routing.forward_query,routing.utm",
    });
    for (const hostile of ["[]", "null", '"x"', "7"]) {
      await putLink("broken2", {});
      const record = JSON.parse((await env.LINKS.get("code:broken2"))!);
      await env.LINKS.put("code:broken2", JSON.stringify(record).replace(/}$/, `,"routing":${hostile}}`));
      expect((await scan("/broken2")).response.status, hostile).toBe(302);
    }
  });
});
