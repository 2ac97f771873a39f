// What D1 storage costs per scan, per shard and in total. A year of realistic traffic (./cost/
// traffic.ts) goes through the ingest worker's own queue handler, in packs of 100 scans per
// message and 10 messages per batch as the redirector and Queues send them under load, some
// messages delivered twice; the crons run as production runs them: the daily one at 00:05 UTC,
// and the 5-minute one after every batch (its other runs find nothing to do and write nothing),
// each fanning out one maintenance invocation per shard. Every D1 binding is metered
// (workers/meter-driver.js). Printed: bytes per retained scan (D1's size_after, and per table and
// index from dbstat on a copy of each shard's file), rows written per scan (every statement of
// the load: storing and folding), queue messages per scan, and the daily purge a month on.
//
//   pnpm bench:cost [--scans 1000000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { newId } from "@qr3/core";
import { claimShortCode, FOLD_SQL, insertCode, insertWorkspace } from "@qr3/db";
import { retentionDaysFor, PACK_LIMITS } from "@qr3/schema";
import { PURGE_CHUNK, PURGE_QUERY_BUDGET, type PurgeReport } from "../../workers/ingest/src/purge.ts";
import { DAILY_CRON, SCANS_BATCH_SIZE, QUEUES } from "../../workers/ingest/src/queues.ts";
import { databaseStats, hasTable, type FileStats } from "./cost/dbstat.ts";
import { SHARDS, startStack, type DriverReport, type QueueMessage, type StatementTally, type Step } from "./cost/stack.ts";
import { codePicker, DAY, dayOfScans, random, scansOnDay, type Code } from "./cost/traffic.ts";
import { compatibilityReport, machine, table } from "./lib.ts";

const { values } = parseArgs({ options: { scans: { type: "string", default: "1000000" } } });
const SCANS = Number(values.scans);
if (!Number.isInteger(SCANS) || SCANS < 1000) throw new Error("--scans takes a whole number of at least 1000");
const DAYS = 365;
const CODES = 100;
const WORKSPACES = 10;
const PLAN = "business" as const; // keeps scans 365 days: the whole year is retained
const PACK = PACK_LIMITS.scans; // scans per message: the redirector's full pack
const REDELIVERED = 0.01; // messages delivered again (at-least-once), half soon, half a day later
const FREQUENT_CRON = "*/5 * * * *";
const FIVE_MINUTES = 300_000;
const PURGE_AFTER_DAYS = 30;
// D1's limits per Worker invocation and per query.
const D1_QUERIES_PER_INVOCATION = 1000;
const D1_QUERY_MS = 30_000;
// The single database of before sharding, as measured when this benchmark was specified (200,000 scans over a
// year, 100 codes, 10 workspaces, one scan a message before packs), and the goals. Its load and fold rhythm
// were not this one's, so "before" is a reference, not a same-run baseline.
const BEFORE = { bytes: 1226, rows: 42, messages: 1 };
const GOAL = { bytes: 500, rows: 10, messages: 0.02 };

const wallStarted = performance.now();
const persist = mkdtempSync(join(tmpdir(), "qr3-cost-"));
// The shards' files run to a GiB at full size: gone however the run ends.
process.on("exit", () => rmSync(persist, { recursive: true, force: true }));
const { mf, control, shards, run } = await startStack(persist);

// ---- Seeding: workspaces spread over the shards, their codes in the shards, short codes in CONTROL.
const yearStart = Math.floor(Date.now() / DAY) * DAY - DAYS * DAY; // the year ends yesterday
const codes: Code[] = [];
const workspaceShard = new Map<string, number>();
{
  const created = new Date(yearStart - DAY).toISOString();
  const zipf = Array.from({ length: CODES }, (_, i) => 1 / (i + 1));
  const sum = zipf.reduce((a, b) => a + b, 0);
  for (let w = 0; w < WORKSPACES; w++) {
    const shard = w % SHARDS.length;
    const workspace = { id: newId("ws"), name: `Workspace ${w}`, plan: PLAN, retention_days: retentionDaysFor(PLAN), shard, created_at: created };
    await insertWorkspace(control, workspace).run();
    workspaceShard.set(workspace.id, shard);
    for (let c = w; c < CODES; c += WORKSPACES) {
      const id = newId("qr");
      const short_code = `c${w}x${c}`;
      const base = `https://shop${w}.example.com/campaign/${c}`;
      const urls = Array.from({ length: 1 + (c % 3) }, (_, v) => `${base}?utm_source=qr&utm_medium=print&utm_campaign=spring-${v}`);
      await claimShortCode(control, { short_code, workspace_id: workspace.id, code_id: id, created_at: created });
      await insertCode(shards[shard]!, { id, workspace_id: workspace.id, short_code, url: urls.at(-1)!, status: "active", created_at: created, updated_at: created });
      codes.push({ id, short_code, workspace_id: workspace.id, shard, urls, weight: zipf[c]! / sum });
    }
  }
}

// ---- The year, through the consumer and the crons, in time order.
const load: DriverReport[] = [];
let pending: Step[] = [];
let queued = 0;
const flush = async (force = false) => {
  if (!force && queued < 20) return;
  const report = await run(pending);
  if (report.retried) throw new Error(`the worker retried ${report.retried} messages: ${report.errors.slice(0, 3).join("; ")}`);
  if (report.errors.length) throw new Error(`the worker logged errors: ${report.errors.slice(0, 3).join("; ")}`);
  load.push(report);
  pending = [];
  queued = 0;
};
/** The first 5-minute cron after the last batch, while it has not run. */
let dueFold: number | null = null;
const at = async (time: number) => {
  if (dueFold !== null && dueFold <= time) {
    pending.push({ kind: "scheduled", cron: FREQUENT_CRON, time: dueFold });
    dueFold = null;
  }
};
let waiting: QueueMessage[] = [];
let later: QueueMessage[] = [];
const deliver = async (messages: QueueMessage[]) => {
  const time = Math.max(...messages.map((m) => m.timestamp)) + 1000;
  await at(time);
  pending.push({ kind: "queue", queue: QUEUES.scans, messages });
  queued++;
  dueFold = Math.floor(time / FIVE_MINUTES) * FIVE_MINUTES + FIVE_MINUTES;
  await flush();
};
const pick = codePicker(codes);
let sent = 0;
let sequence = 0;
const loadStarted = performance.now();
for (let d = 0; d < DAYS; d++) {
  const day = yearStart + d * DAY;
  const daily = day + 5 * 60_000;
  await at(daily);
  pending.push({ kind: "scheduled", cron: DAILY_CRON, time: daily });
  const count = d === DAYS - 1 ? SCANS - sent : Math.min(scansOnDay(SCANS, d, DAYS, new Date(day).getUTCDay()), SCANS - sent);
  const scans = dayOfScans(day, count, pick, yearStart, DAYS);
  sent += scans.length;
  // Packs as the redirector sends them, each stamped with its last scan's time.
  const messages: QueueMessage[] = [...later];
  later = [];
  for (let i = 0; i < scans.length; i += PACK) {
    const pack = scans.slice(i, i + PACK);
    messages.push({ id: `m${sequence++}`, timestamp: Date.parse(pack.at(-1)!.scanned_at), attempts: 1, body: { scans: pack } });
  }
  for (const m of messages.filter((m) => m.attempts === 1 && random() < REDELIVERED)) {
    const again = { ...m, attempts: 2 };
    if (random() < 0.5) later.push({ ...again, timestamp: day + DAY });
    else messages.splice(Math.min(messages.length, messages.indexOf(m) + 1 + Math.floor(random() * 30)), 0, again);
  }
  for (const m of messages) {
    waiting.push(m);
    if (waiting.length === SCANS_BATCH_SIZE) await deliver(waiting.splice(0));
  }
  if (d % 73 === 72) console.error(`  day ${d + 1}/${DAYS}: ${sent.toLocaleString("en")} scans sent, ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);
}
// The last messages come in a batch that is not full; any redelivered late come with them. Then
// the last day's daily run again (which purged what it had to before): it folds what still waits.
waiting.push(...later);
if (waiting.length) await deliver(waiting.splice(0));
pending.push({ kind: "scheduled", cron: DAILY_CRON, time: yearStart + (DAYS - 1) * DAY + 5 * 60_000 });
await at(Infinity);
await flush(true);
const loadSeconds = (performance.now() - loadStarted) / 1000;

// ---- What is stored: scans and D1's size per shard, then dbstat on copies of the files.
const stored = await Promise.all(
  shards.map(async (db) => {
    const r = await db.prepare("SELECT count(*) AS n, (SELECT count(*) FROM scan_tail) AS tail FROM scans").all<{ n: number; tail: number }>();
    return { scans: r.results[0]!.n, tail: r.results[0]!.tail, bytes: r.meta.size_after };
  }),
);
const retained = stored.reduce((s, x) => s + x.scans, 0);
if (retained !== sent) throw new Error(`stored ${retained} scans, sent ${sent}`);
if (stored.some((s) => s.tail)) throw new Error("scans are left unfolded in scan_tail");
const controlBytes = (await control.prepare("SELECT 1").all()).meta.size_after;

const fileStats = databaseStats(persist, (db) => {
  if (!hasTable(db, "codes")) return null;
  const row = db.prepare("SELECT workspace_id FROM codes LIMIT 1").get() as { workspace_id: string } | undefined;
  return row ? SHARDS[workspaceShard.get(row.workspace_id)!]! : null;
});
if (fileStats.size !== SHARDS.length) throw new Error(`found the files of ${fileStats.size} shards under ${persist}, not ${SHARDS.length}`);

// ---- The daily purge a month on, then again the same day (nothing left: its fixed queries).
const purgeTime = yearStart + (DAYS + PURGE_AFTER_DAYS) * DAY + 5 * 60_000;
const purgeRuns: DriverReport[] = [];
for (;;) {
  const report = await run([{ kind: "scheduled", cron: DAILY_CRON, time: purgeTime }]);
  purgeRuns.push(report);
  if (report.errors.length || report.retried) throw new Error(`the purge failed: ${report.errors.slice(0, 3).join("; ")}`);
  const complete = purgeReports(report).every((r) => r.purge.complete);
  if (complete && purgeReports(report).every((r) => r.purge.expired_scans === 0)) break;
  if (purgeRuns.length > 20) throw new Error("the purge did not finish in 20 runs");
}
const afterPurge = await Promise.all(shards.map(async (db) => (await db.prepare("SELECT count(*) AS n FROM scans").first<{ n: number }>())!.n));

/** Statements of a purge step: the chunked one, and the others of its batch (those that read the working table it fills). */
function stepQueries(sql: string): number {
  if (!sql.startsWith("INSERT INTO scan_purge_dims")) return 1;
  return new Set(purgeRuns[0]!.statements.filter((s) => s.sql.includes("scan_purge_dims")).map((s) => s.sql)).size;
}

function purgeReports(report: DriverReport): Array<{ shard: number; purge: PurgeReport }> {
  return report.logs
    .map((l) => JSON.parse(l) as { event?: string; shard: number; purge: PurgeReport })
    .filter((l) => l.event === "maintenance_finished");
}

// ---- Report.
const all = load.flatMap((r) => r.statements);
const sum = (xs: StatementTally[], f: (s: StatementTally) => number) => xs.reduce((a, s) => a + f(s), 0);
const bytesOf = (n: number) => n.toLocaleString("en");
const fixed = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const mark = (ok: boolean) => (ok ? "met" : "NOT met");

console.log(`\nStorage cost: ${retained.toLocaleString("en")} scans over ${DAYS} days, ${CODES} codes in ${WORKSPACES} workspaces on ${SHARDS.length} shards`);
console.log(`Load through the consumer and the crons: ${loadSeconds.toFixed(0)} s. Machine: ${await machine()}`);
console.log(`${compatibilityReport(mf)}\n`);

// Deleting what expired (the daily run's visitor prune and purge, during the load) is counted
// apart: it is no part of storing and folding a scan, and the purge's own figures follow below.
const deleting = (sql: string) => {
  const words = sql.trim();
  return (/^DELETE/.test(words) && !FOLD_SQL.includes(sql)) || /^(INSERT INTO scan_purge_(dims|quarters)|UPDATE scan_(dim|hour)_months AS m|UPDATE visitor_horizon)/.test(words);
};
const storing = all.filter((s) => !deleting(s.sql));
const deletedRows = sum(all.filter((s) => deleting(s.sql)), (s) => s.rows_written);

// The headline figures, per shard and in total.
const perShard = SHARDS.map((binding, i) => {
  const statements = storing.filter((s) => s.binding === binding);
  return { binding, scans: stored[i]!.scans, bytes: stored[i]!.bytes, rows: sum(statements, (s) => s.rows_written) };
});
const totalBytes = perShard.reduce((a, s) => a + s.bytes, 0);
const totalRows = sum(storing, (s) => s.rows_written);

const delivered = load.reduce((a, r) => a + (r.delivered[QUEUES.scans] ?? 0), 0);
const consumerSent = load.reduce((a, r) => a + (r.sent.WEBHOOKS ?? 0) + (r.sent.SCANS ?? 0), 0);
const messagesPerScan = (delivered + consumerSent) / retained;
const bytesPerScan = totalBytes / retained;
const rowsPerScan = totalRows / retained;
console.log(
  table(
    ["figure", ...SHARDS, "total", "goal", "before", ""],
    [
      ["retained scans", ...perShard.map((s) => s.scans.toLocaleString("en")), retained.toLocaleString("en"), "", "", ""],
      ["D1 size_after, MiB", ...perShard.map((s) => fixed(s.bytes / 2 ** 20)), fixed(totalBytes / 2 ** 20), "", "", ""],
      ["bytes per retained scan", ...perShard.map((s) => fixed(s.bytes / s.scans, 0)), fixed(bytesPerScan, 0), `<= ${GOAL.bytes}`, BEFORE.bytes, mark(bytesPerScan <= GOAL.bytes)],
      ["rows written per scan (store + fold)", ...perShard.map((s) => fixed(s.rows / s.scans)), fixed(rowsPerScan), `<= ${GOAL.rows}`, BEFORE.rows, mark(rowsPerScan <= GOAL.rows)],
      ["rows written per scan deleting expired rows", ...SHARDS.map(() => ""), fixed(deletedRows / retained), "", "", ""],
      ["queue messages per scan", ...SHARDS.map(() => ""), fixed(messagesPerScan, 4), `<= ${GOAL.messages}`, BEFORE.messages, mark(messagesPerScan <= GOAL.messages)],
    ],
  ),
);
console.log(
  `  The control database (workspaces, short codes): ${bytesOf(controlBytes)} bytes, in no shard's figure. Queue messages: ${delivered.toLocaleString("en")} scans-queue ` +
    `deliveries of ${sequence.toLocaleString("en")} packs (${(((delivered - sequence) / sequence) * 100).toFixed(1)}% redelivered) and ${consumerSent} sent on by the consumer; ` +
    `the crons add ${SHARDS.length} maintenance messages a run whatever the traffic, ${(SHARDS.length * (288 + 1)).toLocaleString("en")} a day.`,
);

// Where the rows written go: statement by statement.
const label = (sql: string) => {
  const fold = FOLD_SQL.indexOf(sql);
  const words = sql.replace(/\s+/g, " ").trim();
  if (fold >= 0) return `fold ${String(fold + 1).padStart(2)}/${FOLD_SQL.length}: ${words.slice(0, 52)}`;
  if (words.startsWith("INSERT INTO scan_intake")) return "store: INSERT INTO scan_intake (trigger: scans, tail)";
  if (words.startsWith("INSERT OR IGNORE INTO scan_visitors")) return "store: late scans' visitor rows rebuilt";
  if (words.startsWith("UPDATE codes SET total_scans")) return "store: the batch's counters per code";
  if (words.startsWith("INSERT INTO workspace_monthly_scans")) return "store: the batch's monthly usage per workspace";
  return words.slice(0, 62);
};
const byStatement = new Map<string, { rows: number; queries: number; ms: number; perShard: number[] }>();
for (const s of all) {
  const key = `${s.category === "ingest" ? "consumer" : s.category}  ${label(s.sql)}`;
  const e = byStatement.get(key) ?? { rows: 0, queries: 0, ms: 0, perShard: SHARDS.map(() => 0) };
  e.rows += s.rows_written;
  e.queries += s.queries;
  e.ms += s.ms;
  const shard = SHARDS.indexOf(s.binding);
  if (shard >= 0) e.perShard[shard]! += s.rows_written;
  byStatement.set(key, e);
}
console.log(`\nRows written per scan, by statement (D1's rows_written over the whole load; "consumer" = the scans queue handler and its waitUntil fold):`);
console.log(
  table(
    ["invocation  statement", "queries", "D1 s", ...SHARDS, "total"],
    [...byStatement]
      .filter(([, e]) => e.rows > 0)
      .sort((a, b) => b[1].rows - a[1].rows)
      .map(([k, e]) => [k, e.queries.toLocaleString("en"), fixed(e.ms / 1000), ...e.perShard.map((r, i) => fixed(r / perShard[i]!.scans, 2)), fixed(e.rows / retained, 2)]),
  ),
);
const wall = (category: string) => (load.reduce((a, r) => a + (r.wall_ms[category] ?? 0), 0) / 1000).toFixed(0);
console.log(`  Time in workerd: consumer ${wall("ingest")} s, maintenance ${wall("maintenance")} s, crons ${wall("cron")} s.`);
const slow = [...byStatement].filter(([, e]) => e.rows === 0).sort((a, b) => b[1].ms - a[1].ms).slice(0, 3);
console.log(`  Statements that write nothing, by D1 time: ${slow.map(([k, e]) => `${k.replace(/\s+/g, " ").slice(0, 70)} (${e.queries.toLocaleString("en")} queries, ${fixed(e.ms / 1000)} s)`).join("; ")}.`);
const maxQueries = (category: string) => Math.max(...load.map((r) => r.max_queries[category] ?? 0));
console.log(
  `  Most D1 queries in one invocation: consumer ${maxQueries("ingest")}, maintenance ${maxQueries("maintenance")}, cron ${maxQueries("cron")} (D1 allows ${D1_QUERIES_PER_INVOCATION}).`,
);

// What each byte buys: every table and index, per shard.
const names = [...new Set([...fileStats.values()].flatMap((f) => f.parts.map((p) => p.name)))];
const statsOf = (i: number): FileStats => fileStats.get(SHARDS[i]!)!;
const bytesIn = (i: number, name: string) => statsOf(i).parts.find((p) => p.name === name)?.bytes ?? 0;
const tableOf = (name: string) => [...fileStats.values()].flatMap((f) => f.parts).find((p) => p.name === name)!.table;
const rowsFor = (name: string, label = name): Array<string | number> => {
  const bytes = SHARDS.map((_, i) => (name === "(free pages)" ? statsOf(i).free : bytesIn(i, name)));
  const total = bytes.reduce((a, b) => a + b, 0);
  return [label, name === "(free pages)" || tableOf(name) === name ? "" : tableOf(name), ...bytes.map((b, i) => fixed(b / stored[i]!.scans)), fixed(total / retained), `${((100 * total) / totalBytes).toFixed(1)}%`];
};
const ordered = names
  .map((name) => ({ name, total: SHARDS.reduce((a, _, i) => a + bytesIn(i, name), 0) }))
  .filter((p) => p.total >= SHARDS.length * 4096 * 2)
  .sort((a, b) => b.total - a.total);
const small = names.filter((n) => !ordered.some((o) => o.name === n));
const smallBytes = SHARDS.map((_, i) => small.reduce((a, n) => a + bytesIn(i, n), 0));
// D1's size_after counts the pages in use: the file's pages less its freelist.
const inUse = SHARDS.reduce((a, _, i) => a + statsOf(i).file - statsOf(i).free, 0);
console.log(
  `\nBytes per retained scan by table and index (dbstat on a copy of each shard's file; its pages in use ${inUse === totalBytes ? "are exactly D1's size_after" : `${bytesOf(inUse)} bytes against D1's size_after ${bytesOf(totalBytes)}`}):`,
);
console.log(
  table(
    ["table or index", "of table", ...SHARDS, "total", "share"],
    [
      ...ordered.map((p) => rowsFor(p.name)),
      [`${small.length} others, each under two pages a shard`, "", ...smallBytes.map((b, i) => fixed(b / stored[i]!.scans)), fixed(smallBytes.reduce((a, b) => a + b, 0) / retained), `${((100 * smallBytes.reduce((a, b) => a + b, 0)) / totalBytes).toFixed(1)}%`],
      rowsFor("(free pages)", "(free pages: in the file, not in size_after)"),
    ],
  ),
);

// The purge a month on.
const first = purgeRuns[0]!;
const firstReports = purgeReports(first);
const idle = purgeReports(purgeRuns.at(-1)!);
console.log(
  `\nDaily purge ${PURGE_AFTER_DAYS} days after the year's end (${new Date(purgeTime).toISOString().slice(0, 10)}): each shard's maintenance invocation, ` +
    `${purgeRuns.length - 1} run(s) to purge everything expired (the last run: nothing left to delete).`,
);
const purgeRows = SHARDS.map((binding, i) => {
  const report = firstReports.find((r) => r.shard === i)!.purge;
  const statements = first.statements.filter((s) => s.binding === binding && s.category === "maintenance");
  const seconds = sum(statements, (s) => s.ms) / 1000;
  const deleted = report.expired_scans + report.expired_summaries;
  const baseQueries = idle.find((r) => r.shard === i)!.purge.queries;
  // Purge queries each expiring scan costs, its summary rows' deletes included, beyond the run's
  // fixed ones: each step repeats its statements for every PURGE_CHUNK rows it deletes.
  const perScan = sum(statements.filter((s) => /^(DELETE|INSERT INTO scan_purge_dims)/.test(s.sql.trim()) && /LIMIT \?\d/.test(s.sql)), (s) => (s.changes * stepQueries(s.sql)) / PURGE_CHUNK) / report.expired_scans;
  const keepUp = (PURGE_QUERY_BUDGET - baseQueries) / perScan;
  const daily = stored[i]!.scans / DAYS;
  const slowest = Math.max(...statements.map((s) => s.max_ms));
  return { report, seconds, deleted, written: sum(statements, (s) => s.rows_written), baseQueries, perScan, keepUp, daily, slowest, left: afterPurge[i]! };
});
console.log(
  table(
    ["purge", ...SHARDS, "goal", ""],
    [
      ["expired scans deleted", ...purgeRows.map((p) => p.report.expired_scans.toLocaleString("en")), "", ""],
      ["expired summary rows deleted", ...purgeRows.map((p) => p.report.expired_summaries.toLocaleString("en")), "", ""],
      ["purge queries (first run; complete?)", ...purgeRows.map((p) => `${p.report.queries} (${p.report.complete ? "yes" : "no"})`), `<= ${PURGE_QUERY_BUDGET}`, ""],
      ["D1 time of its statements, s", ...purgeRows.map((p) => fixed(p.seconds, 2)), "", ""],
      ["rows deleted per second (scans + summaries)", ...purgeRows.map((p) => Math.round(p.deleted / p.seconds).toLocaleString("en")), "", ""],
      ["rows written (D1) per second", ...purgeRows.map((p) => Math.round(p.written / p.seconds).toLocaleString("en")), "", ""],
      ["slowest purge statement, ms", ...purgeRows.map((p) => fixed(p.slowest, 0)), `< ${D1_QUERY_MS.toLocaleString("en")}`, mark(purgeRows.every((p) => p.slowest < D1_QUERY_MS))],
      ["fixed queries of a daily run (q0)", ...purgeRows.map((p) => p.baseQueries), "", ""],
      ["  of which deleting (counted in chunks: q1 below)", ...purgeRows.map((p) => p.report.queries - p.baseQueries), "", ""],
      ["purge queries per expiring scan (q1)", ...purgeRows.map((p) => p.perScan.toExponential(2)), "", ""],
      ["scans/day the daily run keeps up with", ...purgeRows.map((p) => Math.round(p.keepUp).toLocaleString("en")), ">= scans/day", mark(purgeRows.every((p) => p.keepUp >= p.daily))],
      ["  this shard's scans/day (year's mean)", ...purgeRows.map((p) => Math.round(p.daily).toLocaleString("en")), "", ""],
    ],
  ),
);
const chunkSeconds = Math.max(...purgeRows.map((p) => p.slowest)) / 1000;
console.log(
  `  Keeps up with = (B - q0) / q1, where B = ${PURGE_QUERY_BUDGET} is the purge's share of the ${D1_QUERIES_PER_INVOCATION} D1 queries of the shard's maintenance ` +
    `invocation (PURGE_QUERY_BUDGET), q0 the queries of a daily run with nothing to delete, and q1 the purge queries per expiring scan measured ` +
    `on the run a month on: every chunked delete's rows / ${PURGE_CHUNK.toLocaleString("en")} (PURGE_CHUNK) x the statements of its step, summed over the scan ` +
    `and summary deletes, / expired scans. ` +
    `In steady state a day's run deletes one day's scans of a year ago, so this is the daily traffic a shard can take. The 30 s per-query limit ` +
    `bounds the chunk instead: the slowest purge statement took ${(chunkSeconds * 1000).toFixed(0)} ms here, ${((chunkSeconds * 1000 * 100) / D1_QUERY_MS).toFixed(1)}% of 30 s ` +
    `(local SQLite; D1's own primary is slower, so keep a wide margin).`,
);
console.log(`\nWall time: ${((performance.now() - wallStarted) / 1000).toFixed(0)} s`);
await mf.dispose();
