// A code's redirect settings through the API: set on create and PATCH, answered by GET, carried
// by the KV record, every invalid part a 400 naming its path, the schedule and the scan cap
// enforced in the write, and POST /v1/codes/:id/resolve saying where a scan would go and why.
import { env } from "cloudflare:workers";
import { linkKey } from "@qr3/core";
import { RULE_LIMITS } from "@qr3/schema/rule-facts";
import { beforeEach, describe, expect, it } from "vitest";
import { call, seedKey, type Json } from "./helpers.ts";

let key: string;
let db: D1Database;
beforeEach(async () => {
  ({ key, db } = await seedKey());
});

const create = (body: Record<string, unknown>, as = key) => call("/v1/codes", { method: "POST", key: as, body: { url: "https://example.com/", ...body } });
const patch = (id: string, body: unknown) => call(`/v1/codes/${id}`, { method: "PATCH", key, body });
const resolve = (id: string, body: unknown, as = key) => call(`/v1/codes/${id}/resolve`, { method: "POST", key: as, body });
const record = async (code: Json) => JSON.parse((await env.LINKS.get(linkKey(code.short_code)))!);
/** Sets a code's scan counter as ingest leaves it. */
const setScans = (id: string, n: number) => db.prepare("UPDATE codes SET total_scans = ?2 WHERE id = ?1").bind(id, n).run();

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

const full = {
  starts_at: "2026-03-01T09:00:00+01:00",
  expires_at: "2027-03-01T00:00:00Z",
  fallback_url: "https://example.com/over",
  max_scans: 500,
  rules: [
    { when: { os: ["iOS"] }, url: "https://apps.apple.com/app/id1" },
    { when: { country: ["de", "AT", "de"], language: ["DE"] }, url: "https://example.com/de" },
    { when: { weekday: [1, 2, 3, 4, 5], time: { from: "11:30", to: "14:00" }, tz: "Europe/Vienna" }, url: "https://example.com/lunch" },
  ],
  variants: [
    { url: "https://example.com/a", weight: 60 },
    { url: "https://example.com/b", weight: 40 },
  ],
  forward_query: true,
  utm: { source: "flyer", medium: "print" },
};

describe("a code's redirect settings", () => {
  it("are none by default, and the KV record carries none", async () => {
    const code = (await create({})).json.data;
    expect(code).toMatchObject({ starts_at: null, expires_at: null, fallback_url: null, max_scans: null, rules: [], variants: [], forward_query: false, utm: null, scan_cap_reached_at: null });
    expect(await record(code)).not.toHaveProperty("routing");
  });

  it("are set on create, normalised, answered by GET and carried by the KV record", async () => {
    const res = await create(full);
    expect(res.status).toBe(201);
    const code = res.json.data;
    const stored = {
      ...full,
      starts_at: "2026-03-01T08:00:00.000Z",
      expires_at: "2027-03-01T00:00:00.000Z",
      rules: [full.rules[0], { when: { country: ["DE", "AT"], language: ["de"] }, url: "https://example.com/de" }, full.rules[2]],
    };
    expect(code).toMatchObject(stored);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data).toEqual(code);
    expect(await record(code)).toMatchObject({ url: "https://example.com/", routing: stored, version: 1 });
  });

  it("are changed by PATCH one at a time, null or [] clearing one, each change reaching KV", async () => {
    const code = (await create(full)).json.data;
    let changed = (await patch(code.id, { expires_at: "2027-06-01T00:00:00Z", rules: [] })).json.data;
    expect(changed).toMatchObject({ expires_at: "2027-06-01T00:00:00.000Z", rules: [], variants: full.variants, utm: full.utm });
    changed = (await patch(code.id, { variants: null, utm: { campaign: "spring" }, forward_query: false })).json.data;
    expect(changed).toMatchObject({ variants: [], utm: { campaign: "spring" }, forward_query: false, fallback_url: full.fallback_url });
    const kv = await record(code);
    expect(kv.version).toBe(3);
    expect(kv.routing).toEqual({ starts_at: "2026-03-01T08:00:00.000Z", expires_at: "2027-06-01T00:00:00.000Z", fallback_url: full.fallback_url, max_scans: 500, utm: { campaign: "spring" } });
    await patch(code.id, { starts_at: null, expires_at: null, fallback_url: null, max_scans: null, utm: null });
    expect(await record(code)).not.toHaveProperty("routing");
  });

  it("refuse a schedule that ends before it starts, on create and against the stored start on PATCH", async () => {
    const bad = await create({ starts_at: "2027-01-01T00:00:00Z", expires_at: "2027-01-01T01:00:00+02:00" });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe("expires_at: must be after starts_at");
    const code = (await create({ starts_at: "2027-01-01T00:00:00Z" })).json.data;
    const refused = await patch(code.id, { expires_at: "2026-12-31T00:00:00Z" });
    expect([refused.status, refused.json.error.message]).toEqual([400, "expires_at: must be after starts_at"]);
    expect((await call(`/v1/codes/${code.id}`, { key })).json.data.expires_at).toBeNull();
    expect((await patch(code.id, { starts_at: null, expires_at: "2026-12-31T00:00:00Z" })).status).toBe(200);
  });

  const rule = (when: unknown, url = "https://example.com/r") => ({ when, url });
  const rules = (bad: unknown) => [rule({ os: ["iOS"] }), rule({ country: ["AT"] }), bad];
  it.each([
    [{ rules: rules(rule({ country: ["ZZ"] })) }, "rules[2].when.country[0]: must be an ISO 3166-1 alpha-2 country code such as DE"],
    [{ rules: rules(rule({ country: [] })) }, "rules[2].when.country: must hold at least one value"],
    [{ rules: rules(rule({ device_type: ["phone"] })) }, 'rules[2].when.device_type[0]: must be one of "mobile", "tablet", "desktop"'],
    [{ rules: rules(rule({ os: ["BeOS"] })) }, 'rules[2].when.os[0]: must be one of "iOS", "Android", "Windows", "macOS", "Linux", "ChromeOS"'],
    [{ rules: rules(rule({ language: ["deutsch"] })) }, 'rules[2].when.language[0]: must be a primary language subtag such as "de"'],
    [{ rules: rules(rule({ weekday: [0] })) }, "rules[2].when.weekday[0]: must be at least 1"],
    [{ rules: rules(rule({ weekday: [8] })) }, "rules[2].when.weekday[0]: must be at most 7"],
    [{ rules: rules(rule({ time: { from: "24:00", to: "02:00" } })) }, 'rules[2].when.time.from: must be a time of day "HH:MM", from 00:00 to 23:59'],
    [{ rules: rules(rule({ time: { from: "09:00", to: "09:00" } })) }, "rules[2].when.time.to: must differ from from"],
    [{ rules: rules(rule({ time: { from: "09:00", to: "17:00" }, tz: "Mars/Olympus" })) }, "rules[2].when.tz: must be an IANA time zone name such as Europe/Vienna"],
    [{ rules: rules(rule({ tz: "Europe/Vienna" })) }, "rules[2].when: must hold at least one of country, device_type, os, language, weekday, time"],
    [{ rules: rules(rule({ planet: ["earth"] })) }, "rules[2].when.planet: is not a known field"],
    [{ rules: rules(rule({ os: ["iOS"] }, "ftp://example.com/")) }, "rules[2].url: must be an http or https URL"],
    [{ rules: rules(rule({ os: ["iOS"] }, `https://example.com/${"x".repeat(2030)}`)) }, "rules[2].url: must be at most 2048 characters"],
    [{ rules: Array.from({ length: RULE_LIMITS.rules + 1 }, () => rule({ os: ["iOS"] })) }, "rules: must hold at most 20 rules"],
    [{ variants: [{ url: "https://example.com/a", weight: 100 }] }, "variants: must hold 2 to 10 variants, or none"],
    [{ variants: [{ url: "https://example.com/a", weight: 50 }, { url: "https://example.com/b", weight: 40 }] }, "variants: must have weights that sum to 100"],
    [{ variants: [{ url: "https://example.com/a", weight: 0 }, { url: "https://example.com/b", weight: 100 }] }, "variants[0].weight: must be at least 1"],
    [{ variants: Array.from({ length: 11 }, () => ({ url: "https://example.com/a", weight: 9 })) }, "variants: must hold at most 10 variants"],
    [{ variants: [{ url: "javascript:alert(1)", weight: 50 }, { url: "https://example.com/b", weight: 50 }] }, "variants[0].url: must be an http or https URL"],
    [{ utm: { source: "flyer", channel: "x" } }, "utm.channel: is not a known field"],
    [{ utm: { source: "" } }, "utm.source: must not be empty"],
    [{ fallback_url: "mailto:a@example.com" }, "fallback_url: must be an http or https URL"],
    [{ starts_at: "tomorrow" }, "starts_at: has an invalid format"],
    [{ max_scans: 0 }, "max_scans: must be at least 1"],
    [{ max_scans: 1.5 }, "max_scans: must be an integer"],
    [{ forward_query: "yes" }, "forward_query: must be a boolean"],
  ])("refuses %j on create and on PATCH, naming the path", async (body, message) => {
    const created = await create(body);
    expect([created.status, created.json.error?.message]).toEqual([400, message]);
    const code = (await create({})).json.data;
    const patched = await patch(code.id, body);
    expect([patched.status, patched.json.error?.message]).toEqual([400, message]);
  });

  it("accept the most of everything: 20 rules, 10 variants, every UTM field", async () => {
    const res = await create({
      rules: Array.from({ length: RULE_LIMITS.rules }, (_, i) => rule({ weekday: [(i % 7) + 1] }, `https://example.com/${i}`)),
      variants: Array.from({ length: 10 }, (_, i) => ({ url: `https://example.com/v${i}`, weight: 10 })),
      utm: { source: "s", medium: "m", campaign: "c", term: "t", content: "x".repeat(RULE_LIMITS.utm_value) },
    });
    expect(res.status).toBe(201);
    expect(res.json.data.rules).toHaveLength(20);
  });

  it("cap the code at max_scans, in the write: lowered to the count it is capped at once, raised past it no longer", async () => {
    const code = (await create({ max_scans: 100, fallback_url: "https://example.com/sold-out" })).json.data;
    await setScans(code.id, 80);
    const capped = (await patch(code.id, { max_scans: 80 })).json.data;
    expect(capped.scan_cap_reached_at).toMatch(/Z$/);
    expect(await record(code)).toMatchObject({ capped: true, routing: { max_scans: 80 } });
    expect((await resolve(code.id, {})).json.data).toEqual({ url: "https://example.com/sold-out", reason: { kind: "capped" } });
    // Another change leaves the time it was capped as it was.
    expect((await patch(code.id, { utm: { source: "x" } })).json.data.scan_cap_reached_at).toBe(capped.scan_cap_reached_at);
    const raised = (await patch(code.id, { max_scans: 81 })).json.data;
    expect(raised.scan_cap_reached_at).toBeNull();
    expect(await record(code)).not.toHaveProperty("capped");
    await patch(code.id, { max_scans: 50 });
    expect((await patch(code.id, { max_scans: null })).json.data.scan_cap_reached_at).toBeNull();
  });
});

describe("POST /v1/codes/:id/resolve", () => {
  it("says where a scan would go and why, as the redirector chooses", async () => {
    const code = (await create(full)).json.data;
    const at = "2026-12-02T12:00:00Z"; // a Wednesday, 13:00 in Vienna
    const go = async (body: Json) => {
      const res = await resolve(code.id, { at, ...body });
      expect(res.status, JSON.stringify(body)).toBe(200);
      return res.json.data;
    };
    expect(await go({ user_agent: IPHONE })).toEqual({ url: "https://apps.apple.com/app/id1?utm_source=flyer&utm_medium=print", reason: { kind: "rule", index: 0 } });
    expect(await go({ user_agent: WINDOWS, country: "at", accept_language: "de-AT,de;q=0.9" })).toEqual({
      url: "https://example.com/de?utm_source=flyer&utm_medium=print",
      reason: { kind: "rule", index: 1 },
    });
    expect(await go({ user_agent: WINDOWS, country: "FR", query: "?table=4&utm_source=hack" })).toEqual({
      url: "https://example.com/lunch?utm_source=flyer&utm_medium=print&table=4",
      reason: { kind: "rule", index: 2 },
    });
    const variant = await go({ at: "2026-12-02T20:00:00Z", user_agent: WINDOWS });
    expect(variant.reason.kind).toBe("variant");
    expect(variant.url).toBe(`${full.variants[variant.reason.index]!.url}?utm_source=flyer&utm_medium=print`);
    expect(await go({ at: "2026-01-01T00:00:00Z" })).toEqual({ url: "https://example.com/over?utm_source=flyer&utm_medium=print", reason: { kind: "not_started" } });
    expect(await go({ at: "2027-03-01T00:00:00Z" })).toEqual({ url: "https://example.com/over?utm_source=flyer&utm_medium=print", reason: { kind: "expired" } });
  });

  it("answers the default for a code without settings, now, with an empty body too", async () => {
    const code = (await create({})).json.data;
    const res = await call(`/v1/codes/${code.id}/resolve`, { method: "POST", key });
    expect(res.json.data).toEqual({ url: "https://example.com/", reason: { kind: "default" } });
  });

  it("answers no URL outside the schedule without a fallback, and for a disabled code", async () => {
    const code = (await create({ expires_at: "2026-01-01T00:00:00Z" })).json.data;
    expect((await resolve(code.id, {})).json.data).toEqual({ url: null, reason: { kind: "expired" } });
    await patch(code.id, { status: "disabled" });
    expect((await resolve(code.id, {})).json.data).toEqual({ url: null, reason: { kind: "disabled" } });
  });

  it("refuses a bad simulated scan naming the field, and another workspace's code is a 404", async () => {
    const code = (await create({})).json.data;
    for (const [body, message] of [
      [{ country: "XX" }, "country: must be an ISO 3166-1 alpha-2 country code such as DE"],
      [{ at: "noon" }, "at: has an invalid format"],
      [{ user_agent: "x".repeat(1025) }, "user_agent: must be at most 1024 characters"],
      [{ ip: "1.2.3.4" }, "ip: is not a known field"],
    ] as const) {
      const res = await resolve(code.id, body);
      expect([res.status, res.json.error.message]).toEqual([400, message]);
    }
    const other = await seedKey("pro", "Other");
    expect((await resolve(code.id, {}, other.key)).status).toBe(404);
  });
});
