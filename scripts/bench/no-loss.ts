// No loss under load: 50 concurrent clients scan codes through the real local stack (wrangler
// dev: gateway, redirector, queue, ingest, the control database and every shard of
// config/shards.json) for 30 s, one code in a workspace on each shard, the clients split among
// them, so that the redirector's packs and the consumer's batches mix shards; once the queue has
// drained, the stored scans must equal the redirects answered, code by code, with no errors, and
// the summaries must count them all. wrangler dev runs each worker at its own config's
// compatibility date and flags.
//
//   pnpm bench:no-loss [--seconds 30] [--connections 50]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CONFIGS, freePort, startStack } from "../lib/stack.ts";
import { describeCompatibility, machine, readCompatibility, table } from "./lib.ts";
import { percentile, runLoad } from "./load.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "30" }, connections: { type: "string", default: "50" } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

const persistTo = mkdtempSync(join(tmpdir(), "qr3-no-loss-"));
// A copy of the sources, so that an edit in the working tree meanwhile cannot restart the stack
// (wrangler dev reloads on any change, and its local queue drops what it held).
const stack = await startStack({ persistTo, port: await freePort(), output: "ignore", snapshot: true });
try {
  const scanHeaders = { "user-agent": IPHONE, "x-dev-country": "AT", "x-dev-ip": "203.0.113.50" };
  const targets = await Promise.all(
    stack.demos.map(async (demo, i) => {
      const headers = { authorization: `Bearer ${demo.api_key}`, "content-type": "application/json" };
      const created = await fetch(`${stack.origin}/v1/codes`, { method: "POST", headers, body: JSON.stringify({ url: "https://example.com/load" }) });
      if (created.status !== 201) throw new Error(`creating a code on shard ${demo.shard}: ${created.status} ${await created.text()}`);
      const code = ((await created.json()) as { data: { id: string; short_code: string } }).data;
      // The clients split as evenly as they go.
      const connections = Math.floor(CONNECTIONS / stack.demos.length) + (i < CONNECTIONS % stack.demos.length ? 1 : 0);
      return { shard: demo.shard, headers, code, connections };
    }),
  );

  const loads = await Promise.all(
    targets.filter((t) => t.connections > 0).map(async (t) => ({
      ...t,
      load: await runLoad({ url: `${stack.origin}/${t.code.short_code}`, connections: t.connections, durationMs: SECONDS * 1000, headers: scanHeaders }),
    })),
  );
  const sum = (f: (l: (typeof loads)[number]) => number) => loads.reduce((n, l) => n + f(l), 0);
  const requests = sum((l) => l.load.requests);
  const answered = sum((l) => l.load.statuses.get(302) ?? 0);
  const errors = sum((l) => l.load.errors);
  const other = requests - answered;
  const seconds = Math.max(...loads.map((l) => l.load.seconds));
  const latencies = loads.flatMap((l) => l.load.latenciesMs);

  // Wait for the queue to drain: the stored count stops short of the answers only while it does.
  const totalOf = async (t: (typeof loads)[number]) => {
    const res = await fetch(`${stack.origin}/v1/codes/${t.code.id}/scans?days=1&include_bots=true`, { headers: t.headers });
    return ((await res.json()) as { data: { total_scans: number } }).data.total_scans;
  };
  const drainStarted = performance.now();
  let perCode = loads.map(() => 0);
  for (let stable = 0; performance.now() - drainStarted < 180_000 && perCode.reduce((a, b) => a + b, 0) < answered && stable < 30; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const next = await Promise.all(loads.map(totalOf));
    stable = String(next) === String(perCode) ? stable + 1 : 0;
    perCode = next;
  }
  const stored = perCode.reduce((a, b) => a + b, 0);
  const drained = (performance.now() - drainStarted) / 1000;
  // The same scans counted by the summaries (folded by the consumer, or by this read).
  const summarised = (
    await Promise.all(
      loads.map(async (t) => {
        const res = await fetch(`${stack.origin}/v1/codes/${t.code.id}/scans?days=2&include_bots=true`, { headers: t.headers });
        return ((await res.json()) as { data: { period_scans: number } }).data.period_scans;
      }),
    )
  ).reduce((a, b) => a + b, 0);
  const everyCode = loads.every((l, i) => perCode[i] === (l.load.statuses.get(302) ?? 0));

  console.log(`\nNo loss under load: ${CONNECTIONS} clients for ${SECONDS} s against the local stack's redirector (wrangler dev), one code on each of ${loads.length} shards`);
  console.log(`Machine: ${await machine()}`);
  console.log(`Workers (wrangler dev, one process; it adds flags of its own for [observability]):\n${describeCompatibility(CONFIGS.map(readCompatibility).map((c) => ({ ...c, name: c.worker })))}\n`);
  console.log(
    table(
      ["redirects answered", "req/s", "p50 ms", "p99 ms", "errors", "other statuses", "scans stored", "in summaries", "drained in"],
      [[answered, Math.round(requests / seconds), percentile(latencies, 50).toFixed(1), percentile(latencies, 99).toFixed(1), errors, other, stored, summarised, `${drained.toFixed(0)} s`]],
    ),
  );
  console.log(`\nPer shard, answered / stored: ${loads.map((l, i) => `shard ${l.shard} ${l.load.statuses.get(302) ?? 0} / ${perCode[i]}`).join(", ")}`);
  const met = everyCode && stored === answered && summarised === answered && errors === 0 && other === 0;
  console.log(`Target: stored = answered on every shard (and counted so by the summaries), zero errors → ${met ? "met" : "NOT met"}`);
  if (!met) process.exitCode = 1;
} finally {
  await stack.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
