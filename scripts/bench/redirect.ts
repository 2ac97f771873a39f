// Redirect throughput and latency: the redirect worker with its real KV read, salt and queue send,
// against a bare worker that answers a fixed 302, on the same runtime (workerd through Miniflare,
// no wrangler proxy) in the same run. Target: at least 0.8 of the bare worker's throughput.
//
//   pnpm bench:redirect [--seconds 10] [--connections 50]
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { linkKey, newId } from "@qr3/core";
import { buildWorker } from "../build.ts";
import { machine, miniflare, table } from "./lib.ts";
import { percentile, runLoad } from "./load.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "20" }, connections: { type: "string", default: "50" } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

const bare = miniflare({
  host: "127.0.0.1",
  port: 0,
  script: `export default { fetch() { return new Response(null, { status: 302, headers: { location: "https://example.com/", "cache-control": "private, no-store" } }); } };`,
});
const redirect = miniflare({
  host: "127.0.0.1",
  port: 0,
  scriptPath: buildWorker("redirect"),
  kvNamespaces: { LINKS: "bench-links", SALTS: "bench-salts" },
  queueProducers: { SCANS: "qr3-scans" },
  bindings: { LINK_CACHE_SECONDS: "5" },
});
const links = await redirect.getKVNamespace("LINKS");
await links.put(linkKey("bench1"), JSON.stringify({ code_id: newId("qr"), workspace_id: newId("ws"), url: "https://example.com/", status: "active" }));

const targets = [
  ["bare 302 worker", `${(await bare.ready).origin}/bench1`],
  ["redirect worker", `${(await redirect.ready).origin}/bench1`],
] as const;

/**
 * CPU seconds used so far by every workerd process (Linux /proc; null elsewhere). Only the worker
 * under load works during a slice, so the difference over a slice is that worker's CPU time, free
 * of the load generator's share of this machine.
 */
function workerdCpuSeconds(): number | null {
  try {
    let ticks = 0;
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue;
      }
      if (!stat.includes("(workerd)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return ticks / 100; // USER_HZ
  } catch {
    return null;
  }
}

// Warm both up, then measure them in turn, in four slices of alternating order, so that drift on
// this machine falls on both alike.
const SLICES = 4;
for (const [, url] of targets) await runLoad({ url, connections: CONNECTIONS, durationMs: 2000, headers: { "user-agent": IPHONE } });
const results = new Map<string, Awaited<ReturnType<typeof runLoad>>[]>();
const cpu = new Map<string, number>();
for (let slice = 0; slice < SLICES; slice++) {
  for (const [name, url] of slice % 2 ? [...targets].reverse() : targets) {
    const before = workerdCpuSeconds();
    const r = await runLoad({ url, connections: CONNECTIONS, durationMs: (SECONDS * 1000) / SLICES, headers: { "user-agent": IPHONE, "cf-connecting-ip": "203.0.113.9" } });
    const after = workerdCpuSeconds();
    if (before !== null && after !== null) cpu.set(name, (cpu.get(name) ?? 0) + after - before);
    results.set(name, [...(results.get(name) ?? []), r]);
  }
}

const summary = [...results.entries()].map(([name, runs]) => {
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const errors = runs.reduce((s, r) => s + r.errors, 0);
  const non302 = runs.reduce((s, r) => s + [...r.statuses].filter(([c]) => c !== 302).reduce((n, [, k]) => n + k, 0), 0);
  const cpuUs = cpu.has(name) ? (cpu.get(name)! / requests) * 1e6 : NaN;
  return { name, rps: requests / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors: errors + non302, cpuUs };
});
const base = summary[0]!.rps;
console.log(`\nRedirect: ${CONNECTIONS} connections, ${SECONDS} s per worker (${SLICES} alternating slices), loopback HTTP keep-alive`);
console.log(`Machine: ${await machine()}\n`);
console.log(
  table(
    ["worker", "req/s", "p50 ms", "p99 ms", "errors", "ratio", "workerd CPU µs/request"],
    summary.map((s) => [s.name, Math.round(s.rps), s.p50.toFixed(1), s.p99.toFixed(1), s.errors, (s.rps / base).toFixed(2), s.cpuUs.toFixed(0)]),
  ),
);
const ratio = summary[1]!.rps / base;
console.log(`\nTarget: at least 0.8 of the bare worker → ${ratio >= 0.8 ? "met" : "NOT met"} (${ratio.toFixed(2)})`);
if (cpu.size === 2) {
  const cpuRatio = summary[0]!.cpuUs / summary[1]!.cpuUs;
  console.log(`workerd CPU per request, bare / redirect: ${cpuRatio.toFixed(2)} (the load generator shares this machine; this ratio leaves its share out)`);
}
await bare.dispose();
await redirect.dispose();
