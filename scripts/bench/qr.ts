// QR images: the time to draw a code's image through the API worker, per format, against reading
// the same code's JSON (GET /v1/codes/:id) in the same run, all timed inside workerd
// (workers/fetch-driver.js). The code has a full design (dots, rounded eyes, colours, a banner
// with a call to action) and a PNG logo in R2. Figures: p50 and p95 of each, and each format's
// ratio to the JSON read. Every image answered is checked (status, type, a PNG's width and a
// PDF's page size); the first request of each format, which instantiates resvg, is shown apart.
//
// The API worker is the build of scripts/build.ts, at the compatibility date and flags of
// wrangler.api.toml.
//
//   pnpm bench:qr [--requests 50]
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newApiKey, newId } from "@qr3/core";
import { insertApiKey, insertWorkspace } from "@qr3/db";
import { SCOPES } from "@qr3/schema/api";
import { QR_IMAGE_LIMITS } from "@qr3/schema/qr-style";
import { discPng } from "../../workers/api/test/images.ts";
import { buildWorker } from "../build.ts";
import { builtModules, compatibilityOf, compatibilityReport, machine, median, migrateDeployment, miniflare, rateLimitsOf, shardDatabases, table } from "./lib.ts";

const { values } = parseArgs({ options: { requests: { type: "string", default: "50" } } });
const REQUESTS = Number(values.requests);
if (!Number.isInteger(REQUESTS) || REQUESTS < 5) throw new Error("--requests must be at least 5");

const api = compatibilityOf("api");
const script = buildWorker("api");
const mf = miniflare({
  workers: [
    {
      name: "api",
      compatibility: api,
      ...builtModules(script),
      d1Databases: shardDatabases("bench-qr"),
      kvNamespaces: { LINKS: "bench-links" },
      r2Buckets: { LOGOS: "bench-logos" },
      queueProducers: { WEBHOOKS: "qr3-webhooks", MAINTENANCE: "qr3-maintenance" },
      ratelimits: rateLimitsOf("api", { RATE_LIMIT_READS: 10 * REQUESTS + 100, RATE_LIMIT_WRITES: 100 }),
      bindings: { PUBLIC_BASE_URL: "https://qr3.app", WEBHOOK_ALLOW_LOOPBACK: "false", DOH_URL: "https://dns.invalid/dns-query" },
    },
    { name: "driver", compatibility: api, scriptPath: join(import.meta.dirname, "workers/fetch-driver.js"), serviceBindings: { API: "api" } },
  ],
});
const driver = await mf.getWorker("driver");
const { control } = await migrateDeployment(mf, "api");

const workspaceId = newId("ws");
const { key, hash, prefix } = await newApiKey();
const now = new Date().toISOString();
await control.batch([
  insertWorkspace(control, { id: workspaceId, name: "Bench", plan: "business", retention_days: 365, shard: 0, created_at: now }),
  insertApiKey(control, { id: newId("key"), workspace_id: workspaceId, key_hash: hash, prefix, name: "Bench", scopes: SCOPES, created_at: now }),
]);

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`QR benchmark: wrong answer: ${what}`);
}

/** `count` GET requests to the API, one after the other, each timed inside workerd; the last answer. */
async function timed(path: string, count: number): Promise<{ times: number[]; status: number; body: string }> {
  const init = { headers: { authorization: `Bearer ${key}` } };
  const res = await driver.fetch("https://driver/", { method: "POST", body: JSON.stringify({ target: "API", url: `https://api.qr3.test${path}`, init, count }) });
  const text = await res.text();
  check(res.status === 200, `driver answered ${res.status}: ${text}`);
  return JSON.parse(text) as { times: number[]; status: number; body: string };
}

const apiWorker = await mf.getWorker("api");
/** One request straight to the API worker (not timed), for setting up and checking. */
const call = (path: string, init: RequestInit = {}) =>
  apiWorker.fetch(`https://api.qr3.test${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string> | undefined) } } as never);

const design = { foreground: "#1a237e", background: "#fff8e1", modules: "dots", eyes: "rounded", frame: "banner", cta: "Scan for the menu" };
const created = await call("/v1/codes", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: "https://example.com/menu", name: "Menu", qr_style: design }) });
const createdBody = await created.text();
check(created.status === 201, `POST /v1/codes answered ${created.status}: ${createdBody}`);
const codeId = (JSON.parse(createdBody) as { data: { id: string } }).data.id;
const logo = await call(`/v1/codes/${codeId}/logo`, { method: "PUT", headers: { "content-type": "image/png" }, body: discPng(256) });
check(logo.status === 200, `PUT logo answered ${logo.status}`);

const cases = [
  { what: "GET /v1/codes/:id (JSON, baseline)", path: `/v1/codes/${codeId}`, type: "application/json" },
  { what: "qr.svg", path: `/v1/codes/${codeId}/qr.svg`, type: "image/svg+xml" },
  { what: `qr.png, ${QR_IMAGE_LIMITS.size.default} px`, path: `/v1/codes/${codeId}/qr.png`, type: "image/png" },
  { what: `qr.png, ${QR_IMAGE_LIMITS.size.max} px`, path: `/v1/codes/${codeId}/qr.png?size=${QR_IMAGE_LIMITS.size.max}`, type: "image/png" },
  { what: `qr.pdf, ${QR_IMAGE_LIMITS.size_mm.default} mm`, path: `/v1/codes/${codeId}/qr.pdf`, type: "application/pdf" },
  { what: `qr.pdf, ${QR_IMAGE_LIMITS.size_mm.max} mm, 3 mm bleed`, path: `/v1/codes/${codeId}/qr.pdf?size_mm=${QR_IMAGE_LIMITS.size_mm.max}&bleed_mm=3`, type: "application/pdf" },
];
// The first request of each, the isolate's first render of its format included.
const first = new Map<string, number>();
for (const c of cases) first.set(c.what, (await timed(c.path, 1)).times[0]!);
// Each image once, checked: its type, a PNG's width, a PDF's page.
for (const c of cases) {
  const res = await call(c.path);
  const bytes = new Uint8Array(await res.arrayBuffer());
  check(res.status === 200 && (res.headers.get("content-type") ?? "").startsWith(c.type), `${c.what}: ${res.status} ${res.headers.get("content-type")}`);
  const width = /size=(\d+)/.exec(c.path)?.[1] ?? String(QR_IMAGE_LIMITS.size.default);
  if (c.type === "image/png") check(new DataView(bytes.buffer).getUint32(16) === Number(width), `${c.what}: a PNG ${new DataView(bytes.buffer).getUint32(16)} px wide`);
  if (c.type === "application/pdf") check(new TextDecoder("latin1").decode(bytes).startsWith("%PDF-") && /\/MediaBox/.test(new TextDecoder("latin1").decode(bytes)), `${c.what}: not a PDF with a page`);
}
// Rounds interleave the cases, so that load on the machine that comes and goes weighs on all alike.
const ROUNDS = 5;
const times = new Map<string, number[]>();
for (let r = 0; r < ROUNDS; r++) {
  for (const c of cases) {
    const res = await timed(c.path, Math.ceil(REQUESTS / ROUNDS));
    check(res.status === 200, `${c.what} answered ${res.status}: ${res.body.slice(0, 300)}`);
    times.set(c.what, [...(times.get(c.what) ?? []), ...res.times]);
  }
}

const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * 0.95))]!;
const base = median(times.get(cases[0]!.what)!);
const rows = cases.map((c) => {
  const t = times.get(c.what)!;
  return [c.what, t.length, first.get(c.what)!.toFixed(1), median(t).toFixed(1), p95(t).toFixed(1), c === cases[0] ? "1× (baseline)" : `${(median(t) / base).toFixed(1)}×`];
});
console.log(`\nQR images through the API worker: a code with dots, rounded eyes, colours, a banner and a 256 px PNG logo; ${REQUESTS} requests a case in ${ROUNDS} interleaved rounds`);
console.log(`Machine: ${await machine()}`);
console.log(`${compatibilityReport(mf)}\n`);
console.log(table(["request", "n", "first ms", "p50 ms", "p95 ms", "p50 vs JSON read"], rows));
console.log(`Times are the worker's, taken inside workerd, each the whole request (the code read from D1, the logo from R2, the render).`);
await mf.dispose();
