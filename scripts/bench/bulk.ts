// Bulk create: POST /v1/codes/bulk with 1,000 codes in one request, against the same 1,000 codes
// created by 1,000 POST /v1/codes sent one after the other, and a bulk of 100, all timed inside
// workerd (workers/sequence-driver.js) in the same run. Target: the bulk request at least 10
// times faster per code than single creates. Every answer is checked (201, the codes in the
// order asked, each with its url, name, tags and external_id), and so are the workspace's codes
// in its shard and the control database's directory afterwards; any difference fails the run.
// Also shown: the 1,000-item body against the API's 1 MB body limit, and the maintenance queue
// messages a bulk request sends (counted by a consumer of that queue run here; D1 statements are
// not counted: this Miniflare cannot interpose on a worker's D1 bindings without changing it).
//
// The API worker is the build of scripts/build.ts, at the compatibility date and flags of
// wrangler.api.toml, on the control database and every shard of config/shards.json; the
// workspace lives on the last shard, its key inserted directly.
//
//   pnpm bench:bulk [--codes 1000] [--repeats 5] [--small 100]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newApiKey, newId } from "@qr3/core";
import { insertApiKey, insertWorkspace } from "@qr3/db";
import { SCOPES } from "@qr3/schema/api";
import { API_LIMITS } from "@qr3/schema/api/limits";
import { LIMITS } from "@qr3/schema/limits";
import { MAX_BODY_BYTES } from "../../workers/api/src/body.ts";
import { buildWorker } from "../build.ts";
import { readShardsConfig } from "../lib/shards-config.ts";
import { builtModules, compatibilityOf, compatibilityReport, machine, median, migrateDeployment, miniflare, rateLimitsOf, shardDatabases, table } from "./lib.ts";

const { values } = parseArgs({ options: { codes: { type: "string", default: "1000" }, repeats: { type: "string", default: "5" }, small: { type: "string", default: "100" } } });
const CODES = Number(values.codes);
const REPEATS = Number(values.repeats);
const SMALL = Number(values.small);
for (const [name, n] of [["codes", CODES], ["small", SMALL]] as const) {
  if (!Number.isInteger(n) || n < 1 || n > API_LIMITS.bulk_codes.max) throw new Error(`--${name} must be 1 to ${API_LIMITS.bulk_codes.max}`);
}
if (!Number.isInteger(REPEATS) || REPEATS < 1) throw new Error("--repeats must be at least 1");
/** Single creates sent before the timed ones, so that the first request's start-up is not timed. */
const SINGLE_WARM_UP = 10;
/** A bulk request's queue messages, delivered to the counter below, are awaited this long at most. */
const QUEUE_WAIT_MS = 10_000;
const TARGET = 10;

// Counts what reaches the queues the API produces to: messages, the batches they arrive in, and
// the addresses of the link syncs they ask for. GET answers the counts so far.
const QUEUE_COUNTER = `
const seen = {};
export default {
  async queue(batch) {
    const s = (seen[batch.queue] ??= { batches: 0, messages: 0, addresses: 0 });
    s.batches++;
    s.messages += batch.messages.length;
    for (const m of batch.messages) s.addresses += m.body?.addresses?.length ?? 0;
    batch.ackAll();
  },
  async fetch() {
    return Response.json(seen);
  },
};`;
const QUEUES = { maintenance: "qr3-maintenance", webhooks: "qr3-webhooks" } as const;

// Every write of this run is allowed through the writes limiter: the warm-ups, the timed
// requests, the body-limit check, and a margin.
const WRITES = 1 + 2 * REPEATS + SINGLE_WARM_UP + CODES + 1 + 10;

const api = compatibilityOf("api");
const databases = shardDatabases("bench-bulk");
const SHARD = readShardsConfig().shards.length - 1; // the last shard
const mf = miniflare({
  workers: [
    {
      name: "api",
      compatibility: api,
      ...builtModules(buildWorker("api")),
      d1Databases: databases,
      kvNamespaces: { LINKS: "bench-links" },
      queueProducers: { WEBHOOKS: QUEUES.webhooks, MAINTENANCE: QUEUES.maintenance },
      ratelimits: rateLimitsOf("api", { RATE_LIMIT_WRITES: WRITES }),
      bindings: { PUBLIC_BASE_URL: "https://qr3.app", WEBHOOK_ALLOW_LOOPBACK: "false", DOH_URL: "https://dns.invalid/dns-query" },
    },
    {
      name: "queues",
      compatibility: api,
      script: QUEUE_COUNTER,
      queueConsumers: Object.fromEntries(Object.values(QUEUES).map((q) => [q, { maxBatchSize: 100, maxBatchTimeout: 0 }])),
    },
    {
      name: "driver",
      compatibility: api,
      scriptPath: join(import.meta.dirname, "workers/sequence-driver.js"),
      serviceBindings: { API: "api" },
    },
  ],
});
const driver = await mf.getWorker("driver");
const counter = await mf.getWorker("queues");
const { control, shards } = await migrateDeployment(mf, "api");
const db = shards[SHARD]!;

const workspaceId = newId("ws");
const { key, hash, prefix } = await newApiKey();
const now = new Date().toISOString();
await control.batch([
  insertWorkspace(control, { id: workspaceId, name: "Bench", plan: "business", retention_days: 365, shard: SHARD, created_at: now }),
  insertApiKey(control, { id: newId("key"), workspace_id: workspaceId, key_hash: hash, prefix, name: "Bench", scopes: SCOPES, created_at: now }),
]);

interface Item {
  url: string;
  name: string;
  tags: string[];
  external_id: string;
}
interface Created extends Item {
  id: string;
  short_code: string;
}

/** `n` codes, each with an external_id no other of the run has. */
const items = (run: string, n: number): Item[] =>
  Array.from({ length: n }, (_, i) => ({
    url: `https://shop.example.com/products/${run}/${i}?utm_source=qr`,
    name: `Product ${run} ${i}`,
    tags: ["bench", `run-${run}`],
    external_id: `sku-${run}-${String(i).padStart(5, "0")}`,
  }));

const post = (path: string, body: unknown) => ({
  url: `https://api.qr3.test${path}`,
  init: { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) },
});

/** These requests to the API, one after the other, each timed inside workerd. */
async function send(requests: ReturnType<typeof post>[], bodies = true): Promise<{ times: number[]; statuses: number[]; bodies: string[] }> {
  const res = await driver.fetch("https://driver/", { method: "POST", body: JSON.stringify({ target: "API", requests, bodies }) });
  if (res.status !== 200) throw new Error(`driver answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { times: number[]; statuses: number[]; bodies: string[] };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`Bulk benchmark: wrong answer: ${what}`);
}

/** The codes answered are those asked for, in the order asked, each a new code with an address of its own. */
function checkCodes(what: string, asked: Item[], answered: Created[], seen: Set<string>): void {
  check(answered.length === asked.length, `${what}: ${answered.length} codes answered, ${asked.length} asked for`);
  answered.forEach((code, i) => {
    const want = asked[i]!;
    const same = code.url === want.url && code.name === want.name && code.external_id === want.external_id && JSON.stringify(code.tags) === JSON.stringify(want.tags);
    check(same, `${what}: code ${i} is not item ${i} (${JSON.stringify(code)})`);
    check(!seen.has(code.id) && !seen.has(code.short_code), `${what}: code ${i} repeats an id or short code`);
    seen.add(code.id).add(code.short_code);
  });
}

const queueCounts = async () => (await (await counter.fetch("https://queues/")).json()) as Record<string, { batches: number; messages: number; addresses: number }>;
/** Waits until the maintenance queue has delivered syncs for `addresses` addresses in all; the counts then. */
async function queueSettled(addresses: number) {
  const until = Date.now() + QUEUE_WAIT_MS;
  for (;;) {
    const counts = await queueCounts();
    const got = counts[QUEUES.maintenance]?.addresses ?? 0;
    if (got === addresses) return counts;
    check(got < addresses && Date.now() < until, `the maintenance queue carried ${got} addresses to sync, ${addresses} expected`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const seen = new Set<string>();
let created = 0;
let syncedByQueue = 0;
/** Messages each timed bulk request sent to the maintenance queue, by size. */
const messagesPerBulk = new Map<number, number[]>();
const bulkTimes = new Map<number, number[]>();
/** How many codes the workspace held before each timed bulk request, by size. */
const heldBefore = new Map<number, number[]>();
let bulkRun = 0;

async function bulk(n: number, timed: boolean): Promise<void> {
  const run = `b${n}-${++bulkRun}`;
  const asked = items(run, n);
  const before = (await queueCounts())[QUEUES.maintenance]?.messages ?? 0;
  const held = created;
  const { times, statuses, bodies } = await send([post("/v1/codes/bulk", { codes: asked })]);
  check(statuses[0] === 201, `bulk of ${n}: answered ${statuses[0]}, not 201: ${bodies[0]!.slice(0, 500)}`);
  checkCodes(`bulk of ${n}`, asked, (JSON.parse(bodies[0]!) as { data: Created[] }).data, seen);
  created += n;
  syncedByQueue += n;
  const counts = await queueSettled(syncedByQueue);
  if (timed) {
    bulkTimes.set(n, [...(bulkTimes.get(n) ?? []), times[0]!]);
    heldBefore.set(n, [...(heldBefore.get(n) ?? []), held]);
    messagesPerBulk.set(n, [...(messagesPerBulk.get(n) ?? []), counts[QUEUES.maintenance]!.messages - before]);
  }
}

async function singles(n: number, run: string): Promise<number[]> {
  const asked = items(run, n);
  const { times, statuses, bodies } = await send(asked.map((item) => post("/v1/codes", item)));
  const refused = statuses.findIndex((s) => s !== 201);
  check(refused === -1, `single create ${refused}: answered ${statuses[refused]}, not 201: ${bodies[refused]?.slice(0, 500)}`);
  checkCodes(`single creates ${run}`, asked, bodies.map((b) => (JSON.parse(b) as { data: Created }).data), seen);
  created += n;
  return times;
}

// Warm-up: the isolate, the first D1 statements, the first queue delivery.
await bulk(CODES, false);
await bulk(SMALL, false);
await singles(SINGLE_WARM_UP, "warm");

// The single creates run in as many parts as there are rounds, each part after a round's bulk
// requests, so that a database growing by some thousands of codes, or load on the machine that
// comes and goes, weighs on both alike.
const started = performance.now();
const singleTimes: number[] = [];
for (let r = 0; r < REPEATS; r++) {
  await bulk(CODES, true);
  await bulk(SMALL, true);
  const part = Math.floor((CODES * (r + 1)) / REPEATS) - Math.floor((CODES * r) / REPEATS);
  singleTimes.push(...(await singles(part, `single${r}`)));
}
const timedSeconds = (performance.now() - started) / 1000;

// A body of the largest items the schema allows, as many as a bulk takes: refused unread past the limit.
const largestItem = {
  url: `https://shop.example.com/${"p".repeat(LIMITS.url - "https://shop.example.com/".length)}`,
  name: "n".repeat(API_LIMITS.code_name.max),
  tags: Array.from({ length: API_LIMITS.code_tags.max }, (_, i) => `${i}`.padStart(API_LIMITS.code_tags.tag_max, "t")),
  external_id: "e".repeat(API_LIMITS.external_id.max),
};
{
  const { statuses } = await send([post("/v1/codes/bulk", { codes: Array.from({ length: CODES }, (_, i) => ({ ...largestItem, external_id: `${i}`.padStart(API_LIMITS.external_id.max, "e") })) })]);
  check(statuses[0] === 413, `a body over ${MAX_BODY_BYTES} bytes answered ${statuses[0]}, not 413`);
}

// What the workspace holds afterwards: exactly the codes answered, in its shard and in the directory.
const inShard = (await db.prepare("SELECT count(*) AS n FROM codes WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>())!.n;
const inDirectory = (await control.prepare("SELECT count(*) AS n FROM short_codes WHERE workspace_id = ?1").bind(workspaceId).first<{ n: number }>())!.n;
check(inShard === created, `the workspace's shard holds ${inShard} codes, ${created} were created`);
check(inDirectory === created, `the directory holds ${inDirectory} short codes of the workspace, ${created} were created`);
const webhookMessages = (await queueCounts())[QUEUES.webhooks]?.messages ?? 0;
check(webhookMessages === 0, `${webhookMessages} webhook deliveries sent for a workspace without webhooks`);

// The figures.
const bytes = (n: number) => new TextEncoder().encode(post("/v1/codes/bulk", { codes: items("b1000-1", n) }).init.body).byteLength;
const bulkBytes = bytes(CODES);
const largestBytes = new TextEncoder().encode(JSON.stringify(largestItem)).byteLength + 1;
const singleTotal = singleTimes.reduce((s, t) => s + t, 0);
const singlePerCode = singleTotal / CODES;
const p95 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))]!;
const rows: Array<Array<string | number>> = [
  [`${CODES.toLocaleString("en")} × POST /v1/codes, one at a time`, CODES, median(singleTimes).toFixed(1), p95(singleTimes).toFixed(1), (singleTotal / 1000).toFixed(2), singlePerCode.toFixed(2), (1000 / singlePerCode).toFixed(0), "1×", "(baseline)"],
];
let met = true;
for (const n of [CODES, SMALL]) {
  const times = bulkTimes.get(n)!;
  const perRequest = median(times);
  const perCode = perRequest / n;
  const ratio = singlePerCode / perCode;
  if (n === CODES) met = ratio >= TARGET;
  rows.push([
    `POST /v1/codes/bulk of ${n.toLocaleString("en")} (median of ${times.length})`,
    n,
    perRequest.toFixed(1),
    Math.max(...times).toFixed(1),
    ((perCode * CODES) / 1000).toFixed(2),
    perCode.toFixed(3),
    (1000 / perCode).toFixed(0),
    `${ratio.toFixed(1)}×`,
    n === CODES ? (ratio >= TARGET ? "met" : "NOT met") : "",
  ]);
}

console.log(`\nBulk create: ${CODES.toLocaleString("en")} codes (url, name, 2 tags, external_id) in one request against ${CODES.toLocaleString("en")} single creates, on shard ${SHARD} of ${shards.length} (timed phase ${timedSeconds.toFixed(0)} s)`);
console.log(`Machine: ${await machine()}`);
console.log(`${compatibilityReport(mf)}\n`);
console.log(table(["requests", "codes/req", "per request ms", "p95/max ms", `${CODES.toLocaleString("en")} codes s`, "per code ms", "codes/s", "vs single", "target"], rows));
console.log(`\nTarget: bulk of ${CODES.toLocaleString("en")} at least ${TARGET}× faster per code than single creates → ${met ? "met" : "NOT met"}`);
console.log(`Times are the worker's, taken inside workerd; p95/max is the single creates' p95 and the bulk requests' slowest.`);
for (const n of [CODES, SMALL]) {
  const each = bulkTimes.get(n)!.map((t, i) => `${t.toFixed(0)} (${heldBefore.get(n)![i]!.toLocaleString("en")})`);
  console.log(`  Each bulk of ${n.toLocaleString("en")}, ms (codes the workspace held before it): ${each.join(", ")}`);
}
console.log(`  Single creates, in ${REPEATS} parts of about ${Math.round(CODES / REPEATS)} after each round's bulk requests: ${(singleTotal / 1000).toFixed(1)} s in all, mean ${singlePerCode.toFixed(1)} ms.`);
console.log(
  `Body of the ${CODES.toLocaleString("en")}-item request: ${bulkBytes.toLocaleString("en")} bytes (${(bulkBytes / CODES).toFixed(0)} per item), ` +
    `${((100 * bulkBytes) / MAX_BODY_BYTES).toFixed(0)}% of the ${MAX_BODY_BYTES.toLocaleString("en")}-byte limit; ${SMALL}-item request: ${bytes(SMALL).toLocaleString("en")} bytes.`,
);
console.log(
  `  With every field at its limit an item is ${largestBytes.toLocaleString("en")} bytes: ${Math.floor((MAX_BODY_BYTES - 12) / largestBytes)} such items fit in the limit ` +
    `(${CODES.toLocaleString("en")} of them answered 413, checked).`,
);
console.log(
  `Queue sends: a bulk of ${CODES.toLocaleString("en")} sent ${messagesPerBulk.get(CODES)!.join("/")} message(s) to ${QUEUES.maintenance} (link syncs of every address), ` +
    `a bulk of ${SMALL} ${messagesPerBulk.get(SMALL)!.join("/")}; single creates write their KV records themselves and sent none; ${QUEUES.webhooks}: ${webhookMessages} (no webhooks).`,
);
console.log(`D1 statements and batches: not counted (no way here to wrap the worker's D1 bindings without changing the worker).`);
console.log(`Checked: every answer 201 with its codes in the order asked; the workspace holds ${inShard.toLocaleString("en")} codes in shard ${SHARD} and ${inDirectory.toLocaleString("en")} addresses in the directory, as created.`);
await mf.dispose();
