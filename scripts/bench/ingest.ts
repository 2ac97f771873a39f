// Ingest throughput: scans stored per second through the queue consumer into local D1, in batches
// of 100, for a workspace without webhook subscriptions and for one with three. Subscriptions add
// an outbox row to the same D1 batch and a message for the webhooks queue; the target is at least
// 90% of the throughput without them. Batches reach the consumer from a driver worker in the same
// workerd (workers/queue-driver.js), as the local Queues broker delivers them. Both run at the
// compatibility date and flags of wrangler.ingest.toml (the driver with one flag more, to call the
// consumer's queue() through its service binding).
//
//   pnpm bench:ingest [--batches 60] [--rounds 4]
import { parseArgs } from "node:util";
import { newId } from "@qr3/core";
import { FOLD_SQL } from "@qr3/db";
import { join } from "node:path";
import { buildWorker } from "../build.ts";
import { compatibilityOf, compatibilityReport, machine, median, migrate, miniflare, table } from "./lib.ts";

const { values } = parseArgs({
  options: { batches: { type: "string", default: "60" }, rounds: { type: "string", default: "4" }, concurrency: { type: "string", default: "4" } },
});
const CONCURRENCY = Number(values.concurrency);
const BATCHES = Number(values.batches);
const ROUNDS = Number(values.rounds);
const BATCH_SIZE = 100;

const USER_AGENTS = [
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
];
const COUNTRIES = ["AT", "DE", "CH", "US", "FR", "IT", "GB", "NL"];

interface Scenario {
  name: string;
  subscriptions: number;
  workspaceId: string;
  codes: Array<{ id: string; short_code: string }>;
}

const mf = miniflare({
  workers: [
    {
      name: "driver",
      compatibility: compatibilityOf("ingest", ["service_binding_extra_handlers"]),
      scriptPath: join(import.meta.dirname, "workers/queue-driver.js"),
      serviceBindings: { CONSUMER: "ingest" },
      d1Databases: { DB: "bench-ingest" },
    },
    {
      name: "ingest",
      compatibility: compatibilityOf("ingest"),
      scriptPath: buildWorker("ingest"),
      d1Databases: { DB: "bench-ingest" },
      kvNamespaces: { SALTS: "bench-salts" },
      // The webhooks queue has no consumer here: this measures what fan-out costs the storing of scans.
      queueProducers: { WEBHOOKS: "qr3-webhooks" },
      bindings: { WEBHOOK_ALLOW_LOOPBACK: "false" },
    },
  ],
});
const db = await mf.getD1Database("DB", "ingest");
const worker = await mf.getWorker("ingest");
await migrate(db as unknown as D1Database);

type Batch = ReturnType<typeof batch>;
/**
 * Delivers the batches to the consumer, `inFlight` at a time, then folds the scans still waiting
 * into the summaries: each batch's time, the final fold's and the elapsed ms (fold included).
 */
async function deliver(batches: Batch[], inFlight = 1): Promise<{ times: number[]; foldMs: number; elapsed: number }> {
  const body = JSON.stringify({ queue: "qr3-scans", batches, inFlight, fold: FOLD_SQL });
  const response = await mf.dispatchFetch("http://driver/", { method: "POST", body });
  if (!response.ok) throw new Error(`driver: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ times: number[]; foldMs: number; elapsed: number }>;
}

async function seed(name: string, subscriptions: number): Promise<Scenario> {
  const workspaceId = newId("ws");
  const now = new Date().toISOString();
  await db.prepare("INSERT INTO workspaces (id, name, plan, created_at) VALUES (?1, ?2, 'pro', ?3)").bind(workspaceId, name, now).run();
  const codes = Array.from({ length: 20 }, (_, i) => ({ id: newId("qr"), short_code: `${name}-${i}` }));
  for (const c of codes) {
    await db
      .prepare("INSERT INTO codes (id, workspace_id, short_code, url, status, created_at, updated_at) VALUES (?1, ?2, ?3, 'https://example.com', 'active', ?4, ?4)")
      .bind(c.id, workspaceId, c.short_code, now)
      .run();
  }
  for (let i = 0; i < subscriptions; i++) {
    await db
      .prepare("INSERT INTO webhooks (id, workspace_id, url, events, status, secret, created_at, updated_at) VALUES (?1, ?2, ?3, '[\"qr.scanned\"]', 'enabled', ?4, ?5, ?5)")
      .bind(newId("wh"), workspaceId, `https://hooks${i}.example.com/qr3`, `whsec_${btoa("k".repeat(32))}`, now)
      .run();
  }
  return { name, subscriptions, workspaceId, codes };
}

let sequence = 0;
function batch(s: Scenario) {
  return Array.from({ length: BATCH_SIZE }, () => {
    const code = s.codes[sequence % s.codes.length]!;
    const now = Date.now();
    sequence++;
    return {
      id: `m${sequence}`,
      timestamp: new Date(now),
      attempts: 1,
      body: {
        scan_id: newId("scn", now),
        code_id: code.id,
        workspace_id: s.workspaceId,
        scanned_at: new Date(now).toISOString(),
        country: COUNTRIES[sequence % COUNTRIES.length],
        region: null,
        city: sequence % 3 ? "Vienna" : null,
        user_agent: USER_AGENTS[sequence % USER_AGENTS.length],
        referer: sequence % 5 ? null : "https://example.com/flyer",
        language: "de",
        redirected_to: "https://example.com",
        // Mostly one scan per visitor, some visitors scanning again.
        ip_hash: (sequence % 4 ? sequence : sequence - 1).toString(16).padStart(64, "0"),
      },
    };
  });
}

const none = await seed("none", 0);
const three = await seed("three", 3);
// Warm-up: first invocations compile code and grow the database file.
await deliver([none, three, none, three, none, three].map(batch));

// Each round stores a block of batches for each scenario, the first one alternating from round to
// round, so that drift on this machine (database growth, WAL checkpoints, other load) falls on both
// alike. A block's time is its batches' (the folds the consumer ran among them included) plus the
// final fold of the scans its last batches left waiting.
const times: Record<string, number[]> = { none: [], three: [] };
const blockMs: Record<string, number[]> = { none: [], three: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const s of round % 2 ? [three, none] : [none, three]) {
    const { times: took, foldMs } = await deliver(Array.from({ length: BATCHES }, () => batch(s)));
    times[s.name]!.push(...took);
    blockMs[s.name]!.push(took.reduce((a, b) => a + b, 0) + foldMs);
  }
}
const rate = (ms: number[]) => (ms.length * BATCHES * BATCH_SIZE) / (ms.reduce((a, b) => a + b, 0) / 1000);
const rates = {
  none: blockMs.none!.map((ms) => rate([ms])),
  three: blockMs.three!.map((ms) => rate([ms])),
};

// Throughput as Queues runs a consumer: several invocations in flight (max_concurrency), which
// overlaps each one's JavaScript with the others' D1 work.
async function concurrent(s: Scenario, inFlight: number): Promise<number> {
  const { elapsed } = await deliver(Array.from({ length: BATCHES }, () => batch(s)), inFlight);
  return (BATCHES * BATCH_SIZE) / (elapsed / 1000);
}
const concurrentRates = [];
for (const inFlight of [1, 2, CONCURRENCY]) concurrentRates.push([inFlight, Math.round(await concurrent(none, inFlight))] as const);

const stored = async (s: Scenario) =>
  (await db.prepare("SELECT count(*) AS n FROM scans WHERE workspace_id = ?1").bind(s.workspaceId).first<{ n: number }>())!.n;
const staged = async (s: Scenario) =>
  (await db
    .prepare("SELECT coalesce(sum(json_array_length(scan_ids)), 0) AS n FROM webhook_outbox WHERE workspace_id = ?1")
    .bind(s.workspaceId)
    .first<{ n: number }>())!.n;
const expected = (3 + ROUNDS * BATCHES) * BATCH_SIZE;
const expectedNone = expected + 3 * BATCHES * BATCH_SIZE;
for (const s of [none, three]) {
  const want = s === none ? expectedNone : expected;
  if ((await stored(s)) !== want) throw new Error(`${s.name}: stored ${await stored(s)} scans, expected ${want}`);
  const events = await staged(s);
  if (events !== (s.subscriptions ? expected : 0)) throw new Error(`${s.name}: ${events} events staged for webhooks`);
}

// The dispatch step that follows on the webhooks queue (not part of storing scans, but it shares
// the database): outbox rows into one delivery per event and subscription.
const outboxIds = (await db.prepare("SELECT id FROM webhook_outbox ORDER BY id").all<{ id: string }>()).results.map((r) => r.id);
const dispatchStarted = performance.now();
for (let i = 0; i < outboxIds.length; i += 10) {
  const chunk = outboxIds.slice(i, i + 10).map((id, j) => ({ id: `d${i + j}`, timestamp: new Date(), attempts: 1, body: { kind: "dispatch", outbox_id: id } }));
  await worker.queue("qr3-webhooks", chunk);
}
const dispatchSeconds = (performance.now() - dispatchStarted) / 1000;
const created = (await db.prepare("SELECT count(*) AS n FROM webhook_deliveries").first<{ n: number }>())!.n;
if (created !== expected * 3) throw new Error(`dispatch created ${created} deliveries, expected ${expected * 3}`);

const base = rate(blockMs.none!);
const withSubs = rate(blockMs.three!);
const p50 = (ms: number[]) => median(ms).toFixed(1);
console.log(`\nIngest throughput: ${ROUNDS} rounds × ${BATCHES} batches × ${BATCH_SIZE} scans per scenario, in alternating blocks, one consumer at a time, folds included`);
console.log(`Machine: ${await machine()}`);
console.log(`${compatibilityReport(mf)}\n`);
console.log(
  table(
    ["subscriptions", "scans/s", "per round", "batch p50 ms", "ratio"],
    [
      ["0", Math.round(base), rates.none.map(Math.round).join(" / "), p50(times.none!), "1.00"],
      ["3", Math.round(withSubs), rates.three.map(Math.round).join(" / "), p50(times.three!), (withSubs / base).toFixed(2)],
    ],
  ),
);
console.log(`\nThe same without subscriptions, with consumer invocations in flight at once:`);
console.log(table(["in flight", "scans/s"], concurrentRates.map(([n, r]) => [String(n), r])));
console.log(`\nEvery scan stored once (${expected} per scenario), each staged once for the subscribed workspace.`);
console.log(`Dispatch on the webhooks queue afterwards: ${created} deliveries in ${dispatchSeconds.toFixed(1)} s (${Math.round(created / dispatchSeconds)} deliveries/s).`);
console.log(`Target with webhooks: ratio >= 0.90 → ${withSubs / base >= 0.9 ? "met" : "NOT met"}`);
const best = Math.max(base, ...concurrentRates.map(([, r]) => r));
console.log(`Target for ingestion: 5,000 scans/s → ${best >= 5000 ? "met" : "NOT met"} (best ${Math.round(best)} scans/s)`);
await mf.dispose();
