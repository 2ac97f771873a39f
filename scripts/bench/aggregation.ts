// Aggregation latency: the API worker's analytics answers against the same answers counted from
// the raw rows by a reference worker (workers/raw-aggregation.js) in the same run, both timed
// inside workerd (workers/fetch-driver.js), every answer compared field by field. All three
// workers run at the compatibility date and flags of wrangler.api.toml. The API runs on the
// control database and every shard of config/shards.json; the workspace lives on the last shard,
// so each request is authenticated in CONTROL and answered from that shard, as deployed.
//
// Seed: one code with --scans (1,000,000) spread over the last 365 days and --previous-scans
// (a tenth of that) over the 365 days before, so that compare=previous has a year to compare
// with; and --tag-codes (100) codes carrying the tag "campaign" with --tag-scans (half of --scans:
// 5,000 a code by default, which keeps the seed within minutes; the tag's summary rows are
// nearly as many as with 10,000 a code, since every code has scans on every day) spread over them
// (unevenly: ten of them take a third more) over the last 365 days. The workspace keeps 730 days
// (enterprise), so both years are inside its retention. Time zone UTC.
//
// Cases, each with its target:
// - unfiltered, from summaries, with compare=previous, series and scans_by_hour: days=365 and 30,
//   p50 < 20 ms and >= 20x the raw computation (days=1: the fixed cost, for reference);
// - filtered (the server reads the raw scans): one filter and three, 30 and 365 days,
//   p50 < 250 ms (30 days) and < 1 s (365 days), identical to the raw computation;
// - the tag's 100 codes over 365 days: p50 < 50 ms (uniques summed over the codes);
// - days=30 with FOLD_AT - 1 scans waiting to be folded (worst case, for reference);
// - for reference, not compared: days=365 and the tag without compare=previous, at granularity day.
// A difference is reported (first differing field, both values) and fails the run after the table.
//
//   pnpm bench:aggregation [--scans 1000000] [--previous-scans 100000] [--tag-codes 100]
//     [--tag-scans 500000] [--requests 30] [--filtered-requests 10] [--raw-only]
import { readdirSync, readlinkSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newApiKey, newId, retentionStart, utcDate } from "@qr3/core";
import { FOLD_AT, claimShortCode, foldScans, insertApiKey, insertCode, insertWorkspace, refererHost, storeScans } from "@qr3/db";
import { DIMENSIONS, DIMENSION_NAMES, TOP_CODES_LIMIT, type ScanRow } from "@qr3/schema";
import { SCOPES } from "@qr3/schema/api";
import { buildWorker } from "../build.ts";
import { readShardsConfig } from "../lib/shards-config.ts";
import { builtModules, compatibilityOf, compatibilityReport, machine, median, migrateDeployment, miniflare, ownWorkerdPids, rateLimitsOf, shardDatabases, table } from "./lib.ts";

const { values } = parseArgs({
  options: {
    scans: { type: "string", default: "1000000" },
    "previous-scans": { type: "string" },
    "tag-codes": { type: "string", default: "100" },
    "tag-scans": { type: "string" },
    requests: { type: "string", default: "30" },
    "filtered-requests": { type: "string", default: "10" },
    "raw-only": { type: "boolean", default: false },
  },
});
const SCANS = Number(values.scans);
const PREVIOUS_SCANS = values["previous-scans"] === undefined ? Math.round(SCANS / 10) : Number(values["previous-scans"]);
const TAG_CODES = Number(values["tag-codes"]);
const TAG_SCANS = values["tag-scans"] === undefined ? Math.round(SCANS / 2) : Number(values["tag-scans"]);
const REQUESTS = Number(values.requests);
const FILTERED_REQUESTS = Number(values["filtered-requests"]);
const RAW_ONLY = values["raw-only"];
const TAG = "campaign";
/** Requests timed with scans waiting, each after a new batch (below). */
const WAITING_ROUNDS = 10;
const WARM_UP = 2;
const NOW = Date.now();
const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const RETENTION_DAYS = 730;

type Granularity = "day" | "week" | "month";
type Filters = Record<string, string[]>;
interface Case {
  label: string;
  kind: "code" | "tag";
  days: number;
  granularity: Granularity;
  compare: boolean;
  filters: Filters;
  requests: number;
  /** p50 target in ms, and the least speed-up over the raw computation, if any. */
  p50: number;
  speedUp?: number;
  /** Outside the verdict: shown for reference. */
  reference?: boolean;
  /** Not computed from the raw rows (a reference row that only shows what a part of the answer costs). */
  noRaw?: boolean;
}

const AT: Filters = { country: ["AT"] };
const THREE: Filters = { country: ["AT"], device_type: ["mobile"], browser: ["Chrome"] };
const CASES: Case[] = [
  { label: "days=365, week, compare", kind: "code", days: 365, granularity: "week", compare: true, filters: {}, requests: REQUESTS, p50: 20, speedUp: 20 },
  { label: "days=30, day, compare", kind: "code", days: 30, granularity: "day", compare: true, filters: {}, requests: REQUESTS, p50: 20, speedUp: 20 },
  { label: "days=1, day, compare", kind: "code", days: 1, granularity: "day", compare: true, filters: {}, requests: REQUESTS, p50: 20, reference: true },
  { label: "country=AT, days=30, week", kind: "code", days: 30, granularity: "week", compare: false, filters: AT, requests: FILTERED_REQUESTS, p50: 250 },
  { label: "country=AT, days=365, month", kind: "code", days: 365, granularity: "month", compare: false, filters: AT, requests: FILTERED_REQUESTS, p50: 1000 },
  { label: "3 filters, days=30, day", kind: "code", days: 30, granularity: "day", compare: false, filters: THREE, requests: FILTERED_REQUESTS, p50: 250 },
  { label: "3 filters, days=365, week", kind: "code", days: 365, granularity: "week", compare: false, filters: THREE, requests: FILTERED_REQUESTS, p50: 1000 },
  { label: "country=AT, days=30, week, compare", kind: "code", days: 30, granularity: "week", compare: true, filters: AT, requests: FILTERED_REQUESTS, p50: 250 },
  { label: `tag (${TAG_CODES} codes), days=365, week, compare`, kind: "tag", days: 365, granularity: "week", compare: true, filters: {}, requests: REQUESTS, p50: 50 },
  { label: "days=365, day", kind: "code", days: 365, granularity: "day", compare: false, filters: {}, requests: REQUESTS, p50: 20, reference: true, noRaw: true },
  { label: `tag (${TAG_CODES} codes), days=365, day`, kind: "tag", days: 365, granularity: "day", compare: false, filters: {}, requests: REQUESTS, p50: 50, reference: true, noRaw: true },
];
const WAITING_CASE: Case = { label: `days=30, ${FOLD_AT - 1} scans waiting`, kind: "code", days: 30, granularity: "day", compare: true, filters: {}, requests: 1, p50: Infinity, reference: true };

const api = compatibilityOf("api");
const databases = shardDatabases("bench-aggregation");
const SHARD = readShardsConfig().shards.length - 1; // the last shard
const apiRequests = CASES.reduce((n, c) => n + WARM_UP + c.requests, 0) + 2 * WAITING_ROUNDS + 5;
const mf = miniflare({
  workers: [
    {
      name: "api",
      compatibility: api,
      ...builtModules(buildWorker("api")),
      d1Databases: databases,
      kvNamespaces: { LINKS: "bench-links" },
      queueProducers: { WEBHOOKS: "qr3-webhooks" },
      // The API's limiters, the reads' raised to what this run asks of its one key (every case
      // with its warm-up, the rounds with scans waiting and their checks) should the cases ask
      // for more: the benchmark times the limiter, never a refusal.
      ratelimits: rateLimitsOf("api", { RATE_LIMIT_READS: apiRequests }),
      bindings: { PUBLIC_BASE_URL: "https://qr3.app", WEBHOOK_ALLOW_LOOPBACK: "false" },
    },
    {
      name: "raw",
      compatibility: api,
      scriptPath: join(import.meta.dirname, "workers/raw-aggregation.js"),
      d1Databases: { DB: databases[`SHARD_${SHARD}`]! },
      bindings: { DIMS: Object.fromEntries(DIMENSION_NAMES.map((d) => [d, DIMENSIONS[d].limit])), TOP_CODES: TOP_CODES_LIMIT },
    },
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

// Seed: an enterprise workspace keeping two years, its key, one code and the tag's codes.
const workspaceId = newId("ws");
const codeId = newId("qr");
const tagCodeIds = Array.from({ length: TAG_CODES }, () => newId("qr"));
const { key, hash, prefix } = await newApiKey();
const created = new Date(NOW - 2 * YEAR_MS).toISOString();
await control.batch([
  insertWorkspace(control, { id: workspaceId, name: "Bench", plan: "enterprise", retention_days: RETENTION_DAYS, shard: SHARD, created_at: created }),
  insertApiKey(control, { id: newId("key"), workspace_id: workspaceId, key_hash: hash, prefix, name: "Bench", scopes: SCOPES, created_at: created }),
]);
for (const [i, id] of [codeId, ...tagCodeIds].entries()) {
  const short = i === 0 ? "bench" : `bench-tag-${i}`;
  await claimShortCode(control, { short_code: short, workspace_id: workspaceId, code_id: id, created_at: created });
  await insertCode(db, { id, workspace_id: workspaceId, short_code: short, url: "https://example.com", status: "active", tags: i === 0 ? [] : [TAG], created_at: created, updated_at: created });
}

// The seed's referers and the host each is counted by (refererHost, which SQL cannot call).
const REFERER_HOSTS = ["https://www.example.com/a", "https://news.example.org/b", "https://t.co/x"].map((url) => [url, refererHost(url)!] as const);

/**
 * Scans x0 to x0 + count - 1 of a series of `total` spread evenly over `span` ms up to `end`,
 * with deterministic pseudo-random dimensions, on the code of `codes` that `codeIndex` picks: the
 * one generator (a common table expression `g`) both statements below read.
 */
const generator = (codeIndex: string) => `WITH RECURSIVE seq(x) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT x + 1 FROM seq WHERE x < CAST(?1 AS INTEGER) + ?2 - 1),
  g AS (SELECT printf('scn_%026d', x) AS id, json_extract(?3, '$[' || (${codeIndex}) || ']') AS code_id, ?4 AS workspace_id,
    json_extract('["AT","DE","CH","US","FR","IT","GB","NL","ES","PL",null]', '$[' || (x * 7 % 11) || ']') AS country,
    NULL AS region,
    json_extract('["Vienna","Graz","Berlin","Munich","Zurich","Paris","Rome","London",null]', '$[' || (x * 13 % 9) || ']') AS city,
    json_extract('["mobile","mobile","mobile","desktop","tablet",null]', '$[' || (x * 5 % 6) || ']') AS device_type,
    json_extract('["iOS","Android","Android","macOS","Windows","Linux",null]', '$[' || (x * 3 % 7) || ']') AS os,
    json_extract('["Safari","Chrome","Chrome","Firefox","Edge",null]', '$[' || (x * 11 % 6) || ']') AS browser,
    json_extract('${JSON.stringify([...REFERER_HOSTS.map(([url]) => url), null, null, null])}', '$[' || (x * 17 % 6) || ']') AS referer,
    json_extract('["de","en","fr","it",null]', '$[' || (x * 19 % 5) || ']') AS language,
    'https://example.com' AS redirected_to,
    unhex(printf('%064x', (x * 2654435761) % 400000)) AS ip_hash,
    strftime('%Y-%m-%dT%H:%M:%fZ', (?5 - ((x - ?8) * ?6) / ?7 + (x * 7919 % 60000)) / 1000.0, 'unixepoch') AS scanned_at,
    CASE WHEN x % 20 = 0 THEN 1 ELSE 0 END AS is_bot
  FROM seq)`;

let seededScans = 0;
/**
 * A series in chunks of 50,000 scans: each is inserted, then queued in scan_tail as the intake
 * trigger would and folded, the way the consumer counts scans (a rebuild of 1,000,000 scans in
 * one D1 batch makes local workerd drop the connection).
 */
async function seedSeries(codes: string[], x0: number, total: number, end: number, span: number): Promise<void> {
  const pick = codes.length === 1 ? "0" : `CASE WHEN x % 3 = 0 THEN (x / 7) % 10 ELSE (x / 7) % ${codes.length} END`;
  const CHUNK = 50_000;
  for (let from = x0; from < x0 + total; from += CHUNK) {
    const count = Math.min(CHUNK, x0 + total - from);
    const binds = [from, count, JSON.stringify(codes), workspaceId, end, span, total, x0];
    await db
      .prepare(
        `${generator(pick)} INSERT INTO scans (id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language, redirected_to, ip_hash, scanned_at, is_bot)
         SELECT id, code_id, workspace_id, country, region, city, device_type, os, browser, referer, language, redirected_to, ip_hash, scanned_at, is_bot FROM g`,
      )
      .bind(...binds)
      .run();
    await db
      .prepare(
        `${generator(pick)} INSERT INTO scan_tail (scan_id, batch, code_id, workspace_id, is_bot, ip_hash, day, quarter, country, city, device_type, os, browser, referer_host, language, destination)
         SELECT id, 0, code_id, workspace_id, is_bot, ip_hash, substr(scanned_at, 1, 10), CAST(strftime('%s', scanned_at) AS INTEGER) / 900,
                country, city, device_type, os, browser,
                CASE referer ${REFERER_HOSTS.map(([url, host]) => `WHEN '${url}' THEN '${host}'`).join(" ")} END, language, redirected_to
         FROM g`,
      )
      .bind(...binds)
      .run();
    await foldScans(db);
    seededScans += count;
  }
}

const loadBefore = loadavg();
let seedSeconds = performance.now();
await seedSeries([codeId], 0, SCANS, NOW - 120_000, YEAR_MS - 3_600_000);
await seedSeries([codeId], SCANS, PREVIOUS_SCANS, NOW - YEAR_MS - 120_000, YEAR_MS - 3_600_000);
if (TAG_CODES > 0) await seedSeries(tagCodeIds, SCANS + PREVIOUS_SCANS, TAG_SCANS, NOW - 120_000, YEAR_MS - 3_600_000);
// The codes' lifetime counters, which the consumer moves as it stores scans (the seed does not).
await db
  .prepare(
    `UPDATE codes SET total_scans = (SELECT count(*) FROM scans s WHERE s.code_id = codes.id AND s.is_bot = 0),
       bot_scans = (SELECT count(*) FROM scans s WHERE s.code_id = codes.id AND s.is_bot = 1) WHERE workspace_id = ?1`,
  )
  .bind(workspaceId)
  .run();
seedSeconds = (performance.now() - seedSeconds) / 1000;
const summaryRows = (await db.prepare("SELECT (SELECT count(*) FROM scan_days WHERE scope = ?1) + (SELECT count(*) FROM scan_dims WHERE scope = ?1) AS n").bind(codeId).first<{ n: number }>())!.n;

/** `count` requests to one of the workers, each timed inside workerd; the last answer's status and body. */
async function timed(target: "API" | "RAW", url: string, init: RequestInit, count: number): Promise<{ times: number[]; status: number; body: string }> {
  const res = await driver.fetch("https://driver/", { method: "POST", body: JSON.stringify({ target, url, init, count }) });
  return (await res.json()) as { times: number[]; status: number; body: string };
}

function windowOf(c: Case) {
  const today = utcDate(Date.now());
  return { from: utcDate(Date.parse(`${today}T00:00:00.000Z`) - (c.days - 1) * DAY_MS), to: today };
}

function apiUrl(c: Case): string {
  const params = new URLSearchParams({ days: String(c.days), granularity: c.granularity });
  if (c.compare) params.set("compare", "previous");
  for (const [dim, list] of Object.entries(c.filters)) for (const v of list) params.append(dim, v);
  const path = c.kind === "tag" ? `/v1/tags/${TAG}/scans` : `/v1/codes/${codeId}/scans`;
  return `https://api.qr3.test${path}?${params}`;
}

async function fromApi(c: Case, count: number) {
  const out = await timed("API", apiUrl(c), { headers: { authorization: `Bearer ${key}` } }, count);
  if (out.status !== 200) throw new Error(`the API answered ${out.status}: ${out.body.slice(0, 300)}`);
  return { times: out.times, value: (JSON.parse(out.body) as { data: Record<string, unknown> }).data };
}

/** The raw computation, timed once, and twice more if it takes under 3 s. */
async function fromRaw(c: Case) {
  const { from, to } = windowOf(c);
  const body = {
    ...(c.kind === "tag" ? { workspace: workspaceId, tag: TAG } : { code: codeId }),
    from, to, granularity: c.granularity, compare: c.compare, filters: c.filters,
    retentionStart: new Date(retentionStart(Date.now(), RETENTION_DAYS)).toISOString(),
  };
  const init = { method: "POST", body: JSON.stringify(body) };
  const run = async (count: number) => {
    const out = await timed("RAW", "https://raw/", init, count);
    if (out.status !== 200) throw new Error(`the raw worker answered ${out.status}: ${out.body.slice(0, 300)}`);
    return out;
  };
  let out = await run(1);
  const times = [...out.times];
  if (times[0]! < 3000) {
    out = await run(2);
    times.push(...out.times);
  }
  const raw = JSON.parse(out.body) as Record<string, unknown> & { top: Record<string, unknown> };
  // The raw worker's top lists by dimension name, as the API's fields.
  const { top, ...rest } = raw;
  const expected: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(rest)) {
    expected[field] = value;
    if (field === "scans_by_hour") for (const d of DIMENSION_NAMES) expected[DIMENSIONS[d].field] = top[d];
  }
  return { times, value: expected };
}

/** The first place where two JSON values differ, with both values there; null if they are equal. */
function firstDifference(server: unknown, raw: unknown, path: string): { path: string; server: unknown; raw: unknown } | null {
  if (Array.isArray(server) && Array.isArray(raw)) {
    for (let i = 0; i < Math.max(server.length, raw.length); i++) {
      if (i >= server.length || i >= raw.length) return { path: `${path}[${i}] (server has ${server.length} entries, raw ${raw.length})`, server: server[i], raw: raw[i] };
      const d = firstDifference(server[i], raw[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (server && raw && typeof server === "object" && typeof raw === "object" && !Array.isArray(server) && !Array.isArray(raw)) {
    const keys = [...new Set([...Object.keys(raw), ...Object.keys(server)])];
    for (const k of keys) {
      const d = firstDifference((server as Record<string, unknown>)[k], (raw as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(server, raw) ? null : { path, server, raw };
}

/** Every field the raw computation answers, compared; the first difference, if any, as a line. */
function compare(c: Case, server: Record<string, unknown>, raw: Record<string, unknown>): string | null {
  for (const [field, value] of Object.entries(raw)) {
    const d = firstDifference(server[field], value, field);
    if (d) return `${c.label}: ${d.path}: server ${JSON.stringify(d.server) ?? "(missing)"}, raw ${JSON.stringify(d.raw) ?? "(missing)"}`;
  }
  return null;
}

const pct = (times: number[], p: number) => [...times].sort((a, b) => a - b)[Math.min(times.length - 1, Math.floor(times.length * p))]!;
const targetOf = (c: Case) => (c.reference ? "(reference)" : `p50 < ${c.p50 >= 1000 ? `${c.p50 / 1000} s` : `${c.p50} ms`}${c.speedUp ? `, >= ${c.speedUp}× raw` : ""}`);

const rows: Array<Array<string | number>> = [];
const differences: string[] = [];
const errors: string[] = [];
let allMet = true;

for (const c of CASES) {
  try {
    if (RAW_ONLY) {
      if (c.noRaw) continue;
      const { times: rawTimes, value: raw } = await fromRaw(c);
      rows.push([c.label, "", "", median(rawTimes).toFixed(0), "", String(raw.period_scans), targetOf(c), "(raw only)"]);
      continue;
    }
    await fromApi(c, WARM_UP);
    const { times, value: answer } = await fromApi(c, c.requests);
    if (c.noRaw) {
      rows.push([c.label, median(times).toFixed(1), pct(times, 0.95).toFixed(1), "", "", String(answer.period_scans), "(reference)", "not compared"]);
      continue;
    }
    const { times: rawTimes, value: raw } = await fromRaw(c);
    const difference = compare(c, answer, raw);
    if (difference) differences.push(difference);
    const p50 = median(times);
    const rawP50 = median(rawTimes);
    const met = !difference && p50 < c.p50 && (!c.speedUp || rawP50 / p50 >= c.speedUp);
    if (!c.reference) allMet &&= met;
    const verdict = difference ? "NOT met: differs" : c.reference ? "" : met ? "met" : "NOT met";
    rows.push([c.label, p50.toFixed(1), pct(times, 0.95).toFixed(1), rawP50.toFixed(0), `${(rawP50 / p50).toFixed(rawP50 / p50 < 10 ? 1 : 0)}×`, String(raw.period_scans), targetOf(c), verdict]);
  } catch (e) {
    allMet = false;
    errors.push(`${c.label}: ${(e as Error).message}`);
    rows.push([c.label, "", "", "", "", "", targetOf(c), "error"]);
  }
}

// Under sustained load the consumer folds once FOLD_AT scans wait, so a read may find up to that
// many less one still waiting, which it reads beside the summaries (reads never fold). Each
// request here finds that worst case: the scans before folded, as the consumer would have, and
// new scans stored the consumer's way (batches of 100) just before it.
if (!RAW_ONLY) {
  try {
    const WAITING = FOLD_AT - 1;
    const waitingTimes: number[] = [];
    let fresh = 0;
    for (let i = 0; i < WAITING_ROUNDS; i++) {
      const batch: ScanRow[] = Array.from({ length: WAITING }, () => {
        const at = NOW - 60_000 - fresh++ * 1000;
        return {
          id: newId("scn", at), code_id: codeId, workspace_id: workspaceId, country: "AT", region: null, city: "Vienna",
          device_type: "mobile", os: "iOS", browser: "Safari", referer: null, language: "de", redirected_to: "https://example.com",
          ip_hash: (fresh % 997).toString(16).padStart(64, "0"), scanned_at: new Date(at).toISOString(), is_bot: 0,
        };
      });
      await foldScans(db);
      for (let j = 0; j < batch.length; j += 100) await storeScans(db, batch.slice(j, j + 100));
      waitingTimes.push(...(await fromApi(WAITING_CASE, 1)).times);
    }
    // The last round's scans still wait: the answer then equals the raw rows'.
    const { value: answer } = await fromApi(WAITING_CASE, 1);
    const { value: raw } = await fromRaw(WAITING_CASE);
    const difference = compare(WAITING_CASE, answer, raw);
    if (difference) differences.push(difference);
    rows.push([WAITING_CASE.label, median(waitingTimes).toFixed(1), pct(waitingTimes, 0.95).toFixed(1), "", "", String(raw.period_scans), "(worst case)", difference ? "NOT met: differs" : ""]);
  } catch (e) {
    errors.push(`${WAITING_CASE.label}: ${(e as Error).message}`);
    rows.push([WAITING_CASE.label, "", "", "", "", "", "(worst case)", "error"]);
  }
}

/**
 * Bytes per stored scan of the shard's tables, from SQLite's dbstat over the shard's database
 * file, which Miniflare keeps in its temporary directory (workerd's D1 refuses dbstat and
 * page_count). The file is found among those the run's own workerd processes hold open.
 */
async function storage(): Promise<string> {
  const files = new Set<string>();
  for (const pid of ownWorkerdPids() ?? []) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
          if (target.endsWith(".sqlite")) files.add(target);
        } catch {
          // closed meanwhile
        }
      }
    } catch {
      // exited meanwhile
    }
  }
  const emit = process.emitWarning;
  process.emitWarning = () => {}; // node:sqlite's ExperimentalWarning
  try {
    const { DatabaseSync } = await import("node:sqlite");
    for (const file of files) {
      const sqlite = new DatabaseSync(file, { readOnly: true });
      try {
        const has = sqlite.prepare("SELECT 1 AS x FROM sqlite_schema WHERE name = 'codes'").get() && sqlite.prepare("SELECT 1 AS x FROM codes WHERE id = ?").get(codeId);
        if (!has) continue;
        const scans = (sqlite.prepare("SELECT count(*) AS n FROM scans").get() as { n: number }).n;
        const bytes = new Map<string, number>();
        for (const r of sqlite.prepare("SELECT s.tbl_name AS tbl, sum(d.pgsize) AS bytes FROM dbstat d JOIN sqlite_schema s ON s.name = d.name GROUP BY s.tbl_name").all() as Array<{ tbl: string; bytes: number }>) {
          bytes.set(r.tbl, r.bytes);
        }
        const per = (tables: string[]) => tables.reduce((s, t) => s + (bytes.get(t) ?? 0), 0) / scans;
        // Every summary table (scan_days, scan_quarters, scan_dims, ...), but the queue of scans waiting.
        const summaries = [...bytes.keys()].filter((t) => t.startsWith("scan_") && t !== "scan_tail" && bytes.get(t)! / scans >= 0.05).sort();
        const parts = summaries.map((t) => `${t} ${per([t]).toFixed(1)}`).join(", ");
        return [
          `Storage, from dbstat over the shard's file (${scans.toLocaleString("en")} scans): scans table ${per(["scans"]).toFixed(1)} bytes per scan; summaries ${per(summaries).toFixed(1)} bytes per scan (${parts})`,
          `Filtered answers keep no summary of their own: they read the scans table (clustered by code and time), so filters add 0 bytes per scan.`,
        ].join("\n");
      } finally {
        sqlite.close();
      }
    }
    return `Storage: skipped (the shard's database file was not found among the files workerd holds open: ${files.size} .sqlite files)`;
  } catch (e) {
    return `Storage: skipped (${(e as Error).message})`;
  } finally {
    process.emitWarning = emit;
  }
}

const seeded = [
  `one code with ${SCANS.toLocaleString("en")} scans over the last 365 days and ${PREVIOUS_SCANS.toLocaleString("en")} over the 365 days before`,
  ...(TAG_CODES > 0 ? [`${TAG_CODES} codes tagged "${TAG}" with ${TAG_SCANS.toLocaleString("en")} scans over the last 365 days`] : []),
].join("; ");
console.log(`\nAggregation: ${seeded}, on shard ${SHARD} of ${shards.length}, time zone UTC (${seededScans.toLocaleString("en")} scans seeded and summarised in ${seedSeconds.toFixed(0)} s; ${summaryRows.toLocaleString("en")} day and dimension summary rows for the one code)`);
const loadAfter = loadavg();
console.log(`Machine: ${await machine()}; load average ${loadBefore.map((l) => l.toFixed(1)).join(" ")} before the seed, ${loadAfter.map((l) => l.toFixed(1)).join(" ")} after the cases (other processes weigh on every figure)`);
console.log(`${compatibilityReport(mf)}\n`);
console.log(table(["case", "server p50 ms", "p95 ms", "raw rows p50 ms", "speed-up", "period_scans", "target", ""], rows));
console.log(`\nUnfiltered and tag answers are read from summaries, filtered ones from the scans; each is compared field by field with the same answer counted from the raw rows (series, scans_by_hour, previous and change, every top list).`);
console.log(`Requests: ${REQUESTS} per unfiltered or tag case, ${FILTERED_REQUESTS} per filtered case, after ${WARM_UP} warm-ups; the raw computation once, three times when under 3 s.`);
console.log(`The waiting row: each request finds ${FOLD_AT - 1} scans stored since the last fold (the most a busy consumer leaves) and reads them beside the summaries, without folding.`);
console.log(await storage());
for (const e of errors) console.log(`Error: ${e}`);
for (const d of differences) console.log(`Differs: ${d}`);
console.log(`\nAll targets → ${RAW_ONLY ? "not measured (--raw-only)" : allMet && !differences.length ? "met" : "NOT met"}`);
await mf.dispose();
if (differences.length || errors.length) throw new Error(`${differences.length} answers differ from the raw computation, ${errors.length} cases failed`);
