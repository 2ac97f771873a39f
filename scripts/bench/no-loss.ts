// No loss under load: 50 concurrent clients scan one code through the real local stack (wrangler
// dev: gateway, redirector, queue, ingest, D1) for 30 s; once the queue has drained, the stored
// scans must equal the redirects answered, with no errors, and the summaries must count them all.
// wrangler dev runs each worker at its own config's compatibility date and flags.
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
  const headers = { authorization: `Bearer ${stack.demo.api_key}`, "content-type": "application/json" };
  const created = await fetch(`${stack.origin}/v1/codes`, { method: "POST", headers, body: JSON.stringify({ url: "https://example.com/load" }) });
  const code = ((await created.json()) as { data: { id: string; short_code: string } }).data;

  const load = await runLoad({
    url: `${stack.origin}/${code.short_code}`,
    connections: CONNECTIONS,
    durationMs: SECONDS * 1000,
    headers: { "user-agent": IPHONE, "x-dev-country": "AT", "x-dev-ip": "203.0.113.50" },
  });
  const answered = load.statuses.get(302) ?? 0;
  const other = load.requests - answered;

  // Wait for the queue to drain: the stored count stops short of the answers only while it does.
  const drainStarted = performance.now();
  let stored = 0;
  for (let stable = 0; performance.now() - drainStarted < 180_000 && stored < answered && stable < 30; ) {
    await new Promise((r) => setTimeout(r, 1000));
    const res = await fetch(`${stack.origin}/v1/codes/${code.id}/scans?days=1&include_bots=true`, { headers });
    const next = ((await res.json()) as { data: { total_scans: number } }).data.total_scans;
    stable = next === stored ? stable + 1 : 0;
    stored = next;
  }
  const drained = (performance.now() - drainStarted) / 1000;
  // The same scans counted by the summaries (folded by the consumer, or by this read).
  const summed = await fetch(`${stack.origin}/v1/codes/${code.id}/scans?days=2&include_bots=true`, { headers });
  const summarised = ((await summed.json()) as { data: { period_scans: number } }).data.period_scans;

  console.log(`\nNo loss under load: ${CONNECTIONS} clients for ${SECONDS} s against the local stack's redirector (wrangler dev)`);
  console.log(`Machine: ${await machine()}`);
  console.log(`Workers (wrangler dev, one process; it adds flags of its own for [observability]):\n${describeCompatibility(CONFIGS.map(readCompatibility).map((c) => ({ ...c, name: c.worker })))}\n`);
  console.log(
    table(
      ["redirects answered", "req/s", "p50 ms", "p99 ms", "errors", "other statuses", "scans stored", "in summaries", "drained in"],
      [[answered, Math.round(load.requests / load.seconds), percentile(load.latenciesMs, 50).toFixed(1), percentile(load.latenciesMs, 99).toFixed(1), load.errors, other, stored, summarised, `${drained.toFixed(0)} s`]],
    ),
  );
  const met = stored === answered && summarised === answered && load.errors === 0 && other === 0;
  console.log(`\nTarget: stored = answered (and counted so by the summaries), zero errors → ${met ? "met" : "NOT met"}`);
  if (!met) process.exitCode = 1;
} finally {
  await stack.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
