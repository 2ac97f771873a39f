// Redirect throughput and latency: the redirect worker with its real KV read, salt and queue send,
// against a bare worker that answers a fixed 302, on the same runtime (workerd through Miniflare,
// no wrangler proxy) in the same run, scanning a code on our own domain and one on a branded
// domain (its record read by host and path), and a code with redirect settings: ten rules, none of
// which matches the scan (so all ten are tried), then an A/B split (the visitor's bucket hashed
// from the IP) and UTM tags. Targets: at least 0.8 of the bare worker's throughput for a plain
// code, 0.85 for the code with settings.
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
// Ten rules of every kind of condition, none matching the benchmark's scan (an iPhone in Austria,
// German, now), then a split and UTM tags: the most a scan of such a code costs.
const routing = {
  rules: [
    { when: { country: ["US", "CA", "MX"] }, url: "https://example.com/na" },
    { when: { os: ["Android"] }, url: "https://play.google.com/store/apps/details?id=example" },
    { when: { device_type: ["desktop"] }, url: "https://example.com/desktop" },
    { when: { language: ["fr", "it", "es"] }, url: "https://example.com/romance" },
    { when: { country: ["AT"], language: ["en"] }, url: "https://example.com/at-en" },
    { when: { weekday: [1, 2, 3, 4, 5, 6, 7], time: { from: "03:00", to: "03:01" }, tz: "Europe/Vienna" }, url: "https://example.com/night" },
    { when: { os: ["iOS"], country: ["CH"] }, url: "https://example.com/ch-ios" },
    { when: { device_type: ["tablet"], os: ["iOS"] }, url: "https://example.com/ipad" },
    { when: { country: ["DE"], time: { from: "22:00", to: "06:00" }, tz: "Europe/Berlin" }, url: "https://example.com/de-night" },
    { when: { language: ["ja", "zh", "ko"], os: ["iOS", "Android"] }, url: "https://example.com/asia" },
  ],
  variants: [
    { url: "https://example.com/a", weight: 50 },
    { url: "https://example.com/b", weight: 50 },
  ],
  utm: { source: "flyer", medium: "print", campaign: "spring" },
};
await links.put(linkKey("bench2"), JSON.stringify({ ...JSON.parse(record()), routing }));
// Today's salt, as the ingest cron writes it a day ahead.
const salts = await mf.getKVNamespace("SALTS", "redirect");
await salts.put(saltKey(utcDate(Date.now())), "5a".repeat(32));

const targets = [
  ["bare 302 worker", "bare.bench", "/bench1", 0],
  ["redirect worker", "redirect.bench", "/bench1", 0.8],
  ["redirect, branded host", "go.example.com", "/bench1", 0.8],
  ["redirect, 10 rules + A/B + UTM", "redirect.bench", "/bench2", 0.85],
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
for (const [, host, path] of targets) await runLoad({ url: `${origin}${path}`, connections: CONNECTIONS, durationMs: 2000, headers: headers(host) });

const results = new Map<string, LoadResult[]>();
const cpu = new Map<string, number>();
for (let slice = 0; slice < SLICES; slice++) {
  for (const [name, host, path] of slice % 2 ? [...targets].reverse() : targets) {
    const before = cpuSeconds(workerd);
    const r = await runLoad({ url: `${origin}${path}`, connections: CONNECTIONS, durationMs: (SECONDS * 1000) / SLICES, headers: headers(host) });
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
for (const [i, s] of summary.entries()) {
  if (i === 0) continue;
  const target = targets[i]![3];
  const ratio = s.rps / base;
  const slices = sliceRatios(s.name);
  console.log(
    `${s.name}: target at least ${target} of the bare worker → ${ratio >= target ? "met" : "NOT met"} (${ratio.toFixed(2)}); ` +
      `ratio per slice against the bare worker's: median ${median(slices).toFixed(2)}, ${Math.min(...slices).toFixed(2)}-${Math.max(...slices).toFixed(2)}` +
      (cpu.size === targets.length ? `; workerd CPU per request, bare / this: ${(summary[0]!.cpuUs / s.cpuUs).toFixed(2)}` : ""),
  );
}
await mf.dispose();
