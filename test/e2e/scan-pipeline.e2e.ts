// The real local stack (wrangler dev: workerd with local D1, KV and Queues), driven over HTTP the
// way a user drives it: create a code, scan it with real phones' user agents, read the analytics.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readShardsConfig } from "../../scripts/lib/shards-config.ts";
import type { Stack } from "../../scripts/lib/stack.ts";
import { apiClient, clearOfMidnight, startTestStack, waitFor, workspaceKey } from "./helpers.ts";
import { loggedEvents } from "./log-events.ts";

const run = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;

const UA = {
  iphone:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  android:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  ipad: "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
  mac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  windows: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
};

let stack: Stack;
let log: string[];
let cleanup: () => Promise<void>;
let persistTo: string;

beforeAll(async () => {
  ({ stack, log, cleanup, persistTo } = await startTestStack());
});

afterAll(async () => {
  await cleanup?.();
});

const api = (path: string, key: string, init: { method?: string; body?: unknown } = {}) => apiClient(stack.origin, key)(path, init);

/** A scan from a phone, unless the headers say otherwise (a bare client would count as a bot). */
function scan(shortCode: string, headers: Record<string, string>) {
  return fetch(`${stack.origin}/${shortCode}`, { redirect: "manual", headers: { "user-agent": UA.iphone, ...headers } });
}

describe("the scan pipeline over the local stack", () => {
  let key: string;
  let workspaceId: string;

  it("creates a workspace and key with the admin command while the stack runs", async () => {
    const { stdout } = await run("node", ["scripts/admin.ts", "create-workspace", "--name", "Flyer Co", "--plan", "business", "--shard", "2", "--persist-to", persistTo], { cwd: ROOT });
    const created = JSON.parse(stdout);
    // Pinned to shard 2: the whole pipeline below runs on a shard other than the demo's.
    expect(created).toEqual({
      workspace_id: expect.stringMatching(/^ws_/),
      api_key: expect.stringMatching(/^qr3_sk_[A-Za-z0-9]{40}$/),
      key_id: expect.stringMatching(/^key_/),
      shard: 2,
    });
    key = created.api_key;
    workspaceId = created.workspace_id;
    const ws = await api(`/v1/workspaces/${workspaceId}`, key);
    expect(ws.json.data).toMatchObject({ id: workspaceId, name: "Flyer Co", plan: "business", scans_this_month: 0 });
  });

  it("records scans with real user agents and serves the documented aggregation", async () => {
    const created = await api("/v1/codes", key, { method: "POST", body: { url: "https://example.com/spring" } });
    expect(created.status).toBe(201);
    const code = created.json.data;

    const scans: Array<[keyof typeof UA, string, string | null, string]> = [
      ["iphone", "AT", "Vienna", "203.0.113.1"],
      ["iphone", "AT", "Graz", "203.0.113.2"],
      ["android", "AT", null, "203.0.113.3"],
      ["android", "DE", "Berlin", "203.0.113.4"],
      ["ipad", "DE", "Munich", "203.0.113.5"],
      ["mac", "CH", "Zurich", "203.0.113.6"],
      ["windows", "CH", "Geneva", "203.0.113.7"],
    ];
    // All seven on one UTC day, the one read back below.
    await clearOfMidnight();
    const today = new Date().toISOString().slice(0, 10);
    for (const [ua, country, city, ip] of scans) {
      // An empty x-dev-city clears the placeholder city that local development would report.
      const headers = { "user-agent": UA[ua], "x-dev-country": country, "x-dev-city": city ?? "", "x-dev-ip": ip, "accept-language": "de-AT,de;q=0.9" };
      const res = await scan(code.short_code, headers);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://example.com/spring");
      expect(res.headers.get("cache-control")).toBe("private, no-store");
    }

    const stats = await waitFor(
      () => api(`/v1/codes/${code.id}/scans?days=7`, key),
      (r) => r.json.data?.period_scans === scans.length,
    );
    expect(stats.status).toBe(200);
    // Seven different IPs: seven unique scans.
    expect(stats.json).toEqual({
      data: {
        code_id: code.id,
        short_code: code.short_code,
        total_scans: 7,
        period_days: 7,
        from: new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10),
        to: today,
        tz: "UTC",
        granularity: "day",
        filters: {},
        period_scans: 7,
        period_unique_scans: 7,
        bot_scans: 0,
        scans_by_day: [{ date: today, count: 7, unique: 7 }],
        series: [{ start: today, count: 7, unique: 7 }],
        // The scans' hours of the week: checked below (they may straddle an hour).
        scans_by_hour: expect.any(Array),
        top_countries: [
          { value: "AT", count: 3 },
          { value: "CH", count: 2 },
          { value: "DE", count: 2 },
        ],
        top_devices: [
          { value: "mobile", count: 4 },
          { value: "desktop", count: 2 },
          { value: "tablet", count: 1 },
        ],
        top_os: [
          { value: "iOS", count: 3 },
          { value: "Android", count: 2 },
          { value: "macOS", count: 1 },
          { value: "Windows", count: 1 },
        ],
        top_browsers: [
          { value: "Safari", count: 4 },
          { value: "Chrome", count: 2 },
          { value: "Firefox", count: 1 },
        ],
        top_referers: [],
        top_languages: [{ value: "de", count: 7 }],
        top_cities: [
          { value: "Berlin", count: 1 },
          { value: "Geneva", count: 1 },
          { value: "Graz", count: 1 },
          { value: "Munich", count: 1 },
          { value: "Vienna", count: 1 },
          { value: "Zurich", count: 1 },
        ],
        top_destinations: [{ value: "https://example.com/spring", count: 7 }],
      },
      meta: { request_id: expect.stringMatching(/^req_/) },
    });
    // Every scan in a cell of today's weekday (1 is Monday), at an hour it was made in.
    const cells = stats.json.data.scans_by_hour as Array<{ weekday: number; hour: number; count: number }>;
    expect(cells.reduce((n, c) => n + c.count, 0)).toBe(7);
    for (const c of cells) expect(c.weekday).toBe(((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7) + 1);

    // A link preview is redirected too, but counted apart.
    expect((await scan(code.short_code, { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" })).status).toBe(302);
    const withBot = await waitFor(
      () => api(`/v1/codes/${code.id}/scans?days=7`, key),
      (r) => r.json.data?.bot_scans === 1,
    );
    expect(withBot.json.data).toMatchObject({ period_scans: 7, bot_scans: 1 });

    expect((await api(`/v1/codes/${code.id}`, key)).json.data.total_scans).toBe(7);
    expect((await api(`/v1/workspaces/${workspaceId}`, key)).json.data.scans_this_month).toBe(7);
    expect(log.join("")).not.toMatch(/203\.0\.113\.\d/);
  });

  it("follows a destination change, answers 410 once disabled and 404 once deleted", async () => {
    const code = (await api("/v1/codes", key, { method: "POST", body: { url: "https://example.com/old" } })).json.data;
    expect((await scan(code.short_code, {})).headers.get("location")).toBe("https://example.com/old");

    await api(`/v1/codes/${code.id}`, key, { method: "PATCH", body: { url: "https://example.com/new" } });
    expect((await scan(code.short_code, {})).headers.get("location")).toBe("https://example.com/new");

    // Both scans are stored before the code goes away; the monthly usage keeps them afterwards.
    const stored = await waitFor(
      async () => (await api(`/v1/codes/${code.id}`, key)).json.data.total_scans,
      (n) => n === 2,
    );
    expect(stored).toBe(2);

    await api(`/v1/codes/${code.id}`, key, { method: "PATCH", body: { status: "disabled" } });
    expect((await scan(code.short_code, {})).status).toBe(410);

    await api(`/v1/codes/${code.id}`, key, { method: "DELETE" });
    expect((await scan(code.short_code, {})).status).toBe(404);
    expect((await scan("not.a.code", {})).status).toBe(404);

    // The 410 and 404 answers recorded nothing.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(`/v1/workspaces/${workspaceId}`, key)).json.data.scans_this_month).toBe(9);
  });

  it("seeds a demo code on every shard that scans like any other", async () => {
    const shards = readShardsConfig().shards.length;
    expect(stack.demos.map((d) => d.shard)).toEqual(Array.from({ length: shards }, (_, n) => n));
    for (const demo of stack.demos) {
      const res = await scan(demo.short_code, {});
      expect(res.status).toBe(302);
      const stats = await waitFor(
        () => api(`/v1/codes/${demo.code_id}/scans`, demo.api_key),
        (r) => r.json.data?.total_scans >= 1,
      );
      expect(stats.json.data.total_scans, `shard ${demo.shard}`).toBeGreaterThanOrEqual(1);
    }
  });

  it("reports every shard, and places a workspace on the one with the fewest retained scans", async () => {
    const admin = async (...args: string[]) => JSON.parse((await run("node", ["scripts/admin.ts", ...args, "--persist-to", persistTo], { cwd: ROOT })).stdout);
    const before: Array<{ shard: number; workspaces: number; scans: number; bytes: number }> = await admin("shards");
    expect(before.map((s) => s.shard)).toEqual(stack.demos.map((d) => d.shard));
    for (const s of before) {
      expect(s.workspaces, `shard ${s.shard}`).toBeGreaterThanOrEqual(1);
      expect(s.bytes, `shard ${s.shard}`).toBeGreaterThan(0);
    }
    // The pipeline above ran on shard 2: it holds the most scans of all.
    expect(before[2]!.scans).toBe(Math.max(...before.map((s) => s.scans)));
    const fewest = before.reduce((a, b) => (b.scans < a.scans ? b : a));
    const created = await admin("create-workspace", "--name", "Placed Co", "--plan", "pro");
    expect(created.shard).toBe(fewest.shard);
    const after: typeof before = await admin("shards");
    expect(after.map((s) => s.workspaces)).toEqual(before.map((s) => s.workspaces + (s.shard === fewest.shard ? 1 : 0)));
  });

  it("runs the ingest cron through the gateway, and each shard's maintenance after it", async () => {
    const time = Date.parse("2031-01-01T00:05:00Z");
    const res = await fetch(`${stack.origin}/cdn-cgi/handler/scheduled?cron=5+0+*+*+*&time=${time}`);
    expect(res.status).toBe(200);
    const scheduled = new Date(time).toISOString();
    const finished = await waitFor(
      () => loggedEvents<{ shard: number; scheduled_time: string }>(log.join(""), "maintenance_finished").filter((e) => e.scheduled_time === scheduled),
      (events) => events.length >= stack.demos.length,
    );
    expect(finished.map((e) => e.shard).sort()).toEqual(stack.demos.map((d) => d.shard));
    expect(loggedEvents(log.join(""), "cron_finished")).toContainEqual(expect.objectContaining({ scheduled_time: scheduled, maintenance_messages: stack.demos.length }));
  });
});

describe("redirect rules over the local stack", () => {
  let key: string;

  it("sends each phone where the code's rules say, from the KV record the API wrote", async () => {
    key = await workspaceKey(persistTo, "Rules Co");
    const created = await api("/v1/codes", key, {
      method: "POST",
      body: {
        url: "https://example.com/menu",
        rules: [
          { when: { os: ["iOS"] }, url: "https://apps.apple.com/app/id1" },
          { when: { device_type: ["desktop"], country: ["CH"] }, url: "https://example.com/ch-desktop" },
          { when: { language: ["fr"] }, url: "https://example.com/fr" },
        ],
        forward_query: true,
        utm: { source: "flyer", medium: "print" },
      },
    });
    expect(created.status).toBe(201);
    const code = created.json.data;
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ "user-agent": UA.iphone }, "", "https://apps.apple.com/app/id1?utm_source=flyer&utm_medium=print"],
      [{ "user-agent": UA.mac, "x-dev-country": "CH" }, "", "https://example.com/ch-desktop?utm_source=flyer&utm_medium=print"],
      [{ "user-agent": UA.android, "accept-language": "fr-CH,fr;q=0.9" }, "?table=4", "https://example.com/fr?utm_source=flyer&utm_medium=print&table=4"],
      [{ "user-agent": UA.android, "accept-language": "de" }, "?table=4", "https://example.com/menu?utm_source=flyer&utm_medium=print&table=4"],
    ];
    for (const [headers, query, location] of cases) {
      const res = await scan(`${code.short_code}${query}`, { "x-dev-ip": "203.0.113.50", ...headers });
      expect([res.status, res.headers.get("location")], JSON.stringify(headers)).toEqual([302, location]);
      const resolved = await api(`/v1/codes/${code.id}/resolve`, key, {
        method: "POST",
        body: { user_agent: headers["user-agent"], country: headers["x-dev-country"] ?? null, accept_language: headers["accept-language"] ?? null, query },
      });
      expect(resolved.json.data.url, "resolve agrees with the redirect").toBe(location);
    }
    // Each scan is recorded with the URL it was sent to; destinations are counted without the forwarded query.
    const stats = await waitFor(
      () => api(`/v1/codes/${code.id}/scans?days=1`, key),
      (r) => r.json.data?.period_scans === cases.length,
    );
    expect(stats.json.data.top_destinations).toEqual([
      { value: "https://apps.apple.com/app/id1?utm_source=flyer&utm_medium=print", count: 1 },
      { value: "https://example.com/ch-desktop?utm_source=flyer&utm_medium=print", count: 1 },
      { value: "https://example.com/fr?utm_source=flyer&utm_medium=print", count: 1 },
      { value: "https://example.com/menu?utm_source=flyer&utm_medium=print", count: 1 },
    ]);
  });

  it("answers 410 outside a schedule without a fallback, recording nothing, and the fallback with one", async () => {
    const created = await api("/v1/codes", key, { method: "POST", body: { url: "https://example.com/event", starts_at: "2099-01-01T00:00:00Z" } });
    const code = created.json.data;
    const early = await scan(code.short_code, {});
    expect(early.status).toBe(410);
    expect(await early.text()).toContain("not active yet");
    await api(`/v1/codes/${code.id}`, key, { method: "PATCH", body: { starts_at: null, expires_at: "2020-01-01T00:00:00Z" } });
    const late = await scan(code.short_code, {});
    expect(late.status).toBe(410);
    expect(await late.text()).toContain("expired");
    await api(`/v1/codes/${code.id}`, key, { method: "PATCH", body: { fallback_url: "https://example.com/next" } });
    const fallback = await scan(code.short_code, {});
    expect([fallback.status, fallback.headers.get("location")]).toEqual([302, "https://example.com/next"]);
    await waitFor(
      () => api(`/v1/codes/${code.id}`, key),
      (r) => r.json.data.total_scans === 1,
    );
  });

  it("reaches a scan cap through ingest, which rewrites the KV record: later scans go to the fallback", async () => {
    const created = await api("/v1/codes", key, { method: "POST", body: { url: "https://example.com/offer", max_scans: 3, fallback_url: "https://example.com/sold-out" } });
    const code = created.json.data;
    for (let i = 0; i < 3; i++) {
      const res = await scan(code.short_code, { "x-dev-ip": `203.0.113.${60 + i}` });
      expect(res.headers.get("location")).toBe("https://example.com/offer");
    }
    const capped = await waitFor(
      () => api(`/v1/codes/${code.id}`, key),
      (r) => r.json.data.scan_cap_reached_at !== null,
    );
    expect(capped.json.data.total_scans).toBe(3);
    const after = await waitFor(
      () => scan(code.short_code, {}).then((r) => r.headers.get("location")),
      (location) => location === "https://example.com/sold-out",
    );
    expect(after).toBe("https://example.com/sold-out");
    expect((await api(`/v1/codes/${code.id}/resolve`, key, { method: "POST" })).json.data).toEqual({ url: "https://example.com/sold-out", reason: { kind: "capped" } });
  });

  it("splits visitors between variants, each keeping theirs", async () => {
    const created = await api("/v1/codes", key, {
      method: "POST",
      body: { url: "https://example.com/", variants: [{ url: "https://example.com/a", weight: 50 }, { url: "https://example.com/b", weight: 50 }] },
    });
    const code = created.json.data;
    const seen = new Map<string, string>();
    for (let i = 0; i < 40; i++) {
      const ip = `198.51.100.${i}`;
      const res = await scan(code.short_code, { "x-dev-ip": ip });
      seen.set(ip, res.headers.get("location")!);
    }
    const counts = [...seen.values()].reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    // 40 visitors at 50/50: each variant gets some (both at least 8: over 3.7 standard deviations from 20).
    expect([...counts.keys()].sort()).toEqual(["https://example.com/a", "https://example.com/b"]);
    for (const n of counts.values()) expect(n).toBeGreaterThanOrEqual(8);
    for (const [ip, location] of [...seen].slice(0, 5)) expect((await scan(code.short_code, { "x-dev-ip": ip })).headers.get("location")).toBe(location);
  });
});
