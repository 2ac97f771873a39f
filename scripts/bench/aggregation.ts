// Aggregation latency: GET /v1/codes/:id/scans for a code with 1,000,000 scans spread over a
// year, served by the API worker from summaries, against the same answer counted from the raw
// rows inside workerd in the same run, both timed inside workerd (workers/fetch-driver.js). Target: p50 under 20 ms for days=365 and at least 20 times
// faster than the raw computation, with identical answers. All three workers run at the
// compatibility date and flags of wrangler.api.toml. The API runs on the control database and
// every shard of config/shards.json; the workspace lives on the last shard, so the request is
// authenticated in CONTROL and answered from that shard, as deployed.
//
//   pnpm bench:aggregation [--scans 1000000] [--requests 30]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newApiKey, newId } from "@qr3/core";
import { FOLD_AT, claimShortCode, foldScans, insertApiKey, insertCode, insertWorkspace, refererHost, storeScans } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, type ScanRow } from "@qr3/schema";
import { SCOPES } from "@qr3/schema/api";
import { buildWorker } from "../build.ts";
import { readShardsConfig } from "../lib/shards-config.ts";
import { compatibilityOf, compatibilityReport, machine, median, migrateDeployment, miniflare, rateLimitsOf, shardDatabases, table } from "./lib.ts";

const { values } = parseArgs({ options: { scans: { type: "string", default: "1000000" }, requests: { type: "string", default: "30" } } });
const SCANS = Number(values.scans);
const REQUESTS = Number(values.requests);
/** Requests timed with scans waiting, each after a new batch (below). */
const WAITING_ROUNDS = 10;
const NOW = Date.now();
const YEAR_MS = 365 * 86_400_000;

// A second worker answers the same question from the raw rows, so both are timed alike.
const RAW_WORKER = `
const DIMS = ${JSON.stringify(Object.fromEntries(DIMENSION_NAMES.map((d) => [d, DIMENSIONS[d].limit])))};
export default {
  async fetch(request, env) {
    const { code, since } = await request.json();
    const dims = Object.keys(DIMS).filter((d) => d !== "referer");
    const results = await env.DB.batch([
      env.DB.prepare("SELECT substr(scanned_at, 1, 10) AS date, sum(is_bot = 0) AS count, count(DISTINCT CASE WHEN is_bot = 0 THEN ip_hash END) AS \\"unique\\", sum(is_bot) AS bots FROM scans WHERE code_id = ?1 AND scanned_at >= ?2 GROUP BY date ORDER BY date").bind(code, since),
      // Destinations are the URLs sent (these scans forwarded no query string).
      ...dims.map((d) => [d, d === "destination" ? "redirected_to" : d]).map(([d, c]) => env.DB.prepare("SELECT " + c + " AS value, count(*) AS count FROM scans WHERE code_id = ?1 AND scanned_at >= ?2 AND is_bot = 0 AND " + c + " IS NOT NULL GROUP BY value ORDER BY count DESC, value COLLATE NOCASE LIMIT " + DIMS[d]).bind(code, since)),
      env.DB.prepare("SELECT referer, count(*) AS count FROM scans WHERE code_id = ?1 AND scanned_at >= ?2 AND is_bot = 0 AND referer IS NOT NULL GROUP BY referer").bind(code, since),
    ]);
    const days = results[0].results.filter((d) => d.count > 0);
    const hosts = new Map();
    for (const r of results.at(-1).results) { const h = new URL(r.referer).hostname.toLowerCase(); hosts.set(h, (hosts.get(h) ?? 0) + r.count); }
    const top = Object.fromEntries(dims.map((d, i) => [d, results[i + 1].results]));
    top.referer = [...hosts].sort(([a, x], [b, y]) => y - x || a.toLowerCase().localeCompare(b.toLowerCase())).slice(0, DIMS.referer).map(([value, count]) => ({ value, count }));
    return Response.json({
      period_scans: days.reduce((s, d) => s + d.count, 0),
      period_unique_scans: days.reduce((s, d) => s + d.unique, 0),
      bot_scans: results[0].results.reduce((s, d) => s + d.bots, 0),
      scans_by_day: days.map(({ date, count, unique }) => ({ date, count, unique })),
      top,
    });
  },
};`;

const api = compatibilityOf("api");
const databases = shardDatabases("bench-aggregation");
const SHARD = readShardsConfig().shards.length - 1; // the last shard
const mf = miniflare({
  workers: [
    {
      name: "api",
      compatibility: api,
      scriptPath: buildWorker("api"),
      d1Databases: databases,
      kvNamespaces: { LINKS: "bench-links" },
      queueProducers: { WEBHOOKS: "qr3-webhooks" },
      // The API's limiters, the reads' raised to what this run asks of its one key (three windows
      // with their warm-ups, the rounds with scans waiting and the check after them) should
      // --requests ask for more: the benchmark times the limiter, never a refusal.
      ratelimits: rateLimitsOf("api", { RATE_LIMIT_READS: 3 * (REQUESTS + 3) + WAITING_ROUNDS + 1 }),
      bindings: { PUBLIC_BASE_URL: "https://qr3.app", WEBHOOK_ALLOW_LOOPBACK: "false" },
    },
    { name: "raw", compatibility: api, script: RAW_WORKER, d1Databases: { DB: databases[`SHARD_${SHARD}`]! } },
    {
      name: "driver",
      compatibility: api,
      scriptPath: join(import.meta.dirname, "workers/fetch-driver.js"),
      serviceBindings: { API: "api", RAW: "raw" },
    },
  ],
});
const driver = await mf.getWorker("driver");
const { control, shards } = await migrateDeployment(mf, "api");
const db = shards[SHARD]!;

// Seed: a business workspace (a year of retention), its key, one code, and a year of scans.
const workspaceId = newId("ws");
const codeId = newId("qr");
const { key, hash, prefix } = await newApiKey();
const created = new Date(NOW - YEAR_MS).toISOString();
await control.batch([
  insertWorkspace(control, { id: workspaceId, name: "Bench", plan: "business", retention_days: 365, shard: SHARD, created_at: created }),
  insertApiKey(control, { id: newId("key"), workspace_id: workspaceId, key_hash: hash, prefix, name: "Bench", scopes: SCOPES, created_at: created }),
]);
await claimShortCode(control, { short_code: "bench", workspace_id: workspaceId, code_id: codeId, created_at: created });
await insertCode(db, { id: codeId, workspace_id: workspaceId, short_code: "bench", url: "https://example.com", status: "active", created_at: created, updated_at: created });

// The seed's referers and the host each is counted by (refererHost, which SQL cannot call).
const REFERER_HOSTS = ["https://www.example.com/a", "https://news.example.org/b", "https://t.co/x"].map((url) => [url, refererHost(url)!] as const);

let seedSeconds = performance.now();
// Chunks of 50,000 scans: each is inserted, then copied into scan_tail as the intake trigger would
// and folded, the way the consumer counts scans (a rebuild of 1,000,000 scans in one D1 batch makes
// local workerd drop the connection).
const CHUNK = 50_000;
for (let from = 0; from < SCANS; from += CHUNK) {
  const count = Math.min(CHUNK, SCANS - from);
  // Spread evenly over the last 365 days, with deterministic pseudo-random dimensions.
  await db
    .prepare(
      `WITH RECURSIVE seq(x) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT x + 1 FROM seq WHERE x < CAST(?1 AS INTEGER) + ?2 - 1)
       INSERT INTO scans (id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language, redirected_to, ip_hash, scanned_at, is_bot)
       SELECT printf('scn_%026d', x), ?3, ?4,
         json_extract('["AT","DE","CH","US","FR","IT","GB","NL","ES","PL",null]', '$[' || (x * 7 % 11) || ']'),
         NULL,
         json_extract('["Vienna","Graz","Berlin","Munich","Zurich","Paris","Rome","London",null]', '$[' || (x * 13 % 9) || ']'),
         json_extract('["mobile","mobile","mobile","desktop","tablet",null]', '$[' || (x * 5 % 6) || ']'),
         json_extract('["iOS","Android","Android","macOS","Windows","Linux",null]', '$[' || (x * 3 % 7) || ']'),
         json_extract('["Safari","Chrome","Chrome","Firefox","Edge",null]', '$[' || (x * 11 % 6) || ']'),
         json_extract('${JSON.stringify([...REFERER_HOSTS.map(([url]) => url), null, null, null])}', '$[' || (x * 17 % 6) || ']'),
         json_extract('["de","en","fr","it",null]', '$[' || (x * 19 % 5) || ']'),
         'https://example.com',
         unhex(printf('%064x', (x * 2654435761) % 400000)),
         strftime('%Y-%m-%dT%H:%M:%fZ', (?5 - (x * ?6) / ?7 + (x * 7919 % 60000)) / 1000.0, 'unixepoch'),
         CASE WHEN x % 20 = 0 THEN 1 ELSE 0 END
       FROM seq`,
    )
    .bind(from, count, codeId, workspaceId, NOW - 120_000, YEAR_MS - 3_600_000, SCANS)
    .run();
  await db
    .prepare(
      `INSERT INTO scan_tail (scan_id, batch, code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host, language, destination)
       SELECT id, 0, code_id, workspace_id, is_bot, ip_hash, substr(scanned_at, 1, 10), CAST(strftime('%s', scanned_at) AS INTEGER) / 900,
              country, city, device_type, os, browser,
              CASE referer ${REFERER_HOSTS.map(([url, host]) => `WHEN '${url}' THEN '${host}'`).join(" ")} END, language, redirected_to
       FROM scans WHERE id >= printf('scn_%026d', ?1) AND id < printf('scn_%026d', ?1 + ?2)`,
    )
    .bind(from, count)
    .run();
  await foldScans(db);
}
seedSeconds = (performance.now() - seedSeconds) / 1000;
const summaryRows = (await db.prepare("SELECT (SELECT count(*) FROM scan_days WHERE scope = ?1) + (SELECT count(*) FROM scan_dims WHERE scope = ?1) AS n").bind(codeId).first<{ n: number }>())!.n;

/** `count` requests to one of the workers, each timed inside workerd; the last answer's body. */
async function timed(target: "API" | "RAW", url: string, init: RequestInit, count: number): Promise<{ times: number[]; body: string }> {
  const res = await driver.fetch("https://driver/", { method: "POST", body: JSON.stringify({ target, url, init, count }) });
  const out = (await res.json()) as { times: number[]; status: number; body: string };
  if (out.status !== 200) throw new Error(`${target} answered ${out.status}: ${out.body}`);
  return out;
}

const fromSummaries = async (days: number, count: number) => {
  const { times, body } = await timed("API", `https://api.qr3.test/v1/codes/${codeId}/scans?days=${days}`, { headers: { authorization: `Bearer ${key}` } }, count);
  return { times, value: (JSON.parse(body) as { data: Record<string, unknown> }).data };
};
const fromRaw = async (days: number, count: number) => {
  const since = new Date(Math.floor(NOW / 86_400_000) * 86_400_000 - (days - 1) * 86_400_000).toISOString();
  const { times, body } = await timed("RAW", "https://raw/", { method: "POST", body: JSON.stringify({ code: codeId, since }) }, count);
  return { times, value: JSON.parse(body) as Record<string, unknown> };
};

const rows: Array<Array<string | number>> = [];
let allMet = true;
for (const days of [365, 30, 1]) {
  await fromSummaries(days, 3); // warm-up
  const { times: summaryTimes, value: answer } = await fromSummaries(days, REQUESTS);
  const { times: rawTimes, value: rawAnswer } = await fromRaw(days, 3);
  // The same answer both ways.
  const expected = {
    period_scans: rawAnswer.period_scans,
    period_unique_scans: rawAnswer.period_unique_scans,
    bot_scans: rawAnswer.bot_scans,
    scans_by_day: rawAnswer.scans_by_day,
    ...Object.fromEntries(DIMENSION_NAMES.map((d) => [DIMENSIONS[d].field, (rawAnswer.top as Record<string, unknown>)[d]])),
  };
  for (const [field, value] of Object.entries(expected)) {
    if (JSON.stringify(answer[field]) !== JSON.stringify(value)) throw new Error(`days=${days}: ${field} differs between summaries and raw rows`);
  }
  const p50 = median(summaryTimes);
  const p95 = [...summaryTimes].sort((a, b) => a - b)[Math.floor(summaryTimes.length * 0.95)]!;
  const rawP50 = median(rawTimes);
  // days=1 shows the fixed cost of a request (authentication, the code, one D1 batch); the
  // target is for the long windows.
  const met = p50 < 20 && rawP50 / p50 >= 20;
  if (days !== 1) allMet &&= met;
  rows.push([`days=${days}`, p50.toFixed(1), p95.toFixed(1), rawP50.toFixed(0), (rawP50 / p50).toFixed(0) + "×", String(answer.period_scans), days === 1 ? "(reference)" : met ? "met" : "NOT met"]);
}

// Under sustained load the consumer folds once FOLD_AT scans wait, so a read may find up to that
// many less one still waiting, which it reads beside the summaries (reads never fold). Each
// request here finds that worst case: the scans before folded, as the consumer would have, and
// new scans stored the consumer's way (batches of 100) just before it.
const WAITING = FOLD_AT - 1;
const waitingTimes: number[] = [];
let fresh = 0;
for (let i = 0; i < WAITING_ROUNDS; i++) {
  const rows: ScanRow[] = Array.from({ length: WAITING }, () => {
    const at = NOW - 60_000 - fresh++ * 1000;
    return {
      id: newId("scn", at), code_id: codeId, workspace_id: workspaceId, country: "AT", region: null, city: "Vienna",
      device_type: "mobile", os: "iOS", browser: "Safari", referer: null, language: "de", redirected_to: "https://example.com",
      ip_hash: (fresh % 997).toString(16).padStart(64, "0"), scanned_at: new Date(at).toISOString(), is_bot: 0,
    };
  });
  await foldScans(db);
  for (let j = 0; j < rows.length; j += 100) await storeScans(db, rows.slice(j, j + 100));
  waitingTimes.push(...(await fromSummaries(30, 1)).times);
}
{
  const { value: answer } = await fromSummaries(30, 1);
  const { value: rawAnswer } = await fromRaw(30, 1);
  if (answer.period_scans !== rawAnswer.period_scans || answer.period_unique_scans !== rawAnswer.period_unique_scans) {
    throw new Error("days=30 with scans waiting: differs from the raw rows");
  }
}
const waitingP50 = median(waitingTimes);
const waitingP95 = [...waitingTimes].sort((a, b) => a - b)[Math.floor(waitingTimes.length * 0.95)]!;
rows.push([`days=30, ${WAITING} scans waiting`, waitingP50.toFixed(1), waitingP95.toFixed(1), "", "", "", "(worst case)"]);

console.log(`\nAggregation: one code with ${SCANS.toLocaleString("en")} scans over 365 days, on shard ${SHARD} of ${shards.length} (seeded and summarised in ${seedSeconds.toFixed(0)} s; ${summaryRows.toLocaleString("en")} day and dimension summary rows)`);
console.log(`Machine: ${await machine()}`);
console.log(`${compatibilityReport(mf)}\n`);
console.log(table(["window", "summaries p50 ms", "p95 ms", "raw rows p50 ms", "speed-up", "period_scans", "target"], rows));
console.log(`\nAnswers from summaries and from raw rows are identical. Target: p50 < 20 ms and >= 20× the raw computation → ${allMet ? "met" : "NOT met"}`);
console.log(`The last row: each request finds ${WAITING} scans stored since the last fold (the most a busy consumer leaves) and reads them beside the summaries, without folding; the answer then equals the raw rows'.`);
await mf.dispose();
