// Redirect throughput and latency: the redirect worker with its real KV read, salt and queue send,
// against a bare worker that answers a fixed 302, on the same runtime (workerd through Miniflare,
// no wrangler proxy) in the same run, scanning a code on our own domain and one on a branded
// domain (its record read by host and path). Target: at least 0.8 of the bare worker's throughput.
//
//   pnpm bench:redirect [--seconds 20] [--connections 50] [--slices 10]
//
// Both workers run in one workerd process, behind the same Miniflare entry worker, and are told
// apart by host name (the redirect worker's own host is redirect.bench, go.example.com stands for
// a branded domain); the three cases are loaded in turn, in alternating order, so that drift on
// this machine falls on all alike. Both run at the redirect worker's compatibility date and flags, read from
// wrangler.redirect.toml. On Linux with two or more cores, the load generator (this process) and
// the workerd it started are pinned to separate cores (taskset), so that the generator's own work
// does not compete with the worker under test: what is measured is the worker. Only this
// process's own workerd is pinned and counted: other workerd processes on the machine (test
// runs, other benchmarks) are left alone, and their CPU is not the redirect's.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { linkAddress, linkKey, newId, saltKey, utcDate } from "@qr3/core";
import { buildWorker } from "../build.ts";
import { compatibilityOf, compatibilityReport, cpuSeconds, machine, median, miniflare, ownWorkerdPids, table } from "./lib.ts";
import { percentile, runLoad, type LoadResult } from "./load.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    connections: { type: "string", default: "50" },
    slices: { type: "string", default: "10" },
  },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const SLICES = Number(values.slices);
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

const mf = miniflare({
  host: "127.0.0.1",
  port: 0,
  workers: [
    {
      name: "bare",
      compatibility: compatibilityOf("redirect"),
      routes: ["bare.bench/*"],
      script: `export default { fetch() { return new Response(null, { status: 302, headers: { location: "https://example.com/", "cache-control": "private, no-store" } }); } };`,
    },
    {
      name: "redirect",
      compatibility: compatibilityOf("redirect"),
      routes: ["redirect.bench/*", "go.example.com/*"],
      scriptPath: buildWorker("redirect"),
      kvNamespaces: { LINKS: "bench-links", SALTS: "bench-salts" },
      queueProducers: { SCANS: "qr3-scans" },
      bindings: { PRIMARY_HOST: "redirect.bench", LINK_CACHE_SECONDS: "5", SCAN_BATCH_MS: "100" },
    },
  ],
});
const origin = (await mf.ready).origin;
const links = await mf.getKVNamespace("LINKS", "redirect");
// Records as the API writes them: the redirector copies their shard into each scan message. The
// branded domain's code has the same short code as our own, as customers' codes may.
const record = () => JSON.stringify({ code_id: newId("qr"), workspace_id: newId("ws"), url: "https://example.com/", status: "active", version: 1, shard: 0 });
await links.put(linkKey("bench1"), record());
await links.put(linkKey(linkAddress("go.example.com", "bench1")), record());
// Today's salt, as the ingest cron writes it a day ahead.
const salts = await mf.getKVNamespace("SALTS", "redirect");
await salts.put(saltKey(utcDate(Date.now())), "5a".repeat(32));

const targets = [
  ["bare 302 worker", "bare.bench"],
  ["redirect worker", "redirect.bench"],
  ["redirect, branded host", "go.example.com"],
] as const;
const headers = (host: string) => ({ host, "user-agent": IPHONE, "cf-connecting-ip": "203.0.113.9", "accept-language": "de-AT,de;q=0.9" });

// Miniflare has started its workerd by now; it keeps the same one for the whole run.
const workerd = ownWorkerdPids();

/** Pins this process to the first core and its workerd to the second; false where that is not possible. */
function pinCores(): boolean {
  if (!workerd?.length || cpus().length < 2) return false;
  try {
    execFileSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
    for (const pid of workerd) execFileSync("taskset", ["-a", "-p", "-c", "1", pid], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const pinned = pinCores();
for (const [, host] of targets) await runLoad({ url: `${origin}/bench1`, connections: CONNECTIONS, durationMs: 2000, headers: headers(host) });

const results = new Map<string, LoadResult[]>();
const cpu = new Map<string, number>();
for (let slice = 0; slice < SLICES; slice++) {
  for (const [name, host] of slice % 2 ? [...targets].reverse() : targets) {
    const before = cpuSeconds(workerd);
    const r = await runLoad({ url: `${origin}/bench1`, connections: CONNECTIONS, durationMs: (SECONDS * 1000) / SLICES, headers: headers(host) });
    const after = cpuSeconds(workerd);
    if (before !== null && after !== null) cpu.set(name, (cpu.get(name) ?? 0) + after - before);
    results.set(name, [...(results.get(name) ?? []), r]);
  }
}

const summary = targets.map(([name]) => {
  const runs = results.get(name)!;
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const errors = runs.reduce((s, r) => s + r.errors, 0);
  const non302 = runs.reduce((s, r) => s + [...r.statuses].filter(([c]) => c !== 302).reduce((n, [, k]) => n + k, 0), 0);
  const cpuUs = cpu.has(name) ? (cpu.get(name)! / requests) * 1e6 : NaN;
  return { name, rps: requests / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: errors + non302, cpuUs };
});
const base = summary[0]!.rps;
const rate = (r: LoadResult) => r.requests / r.seconds;
const sliceRatios = (name: string) => results.get(name)!.map((r, i) => rate(r) / rate(results.get(targets[0][0])![i]!));

console.log(
  `\nRedirect: ${CONNECTIONS} connections, ${SECONDS} s per case in ${SLICES} alternating slices, loopback HTTP keep-alive, one workerd for all` +
    (pinned ? "; load generator and its workerd pinned to separate cores" : ""),
);
console.log(`Machine: ${await machine()}`);
console.log(compatibilityReport(mf));
console.log(
  workerd?.length
    ? `workerd measured${pinned ? " and pinned" : ""}: pid ${workerd.join(", ")} (started by this benchmark; other workerd processes on the machine are not counted)\n`
    : "workerd CPU: not measured (no /proc, or this benchmark's workerd not found)\n",
);
console.log(
  table(
    ["worker", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "workerd CPU µs/request"],
    summary.map((s) => [s.name, Math.round(s.rps), s.p50.toFixed(1), s.p99.toFixed(1), s.errors, (s.rps / base).toFixed(2), s.cpuUs.toFixed(0)]),
  ),
);
console.log();
for (const s of summary.slice(1)) {
  const ratio = s.rps / base;
  const slices = sliceRatios(s.name);
  console.log(
    `${s.name}: target at least 0.8 of the bare worker → ${ratio >= 0.8 ? "met" : "NOT met"} (${ratio.toFixed(2)}); ` +
      `ratio per slice against the bare worker's: median ${median(slices).toFixed(2)}, ${Math.min(...slices).toFixed(2)}-${Math.max(...slices).toFixed(2)}` +
      (cpu.size === targets.length ? `; workerd CPU per request, bare / this: ${(summary[0]!.cpuUs / s.cpuUs).toFixed(2)}` : ""),
  );
}
await mf.dispose();
